// Reads the process table from /proc (pid, parent, process group, state) and a process's environment marks:
// what the minion's job killer and the build modules use to find every process of a tree.
import fs from 'node:fs';

/** One process as /proc/<pid>/stat gives it. */
export interface ProcEntry { pid: number; ppid: number; pgid: number; /** R, S, D, Z, … */ state: string }

/** Every process now (those that exit during the scan are left out); [] where /proc cannot be read. */
export function readProcTable(): ProcEntry[] {
  const out: ProcEntry[] = [];
  let names: string[];
  try { names = fs.readdirSync('/proc'); } catch { return out; }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(name), state: f[0] ?? '', ppid: Number(f[1]), pgid: Number(f[2]) });
    } catch { /* exited meanwhile */ }
  }
  return out;
}

/** True when the process's environment holds `mark` ("NAME=value"); false when it cannot be read. */
export function hasEnvMark(pid: number, mark: string): boolean {
  try { return fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(mark); } catch { return false; }
}
