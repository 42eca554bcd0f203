// func's async protocol end to end against a real funcd (func-compat.md §3): async.<method> → job id, jobs.*
// status, progress and output, cancel killing the whole process tree, and a funcd killed -9 while a job runs.
import { expect } from 'chai';
import fs from 'node:fs';
import { createTestCa, type TestCa } from '../helpers/pki.js';
import { stopAll, type BinProcess } from '../helpers/processes.js';
import { removeTempRoot } from '../helpers/temp-root.js';
import { caCreds, eventually, makeMinion, pyCalls, pyValue, startFuncd, type Creds, type TestMinion } from './funcd-harness.js';

/** Pids of the processes whose command line is exactly `argv` (from /proc/<pid>/cmdline). */
function processesRunning(argv: string[]): number[] {
  const want = `${argv.join('\0')}\0`;
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
    try { return fs.readFileSync(`/proc/${n}/cmdline`, 'utf8') === want; } catch { return false; }
  }).map(Number);
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

const JOB_ID = /^\d+\.\d{1,6}-minion$/;

describe('funcd async jobs', function () {
  let ca: TestCa;
  let minion: TestMinion;
  let overlord: Creds;
  let funcd: BinProcess;
  const value = (method: string, params: unknown[] = []) => pyValue(minion, overlord, method, params);
  const status = (id: string) => value('jobs.job_status', [id]) as Promise<[number, unknown]>;
  const finished = async (id: string, ms = 10000) => {
    await eventually(async () => (await status(id))[0] === 1, ms, `job ${id}`, 100);
    return (await status(id))[1];
  };
  const runnerPid = async (id: string) => {
    await eventually(async () => ((await value('jobs.list')) as Array<Record<string, unknown>>).some((j) => j.id === id && j.pid), 5000, 'the runner pid');
    return ((await value('jobs.list')) as Array<Record<string, unknown>>).find((j) => j.id === id)!.pid as number;
  };

  before(async function () {
    this.timeout(30000);
    ca = await createTestCa();
    minion = await makeMinion(ca, { name: 'async.example.org', host: '127.0.3.30' });
    overlord = caCreds(ca);
    funcd = await startFuncd(minion);
  });

  after(async () => {
    await stopAll();
    await Promise.all([minion?.root, ca?.root].filter(Boolean).map((d) => removeTempRoot(d!)));
  });

  it('returns a job id for async.test.sleep, reports [0, -1] while it runs and [1, float] after', async () => {
    const id = await value('async.test.sleep', [1]) as string;
    expect(id).to.match(JOB_ID);
    expect(Number(id.split('-')[0])).to.be.closeTo(Date.now() / 1000, 5);
    expect(await status(id)).to.deep.equal([0, -1]);
    const result = await finished(id) as { $float: string };
    expect(Number(result.$float)).to.be.closeTo(Date.now() / 1000, 5);
  });

  it('finishes func\'s async_test.py calls, errors included, within seconds', async () => {
    const r = await pyCalls(minion, overlord, [
      { method: 'async.test.sleep', params: [1] }, { method: 'async.test.ping' }, { method: 'async.test.explode' },
      { method: 'async.test.does_not_exist', params: [1, 2] }, { method: 'async.system.list_modules' },
    ], { mode: 'per_call' });
    const ids = r.map((x) => x.value as string);
    expect(new Set(ids).size).to.equal(5);
    for (const id of ids) expect(id).to.match(JOB_ID);
    let results: unknown[] = [];
    await eventually(async () => {
      const statuses = (await pyCalls(minion, overlord, ids.map((id) => ({ method: 'jobs.job_status', params: [id] })))).map((x) => x.value as [number, unknown]);
      results = statuses.map((st) => st[1]);
      return statuses.every((st) => st[0] === 1);
    }, 8000, 'all five jobs', 100);
    expect(results[1]).to.equal(1);
    expect((results[2] as unknown[]).slice(0, 3)).to.deep.equal(['REMOTE_ERROR', 'exceptions.Exception', 'khhhhhhaaaaaan!!!!!!']);
    expect((results[3] as unknown[]).slice(0, 2)).to.deep.equal(['REMOTE_ERROR', 'func.minion.codes.InvalidMethodException']);
    expect(results[4]).to.include.members(['test', 'jobs']);
  });

  it('answers [2, 0] for an unknown id', async () => {
    expect(await status('1234567890.123456-minion')).to.deep.equal([2, 0]);
    expect(await status('not a job')).to.deep.equal([2, 0]);
  });

  it('reports progress and the job\'s output lines', async () => {
    const id = await value('async.test.progress', [4, 150]) as string;
    await eventually(async () => ((await value('jobs.get_progress', [id])) as number[])[0]! >= 1, 5000, 'some progress');
    const mid = await value('jobs.get_progress', [id]) as number[];
    expect(mid[1]).to.equal(4);
    expect(await finished(id)).to.equal(4);
    expect(await value('jobs.get_progress', [id])).to.deep.equal([4, 4]);
    const [stdout, stderr] = await value('jobs.tail_output', [id]) as string[];
    expect(stdout!.trim().split('\n')).to.have.lengthOf(4);
    expect(stdout).to.contain('Progress report 4/4 completed');
    expect(stderr).to.equal('');
  });

  it('cancels a job by killing its whole process tree', async () => {
    const id = await value('async.command.run', ['sleep 60.101 & sleep 60.102; wait']) as string;
    const pid = await runnerPid(id);
    const sleeps = () => [...processesRunning(['sleep', '60.101']), ...processesRunning(['sleep', '60.102'])];
    await eventually(async () => sleeps().length === 2, 5000, 'both sleeps to run');
    expect(await value('jobs.cancel', [id])).to.equal(true);
    await eventually(async () => sleeps().length === 0 && !alive(pid), 5000, 'the runner and both sleeps to be gone');
    const [code, err] = await status(id);
    expect(code).to.equal(1);
    expect((err as unknown[]).slice(0, 3)).to.deep.equal(['REMOTE_ERROR', 'func.minion.codes.FuncException', 'job cancelled']);
    expect(await value('jobs.cancel', [id])).to.equal(false);
  });

  it('reports a job as interrupted, never running, after funcd is killed -9 mid-job and restarted', async () => {
    const id = await value('async.command.run', ['sleep 60.201']) as string;
    const pid = await runnerPid(id);
    await eventually(async () => processesRunning(['sleep', '60.201']).length === 1, 5000, 'the sleep to run');
    await funcd.stop('SIGKILL');
    await eventually(async () => processesRunning(['sleep', '60.201']).length === 0 && !alive(pid), 5000, 'the orphaned job to end');
    funcd = await startFuncd(minion);
    const [code, err] = await status(id);
    expect(code).to.equal(1);
    expect((err as unknown[]).slice(0, 3)).to.deep.equal(
      ['REMOTE_ERROR', 'func.minion.codes.FuncException', 'job was interrupted: funcd restarted while it ran']);
    const listed = (await value('jobs.list')) as Array<Record<string, unknown>>;
    expect(listed.find((j) => j.id === id)).to.include({ state: 'interrupted' });
    expect(listed.every((j) => j.state !== 'running')).to.equal(true);
  });
});
