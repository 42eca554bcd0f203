// Runs async jobs in child processes: forks the compiled job-child script detached (its own process group, its
// processes marked with the job id, so cancel finds the whole tree), hands it the call over IPC, relays its messages.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PeerIdentity, WireValue } from '../transport/types.js';
import type { JobFailure } from './job-record.js';
import { watchRunner, type RunnerEnd } from './job-runner-watch.js';
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
  /** a runner ended before it took the job (none of the job ran) and a new one, `pid`, was started; `why` says why */
  onRelaunch(pid: number, why: string): void;
  /** how it ended, e.g. "exit code 0" or "signal SIGKILL" */
  onExit(how: string): void;
}

/** A started job: its runner's pid (also its process group id; a relaunch changes it) and a way to kill its whole tree. */
export interface RunningJob { readonly pid: number; kill(): void }

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

/** Messages from a job child to the daemon; 'started' comes first, before any of the job runs. */
export type JobMessage =
  | { kind: 'started' }
  | { kind: 'progress'; current: number; total: number }
  | { kind: 'log'; line: string }
  | { kind: 'result'; value: WireValue }
  | { kind: 'error'; failure: JobFailure };

/** The compiled child script (dist/minion/job-child.js). */
export const JOB_CHILD_SCRIPT = fileURLToPath(new URL('./job-child.js', import.meta.url));


/** How the launcher starts runners (defaults suit funcd; tests swap the script). */
export interface LauncherOptions {
  /** the runner script (default JOB_CHILD_SCRIPT) */
  script?: string;
  /** runners started for one job when they end before taking it (default 5) */
  startAttempts?: number;
  /** wait before the n-th relaunch: n × this (default 250 ms) */
  relaunchDelayMs?: number;
}

/** One job's runners: the current one's pid, whether the job was killed, a relaunch waiting to happen. */
interface Attempts { n: number; pid: number; killed: boolean; timer?: NodeJS.Timeout; onTimerKilled?: () => void }

/**
 * The launcher funcd uses: one detached child process per job. A runner that ends on its own before taking the
 * job (its script or an import was unreadable — e.g. dist/ being rebuilt — so none of the job ran) is replaced,
 * up to `startAttempts` runners; every other end (a signal, an exit after 'started') is final.
 */
export class ChildProcessJobLauncher implements JobLauncher {
  private readonly base: Omit<JobSpec, keyof JobLaunch>;
  private readonly env: NodeJS.ProcessEnv;
  private readonly script: string;
  private readonly startAttempts: number;
  private readonly relaunchDelayMs: number;

  /** `base` describes the minion; the environment is captured now and given to every job (with FUNC_ROOT set). */
  constructor(base: Omit<JobSpec, keyof JobLaunch>, env: NodeJS.ProcessEnv = process.env, options: LauncherOptions = {}) {
    this.base = base;
    this.env = { ...env, FUNC_ROOT: base.root };
    this.script = options.script ?? JOB_CHILD_SCRIPT;
    this.startAttempts = Math.max(1, options.startAttempts ?? 5);
    this.relaunchDelayMs = options.relaunchDelayMs ?? 250;
  }

  launch(job: JobLaunch, events: JobEvents): RunningJob {
    const attempts: Attempts = { n: 0, pid: -1, killed: false };
    const start = (): void => {
      attempts.n++;
      attempts.pid = this.fork(job, events, (end) => this.ended(end, attempts, events, start)).pid ?? -1;
    };
    start();
    return {
      get pid() { return attempts.pid; },
      kill: () => {
        attempts.killed = true;
        if (attempts.timer) { clearTimeout(attempts.timer); attempts.timer = undefined; attempts.onTimerKilled?.(); return; }
        killJobProcesses(job.id, attempts.pid);
      },
    };
  }

  /** Forks one runner for `job`, hands it the job and watches it (a failed hand-over shows in its held output). */
  private fork(job: JobLaunch, events: JobEvents, onEnd: (end: RunnerEnd) => void): ChildProcess {
    const child = fork(this.script, [job.id], {
      detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced', execArgv: [],
      env: { ...this.env, [JOB_ENV_MARK]: job.id },
    });
    let sendError: Error | null = null;
    watchRunner(child, events, (end) => {
      if (sendError && !end.started) end.held.push({ stderr: true, line: `cannot hand the job to its runner: ${sendError.message}` });
      onEnd(end);
    });
    try {
      child.send({ ...this.base, ...job } satisfies JobSpec, (err) => { if (err) sendError = err; });
    } catch (err) {
      killJobProcesses(job.id, child.pid); // the job cannot be serialized: the runner would wait for it forever
      throw err;
    }
    return child;
  }

  /** A runner ended: start another one when none of the job ran and attempts are left, else report the end. */
  private ended(end: RunnerEnd, attempts: Attempts, events: JobEvents, start: () => void): void {
    if (end.retryable && !attempts.killed && attempts.n < this.startAttempts) {
      const output = end.held.slice(0, 5).map((h) => h.line).join(' | ').slice(0, 2000);
      const why = `job runner ended before it took the job (${end.how}); starting another one${output ? `: ${output}` : ''}`;
      attempts.onTimerKilled = () => events.onExit(end.how);
      attempts.timer = setTimeout(() => {
        attempts.timer = undefined;
        try {
          start();
        } catch (err) {
          events.onError({ type: 'exceptions.OSError', message: `cannot start the job runner: ${(err as Error).message}`, trace: '' });
          events.onExit(end.how);
          return;
        }
        events.onRelaunch(attempts.pid, why);
      }, this.relaunchDelayMs * attempts.n);
      return;
    }
    for (const h of end.held) {
      if (h.stderr) events.onStderr(h.line);
      else events.onLog(h.line);
    }
    events.onExit(end.retryable ? `${end.how} before it took the job; ${attempts.n} runner(s) tried` : end.how);
  }
}
