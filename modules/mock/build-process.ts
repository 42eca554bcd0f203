// Runs one build command as a process tree marked with the build id: every output line goes to the caller (live)
// and to the build log; a timeout or an abort terminates the whole tree (TERM), then kills what is left (KILL).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { LineSplitter } from '../lib/line-splitter.js';
import { markedProcesses, signalMarkedProcesses } from '../lib/marked-processes.js';

/** The environment variable that marks every process of a build (inherited by rpmbuild's scripts). */
export const BUILD_ENV_MARK = 'FUNC_BUILD_ID';

/** The mark of one build's processes, as it appears in /proc/<pid>/environ. */
export const buildMark = (buildId: string): string => `${BUILD_ENV_MARK}=${buildId}`;

/** What to run and where its output goes. */
export interface BuildProcessOptions {
  argv: readonly string[];
  buildId: string;
  cwd: string;
  /** the build log file (created or appended to) */
  logFile: string;
  /** called with each output line (stdout and stderr, in arrival order), without its newline */
  onLine(line: string): void;
  /** started once the process runs; the tree is terminated when it fires */
  timeoutMs?: number;
  /** aborting terminates the tree */
  signal: AbortSignal;
  /** time between TERM and KILL */
  killGraceMs: number;
  env?: NodeJS.ProcessEnv;
  /** told the pid (the process group) once the process started */
  onStart?(pid: number): void;
  /** coreutils' stdbuf, to run the build with line-buffered stdout so its lines keep their order with stderr's */
  stdbuf?: string | null;
}

/** How the build process ended. */
export interface BuildProcessEnd {
  /** exit code, or -N for a process killed by signal N */
  rc: number;
  timedOut: boolean;
  aborted: boolean;
  /** true when no process of the build was left once it ended */
  treeGone: boolean;
}

/** Terminates the tree now and kills what is left after `graceMs`; resolves once nothing of it is left (or after a bound). */
export async function stopTree(mark: string, group: number | undefined, graceMs: number): Promise<boolean> {
  signalMarkedProcesses(mark, 'SIGTERM', group);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && markedProcesses(mark, group).length > 0) await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 40 && markedProcesses(mark, group).length > 0; i++) {
    signalMarkedProcesses(mark, 'SIGKILL', group);
    await new Promise((r) => setTimeout(r, 25));
  }
  return markedProcesses(mark, group).length === 0;
}

function returnCode(code: number | null, sig: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = sig ? os.constants.signals[sig] : undefined;
  return n === undefined ? -1 : -n;
}

/** Runs the build; resolves when it ended and its tree is gone; rejects only when the program cannot start. */
export function runBuildProcess(o: BuildProcessOptions): Promise<BuildProcessEnd> {
  const mark = buildMark(o.buildId);
  const log = fs.createWriteStream(o.logFile, { flags: 'a' });
  const line = (l: string): void => { log.write(`${l}\n`); o.onLine(l); };
  return new Promise<BuildProcessEnd>((resolve, reject) => {
    // one pipe for stdout and stderr (2>&1 in a shell that execs the build) keeps the log in the order it was written
    const argv = ['/bin/sh', '-c', 'exec "$@" 2>&1', 'sh', ...(o.stdbuf ? [o.stdbuf, '-oL', '-eL'] : []), ...o.argv];
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: o.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...(o.env ?? process.env), [BUILD_ENV_MARK]: o.buildId, LC_ALL: 'C.UTF-8' },
    });
    const out = new LineSplitter(line);
    const err = new LineSplitter(line);
    child.stdout!.on('data', (c: Buffer) => out.add(c));
    child.stderr!.on('data', (c: Buffer) => err.add(c));
    let timedOut = false;
    let aborted = false;
    let stopping: Promise<boolean> | null = null;
    const stop = (): void => { stopping ??= stopTree(mark, child.pid, o.killGraceMs); };
    const onAbort = (): void => { aborted = true; line(`[func] build stopped: ${String((o.signal.reason as Error | undefined)?.message ?? 'aborted')}`); stop(); };
    const timer = o.timeoutMs && o.timeoutMs > 0
      ? setTimeout(() => { timedOut = true; line(`[func] build timed out after ${o.timeoutMs! / 1000} s: terminating it`); stop(); }, o.timeoutMs)
      : undefined;
    if (o.signal.aborted) onAbort(); else o.signal.addEventListener('abort', onAbort, { once: true });
    child.on('spawn', () => { if (child.pid !== undefined) o.onStart?.(child.pid); });
    // a grandchild outside the group may hold the pipes open: once the leader exited after a stop, stop reading
    child.on('exit', () => { if (stopping) void stopping.then(() => { child.stdout!.destroy(); child.stderr!.destroy(); }); });
    child.on('error', (e) => {
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      log.end(() => reject(new Error(`cannot run ${o.argv[0]}: ${e.message}`)));
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      out.end();
      err.end();
      const rc = returnCode(code, sig);
      void (stopping ?? stopTree(mark, child.pid, o.killGraceMs)).then((treeGone) => {
        log.end(() => resolve({ rc, timedOut, aborted, treeGone }));
      });
    });
  });
}
