// The same end-to-end cases for every registered transport against a real minion (startMinion: real sockets, TLS,
// ACLs, job runner processes): wire types, remote errors, ACL denial, unknown module/method, bad arguments,
// deadlines, unreachable hosts, progress, async jobs. A transport joins by registering and adding a fixture.
import { expect } from 'chai';
import { BrokerUnavailableError, ConnectionError, RemoteError, TimeoutError } from '../../common/errors.js';
import { silentLogger } from '../../common/log.js';
import { isRemoteErrorList } from '../../common/remote-failure.js';
import { loadTlsMaterial, type TlsMaterial } from '../../common/tls.js';
import { startMinion, type MinionHandle } from '../../minion/daemon.js';
import { Overlord } from '../../overlord/overlord.js';
import '../../transport/index.js';
import { outcomeFromError } from '../../transport/outcome.js';
import { getTransport, transportNames } from '../../transport/registry.js';
import { overlordSettings } from '../../transport/settings.js';
import type { HostEvent, TransportClient, WireValue } from '../../transport/types.js';
import { createTestCa, issueMinionCert, type TestCa } from '../helpers/pki.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { caCreds, eventually, makeMinion, type TestMinion } from '../minion/funcd-harness.js';
import { contractFixtures } from './contract-fixtures.js';

const MINION = '127.0.0.1';

