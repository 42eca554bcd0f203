// Finds and signals every process of a module's child tree from /proc: the processes carrying an environment
// mark (NAME=value, inherited by everything the child starts), their descendants, and the child's process group.
import fs from 'node:fs';

interface Proc { pid: number; ppid: number; pgid: number }

function readProcs(): Proc[] {
  const out: Proc[] = [];
  let names: string[];
  try { names = fs.readdirSync('/proc'); } catch { return out; }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[0] === 'Z') continue; // a zombie is already dead; only its parent can reap it
      out.push({ pid: Number(name), ppid: Number(f[1]), pgid: Number(f[2]) });
    } catch { /* exited meanwhile */ }
  }
  return out;
}

function hasMark(pid: number, mark: string): boolean {
  try { return fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(mark); } catch { return false; }
}

/** Live processes carrying `mark` ("NAME=value"), their descendants and the members of `group` (when given). */
export function markedProcesses(mark: string, group?: number): number[] {
  const procs = readProcs();
  const found = new Set<number>();
  for (const p of procs) {
    if (p.pid === process.pid) continue;
    if ((group !== undefined && group > 1 && p.pgid === group) || hasMark(p.pid, mark)) found.add(p.pid);
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
