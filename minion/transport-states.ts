// The state file of a running minion's transports (serving / retrying and why), written by the daemon on every
// change and read by `funcd --info`, which runs in another process.
import fs from 'node:fs';
import { writeFileAtomicSync } from '../common/atomic-write.js';
import type { Logger } from '../common/log.js';
import type { TransportReport } from './transport-supervisor.js';

/** Where a running minion records its transports' states (rooted). */
export const TRANSPORT_STATES_FILE = '/var/lib/func/transports.json';

/** What the file holds. */
interface StatesFile {
  pid: number;
  written: string;
  transports: TransportReport[];
}

/** Records the reports (a failure to write is logged; serving goes on). */
export function writeTransportStates(file: string, reports: TransportReport[], log: Logger): void {
  const data: StatesFile = { pid: process.pid, written: new Date().toISOString(), transports: reports };
  try {
    writeFileAtomicSync(file, `${JSON.stringify(data, null, 1)}\n`, { mode: 0o644 });
  } catch (err) {
    log.warn(`cannot record transport states in ${file}: ${(err as Error).message}`);
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/**
 * The `funcd --info` lines for the transports: each one's state and since when (and why, while retrying),
 * or a note that no daemon is running for this root.
 */
export function transportStateLines(file: string): string[] {
  let data: StatesFile;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8')) as StatesFile;
  } catch {
    return ['transport states: (no running funcd has recorded any)'];
  }
  const running = alive(data.pid) && data.transports.some((t) => t.state !== 'stopped');
  const head = running ? `transport states (funcd pid ${data.pid}):` : `transport states (funcd pid ${data.pid}, not running; last recorded ${data.written}):`;
  return [head, ...data.transports.map((t) => {
    const why = t.state === 'retrying' ? ` (${t.error ?? 'unknown reason'}${t.retryAt ? `; next try ${t.retryAt}` : ''})` : '';
    return `\t${t.transport}: ${t.state}${t.endpoint ? ` ${t.endpoint}` : ''} since ${t.since}${why}`;
  })];
}
