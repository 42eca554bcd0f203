// The job runner launcher under stress and failure: many quick jobs each end with their own result, runners that
// end before taking their job are replaced, runners that die mid-job or never start fail the job with a reason.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ChildProcessJobLauncher, JOB_CHILD_SCRIPT, type JobEvents, type LauncherOptions } from '../../minion/job-runner.js';
import { JobStore } from '../../minion/job-store.js';
import { remoteErrorList } from '../../common/remote-failure.js';
import type { PeerIdentity, WireValue } from '../../transport/types.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { eventually } from './funcd-harness.js';

const peer: PeerIdentity = { cn: 'overlord', subjectHash: 1, key: 'overlord-1', address: '127.0.0.1', fingerprint256: '' };

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/**
 * A runner script that counts its starts in $RUNNER_COUNT_FILE and behaves by its start number, as `plan` says:
 * "empty" ends at once (like a job-child.js read while tsc rewrote it), "broken" throws at load (a half-written
 * import), "real" runs the real job-child.
 */
async function flakyRunner(dir: string, plan: Array<'empty' | 'broken' | 'real'>): Promise<{ script: string; env: NodeJS.ProcessEnv }> {
  const script = path.join(dir, 'flaky-runner.mjs');
  const counter = path.join(dir, 'runner-starts');
  await fs.writeFile(script, [
    "import fs from 'node:fs';",
    'const file = process.env.RUNNER_COUNT_FILE;',
    "const n = Number(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '0') + 1;",
    'fs.writeFileSync(file, String(n));',
    `const what = ${JSON.stringify(plan)}[Math.min(n, ${plan.length}) - 1];`,
    "if (what === 'broken') throw new SyntaxError('simulated: a module was read while being rewritten');",
    `if (what === 'real') await import(${JSON.stringify(pathToFileURL(JOB_CHILD_SCRIPT).href)});`,
  ].join('\n'));
  return { script, env: { ...process.env, RUNNER_COUNT_FILE: counter } };
}

describe('job runner launcher', function () {
  this.timeout(60000);
  let root: string;
  const stores: JobStore[] = [];
  const dirs = () => ({ dir: path.join(root, 'var/lib/func/jobs'), methodLogDir: path.join(root, 'var/log/func/methods') });
  const launcher = (env?: NodeJS.ProcessEnv, options?: LauncherOptions) => new ChildProcessJobLauncher(
    { root, minionName: 'runner.example.org', moduleList: [], jobsDir: dirs().dir, methodLogDir: dirs().methodLogDir, retentionSec: 3600 },
    env, options);
  const open = async (l: ChildProcessJobLauncher, maxRunning = 64) => {
    const s = new JobStore({ ...dirs(), retentionSec: 3600, launcher: l, maxRunning, failureToWire: (f) => remoteErrorList(f) });
    await s.open();
    stores.push(s);
    return s;
  };
  const ended = async (s: JobStore, id: string, ms = 20000) => {
    await eventually(async () => (await s.status(id, peer))[0] === 1, ms, `job ${id} to end`, 20);
    return (await s.status(id, peer))[1];
  };

  beforeEach(async () => { root = await makeTempRoot('funcd-runner'); });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await removeTempRoot(root);
  });

  it('ends every one of 120 quick jobs (16 at a time) with its own result', async () => {
    const store = await open(launcher());
    const results = new Map<number, WireValue>();
    let next = 0;
    const worker = async () => {
      for (let k = next++; k < 120; k = next++) {
        const id = await store.submit('test.add', [k, 1000], peer);
        results.set(k, await ended(store, id));
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const wrong = [...results].filter(([k, v]) => v !== k + 1000).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
    expect(wrong, wrong.join('\n')).to.deep.equal([]);
    expect(results.size).to.equal(120);
    expect((await store.list(peer)).filter((j) => j.state !== 'finished')).to.deep.equal([]);
  });

  it('replaces runners that end before taking the job, and the job still ends with its result', async () => {
    const { script, env } = await flakyRunner(root, ['empty', 'broken', 'real']);
    const store = await open(launcher(env, { script, relaunchDelayMs: 20 }));
    const id = await store.submit('test.add', [2, 3], peer);
    expect(await ended(store, id)).to.equal(5);
    expect(await fs.readFile(env.RUNNER_COUNT_FILE!, 'utf8')).to.equal('3');
    expect(await store.tail(id, peer)).to.deep.equal(['', '']); // the failed starts' output is not the job's
    const methodLog = await fs.readFile(path.join(dirs().methodLogDir, id), 'utf8');
    expect(methodLog).to.include('job runner ended before it took the job (exit code 0)');
    expect(methodLog).to.match(/before it took the job \(exit code 1\).*simulated: a module was read while being rewritten/);
  });

  it('fails a job whose runners never take it after the last attempt, with their output as the trace', async () => {
    const { script, env } = await flakyRunner(root, ['broken']);
    const store = await open(launcher(env, { script, startAttempts: 2, relaunchDelayMs: 20 }));
    const id = await store.submit('test.add', [2, 3], peer);
    const [tag, type, message, trace] = await ended(store, id) as string[];
    expect([tag, type, message]).to.deep.equal(['REMOTE_ERROR', 'func.minion.codes.FuncException',
      'job runner ended without a result (exit code 1 before it took the job; 2 runner(s) tried)']);
    expect(trace).to.include('simulated: a module was read while being rewritten');
    expect(await fs.readFile(env.RUNNER_COUNT_FILE!, 'utf8')).to.equal('2');
  });

  it('fails a job whose runner is killed -9 mid-job, and does not start it again', async () => {
    const store = await open(launcher());
    const id = await store.submit('test.sleep', [30], peer);
    await eventually(async () => (await store.progress(id, peer))[0] >= 1, 10000, 'the first progress report', 50);
    process.kill((await store.list(peer)).find((j) => j.id === id)!.pid as number, 'SIGKILL');
    const [, type, message] = await ended(store, id) as string[];
    expect([type, message]).to.deep.equal(['func.minion.codes.FuncException', 'job runner ended without a result (signal SIGKILL)']);
    expect((await store.list(peer)).find((j) => j.id === id)).to.include({ state: 'failed' });
  });

  it('ends a job killed while its next runner is pending exactly once, and starts none', async () => {
    const { script, env } = await flakyRunner(root, ['empty']);
    const calls: string[] = [];
    const events: JobEvents = {
      onProgress: () => undefined, onLog: () => undefined, onStderr: () => undefined, onResult: () => calls.push('result'),
      onError: () => calls.push('error'), onRelaunch: () => calls.push('relaunch'), onExit: (how) => calls.push(`exit: ${how}`),
    };
    const running = launcher(env, { script, relaunchDelayMs: 1500 }).launch({ id: '1900000000.25-minion', method: 'test.ping', params: [], peer }, events);
    const first = running.pid;
    await eventually(async () => !alive(first), 5000, 'the first runner to end');
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).to.deep.equal([]);
    running.kill();
    expect(calls).to.deep.equal(['exit: exit code 0']);
    await new Promise((r) => setTimeout(r, 2000));
    expect(calls).to.deep.equal(['exit: exit code 0']);
    expect(await fs.readFile(env.RUNNER_COUNT_FILE!, 'utf8')).to.equal('1');
  });
});
