// Runs async jobs in child processes: forks the compiled job-child script detached (its own process group, its
// processes marked with the job id, so cancel finds the whole tree), hands it the call over IPC, relays its messages.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import type { PeerIdentity, WireValue } from '../transport/types.js';
import type { JobFailure } from './job-record.js';
import { JOB_ENV_MARK, killJobProcesses } from './process-tree.js';

/** One job to start. */
export interface JobLaunch { id: string; method: string; params: WireValue[]; peer: PeerIdentity }

/** What a running job reports; onExit always comes last, exactly once. */
export interface JobEvents {
  onProgress(current: number, total: number): void;
  onLog(line: string): void;
  onStderr(line: string): void;
  onResult(value: WireValue): void;
  onError(failure: JobFailure): void;
  /** how it ended, e.g. "exit code 0" or "signal SIGKILL" */
  onExit(how: string): void;
}

/** A started job: its pid (also its process group id) and a way to kill its whole tree. */
export interface RunningJob { pid: number; kill(): void }

/** Starts jobs; the job store's only way to run anything. */
export interface JobLauncher { launch(job: JobLaunch, events: JobEvents): RunningJob }

/** Everything a job child needs to rebuild the minion's dispatcher (sent over IPC). */
export interface JobSpec extends JobLaunch {
  root: string;
  minionName: string;
  moduleList: string[];
  moduleDir?: string;
  jobsDir: string;
  methodLogDir: string;
  retentionSec: number;
}

/** Messages from a job child to the daemon. */
export type JobMessage =
  | { kind: 'progress'; current: number; total: number }
  | { kind: 'log'; line: string }
  | { kind: 'result'; value: WireValue }
  | { kind: 'error'; failure: JobFailure };

/** The compiled child script (dist/minion/job-child.js). */
export const JOB_CHILD_SCRIPT = fileURLToPath(new URL('./job-child.js', import.meta.url));

function eachLine(stream: Readable | null, fn: (line: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) fn(line.length > 4096 ? `${line.slice(0, 4096)}...` : line);
    if (rest.length > 65536) { fn(`${rest.slice(0, 4096)}...`); rest = ''; }
  });
  stream.on('end', () => { if (rest) fn(rest); });
}

/** The launcher funcd uses: one detached child process per job. */
export class ChildProcessJobLauncher implements JobLauncher {
  private readonly base: Omit<JobSpec, keyof JobLaunch>;
  private readonly env: NodeJS.ProcessEnv;

  /** `base` describes the minion; the environment is captured now and given to every job (with FUNC_ROOT set). */
  constructor(base: Omit<JobSpec, keyof JobLaunch>, env: NodeJS.ProcessEnv = process.env) {
    this.base = base;
    this.env = { ...env, FUNC_ROOT: base.root };
  }

  launch(job: JobLaunch, events: JobEvents): RunningJob {
    const child = fork(JOB_CHILD_SCRIPT, [job.id], {
      detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced', execArgv: [],
      env: { ...this.env, [JOB_ENV_MARK]: job.id },
    });
    this.wire(child, events);
    const spec: JobSpec = { ...this.base, ...job };
    child.send(spec, (err) => {
      if (err) events.onError({ type: 'exceptions.Exception', message: `cannot hand the job to its runner: ${err.message}`, trace: '' });
    });
    const pid = child.pid ?? -1;
    return { pid, kill: () => { killJobProcesses(job.id, pid); } };
  }

  private wire(child: ChildProcess, events: JobEvents): void {
    child.on('message', (m: JobMessage) => {
      if (m.kind === 'progress') events.onProgress(m.current, m.total);
      else if (m.kind === 'log') events.onLog(m.line);
      else if (m.kind === 'result') events.onResult(m.value);
      else if (m.kind === 'error') events.onError(m.failure);
    });
    eachLine(child.stdout, (line) => events.onLog(line));
    eachLine(child.stderr, (line) => events.onStderr(line));
    // report the end only after both the exit and the end of the IPC channel (its last messages are read first)
    let how: string | null = null;
    let channelClosed = false;
    let reported = false;
    const report = () => { if (!reported && how !== null) { reported = true; events.onExit(how); } };
    child.once('disconnect', () => { channelClosed = true; report(); });
    child.once('exit', (code, signal) => {
      how = signal ? `signal ${signal}` : `exit code ${code}`;
      if (channelClosed) report(); else setTimeout(report, 1000).unref();
    });
    child.on('error', (err) => {
      if (child.pid !== undefined) return; // a failed send or kill; the exit still comes
      events.onError({ type: 'exceptions.OSError', message: `cannot start the job runner: ${err.message}`, trace: '' });
      how ??= 'not started';
      report();
    });
  }
}
