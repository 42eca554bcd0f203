// func over AMQP end to end: real funcd processes and the Overlord API through the real broker — values, errors
// with func's outcomes, broadcast with a silent host reported as a timeout, live progress, unreachable hosts.
import { expect } from 'chai';
import { RemoteError } from '../../../common/errors.js';
import { silentLogger } from '../../../common/log.js';
import { loadCredentials } from '../../../overlord/credentials.js';
import { Overlord } from '../../../overlord/overlord.js';
import amqp from 'amqplib';
import { readOverlordConf } from '../../../common/config-files.js';
import { TEST_AMQP_URL } from '../../helpers/broker.js';
import { stopAll } from '../../helpers/processes.js';
import { decodeEnvelope } from '../../../transport/amqp/envelope.js';
import { AmqpClient } from '../../../transport/amqp/client.js';
import type { HostEvent } from '../../../transport/types.js';
import { startAmqpFleet, type AmqpFleet } from './amqp-fleet.js';
import { overlordSettings } from '../../../transport/amqp/settings.js';

const NAMES = ['127.0.1.1', '127.0.1.2', '127.0.1.3'];

describe('transport/amqp calls through the broker', function () {
  this.timeout(30_000);
  let fleet: AmqpFleet;
  const made: Overlord[] = [];
  const overlord = (spec: string, opts: ConstructorParameters<typeof Overlord>[1] = {}): Overlord => {
    const o = new Overlord(spec, { root: fleet.root, ...opts });
    made.push(o);
    return o;
  };

  before(async () => { fleet = await startAmqpFleet(NAMES); });
  afterEach(async () => { await Promise.all(made.splice(0).map((o) => o.close())); });
  after(async () => { await fleet?.close(); await stopAll(); });

  it('answers test.ping and carries every wire type back unchanged', async () => {
    const value = { i: 7, big: 2n ** 40n, f: 1.5, s: 'x', b: true, n: null, bytes: new Uint8Array([0, 255]), d: new Date('2026-12-03T07:00:00Z'), l: [1, [2]] };
    const results = await overlord(NAMES[0]!).call('test', 'echo', value);
    expect(results.get(NAMES[0]!)).to.deep.equal({ status: 'ok', value });
    expect((await overlord(NAMES[1]!).call('test', 'ping')).get(NAMES[1]!)).to.deep.equal({ status: 'ok', value: 1 });
  });

  it('reports a remote exception, an unknown method and bad arguments as func does', async () => {
    const o = overlord(NAMES[0]!);
    const boom = (await o.call('test', 'explode')).get(NAMES[0]!)!;
    expect(boom.status).to.equal('error');
    if (boom.status !== 'error') return;
    expect(boom.error).to.be.instanceOf(RemoteError);
    expect([boom.type, boom.message]).to.deep.equal(['exceptions.Exception', 'khhhhhhaaaaaan!!!!!!']);
    expect(boom.trace).to.not.equal('');
    const nosuch = (await o.call('test', 'nosuch')).get(NAMES[0]!)!;
    expect(nosuch.status === 'error' && nosuch.type).to.equal('func.minion.codes.InvalidMethodException');
    const bad = (await o.call('test', 'add', 1)).get(NAMES[0]!)!;
    expect(bad.status === 'error' && bad.type).to.equal('exceptions.TypeError');
  });

  describe('batches', () => {
    /** A queue of the test's own bound beside the real ones: every message published with `key` on `exchange`. */
    const tap = async (exchange: string, key: string): Promise<{ kinds(): string[]; items(): number[]; until(total: number): Promise<void>; close(): Promise<void> }> => {
      const conn = await amqp.connect(TEST_AMQP_URL, { noDelay: true });
      const ch = await conn.createChannel();
      const { queue } = await ch.assertQueue('', { exclusive: true });
      await ch.bindQueue(queue, exchange, key);
      const seen: Array<{ kind: string; items: number }> = [];
      await ch.consume(queue, (m) => {
        if (!m) return;
        const env = decodeEnvelope(m.content);
        seen.push({ kind: env.kind, items: env.kind === 'batch' ? env.items.length : 1 });
      }, { noAck: true });
      const total = (): number => seen.reduce((a, x) => a + x.items, 0);
      return {
        kinds: () => seen.map((x) => x.kind), items: () => seen.map((x) => x.items), close: () => conn.close(),
        async until(n) { for (const deadline = Date.now() + 10_000; total() < n && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20)); },
      };
    };
    const client = async (maxBatch: number) => new AmqpClient({
      options: overlordSettings({ amqp_url: [TEST_AMQP_URL], amqp_prefix: fleet.prefix, amqp_max_body_bytes: 1 << 20, amqp_max_batch: maxBatch, amqp_request_ttl: 60 }),
      tls: await loadCredentials(fleet.root, readOverlordConf(fleet.root)), verifyHostName: true, log: silentLogger,
    });

    it('sends the calls to one host made in one turn as one signed batch, and every answer comes back right', async () => {
      const requests = await tap(`${fleet.prefix}.requests`, NAMES[0]!);
      const c = await client(256);
      const replies = await tap(`${fleet.prefix}.replies`, `${c.replyQueue.split('.reply.')[1]}.#`);
      try {
        const values = await Promise.all(Array.from({ length: 64 }, (_, i) => c.call(NAMES[0]!, { method: 'test.add', params: [i, i] }, { timeout: 10_000 })));
        expect(values).to.deep.equal(Array.from({ length: 64 }, (_, i) => 2 * i));
        await Promise.all([requests.until(64), replies.until(64)]);
        expect(requests.kinds()).to.deep.equal(['batch']);
        expect(requests.items()).to.deep.equal([64]);
        expect(replies.items().reduce((a, b) => a + b, 0)).to.equal(64);
        expect(replies.kinds().length).to.be.below(64); // answers finishing in the same turn went back together
      } finally {
        await Promise.all([c.close(), requests.close(), replies.close()]);
      }
    });

    it('routes a broadcast by lower-case names, however the caller spelled them', async () => {
      const requests = await tap(`${fleet.prefix}.requests`, 'nobody-a.example');
      const c = await client(256);
      try {
        const events = [];
        for await (const e of c.callMany!(['Nobody-A.Example', 'NOBODY-B.example'], { method: 'test.ping', params: [] }, { timeout: 500 })) events.push(e);
        await requests.until(1);
        expect(requests.kinds()).to.deep.equal(['request']); // the broadcast reached the queue bound as nobody-a.example
        expect(events.map((e) => e.kind === 'result' && e.outcome.status)).to.deep.equal(['timeout', 'timeout']);
      } finally {
        await Promise.all([c.close(), requests.close()]);
      }
    });

    it('splits a broadcast too large for one BCC header into several messages; every host gets its answer', async () => {
      const fakes = Array.from({ length: 3000 }, (_, i) => `absent-${String(i).padStart(4, '0')}.builders.example.com`);
      const c = await client(256);
      try {
        const outcomes = new Map<string, string>();
        for await (const e of c.callMany!([NAMES[0]!, ...fakes, NAMES[1]!], { method: 'test.ping', params: [] }, { timeout: 3000 })) {
          if (e.kind === 'result') outcomes.set(e.host, e.outcome.status);
        }
        expect(outcomes.size).to.equal(3002);
        expect([outcomes.get(NAMES[0]!), outcomes.get(NAMES[1]!)]).to.deep.equal(['ok', 'ok']);
        // hosts without a queue: a timeout, or unreachable where a whole message found no queue (the broker returned it)
        expect([...new Set(fakes.map((f) => outcomes.get(f)))].sort()).to.deep.equal(['timeout', 'unreachable']);
      } finally {
        await c.close();
      }
    });

    it('sends one request per message with amqp_max_batch = 1', async () => {
      const requests = await tap(`${fleet.prefix}.requests`, NAMES[1]!);
      const c = await client(1);
      try {
        const values = await Promise.all(Array.from({ length: 8 }, (_, i) => c.call(NAMES[1]!, { method: 'test.add', params: [i, 1] }, { timeout: 10_000 })));
        expect(values).to.deep.equal(Array.from({ length: 8 }, (_, i) => i + 1));
        await requests.until(8);
        expect(requests.kinds()).to.deep.equal(Array(8).fill('request'));
      } finally {
        await Promise.all([c.close(), requests.close()]);
      }
    });
  });

  it('broadcasts one request to every host and reports a stopped one as a timeout at the deadline', async () => {
    await fleet.stop(NAMES[2]!);
    try {
      const started = Date.now();
      const results = await overlord('127.0.1.*', { timeout: 2 }).call('test', 'add', 2, 3);
      expect(results.get(NAMES[0]!)).to.deep.equal({ status: 'ok', value: 5 });
      expect(results.get(NAMES[1]!)).to.deep.equal({ status: 'ok', value: 5 });
      expect(results.get(NAMES[2]!)?.status).to.equal('timeout');
      expect(Date.now() - started).to.be.below(4000);
    } finally {
      await fleet.start(NAMES[2]!);
    }
  });

  it('streams progress events of a long call before its result', async () => {
    const events: HostEvent[] = [];
    for await (const e of overlord(NAMES[1]!).stream('test', 'progress', 3, 200)) events.push(e);
    const kinds = events.map((e) => (e.kind === 'progress' ? `p${e.progress.current}/${e.progress.total}` : `r:${e.outcome.status}`));
    expect(kinds).to.deep.equal(['p1/3', 'p2/3', 'p3/3', 'r:ok']);
  });

  it('reports a host that has no queue on the broker as unreachable', async () => {
    const o = overlord(NAMES[0]!);
    const client = (await o.transport()).createClient({
      options: await o.transportSettings() as never, tls: await loadCredentials(fleet.root, o.conf), verifyHostName: true, log: silentLogger,
    });
    try {
      const err = await client.call('nobody.example', { method: 'test.ping', params: [] }, { timeout: 5000 }).then(() => null, (e: Error) => e);
      expect(err?.name).to.equal('ConnectionError');
      expect(err?.message).to.match(/has no queue/);
    } finally {
      await client.close();
    }
  });
});
