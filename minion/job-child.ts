// The job runner process (forked by job-runner.ts): receives one call over IPC, runs it through a Dispatcher
// built like the daemon's, sends progress, log lines and the result or error back, and exits.
import { JobError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { failureOf, remoteErrorList } from '../common/remote-failure.js';
import type { ProgressEvent } from '../transport/types.js';
import { Dispatcher } from './dispatch.js';
import type { JobMessage, JobSpec } from './job-runner.js';
import { JobStore } from './job-store.js';
import { loadModules } from './loader.js';
import { killJobProcesses } from './process-tree.js';
import { ModuleRegistry } from './registry.js';

let finished = false;
const abortJob = new AbortController();

function send(message: JobMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) { resolve(); return; }
    try {
      process.send(message, undefined, {}, () => resolve());
    } catch (err) {
      // a value the IPC channel cannot carry (a function, a class instance): report it as func would
      if (message.kind !== 'result') { resolve(); return; }
      const failure = { type: 'exceptions.TypeError', message: `cannot marshal the result: ${(err as Error).message}`, trace: '' };
      void send({ kind: 'error', failure }).then(resolve);
    }
  });
}

function ipcLogger(): Logger {
  const line = (level: string) => (msg: string) => {
    void send({ kind: 'log', line: `${new Date().toISOString().replace('T', ' ').replace('Z', '')} - ${level} - ${msg}` });
  };
  return { debug: line('DEBUG'), info: line('INFO'), warn: line('WARNING'), error: line('ERROR') };
}

function onProgress(event: ProgressEvent): void {
  if (event.current !== undefined || event.total !== undefined) {
    void send({ kind: 'progress', current: event.current ?? 0, total: event.total ?? 0 });
  }
  if (event.message) void send({ kind: 'log', line: event.message });
}

async function run(spec: JobSpec): Promise<void> {
  const controller = abortJob;
  process.once('SIGTERM', () => controller.abort(new JobError('job cancelled')));
  const registry = new ModuleRegistry(await loadModules({ dir: spec.moduleDir, moduleList: spec.moduleList }));
  const jobs = new JobStore({
    dir: spec.jobsDir, methodLogDir: spec.methodLogDir, retentionSec: spec.retentionSec,
    failureToWire: (f) => remoteErrorList(f),
  });
  const dispatcher = new Dispatcher({ registry, root: spec.root, minionName: spec.minionName, jobs, callTimeoutSec: 0 });
  try {
    const value = await dispatcher.call(spec.method, spec.params, {
      peer: spec.peer, signal: controller.signal, onProgress, jobId: spec.id, log: ipcLogger(),
    });
    await send({ kind: 'result', value });
  } catch (err) {
    await send({ kind: 'error', failure: failureOf(err) });
  }
}

// the daemon went away: nobody can take the result, so end the whole job (every process it started) now
let jobId: string | null = null;
process.on('disconnect', () => {
  if (finished) return;
  abortJob.abort(new JobError('funcd went away'));
  if (jobId !== null) killJobProcesses(jobId);
  process.exit(1);
});

// 'started' is on its way to the daemon before any of the job runs: a runner that ends without having sent it
// provably ran nothing (e.g. its script was read while dist/ was being rewritten), so the daemon may start another
process.once('message', (spec: JobSpec) => {
  jobId = spec.id;
  send({ kind: 'started' })
    .then(() => run(spec))
    .catch((err: unknown) => send({ kind: 'error', failure: failureOf(err) }))
    .finally(() => { finished = true; process.exit(0); });
});
