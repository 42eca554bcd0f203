// Per-program memory use, the ps_mem way func reports it: [private, shared, total, program] rows in KiB/MiB text,
// from /proc/<pid>/smaps_rollup (proportional shares) or, on old kernels, /proc/<pid>/statm.
import fs from 'node:fs/promises';
import path from 'node:path';

interface Usage { privateKiB: number; sharedKiB: number; pss: boolean }
interface Program { privateKiB: number; sharedKiB: number; count: number }

/** statm counts pages; 4 KiB is assumed for the (pre-4.14 kernel) fallback only. */
const PAGE_KIB = 4;

/** Private and shared KiB of one process. */
async function usageOf(pid: number): Promise<Usage> {
  try {
    const text = await fs.readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    let priv = 0;
    let pss = 0;
    for (const line of text.split('\n')) {
      const [key, value] = line.split(/:\s+/);
      const kib = Number.parseInt(value ?? '', 10);
      if (Number.isNaN(kib)) continue;
      if (key === 'Pss') pss = kib;
      else if (key?.startsWith('Private_')) priv += kib;
    }
    return { privateKiB: priv, sharedKiB: Math.max(0, pss - priv), pss: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const [, rss = 0, shared = 0] = (await fs.readFile(`/proc/${pid}/statm`, 'utf8')).split(/\s+/).map(Number);
  return { privateKiB: (rss - shared) * PAGE_KIB, sharedKiB: shared * PAGE_KIB, pss: false };
}

/** The program name: the executable's base name when the (15-char) comm is a prefix of it. */
async function programOf(pid: number): Promise<string> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const cmd = (status.split('\n')[0] ?? '').replace(/^Name:\s*/, '');
  const exe = path.basename((await fs.readlink(`/proc/${pid}/exe`)).replace(/ \(deleted\)$/, ''));
  return exe.startsWith(cmd) ? exe : cmd;
}

/** func's human(): "49.8 Mi" from KiB, switching unit at 1000 */
export function human(kib: number): string {
  const powers = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
  let num = kib;
  let i = 0;
  while (num >= 1000 && i < powers.length - 1) { num /= 1024; i += 1; }
  return `${num.toFixed(1)} ${powers[i]}B`;
}

/** Reads one process; null for kernel threads, vanished processes and ones we may not read. */
async function sample(pid: number): Promise<{ name: string; usage: Usage } | null> {
  try {
    const name = await programOf(pid);
    return { name, usage: await usageOf(pid) };
  } catch {
    return null;
  }
}

/** Adds one process to its program's totals (shared: summed with PSS, the largest without). */
function add(programs: Map<string, Program>, name: string, u: Usage): void {
  const p = programs.get(name);
  if (!p) { programs.set(name, { privateKiB: u.privateKiB, sharedKiB: u.sharedKiB, count: 1 }); return; }
  p.privateKiB += u.privateKiB;
  p.sharedKiB = u.pss ? p.sharedKiB + u.sharedKiB : Math.max(p.sharedKiB, u.sharedKiB);
  p.count += 1;
}

/**
 * [[private, shared, total, program]…] sorted by total, smallest first, zero-sized programs left out;
 * "program (N)" when N processes share the name; with PSS data a last row ["", "", "", grand total].
 */
export async function memoryByProgram(excludePid: number = process.pid): Promise<string[][]> {
  const pids = (await fs.readdir('/proc')).filter((e) => /^\d+$/.test(e)).map(Number).filter((p) => p !== excludePid);
  const samples = await Promise.all(pids.map(sample));
  const programs = new Map<string, Program>();
  let havePss = false;
  for (const s of samples) {
    if (!s) continue;
    havePss ||= s.usage.pss;
    add(programs, s.name, s.usage);
  }
  const rows = [...programs].map(([name, p]) => ({ name, p, total: p.privateKiB + p.sharedKiB }))
    .filter((r) => r.total > 0)
    .sort((a, b) => a.total - b.total);
  const result = rows.map(({ name, p, total }) =>
    [human(p.privateKiB), human(p.sharedKiB), human(total), p.count > 1 ? `${name} (${p.count})` : name]);
  if (havePss) result.push(['', '', '', human(rows.reduce((sum, r) => sum + r.total, 0))]);
  return result;
}
