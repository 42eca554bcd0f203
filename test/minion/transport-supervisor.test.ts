// A minion serves what it can: a transport whose broker is down retries in the background while XML-RPC serves,
// its state shows in MinionHandle.transports(), the funcd --info state lines and func.log; CRL reloads reach it.
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { ConfigError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { loadTlsMaterial } from '../../common/tls.js';
import { startMinion, type MinionHandle } from '../../minion/daemon.js';
import { TRANSPORT_STATES_FILE, transportStateLines } from '../../minion/transport-states.js';
import { parseWire, stringifyWire } from '../../transport/wire-json.js';
import { XmlRpcClient } from '../../transport/xmlrpc/client.js';
import { xmlrpcTransport } from '../../transport/xmlrpc/index.js';
import { lineServers, lineTransport } from '../helpers/line-transport.js';
import { createTestCa, issueMinionCert, openTestStore, type TestCa } from '../helpers/pki.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { caCreds, eventually, makeMinion, type TestMinion } from './funcd-harness.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A "broker": accepts the minion's connection and sends it JSON-line calls. */
class LineBroker {
  private readonly server = net.createServer((s) => this.accept(s));
  private socket: net.Socket | null = null;
  private waiting: Array<(s: net.Socket) => void> = [];
  private replies = new Map<number, (r: Record<string, unknown>) => void>();
  private nextId = 1;

  listen(port: number): Promise<void> {
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', resolve));
  }

  private accept(s: net.Socket): void {
    this.socket = s;
    let buffered = '';
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const reply = JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>;
        buffered = buffered.slice(nl + 1);
        this.replies.get(reply.id as number)?.(reply);
      }
    });
    for (const w of this.waiting.splice(0)) w(s);
  }

  private connected(): Promise<net.Socket> {
    return this.socket ? Promise.resolve(this.socket) : new Promise((resolve) => this.waiting.push(resolve));
  }

  async call(method: string, params: unknown[]): Promise<Record<string, unknown>> {
    const s = await this.connected();
    const id = this.nextId++;
    const reply = new Promise<Record<string, unknown>>((resolve) => this.replies.set(id, resolve));
    s.write(`${JSON.stringify({ id, method, params: stringifyWire(params as never) })}\n`);
    return reply;
  }

  dropClient(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  close(): Promise<void> {
    this.socket?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('minion transport supervision', function () {
  this.timeout(30000);
  let ca: TestCa;
  let m: TestMinion;
  let handle: MinionHandle;
  let brokerPort: number;
  let broker: LineBroker;
  let scratch: string;
  const logged: string[] = [];
  const log: Logger = {
    debug: () => undefined, info: (s) => logged.push(`INFO ${s}`), warn: (s) => logged.push(`WARNING ${s}`), error: (s) => logged.push(`ERROR ${s}`),
  };

  before(async () => {
    ca = await createTestCa();
    m = await makeMinion(ca, { name: 'sup.example.org', host: '127.0.0.1' });
    scratch = await makeTempRoot('supervisor-scratch');
    brokerPort = await freePort();
    broker = new LineBroker();
  });

  after(async () => {
    await handle?.stop();
    await broker?.close();
    await Promise.all([m?.root, ca?.root, scratch].filter(Boolean).map((d) => removeTempRoot(d!)));
  });

  it('rejects a bad value of a transport\'s own minion.conf key, naming the file, key and reason', async () => {
    const err = await startMinion({
      root: m.root, log, transports: [xmlrpcTransport, lineTransport],
      settings: { listen_addr: '127.0.0.1', listen_port: '0', line_broker_port: 'many' },
    }).then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.equal(`${path.join(m.root, 'etc/func/minion.conf')} [main] line_broker_port: expected an integer, got "many"`);
  });

  it('serves XML-RPC while a transport whose broker is down retries, and shows that state', async () => {
    handle = await startMinion({
      root: m.root, log, transportRetryMs: 100, crlPollMs: 100, transports: [xmlrpcTransport, lineTransport],
      settings: { listen_addr: '127.0.0.1', listen_port: '0', line_broker_port: String(brokerPort), frobnicate: 'yes' },
    });
    expect(logged).to.include(`WARNING ${path.join(m.root, 'etc/func/minion.conf')} [main] frobnicate: unknown key, ignored`);
    const states = Object.fromEntries(handle.transports().map((t) => [t.transport, t]));
    expect(states.xmlrpc!.state).to.equal('serving');
    expect(states['line-test']!.state).to.equal('retrying');
    expect(states['line-test']!.error).to.match(/no broker at line:\/\/127\.0\.0\.1:\d+/);
    const c = caCreds(ca);
    const client = new XmlRpcClient({ tls: loadTlsMaterial(c), verifyHostName: false });
    try {
      expect(await client.call(`127.0.0.1:${handle.addresses[0]!.port}`, { method: 'test.ping', params: [] })).to.equal(1);
    } finally {
      await client.close();
    }
    const info = transportStateLines(path.join(m.root, TRANSPORT_STATES_FILE));
    expect(info[0]).to.match(/^transport states \(funcd pid \d+\):$/);
    expect(info.join('\n')).to.match(/\txmlrpc: serving 127\.0\.0\.1:\d+ since /).and.match(/\tline-test: retrying line:\/\/127\.0\.0\.1:\d+ since .*no broker at/);
    expect(logged.some((l) => /^WARNING transport line-test line:\/\/127\.0\.0\.1:\d+ cannot serve yet: no broker/.test(l))).to.equal(true);
  });

  it('starts serving on the next retry once the broker is up, and answers calls through it', async () => {
    await broker.listen(brokerPort);
    await eventually(async () => handle.transports().find((t) => t.transport === 'line-test')!.state === 'serving', 10000, 'line-test serving', 50);
    expect(logged.some((l) => l.startsWith('INFO transport line-test') && l.endsWith(': serving'))).to.equal(true);
    const sum = await broker.call('test.add', [40, 2]);
    expect(parseWire(sum.ok as string)).to.equal(42);
    const big = await broker.call('test.echo', [{ n: 2n ** 70n, inf: Infinity, when: new Date('2001-02-03T04:05:06Z') }]);
    expect(parseWire(big.ok as string)).to.deep.equal({ n: 2n ** 70n, inf: Infinity, when: new Date('2001-02-03T04:05:06Z') });
    const missing = await broker.call('nosuch.method', []);
    expect(missing.failure).to.deep.include({ type: 'func.minion.codes.ModuleNotFoundException', code: 'FUNC_ERR_MODULE_NOT_FOUND' });
  });

  it('records a transport that loses its broker after starting as retrying', async () => {
    broker.dropClient();
    await eventually(async () => handle.transports().find((t) => t.transport === 'line-test')!.state === 'retrying', 5000, 'line-test retrying', 50);
    expect(transportStateLines(path.join(m.root, TRANSPORT_STATES_FILE)).join('\n')).to.contain('line-test: retrying').and.contain('the broker went away');
  });

  it('hands a changed CRL to every transport through updateTls()', async () => {
    await issueMinionCert(ca, 'gone.example.org', scratch);
    const store = await openTestStore(ca);
    await store.revoke(['gone.example.org']);
    const crl = await fs.readFile(store.ca.crlFile, 'utf8');
    await fs.writeFile(path.join(m.root, 'etc/pki/certmaster/crl.pem'), crl);
    const server = lineServers.at(-1)!;
    await eventually(async () => server.tlsUpdates.length > 0, 5000, 'the CRL update', 50);
    expect(server.tlsUpdates.at(-1)!.crl).to.equal(crl);
    expect(new X509Certificate(server.tlsUpdates.at(-1)!.cert).subject).to.contain('CN=sup.example.org');
  });

  it('marks every transport stopped when the minion stops', async () => {
    await handle.stop();
    expect(handle.transports().map((t) => t.state)).to.deep.equal(['stopped', 'stopped']);
    expect(transportStateLines(path.join(m.root, TRANSPORT_STATES_FILE))[0]).to.match(/not running/);
  });
});
