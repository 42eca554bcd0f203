// AMQP faults with real processes: a broker that is down when funcd starts (XML-RPC keeps serving, AMQP retries
// and comes up; several URLs are tried in turn), a dropped broker link mid-call, a minion killed mid-call (timeout
// by the deadline; its async job reported interrupted after the restart).
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Overlord } from '../../../overlord/overlord.js';
import { removePrefix, TEST_AMQP_URL, uniquePrefix } from '../../helpers/broker.js';
import { stopAll } from '../../helpers/processes.js';
import { TcpProxy } from '../../helpers/tcp-proxy.js';
import { startFleet, type Fleet } from '../../overlord/fleet.js';
import type { HostEvent } from '../../../transport/types.js';
import type { CallResults } from '../../../overlord/outcome.js';
import { startAmqpFleet, type AmqpFleet } from './amqp-fleet.js';

/** Waits until `check` holds, re-checking every 100 ms (the state file changes when the transport does). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function transportState(root: string, name: string): Promise<{ state: string; error?: string } | undefined> {
  try {
    const data = JSON.parse(await fs.readFile(path.join(root, 'var/lib/func/transports.json'), 'utf8')) as { transports: Array<{ transport: string; state: string; error?: string }> };
    return data.transports.find((t) => t.transport === name);
  } catch { return undefined; }
}

describe('transport/amqp faults', function () {
  this.timeout(60_000);
  after(stopAll);

  describe('broker down when funcd starts', () => {
    const HOST = '127.0.1.31';
    const prefix = uniquePrefix();
    let fleet: Fleet;
    let proxy: TcpProxy;
    const made: Overlord[] = [];
    before(async () => {
      proxy = new TcpProxy(await TcpProxy.freePort(), { host: '127.0.0.1', port: 5672 });
      fleet = await startFleet([HOST], { minionConf: { transports: 'xmlrpc, amqp', amqp_prefix: prefix, amqp_url: `amqp://guest:guest@127.0.0.1:${proxy.port}/` } });
    });
    after(async () => {
      await Promise.all(made.map((o) => o.close()));
      await proxy?.stop();
      await fleet?.close();
      await removePrefix(prefix, [`${prefix}.minion.${HOST}`]);
    });

    it('keeps serving XML-RPC, reports AMQP as retrying with the reason, and serves AMQP once the broker is there', async () => {
      const xml = new Overlord(HOST, { root: fleet.root });
      made.push(xml);
      expect((await xml.call('test', 'ping')).get(HOST)).to.deep.equal({ status: 'ok', value: 1 });
      await until('amqp is retrying', async () => (await transportState(fleet.minions[0]!.root, 'amqp'))?.state === 'retrying', 10_000);
      expect((await transportState(fleet.minions[0]!.root, 'amqp'))?.error).to.match(/cannot reach the AMQP broker.*ECONNREFUSED/);
      await proxy.start();
      await until('amqp is serving', async () => (await transportState(fleet.minions[0]!.root, 'amqp'))?.state === 'serving', 20_000);
      const amqp = new Overlord(HOST, { root: fleet.root, transport: 'amqp', settings: { amqp_prefix: prefix, amqp_url: TEST_AMQP_URL } });
      made.push(amqp);
      expect((await amqp.call('test', 'add', 2, 2)).get(HOST)).to.deep.equal({ status: 'ok', value: 4 });
    });
  });

  describe('several broker URLs', () => {
    let fleet: AmqpFleet;
    const HOST = '127.0.1.32';
    before(async () => {
      const dead = `amqp://guest:guest@127.0.0.1:${await TcpProxy.freePort()}/`;
      fleet = await startAmqpFleet([HOST], { minionConf: { amqp_url: `${dead}, ${TEST_AMQP_URL}` }, overlordConf: { amqp_url: `${dead}, ${TEST_AMQP_URL}` } });
    });
    after(async () => { await fleet?.close(); });

    it('tries them in turn on both ends', async () => {
      const o = new Overlord(HOST, { root: fleet.root });
      try {
        expect((await o.call('test', 'ping')).get(HOST)).to.deep.equal({ status: 'ok', value: 1 });
      } finally { await o.close(); }
    });
  });

  describe('a broker link cut mid-call', () => {
    const HOST = '127.0.1.33';
    let fleet: AmqpFleet;
    let minionProxy: TcpProxy;
    let overlordProxy: TcpProxy;
    before(async () => {
      minionProxy = new TcpProxy(await TcpProxy.freePort(), { host: '127.0.0.1', port: 5672 });
      overlordProxy = new TcpProxy(await TcpProxy.freePort(), { host: '127.0.0.1', port: 5672 });
      await minionProxy.start();
      await overlordProxy.start();
      fleet = await startAmqpFleet([HOST], {
        minionConf: { amqp_url: `amqp://guest:guest@127.0.0.1:${minionProxy.port}/` },
        overlordConf: { amqp_url: `amqp://guest:guest@127.0.0.1:${overlordProxy.port}/` },
      });
    });
    after(async () => { await minionProxy?.stop(); await overlordProxy?.stop(); await fleet?.close(); });

    it('reconnects both ends and still delivers the one answer, the call having run once', async () => {
      const o = new Overlord(HOST, { root: fleet.root, timeout: 30 });
      const events: HostEvent[] = [];
      try {
        for await (const e of o.stream('test', 'progress', 6, 300)) {
          events.push(e);
          if (e.kind === 'progress' && e.progress.current === 2) { minionProxy.cut(); overlordProxy.cut(); }
        }
      } finally { await o.close(); }
      const result = events.find((e) => e.kind === 'result');
      expect(result?.kind === 'result' && result.outcome).to.deep.equal({ status: 'ok', value: 6 });
      const audit = await fs.readFile(path.join(fleet.minions[0]!.root, 'var/log/func/audit.log'), 'utf8');
      expect(audit.split('\n').filter((l) => l.includes('test.progress'))).to.have.length(1);
    });
  });

  describe('a minion killed mid-call', () => {
    const HOST = '127.0.1.34';
    let fleet: AmqpFleet;
    before(async () => { fleet = await startAmqpFleet([HOST]); });
    after(async () => { await fleet?.close(); });

    it('is reported as a timeout by the deadline, and its async job as interrupted after the restart', async () => {
      const o = new Overlord(HOST, { root: fleet.root, timeout: 3 });
      try {
        const job = await o.callAsync('test', 'sleep', 60);
        const call = o.call('test', 'sleep', 20);
        const started = Date.now();
        await fleet.minions[0]!.proc!.stop('SIGKILL');
        fleet.minions[0]!.proc = null;
        expect((await call).get(HOST)?.status).to.equal('timeout');
        expect(Date.now() - started).to.be.below(4500);
        await fleet.start(HOST);
        const [code, results] = await o.jobStatus(job);
        expect(code).to.equal(1);
        const outcome = (results as CallResults).get(HOST);
        expect(outcome?.status).to.equal('error');
        expect(outcome?.status === 'error' && outcome.message).to.match(/interrupted/);
      } finally { await o.close(); }
    });
  });
});
