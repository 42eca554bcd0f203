// A deliberately thin XML-RPC caller for server benchmarks: one pre-encoded test.ping request over mutual TLS,
// replies framed by Content-Length and checked for <int>1</int>; kept-alive or a fresh full handshake per call.
import tls from 'node:tls';

const BODY = '<?xml version="1.0"?>\n<methodCall>\n<methodName>test.ping</methodName>\n<params>\n</params>\n</methodCall>\n';

/** PEM texts of the caller's identity and trust anchor. */
export interface PingCreds { key: string; cert: string; ca: string }

function request(host: string, keepAlive: boolean): Buffer {
  const head = `POST /RPC2 HTTP/1.1\r\nHost: ${host}\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\n`
    + (keepAlive ? 'Connection: keep-alive\r\n' : '') + '\r\n';
  return Buffer.from(head + BODY);
}

/** Reads one HTTP response from the socket (Content-Length framing); resolves with its body. */
function readResponse(sock: tls.TLSSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(buf.subarray(0, end).toString('latin1'));
      if (!m) return done(new Error('reply without Content-Length'));
      if (buf.length >= end + 4 + Number(m[1])) done(null, buf.subarray(end + 4, end + 4 + Number(m[1])).toString());
    };
    const onClose = () => done(new Error('connection closed before the reply was complete'));
    const done = (err: Error | null, body?: string) => {
      sock.off('data', onData).off('error', done).off('close', onClose);
      if (err) reject(err); else resolve(body!);
    };
    sock.on('data', onData).on('error', done).on('close', onClose);
  });
}

/** Calls test.ping on one server; `keepAlive` keeps one connection per caller, else each call handshakes anew. */
export class TlsPingClient {
  private readonly context: tls.SecureContext;
  private readonly req: Buffer;
  private sock: tls.TLSSocket | null = null;

  constructor(private readonly host: string, private readonly port: number, creds: PingCreds, private readonly keepAlive: boolean) {
    this.context = tls.createSecureContext({ key: creds.key, cert: creds.cert, ca: creds.ca, minVersion: 'TLSv1.2' });
    this.req = request(host, keepAlive);
  }

  private connect(): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: this.host, port: this.port, secureContext: this.context, checkServerIdentity: () => undefined }, () => {
        s.off('error', reject);
        resolve(s);
      });
      s.setNoDelay(true);
      s.once('error', reject);
    });
  }

  /** One call; rejects unless the reply carries the value 1. */
  async ping(): Promise<void> {
    const sock = this.keepAlive && this.sock && !this.sock.destroyed ? this.sock : await this.connect();
    const reply = readResponse(sock);
    sock.write(this.req);
    const body = await reply;
    if (!body.includes('<int>1</int>')) throw new Error(`unexpected reply: ${body.slice(0, 200)}`);
    if (this.keepAlive) this.sock = sock; else sock.destroy();
  }

  close(): void {
    this.sock?.destroy();
    this.sock = null;
  }
}
