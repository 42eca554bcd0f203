// One createrepo_c at a time per repository directory: requests arriving while a run is in progress share one
// follow-up run (coalesced), and a lock file inside the directory keeps other processes (async jobs) out too.
import fs from 'node:fs/promises';
import path from 'node:path';
import { findTool, runCommand, type RunResult } from '../lib/run-command.js';

/** The lock file createrepo runs hold, inside the repository directory. */
export const LOCK_NAME = '.func-createrepo.lock';

/** What one createrepo_c run gave. */
export interface RepoRun extends RunResult {
  /** this process's run number for the directory (requests with the same number shared a run) */
  run: number;
  /** how many requests this run served */
  requests: number;
  argv: string[];
  /** seconds the run took (with any wait for another process's lock) */
  duration: number;
}

/** How to run createrepo_c. */
export interface RunnerOptions {
  program: string;
  /** extra arguments before the directory */
  extraArgs?: readonly string[];
}

interface DirState { running: Promise<RepoRun> | null; queued: Promise<RepoRun> | null; waiting: number; runs: number }

async function hasRepodata(dir: string): Promise<boolean> {
  return fs.access(path.join(dir, 'repodata', 'repomd.xml')).then(() => true, () => false);
}

/**
 * Runs createrepo_c under the directory's lock file, through util-linux `flock` (a kernel lock: it waits while
 * another process holds it and is released whenever the holder ends, so no lock is ever left stale).
 */
async function runLocked(dir: string, options: RunnerOptions): Promise<RunResult & { argv: string[]; duration: number }> {
  const argv = [...(await hasRepodata(dir) ? ['--update'] : []), ...(options.extraArgs ?? []), dir];
  const flock = await findTool('flock');
  const [file, args] = flock === null ? [options.program, argv] : [flock, ['--exclusive', path.join(dir, LOCK_NAME), options.program, ...argv]];
  const t0 = performance.now();
  const r = await runCommand(file, args, { env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  return { ...r, argv: [options.program, ...argv], duration: Math.round(performance.now() - t0) / 1000 };
}

/** The per-directory queue of createrepo_c runs in this process. */
export class RepoRunQueue {
  private readonly dirs = new Map<string, DirState>();
  constructor(private readonly options: RunnerOptions) {}

  /** Resolves with a run of createrepo_c that started after this request: the next one, shared with every request made meanwhile. */
  request(dir: string): Promise<RepoRun> {
    let s = this.dirs.get(dir);
    if (!s) { s = { running: null, queued: null, waiting: 0, runs: 0 }; this.dirs.set(dir, s); }
    const state = s;
    if (state.running === null) return this.start(dir, state);
    state.waiting++;
    state.queued ??= state.running.catch(() => undefined).then(() => {
      state.queued = null;
      return this.start(dir, state, state.waiting);
    });
    return state.queued;
  }

  private start(dir: string, state: DirState, requests = 1): Promise<RepoRun> {
    const run = ++state.runs;
    state.waiting = 0;
    state.running = runLocked(dir, this.options).then((r) => ({ ...r, run, requests }));
    void state.running.finally(() => {
      // the queued run (if any) takes over `running` when it starts; only an idle directory is forgotten
      if (state.queued === null) { state.running = null; this.dirs.delete(dir); }
    }).catch(() => undefined);
    return state.running;
  }
}
