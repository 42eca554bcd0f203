// The broker itself restarted while a call runs (`rabbitmqctl stop_app` / `start_app`, a few seconds): both ends
// reconnect and re-consume by themselves, the request runs exactly once and its answer arrives before the deadline;
// a (transient) broadcast the restart dropped from a stopped minion's queue is republished and reaches it once.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Overlord } from '../../../overlord/overlord.js';
import type { HostEvent } from '../../../transport/types.js';
import { stopAll } from '../../helpers/processes.js';
import { startAmqpFleet, type AmqpFleet } from './amqp-fleet.js';

const run = promisify(execFile);
const HOST = '127.0.1.41';
const LATE = '127.0.1.42';
/** The audit lines of `method` on minion `name`, once there is one (funcd writes its audit log every 20 ms). */
const auditCalls = async (fleet: AmqpFleet, name: string, method: string): Promise<number> => {
  const root = fleet.minions.find((m) => m.name === name)!.root;
  for (const deadline = Date.now() + 2000; ;) {
    const audit = await fs.readFile(path.join(root, 'var/log/func/audit.log'), 'utf8').catch(() => '');
    const n = audit.split('\n').filter((l) => l.includes(method)).length;
    if (n > 0 || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('transport/amqp broker restart mid-call', function () {
  this.timeout(90_000);
  let fleet: AmqpFleet;
  before(async () => { fleet = await startAmqpFleet([HOST, LATE], { running: [HOST] }); });
  after(async () => {
    await run('rabbitmqctl', ['-q', 'start_app']).catch(() => {}); // never leave the broker stopped
    await fleet?.close();
    await stopAll();
  });

  it('delivers the one answer of a call that was running while the broker restarted', async () => {
    const o = new Overlord(HOST, { root: fleet.root, timeout: 60 });
    const events: HostEvent[] = [];
    let restart: Promise<unknown> | null = null;
    let stoppedAt = Infinity;
    let answeredAt = 0;
    try {
      for await (const e of o.stream('test', 'progress', 20, 500)) {
        events.push(e);
        if (e.kind === 'result') answeredAt = Date.now();
        if (e.kind === 'progress' && restart === null) {
          restart = run('rabbitmqctl', ['-q', 'stop_app']).then(() => { stoppedAt = Date.now(); return run('rabbitmqctl', ['-q', 'start_app']); });
        }
      }
      await restart;
    } finally { await o.close(); }
    expect(stoppedAt, 'the broker stopped while the call ran').to.be.below(answeredAt);
    const result = events.find((e) => e.kind === 'result');
    expect(result?.kind === 'result' && result.outcome).to.deep.equal({ status: 'ok', value: 20 });
    expect(await auditCalls(fleet, HOST, 'test.progress')).to.equal(1);
    const o2 = new Overlord(HOST, { root: fleet.root, timeout: 20 });
    try {
      expect((await o2.call('test', 'ping')).get(HOST)).to.deep.equal({ status: 'ok', value: 1 });
    } finally { await o2.close(); }
  });

  it('republishes a broadcast the restart dropped from a stopped minion\'s queue: every host answers once', async () => {
    const o = new Overlord(`${HOST};${LATE}`, { root: fleet.root, timeout: 60 });
    const results = new Map<string, unknown>();
    let restarted = false;
    try {
      for await (const e of o.stream('test', 'add', 20, 22)) {
        if (e.kind !== 'result') continue;
        results.set(e.host, e.outcome);
        if (!restarted) { // HOST answered; LATE is stopped, the broadcast waits in its queue (not on disk)
          restarted = true;
          await run('rabbitmqctl', ['-q', 'stop_app']);
          await run('rabbitmqctl', ['-q', 'start_app']);
          await fleet.start(LATE);
        }
      }
    } finally { await o.close(); }
    expect(Object.fromEntries(results)).to.deep.equal({ [HOST]: { status: 'ok', value: 42 }, [LATE]: { status: 'ok', value: 42 } });
    expect(await auditCalls(fleet, HOST, 'test.add')).to.equal(1); // the republished copy got its recorded answer
    expect(await auditCalls(fleet, LATE, 'test.add')).to.equal(1);
  });
});