/** The rejection of a promise (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try { await p; } catch (err) { return err; }
  throw new Error('expected the call to fail, it succeeded');
}

describe('transport contract', () => {
  it('has a fixture for every registered transport', () => {
    for (const name of transportNames()) expect(contractFixtures, `test/transport/contract-fixtures.ts has no entry for '${name}'`).to.have.property(name);
  });

  for (const name of transportNames()) {
    const fixture = contractFixtures[name];
    if (fixture === undefined) continue;

    describe(`over ${name}`, function () {
      this.timeout(30000);
      let ca: TestCa;
      let m: TestMinion;
      let minion: MinionHandle;
      let scratch: string;
      let client: TransportClient;
      let stranger: TransportClient;
      let target: string;
      const call = (method: string, params: WireValue[] = [], timeout = 10000) => client.call(target, { method, params }, { timeout });
      const makeClient = (tls: TlsMaterial): TransportClient => {
        const factory = getTransport(name);
        const options = overlordSettings(factory, { values: fixture.overlordSettings(minion), file: '(contract test settings)' });
        return factory.createClient({ options, tls, verifyHostName: true, log: silentLogger });
      };

      before(async () => {
        ca = await createTestCa();
        scratch = await makeTempRoot(`contract-${name}`);
        m = await makeMinion(ca, { name: MINION, host: MINION });
        minion = await startMinion({ root: m.root, log: silentLogger, transports: [getTransport(name)], settings: await fixture.minionSettings(MINION) });
        target = fixture.target(minion);
        client = makeClient(loadTlsMaterial(caCreds(ca)));
        const s = await issueMinionCert(ca, 'stranger.example.org', scratch);
        stranger = makeClient(loadTlsMaterial({ key: s.keyPath, cert: s.certPath, ca: s.caPath }));
      });

      after(async () => {
        await client?.close();
        await stranger?.close();
        await minion?.stop();
        if (minion) await fixture.cleanup?.(minion);
        await Promise.all([m?.root, ca?.root, scratch].filter(Boolean).map((d) => removeTempRoot(d!)));
      });

      it('round-trips every wire type, nested', async () => {
        const value = {
          nil: null, yes: true, no: false, int: 42, negative: -7, max32: 2 ** 31 - 1, double: 1.5, tiny: 5e-324,
          text: 'é ☃ <&> "quoted"', empty: '', bytes: new Uint8Array([0, 1, 254, 255]), when: new Date('2001-02-03T04:05:06Z'),
          list: [1, 'two', [3, { four: 4 }], []], struct: { inner: { deeper: [true, null] } },
        };
        expect(await call('test.echo', [value])).to.deep.equal(value);
      });

      it(fixture.wire.nonFinite ? 'round-trips NaN and ±Infinity' : 'carries NaN and ±Infinity (or refuses them clearly)', async () => {
        const got = await call('test.echo', [[NaN, Infinity, -Infinity]]).catch((e: unknown) => e);
        if (fixture.wire.nonFinite) expect(got).to.deep.equal([NaN, Infinity, -Infinity]);
        else expect(got).to.be.instanceOf(RemoteError);
      });

      it(fixture.wire.bigIntResults ? 'round-trips integers beyond 32 bits' : 'refuses to return integers beyond 32 bits, as func does', async () => {
        const got = await call('test.bigint').catch((e: unknown) => e);
        if (fixture.wire.bigIntResults) {
          expect(got).to.equal(2n ** 32n);
          expect(await call('test.echo', [2n ** 70n])).to.equal(2n ** 70n);
        } else {
          expect(got).to.be.instanceOf(RemoteError);
          expect((got as RemoteError).message).to.match(/int|long|overflow|limits/i);
        }
      });

      it('rebuilds a remote exception with its type, value and trace', async () => {
        const err = await rejection(call('test.explode'));
        expect(err).to.be.instanceOf(RemoteError);
        const r = err as RemoteError;
        expect([r.remoteType, r.message]).to.deep.equal(['exceptions.Exception', 'khhhhhhaaaaaan!!!!!!']);
        expect(r.trace).to.match(/modules\/test\.[jt]s/);
      });

      it('refuses a caller the ACL does not allow, with AccessDenied', async () => {
        const err = await rejection(stranger.call(target, { method: 'test.ping', params: [] }, { timeout: 10000 }));
        expect(err).to.be.instanceOf(RemoteError).with.property('remoteCode', 'FUNC_ERR_ACCESS_DENIED');
      });

      it('names an unknown module and an unknown method', async () => {
        const mod = await rejection(call('nosuchmodule.ping')) as RemoteError;
        expect(mod).to.be.instanceOf(RemoteError);
        expect([mod.remoteType, mod.remoteCode]).to.deep.equal(['func.minion.codes.ModuleNotFoundException', 'FUNC_ERR_MODULE_NOT_FOUND']);
        expect(mod.message).to.contain('nosuchmodule');
        const meth = await rejection(call('test.nosuchmethod')) as RemoteError;
        expect([meth.remoteType, meth.remoteCode]).to.deep.equal(['func.minion.codes.InvalidMethodException', 'FUNC_ERR_METHOD_NOT_FOUND']);
        expect(meth.message).to.contain('nosuchmethod');
      });

      it('refuses bad arguments with a TypeError naming the method and what it expects', async () => {
        const err = await rejection(call('test.add', [1])) as RemoteError;
        expect(err.remoteType).to.equal('exceptions.TypeError');
        expect(err.message).to.contain('test.add').and.match(/expects 2 arguments/);
      });

      it('gives up on a call at its deadline with TimeoutError, and keeps answering', async () => {
        const started = Date.now();
        const err = await rejection(client.call(target, { method: 'test.sleep', params: [5] }, { timeout: 500 }));
        expect(err).to.be.instanceOf(TimeoutError);
        expect(Date.now() - started).to.be.below(3000);
        expect(await call('test.ping')).to.equal(1);
      });

      it('reports an unreachable host as a ConnectionError (or BrokerUnavailableError), an "unreachable" outcome', async () => {
        const err = await rejection(client.call(await fixture.unreachableTarget(), { method: 'test.ping', params: [] }, { timeout: 5000 }));
        expect(err instanceof ConnectionError || err instanceof BrokerUnavailableError, String(err)).to.equal(true);
        expect(outcomeFromError(err, 5000).status).to.equal('unreachable');
      });

      it('starts, follows and cancels an async job', async () => {
        const quick = await call('async.test.add', [2, 3]) as string;
        expect(quick).to.match(/^\d+\.\d+-minion$/);
        await eventually(async () => ((await call('jobs.job_status', [quick])) as WireValue[])[0] === 1, 10000, 'the quick job', 50);
        expect(await call('jobs.job_status', [quick])).to.deep.equal([1, 5]);
        const slow = await call('async.test.sleep', [30]) as string;
        expect(await call('jobs.job_status', [slow])).to.deep.equal([0, -1]);
        expect(await call('jobs.cancel', [slow])).to.equal(true);
        await eventually(async () => ((await call('jobs.job_status', [slow])) as WireValue[])[0] === 1, 10000, 'the cancelled job', 50);
        const [, data] = await call('jobs.job_status', [slow]) as [number, WireValue];
        expect(isRemoteErrorList(data)).to.equal(true);
        expect(await call('jobs.job_status', ['1.0-minion'])).to.deep.equal([2, 0]);
      });

      it('brings a long call\'s progress to the caller: counters and log lines, before the result', async () => {
        const o = new Overlord(MINION, { root: ca.root, transport: name, settings: fixture.overlordSettings(minion), timeout: 20 });
        try {
          const events: HostEvent[] = [];
          const id = await o.callAsync('command', 'run', 'for i in 1 2 3; do echo line$i; sleep 0.4; done');
          await o.pollJob(id, { intervalMs: 100, onProgress: (es) => events.push(...es), onResults: (rs) => events.push(...rs.map((r) => ({ kind: 'result' as const, ...r }))) });
          const lines = events.flatMap((e) => (e.kind === 'progress' && e.progress.message !== undefined ? [e.progress.message] : []));
          expect(lines).to.include.members(['line1', 'line2']);
          expect(events.at(-1)!.kind).to.equal('result');
          const counters: HostEvent[] = [];
          for await (const e of o.stream('test', 'progress', 3, 300)) counters.push(e);
          const result = counters.find((e) => e.kind === 'result');
          expect(result && result.kind === 'result' && result.outcome).to.deep.equal({ status: 'ok', value: 3 });
          const progress = counters.filter((e) => e.kind === 'progress');
          if (fixture.syncProgress) expect(progress.length).to.be.at.least(1);
          else expect(progress).to.deep.equal([]);
        } finally {
          await o.close();
        }
      });
    });
  }
});
