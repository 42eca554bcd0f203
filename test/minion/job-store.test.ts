// The async job store with real job runner processes: ids, results and errors, progress and logs, cancel,
// jobs left running by a previous daemon, expiry, damaged records and the lossless result encoding.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AccessDeniedError, JobError } from '../../common/errors.js';
import { JobIdClock, formatEpochMicros, isJobId, jobIdTime } from '../../minion/job-id.js';
import { writeRecord, type JobRecord } from '../../minion/job-record.js';
import { ChildProcessJobLauncher } from '../../minion/job-runner.js';
import { JobStore } from '../../minion/job-store.js';
import { wireFromJson, wireToJson } from '../../transport/wire-json.js';
import { remoteErrorList } from '../../common/remote-failure.js';
import type { PeerIdentity, WireValue } from '../../transport/types.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { eventually } from './funcd-harness.js';

const peer: PeerIdentity = { cn: 'overlord', subjectHash: 1, key: 'overlord-1', address: '127.0.0.1', fingerprint256: '' };

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

describe('job ids', () => {
  it('look like time.time() repr followed by -minion', () => {
    expect(formatEpochMicros(1382476364234531n)).to.equal('1382476364.234531');
    expect(formatEpochMicros(1382476364234500n)).to.equal('1382476364.2345');
    expect(formatEpochMicros(1382476364000000n)).to.equal('1382476364.0');
    expect(jobIdTime('1382476364.2345-minion')).to.equal(1382476364.2345);
  });

  it('stay unique and increasing for calls in the same millisecond', () => {
    const clock = new JobIdClock();
    const ids = Array.from({ length: 1000 }, () => clock.next(1_700_000_000_000));
    expect(new Set(ids).size).to.equal(1000);
    expect(ids.every(isJobId)).to.equal(true);
    for (let i = 1; i < ids.length; i++) expect(jobIdTime(ids[i]!)).to.be.greaterThan(jobIdTime(ids[i - 1]!));
  });

  it('are refused when they could name another file', () => {
    for (const bad of ['../x-minion', '1.5-minion/..', '1.5', 'abc-minion', '', '1.1234567-minion']) expect(isJobId(bad), bad).to.equal(false);
  });
});

describe('wire-json', () => {
  it('keeps every wire type through JSON', () => {
    const value: WireValue = [1, 2.5, -0, null, true, 'text', 2n ** 40n, new Uint8Array([0, 255]), new Date('1974-01-05T11:59:00Z'),
      Number.POSITIVE_INFINITY, { $wire: 'looks like a tag', nested: [{ a: 'b' }] }];
    const back = wireFromJson(JSON.parse(JSON.stringify(wireToJson(value))));
    expect(back).to.deep.equal(value);
  });
});

