// What the service module needs from an init system, and how it picks one: systemd when PID 1 is systemd
// (/run/systemd/system exists) and systemctl is on PATH, else SysV init scripts in /etc/init.d.
import fs from 'node:fs/promises';
import { findTool } from '../lib/run-command.js';

export type ServiceCommand = 'start' | 'stop' | 'restart' | 'reload' | 'status';

/** func's get_enabled rows: [name, ["0:off", "1:off", "2:on", …]] or, for on/off-only services, [name, "on"|"off"]. */
export type EnabledRow = [string, string[] | string];
/** func's get_running rows: [name, "running"|"dead"|"locked"|"stopped"|…, status output]. */
export type RunningRow = [string, string, string];

export interface ServiceBackend {
  readonly kind: 'systemd' | 'sysv';
  /** true when the init system knows the service */
  installed(name: string, signal: AbortSignal): Promise<boolean>;
  /** runs the command and returns its exit code */
  control(name: string, command: ServiceCommand, signal: AbortSignal): Promise<number>;
  enabled(signal: AbortSignal): Promise<EnabledRow[]>;
  running(signal: AbortSignal): Promise<RunningRow[]>;
}

/** A minimal environment for init scripts (func runs them with LANG=C only; a PATH is needed off RHEL). */
export const SCRIPT_ENV: NodeJS.ProcessEnv = { LANG: 'C', PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

async function isDir(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isDirectory(), () => false);
}

/** Which init system to drive, or why none can be. */
export async function detectInitSystem(): Promise<{ kind: 'systemd'; systemctl: string } | { kind: 'sysv' } | { kind: null; reason: string }> {
  const systemctl = await findTool('systemctl');
  // systemctl may be installed in a container whose PID 1 is not systemd: it cannot work there
  if (systemctl && await isDir('/run/systemd/system')) return { kind: 'systemd', systemctl };
  if (await isDir('/etc/init.d')) return { kind: 'sysv' };
  return {
    kind: null,
    reason: systemctl ? 'systemctl is installed but systemd is not running (no /run/systemd/system) and /etc/init.d does not exist'
      : 'neither systemctl nor /etc/init.d found',
  };
}

/** Runs `work` over items with at most `limit` at a time, keeping the order of results. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
