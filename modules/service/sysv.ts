// The SysV backend of the service module: /etc/init.d scripts run through `service` (or directly), enabled
// runlevels from `chkconfig --list` when present, else read from the /etc/rc<N>.d links as chkconfig shows them.
import fs from 'node:fs/promises';
import path from 'node:path';
import { findTool, runCommand } from '../lib/run-command.js';
import { mapLimited, SCRIPT_ENV, type EnabledRow, type RunningRow, type ServiceBackend, type ServiceCommand } from './backend.js';

const INIT_D = '/etc/init.d';
/** files in /etc/init.d that are not services */
const NOT_SERVICES = new Set(['README', 'skeleton', 'functions', 'rc', 'rcS', 'rc.local']);
/** func's meaning of an init script's status exit code (LSB adds 4 = unknown) */
const STATUS_WORDS: Record<number, string> = { 0: 'running', 1: 'dead', 2: 'locked', 3: 'stopped', 4: 'unknown' };
const STATUS_TIMEOUT_MS = 15000;

async function isExecutableFile(p: string): Promise<boolean> {
  try {
    const st = await fs.stat(p);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** The init scripts, sorted by name. */
async function scripts(): Promise<string[]> {
  const names = await fs.readdir(INIT_D).catch(() => [] as string[]);
  const ok = await Promise.all(names.map(async (n) => !NOT_SERVICES.has(n) && !n.startsWith('.') && await isExecutableFile(path.join(INIT_D, n))));
  return names.filter((_, i) => ok[i]).sort();
}

/** chkconfig --list parsed as func does: runlevel lists, or on/off for xinetd services. */
export function parseChkconfig(text: string): EnabledRow[] {
  const rows: EnabledRow[] = [];
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/);
    if (line.includes('0:')) rows.push([tokens[0] as string, tokens.slice(1)]);
    else if (line.includes(':') && !line.trimEnd().endsWith(':') && tokens.length >= 2) rows.push([(tokens[0] as string).replace(/:/g, ''), tokens[1] as string]);
  }
  return rows;
}

/** Runlevels 0–6 of each script from the rc<N>.d links: "N:on" for an S link, else "N:off". */
async function fromRcLinks(names: string[]): Promise<EnabledRow[]> {
  const started = await Promise.all([0, 1, 2, 3, 4, 5, 6].map(async (level) => {
    const links = await fs.readdir(`/etc/rc${level}.d`).catch(() => [] as string[]);
    return new Set(links.filter((l) => /^S\d\d/.test(l)).map((l) => l.slice(3)));
  }));
  return names.map((name) => [name, started.map((set, level) => `${level}:${set.has(name) ? 'on' : 'off'}`)]);
}

async function statusRow(name: string, signal: AbortSignal): Promise<RunningRow> {
  try {
    const r = await runCommand(path.join(INIT_D, name), ['status'], { env: SCRIPT_ENV, signal, timeoutMs: STATUS_TIMEOUT_MS });
    return [name, STATUS_WORDS[r.rc] ?? `exit ${r.rc}`, r.stdout];
  } catch (err) {
    if (signal.aborted) throw err;
    return [name, 'unknown', (err as Error).message];
  }
}

export const sysvBackend: ServiceBackend = {
  kind: 'sysv',
  async installed(name) {
    return fs.stat(path.join(INIT_D, name)).then(() => true, () => false);
  },
  async control(name: string, command: ServiceCommand, signal: AbortSignal) {
    const service = await findTool('service');
    const [file, args] = service ? [service, [name, command]] : [path.join(INIT_D, name), [command]];
    return (await runCommand(file, args, { env: SCRIPT_ENV, signal })).rc;
  },
  async enabled(signal) {
    const chkconfig = await findTool('chkconfig');
    if (chkconfig) return parseChkconfig((await runCommand(chkconfig, ['--list'], { env: SCRIPT_ENV, signal })).stdout);
    return fromRcLinks(await scripts());
  },
  async running(signal) {
    // func asks every service chkconfig lists; only those with an init script can answer
    const names = await scripts();
    return mapLimited(names, 4, (name) => statusRow(name, signal));
  },
};
