// Fan-out over real XML-RPC servers: a client's many-host call is used when it has one (same request for every
// host), per-host calls otherwise; progress events come before each host's one result event.
import { expect } from 'chai';
import { fanout, fanoutAll } from '../../overlord/fanout.js';
import { ok, outcomeFromError } from '../../transport/outcome.js';
import type {
  CallOptions, CallRequest, HostEvent, ManyCallOptions, TransportClient, WireValue,
} from '../../transport/types.js';
import { XmlRpcClient } from '../../transport/xmlrpc/client.js';
import { startServer, stopAllServers } from '../transport/xmlrpc/harness.js';

/** A client over real XML-RPC that reports one progress line per call and counts its many-host calls. */
class CountingClient implements TransportClient {
  manyCalls = 0;
  private readonly inner = new XmlRpcClient({});

  call(host: string, request: CallRequest, options: CallOptions = {}): Promise<WireValue> {
    options.onProgress?.({ message: `calling ${request.method}` });
    return this.inner.call(host, request, options);
  }

  async *callMany(hosts: readonly string[], request: CallRequest, options: ManyCallOptions = {}): AsyncGenerator<HostEvent> {
    this.manyCalls++;
    for (const host of hosts) yield { kind: 'progress', host, progress: { status: 'published' } };
    for (const host of hosts) {
      const timeout = options.timeout ?? 0;
      const outcome = await this.inner.call(host, request, { timeout }).then(ok, (err: unknown) => outcomeFromError(err, timeout));
      yield { kind: 'result', host, outcome };
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('overlord fan-out', () => {
  let hosts: string[];
  let client: CountingClient;

  before(async () => {
    const servers = [await startServer(), await startServer()];
    hosts = servers.map((s) => `127.0.0.1:${s.address.port}`);
    client = new CountingClient();
  });
  after(async () => {
    await client.close();
    await stopAllServers();
  });

  it('uses the client\'s many-host call for one request to every host, passing its progress events on', async () => {
    const events: HostEvent[] = [];
    for await (const e of fanout({ client, hosts, request: { method: 'test.add', params: [40, 2] }, timeoutMs: 5000 })) events.push(e);
    expect(client.manyCalls).to.equal(1);
    expect(events.filter((e) => e.kind === 'progress').map((e) => e.host)).to.deep.equal(hosts);
    expect(events.filter((e) => e.kind === 'result')).to.deep.equal(hosts.map((host) => ({ kind: 'result', host, outcome: { status: 'ok', value: 42 } })));
  });

  it('calls host by host when the request differs per host, each host\'s progress before its result', async () => {
    const before = client.manyCalls;
    const events: HostEvent[] = [];
    const request = (host: string): CallRequest => ({ method: 'test.echo', params: [host] });
    for await (const e of fanout({ client, hosts, request, timeoutMs: 5000, concurrency: 1 })) events.push(e);
    expect(client.manyCalls).to.equal(before);
    expect(events).to.deep.equal(hosts.flatMap((host) => [
      { kind: 'progress', host, progress: { message: 'calling test.echo' } },
      { kind: 'result', host, outcome: { status: 'ok', value: host } },
    ]));
  });

  it('falls back to per-host calls for a client without a many-host call, and classifies failures', async () => {
    const plain = new XmlRpcClient({});
    try {
      const results = await fanoutAll({ client: plain, hosts: [...hosts, '127.0.0.1:1'], request: { method: 'test.explode', params: [] }, timeoutMs: 5000 });
      const byHost = new Map(results.map((r) => [r.host, r.outcome.status]));
      expect(Object.fromEntries(byHost)).to.deep.equal({ [hosts[0]!]: 'error', [hosts[1]!]: 'error', '127.0.0.1:1': 'unreachable' });
    } finally {
      await plain.close();
    }
  });
});
