// A deliberately thin XML-RPC caller for server benchmarks: one pre-encoded test.ping request over mutual TLS,
// replies framed by Content-Length and checked for <int>1</int>; kept-alive or a fresh full handshake per call.
import tls from 'node:tls';

const BODY = '<?xml version="1.0"?>\n<methodCall>\n<methodName>test.ping</methodName>\n<params>\n</params>\n</methodCall>\n';
const HEAD_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

/** PEM texts of the caller's identity and trust anchor. */
export interface PingCreds { key: string; cert: string; ca: string }

function request(host: string, keepAlive: boolean): Buffer {
  const head = `POST /RPC2 HTTP/1.1\r\nHost: ${host}\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\n`
    + (keepAlive ? 'Connection: keep-alive\r\n' : '') + '\r\n';
  return Buffer.from(head + BODY);
}

/** One TLS connection with one reply awaited at a time; its listeners are set once, not per call. */
class Connection {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (body: string) => void; reject: (err: Error) => void } | null = null;
  private failure: Error | null = null;

  constructor(readonly sock: tls.TLSSocket) {
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('error', (err: Error) => this.fail(err));
    sock.on('close', () => this.fail(new Error('connection closed before the reply was complete')));
  }

  /** Sends `req` and resolves with the reply body. */
  exchange(req: Buffer): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    const reply = new Promise<string>((resolve, reject) => { this.waiting = { resolve, reject }; });
    this.sock.write(req);
    return reply;
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    const end = this.buf.indexOf(HEAD_END);
    if (end < 0 || this.waiting === null) return;
    const m = CONTENT_LENGTH.exec(this.buf.toString('latin1', 0, end));
    if (!m) return this.fail(new Error('reply without Content-Length'));
    const size = end + 4 + Number(m[1]);
    if (this.buf.length < size) return;
    const body = this.buf.toString('utf8', end + 4, size);
    this.buf = this.buf.subarray(size);
    const w = this.waiting;
    this.waiting = null;
    w.resolve(body);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const w = this.waiting;
    this.waiting = null;
    w?.reject(err);
  }
}

/** Calls test.ping on one server; `keepAlive` keeps one connection per caller, else each call handshakes anew. */
export class TlsPingClient {
  private readonly context: tls.SecureContext;
  private readonly req: Buffer;
  private conn: Connection | null = null;
  private described = '';

  constructor(private readonly host: string, private readonly port: number, creds: PingCreds, private readonly keepAlive: boolean) {
    this.context = tls.createSecureContext({ key: creds.key, cert: creds.cert, ca: creds.ca, minVersion: 'TLSv1.2' });
    this.req = request(host, keepAlive);
  }

  private connect(): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: this.host, port: this.port, secureContext: this.context, checkServerIdentity: () => undefined }, () => {
        s.off('error', reject);
        this.described ||= describeTls(s);
        resolve(new Connection(s));
      });
      // names are not checked, so Node's certificate object for that check (chain copied and re-parsed) is not built
      s.getPeerCertificate = (() => ({})) as unknown as tls.TLSSocket['getPeerCertificate'];
      s.setNoDelay(true);
      s.once('error', reject);
    });
  }

  /** One call; rejects unless the reply carries the value 1. */
  async ping(): Promise<void> {
    const conn = this.keepAlive && this.conn && !this.conn.sock.destroyed ? this.conn : await this.connect();
    const body = await conn.exchange(this.req);
    if (!body.includes('<int>1</int>')) throw new Error(`unexpected reply: ${body.slice(0, 200)}`);
    if (this.keepAlive) this.conn = conn; else conn.sock.destroy();
  }

  /** The TLS parameters of the first connection: protocol, cipher, key exchange group, server key. */
  get tlsParameters(): string {
    return this.described;
  }

  close(): void {
    this.conn?.sock.destroy();
    this.conn = null;
  }
}

function describeTls(s: tls.TLSSocket): string {
  const key = s.getPeerX509Certificate()?.publicKey.asymmetricKeyDetails;
  const kx = s.getEphemeralKeyInfo();
  const group = kx && 'name' in kx ? kx.name : 'none';
  return `${s.getProtocol()} ${s.getCipher().name} ${group}, server key ${key?.namedCurve ?? `RSA ${key?.modulusLength}`}`;
}
