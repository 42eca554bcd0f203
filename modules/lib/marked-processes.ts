// Finds and signals every process of a module's child tree from /proc: the processes carrying an environment
// mark (NAME=value, inherited by everything the child starts), their descendants, and the child's process group.
import { hasEnvMark, readProcTable } from '../../common/proc-table.js';

/** Live processes carrying `mark` ("NAME=value"), their descendants and the members of `group` (when given). */
export function markedProcesses(mark: string, group?: number): number[] {
  const procs = readProcTable().filter((p) => p.state !== 'Z'); // a zombie is already dead; only its parent can reap it
  const found = new Set<number>();
  for (const p of procs) {
    if (p.pid === process.pid) continue;
    if ((group !== undefined && group > 1 && p.pgid === group) || hasEnvMark(p.pid, mark)) found.add(p.pid);
  }
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) {
      if (!found.has(p.pid) && p.pid !== process.pid && found.has(p.ppid)) { found.add(p.pid); grew = true; }
    }
  }
  return [...found];
}

/** Sends `signal` to every process markedProcesses() finds, twice over (catching forks between scan and kill). */
export function signalMarkedProcesses(mark: string, signal: NodeJS.Signals, group?: number): number {
  let count = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (const pid of markedProcesses(mark, group)) {
      try { process.kill(pid, signal); count++; } catch { /* already gone */ }
    }
  }
  return count;
}
