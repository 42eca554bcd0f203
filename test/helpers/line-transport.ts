// A small transport for tests of the seam itself: the minion connects out to a "broker" (a TCP server the test
// runs) and answers JSON-line calls from it, so a test can hold the broker down, bring it up and watch the daemon.
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import { opt } from '../../common/config.js';
import { BrokerUnavailableError, ConnectionError } from '../../common/errors.js';
import { failureOf } from '../../common/remote-failure.js';
import { peerIdentity, type PeerIdentity } from '../../common/tls.js';
import { parseWire, stringifyWire } from '../../transport/wire-json.js';
import {
  defineTransport, type CallHandler, type ServerInit, type TlsMaterial, type TransportServer, type TransportServerStatus,
} from '../../transport/types.js';

type LineOptions = { line_broker_port: number };

/** The server side: one outgoing connection to the broker, one JSON line per call and per answer. */
export class LineTransportServer implements TransportServer {
  /** every TLS material handed over by updateTls(), in order */
  readonly tlsUpdates: TlsMaterial[] = [];
  private socket: net.Socket | null = null;
  private stopped = false;
  private state: TransportServerStatus;
  /** every call claims to come from the CA's certificate (which func's ACL rule lets call anything) */
  private readonly peer: PeerIdentity;

  constructor(private readonly init: ServerInit<LineOptions>, private readonly handler: CallHandler) {
    this.state = { state: 'starting', endpoint: this.endpoint };
    this.peer = peerIdentity({ raw: new X509Certificate(init.tls.ca).raw }, '127.0.0.1');
  }

  private get endpoint(): string {
    return `line://127.0.0.1:${this.init.options.line_broker_port}`;
  }

  start(): Promise<void> {
    this.stopped = false;
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: this.init.options.line_broker_port });
      s.once('error', (err) => reject(new BrokerUnavailableError(`no broker at ${this.endpoint}: ${err.message}`, { cause: err })));
      s.once('connect', () => {
        s.removeAllListeners('error');
        s.on('error', () => undefined);
        this.socket = s;
        this.state = { state: 'serving', endpoint: this.endpoint };
        s.on('close', () => this.lost());
        this.serve(s);
        resolve();
      });
    });
  }

  private serve(s: net.Socket): void {
    let buffered = '';
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        void this.answer(s, line);
      }
    });
  }

  private async answer(s: net.Socket, line: string): Promise<void> {
    const { id, method, params } = JSON.parse(line) as { id: number; method: string; params: string };
    const progress: string[] = [];
    try {
      const value = await this.handler({ method, params: parseWire(params) as never }, {
        peer: this.peer, signal: new AbortController().signal,
        onProgress: (e) => { if (e.message !== undefined) progress.push(e.message); },
      });
      s.write(`${JSON.stringify({ id, ok: stringifyWire(value), progress })}\n`);
    } catch (err) {
      s.write(`${JSON.stringify({ id, failure: failureOf(err), progress })}\n`);
    }
  }

  private lost(): void {
    this.socket = null;
    if (this.stopped) return;
    this.state = { state: 'retrying', endpoint: this.endpoint, error: 'the broker went away' };
    this.init.reportState(this.state);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.socket?.destroy();
    this.socket = null;
    this.state = { state: 'stopped', endpoint: this.endpoint };
  }

  status(): TransportServerStatus {
    return this.state;
  }

  updateTls(material: TlsMaterial): void {
    this.tlsUpdates.push(material);
  }
}

/** The servers made so far (tests look at them). */
export const lineServers: LineTransportServer[] = [];

/** The factory; pass it to startMinion({transports}) (not registered, so suites over the registry never see it). */
export const lineTransport = defineTransport({
  name: 'line-test',
  settings: { minion: { line_broker_port: opt('int', 0) }, overlord: {} },
  createServer(init, handler) {
    const server = new LineTransportServer(init, handler);
    lineServers.push(server);
    return server;
  },
  createClient() {
    return {
      call: () => Promise.reject(new ConnectionError('line-test has no client side')),
      close: () => Promise.resolve(),
    };
  },
});