describe('JobStore', function () {
  let root: string;
  let store: JobStore;
  const open = async (extra: Partial<ConstructorParameters<typeof JobStore>[0]> = {}) => {
    const dir = path.join(root, 'var/lib/func/jobs');
    const methodLogDir = path.join(root, 'var/log/func/methods');
    const launcher = new ChildProcessJobLauncher({ root, minionName: 'jobs.example.org', moduleList: [], jobsDir: dir, methodLogDir, retentionSec: 3600 });
    const s = new JobStore({ dir, methodLogDir, retentionSec: 3600, launcher, failureToWire: (f) => remoteErrorList(f), ...extra });
    await s.open();
    return s;
  };
  const finished = (s: JobStore, id: string) => eventually(async () => (await s.status(id, peer))[0] === 1, 10000, `job ${id} to finish`, 50);

  beforeEach(async () => { root = await makeTempRoot('funcd-jobs'); store = await open(); });
  afterEach(async () => { await store.close(); await removeTempRoot(root); });

  it('runs a job in a child process and keeps its result on disk', async () => {
    const id = await store.submit('test.add', [2, 3], peer);
    expect(isJobId(id)).to.equal(true);
    expect(await store.status(id, peer)).to.deep.equal([0, -1]);
    await finished(store, id);
    expect(await store.status(id, peer)).to.deep.equal([1, 5]);
    const other = await open();
    expect(await other.status(id, peer)).to.deep.equal([1, 5]);
    await other.close();
    const [entry] = await store.list(peer);
    expect(entry).to.include({ id, method: 'test.add', state: 'finished' });
  });

  it('reports a failing method as a REMOTE_ERROR list, and system methods work too', async () => {
    const bad = await store.submit('test.explode', [], peer);
    const sys = await store.submit('system.list_modules', [], peer);
    await finished(store, bad);
    await finished(store, sys);
    const [, err] = await store.status(bad, peer);
    expect((err as unknown[]).slice(0, 3)).to.deep.equal(['REMOTE_ERROR', 'exceptions.Exception', 'khhhhhhaaaaaan!!!!!!']);
    expect((await store.status(sys, peer))[1]).to.include.members(['test', 'jobs']);
  });

  it('keeps progress and log lines in the record and the method log', async () => {
    const id = await store.submit('test.progress', [3, 20], peer);
    await finished(store, id);
    expect(await store.progress(id, peer)).to.deep.equal([3, 3]);
    const [stdout, stderr] = await store.tail(id, peer);
    expect(stdout).to.match(/ - INFO - Progress report 3\/3 completed\n$/);
    expect(stderr).to.equal('');
    await eventually(async () => (await fs.readFile(path.join(root, 'var/log/func/methods', id), 'utf8').catch(() => '')).includes('3/3'), 2000, 'the method log');
  });

  it('cancels a job by killing its process group', async () => {
    const id = await store.submit('test.sleep', [30], peer);
    await eventually(async () => (await store.list(peer)).some((j) => j.id === id && typeof j.pid === 'number'), 5000, 'the pid');
    const pid = (await store.list(peer)).find((j) => j.id === id)!.pid as number;
    await eventually(async () => alive(pid), 2000, 'the runner');
    expect(await store.cancel(id, peer)).to.equal(true);
    const [code, err] = await store.status(id, peer);
    expect(code).to.equal(1);
    expect((err as unknown[]).slice(0, 3)).to.deep.equal(['REMOTE_ERROR', 'func.minion.codes.FuncException', 'job cancelled']);
    await eventually(async () => !alive(pid), 5000, 'the runner to die');
    expect(await store.cancel(id, peer)).to.equal(false);
    expect(await store.cancel('1.0-minion', peer)).to.equal(false);
  });

  it('ends jobs a previous daemon left running, killing their leftovers', async () => {
    const id = '1900000000.5-minion';
    const leftover = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', id], { detached: true, stdio: 'ignore' });
    const record: JobRecord = { id, method: 'test.sleep', state: 'running', started: Date.now() / 1000, boot: 'old-boot', pid: leftover.pid!, caller: peer.key, progress: { current: 0, total: 0 }, log: [], stderr: [] };
    await writeRecord(path.join(root, 'var/lib/func/jobs'), { ...record, id: '1900000000.5-minion' });
    const restarted = await open();
    const [code, err] = await restarted.status(id, peer);
    expect(code).to.equal(1);
    expect((err as unknown[])[2]).to.equal('job was interrupted: funcd restarted while it ran');
    await eventually(async () => leftover.exitCode !== null || leftover.signalCode !== null, 5000, 'the leftover to be killed');
    await restarted.close();
  });

  it('purges jobs older than the retention time, keeps younger ones, and ignores damaged records', async () => {
    const dir = path.join(root, 'var/lib/func/jobs');
    const base = { method: 'test.ping', state: 'finished' as const, boot: 'b', caller: peer.key, progress: { current: 0, total: 0 }, log: [], stderr: [], result: 1 };
    const old = `${Math.floor(Date.now() / 1000) - 7200}.5-minion`;
    const young = `${Math.floor(Date.now() / 1000) - 60}.5-minion`;
    await writeRecord(dir, { ...base, id: old, started: jobIdTime(old) });
    await writeRecord(dir, { ...base, id: young, started: jobIdTime(young) });
    await fs.writeFile(path.join(dir, '1800000000.1-minion.json'), '{"not": "a record"');
    expect(await store.purge()).to.equal(1);
    expect(await store.status(old, peer)).to.deep.equal([2, 0]);
    expect(await store.status(young, peer)).to.deep.equal([1, 1]);
    expect(await store.status('1800000000.1-minion', peer)).to.deep.equal([2, 0]);
    expect((await store.list(peer)).map((j) => j.id)).to.deep.equal([young]);
  });

  it('keeps each job to the caller that started it and to the admin (CA) keys', async () => {
    const dir = path.join(root, 'var/lib/func/jobs');
    const id = `${Math.floor(Date.now() / 1000) - 5}.25-minion`;
    await writeRecord(dir, { id, method: 'test.ping', state: 'finished', started: jobIdTime(id), boot: 'b', caller: peer.key, progress: { current: 0, total: 0 }, log: [], stderr: [], result: 1 });
    const stranger: PeerIdentity = { ...peer, cn: 'nosy', key: 'nosy-2' };
    const admin: PeerIdentity = { ...peer, cn: 'ca', key: 'ca-3' };
    const withAdmin = await open({ adminKeys: ['ca-3'] });
    expect(await withAdmin.status(id, peer)).to.deep.equal([1, 1]);
    expect(await withAdmin.status(id, admin)).to.deep.equal([1, 1]);
    for (const call of [() => withAdmin.status(id, stranger), () => withAdmin.tail(id, stranger), () => withAdmin.progress(id, stranger), () => withAdmin.tail(id, stranger, 0)]) {
      const err = await call().then(() => null, (e: unknown) => e as Error);
      expect(err).to.be.instanceOf(AccessDeniedError).with.property('message').that.includes(`job ${id} belongs to another caller`);
    }
    expect(await withAdmin.list(stranger)).to.deep.equal([]);
    expect((await withAdmin.list(admin)).map((j) => j.id)).to.include(id);
    expect(await withAdmin.tail(id, peer, 0, 10)).to.deep.equal(['1', -1]);
    await withAdmin.close();
  });

  it('refuses more jobs than the limit with a JobError', async () => {
    const limited = await open({ maxRunning: 1 });
    const id = await limited.submit('test.sleep', [5], peer);
    let failure: unknown;
    try { await limited.submit('test.ping', [], peer); } catch (err) { failure = err; }
    expect(failure).to.be.instanceOf(JobError).with.property('message').that.match(/too many async jobs/);
    expect(await limited.cancel(id, peer)).to.equal(true);
    await limited.close();
  });
});
