// One async job's record and its file: <jobs dir>/<job id>.json, written atomically (temp file + rename),
// with the result kept losslessly (wire-json). Read back defensively: a damaged file reads as "no such job".
import fs from 'node:fs/promises';
import path from 'node:path';
import type { WireValue } from '../transport/types.js';
import { isJobId } from './job-id.js';
import { writeFileAtomic } from '../common/atomic-write.js';
import { wireFromJson, wireToJson } from '../transport/wire-json.js';

/** Life cycle of a job: running, then exactly one of the four ends. */
export type JobState = 'running' | 'finished' | 'failed' | 'cancelled' | 'interrupted';

/** A job's error, transport-neutral: the exception type name func reports, its message and a trace. */
export interface JobFailure { type: string; message: string; trace: string }

/** Everything the store knows about one job. */
export interface JobRecord {
  id: string;
  /** the method without "async." */
  method: string;
  state: JobState;
  /** epoch seconds */
  started: number;
  finished?: number;
  /** the boot id of the daemon (store) that ran the job */
  boot: string;
  /** the runner's pid, which is also its process group id */
  pid?: number;
  /** the caller's ACL key */
  caller: string;
  result?: WireValue;
  error?: JobFailure;
  progress: { current: number; total: number };
  /** the last log lines (tail_output's stdout) and the runner's last stderr lines */
  log: string[];
  stderr: string[];
}

/** How many log lines a record keeps (func's `tail -n 50`). */
export const TAIL_LINES = 50;

/** Appends lines to a bounded tail. */
export function pushTail(tail: string[], line: string, max = TAIL_LINES): void {
  tail.push(line);
  if (tail.length > max) tail.splice(0, tail.length - max);
}

/** The file of a job id in a jobs directory (the id is validated first: it comes from callers). */
export function recordFile(dir: string, id: string): string {
  if (!isJobId(id)) throw new Error(`not a job id: ${JSON.stringify(id)}`);
  return path.join(dir, `${id}.json`);
}

/** Writes a record atomically: a reader sees the old file or the new one, never a part. */
export async function writeRecord(dir: string, record: JobRecord): Promise<void> {
  const file = recordFile(dir, record.id);
  const { result, ...rest } = record;
  const data = result === undefined ? rest : { ...rest, result: wireToJson(result) };
  await writeFileAtomic(file, JSON.stringify(data), { mode: 0o600, mkdir: false });
}

const STATES: readonly string[] = ['running', 'finished', 'failed', 'cancelled', 'interrupted'];

function isRecordShape(data: unknown, id: string): data is JobRecord & { result?: unknown } {
  if (!data || typeof data !== 'object') return false;
  const r = data as Partial<JobRecord>;
  return r.id === id && typeof r.method === 'string' && typeof r.state === 'string' && STATES.includes(r.state)
    && typeof r.started === 'number' && typeof r.boot === 'string' && Array.isArray(r.log);
}

/** Reads a job's record; null when there is none or it cannot be read as one. */
export async function readRecord(dir: string, id: string): Promise<JobRecord | null> {
  if (!isJobId(id)) return null;
  let text: string;
  try {
    text = await fs.readFile(recordFile(dir, id), 'utf8');
  } catch {
    return null;
  }
  let data: unknown;
  try { data = JSON.parse(text); } catch { return null; }
  if (!isRecordShape(data, id)) return null;
  const record: JobRecord = {
    ...data,
    progress: data.progress ?? { current: 0, total: 0 },
    stderr: Array.isArray(data.stderr) ? data.stderr : [],
    caller: typeof data.caller === 'string' ? data.caller : '',
  };
  if (Object.hasOwn(data, 'result')) record.result = wireFromJson(data.result);
  return record;
}

/** The job ids that have a record file in `dir`. */
export async function listRecordIds(dir: string): Promise<string[]> {
  let names: string[];
  try { names = await fs.readdir(dir); } catch { return []; }
  return names.filter((n) => n.endsWith('.json') && isJobId(n.slice(0, -5))).map((n) => n.slice(0, -5));
}

/** Removes temp files a crashed writer left behind (only safe before this store starts writing). */
export async function removeTempFiles(dir: string): Promise<void> {
  let names: string[];
  try { names = await fs.readdir(dir); } catch { return; }
  await Promise.all(names.filter((n) => n.endsWith('.tmp')).map((n) => fs.rm(path.join(dir, n), { force: true })));
}
