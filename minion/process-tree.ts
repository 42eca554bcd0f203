// Finds and kills every process of an async job from /proc: the runner's descendants (whatever process group or
// session they moved to), its process group, and anything still carrying the job's FUNC_JOB_ID environment mark.
import fs from 'node:fs';
import { hasEnvMark, readProcTable } from '../common/proc-table.js';

/** The environment variable that marks a job's processes (inherited by everything the runner starts). */
export const JOB_ENV_MARK = 'FUNC_JOB_ID';

/** True when the process's command line names the job (so a recycled pid is never mistaken for the runner). */
export function isJobRunner(pid: number, jobId: string): boolean {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(jobId); } catch { return false; }
}

/** The processes of a job: the runner (when `runnerPid` is verified), its descendants, its group, and marked ones. */
export function jobProcesses(jobId: string, runnerPid?: number): number[] {
  const procs = readProcTable();
  const found = new Set<number>();
  if (runnerPid !== undefined && runnerPid > 1 && isJobRunner(runnerPid, jobId)) found.add(runnerPid);
  const mark = `${JOB_ENV_MARK}=${jobId}`;
  for (const p of procs) if (p.pid !== process.pid && hasEnvMark(p.pid, mark)) found.add(p.pid);
  const groups = new Set<number>(runnerPid !== undefined && found.has(runnerPid) ? [runnerPid] : []);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) {
      if (found.has(p.pid) || p.pid === process.pid) continue;
      if (found.has(p.ppid) || groups.has(p.pgid)) { found.add(p.pid); grew = true; }
    }
  }
  return [...found];
}

/**
 * SIGKILLs every process of a job except the caller, twice over (a process forked between the scan and the
 * kill is caught by the second pass). Returns how many processes were signalled.
 */
export function killJobProcesses(jobId: string, runnerPid?: number): number {
  let count = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (const pid of jobProcesses(jobId, runnerPid)) {
      try { process.kill(pid, 'SIGKILL'); count++; } catch { /* already gone */ }
    }
  }
  return count;
}
