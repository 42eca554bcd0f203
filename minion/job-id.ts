// Minion job ids as func makes them: "<time.time() repr>-minion" (func-compat.md §3.1), made unique per clock
// by bumping a microsecond when two calls land in the same one.

const JOB_ID = /^(\d{1,12})(?:\.(\d{1,6}))?-minion$/;

/** Formats microseconds since the epoch as Python's repr of the float seconds ("1382476364.23453", "1382476364.0"). */
export function formatEpochMicros(micros: bigint): string {
  const secs = micros / 1_000_000n;
  const frac = (micros % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return `${secs}.${frac === '' ? '0' : frac}`;
}

/** True when `text` has the shape of a minion job id (so it is safe to use as a file name). */
export function isJobId(text: unknown): text is string {
  return typeof text === 'string' && JOB_ID.test(text);
}

/** The start time of a job, in seconds since the epoch, from its id; NaN when it is not a job id. */
export function jobIdTime(id: string): number {
  const m = JOB_ID.exec(id);
  return m ? Number(`${m[1]}.${m[2] ?? '0'}`) : Number.NaN;
}

/** Makes strictly increasing job ids for one store. */
export class JobIdClock {
  private last = 0n;

  /** The next id: now, in microseconds, or one microsecond after the previous id when the clock has not moved. */
  next(nowMs: number = Date.now()): string {
    const sub = (process.hrtime.bigint() / 1000n) % 1000n; // sub-millisecond digits, so ids look like time.time()
    let micros = BigInt(Math.floor(nowMs)) * 1000n + sub;
    if (micros <= this.last) micros = this.last + 1n;
    this.last = micros;
    return `${formatEpochMicros(micros)}-minion`;
  }

  /** Makes sure later ids sort after `id` (used when ids from a previous run are on disk). */
  observe(id: string): void {
    const m = JOB_ID.exec(id);
    if (!m) return;
    const micros = BigInt(m[1]!) * 1_000_000n + BigInt((m[2] ?? '0').padEnd(6, '0'));
    if (micros > this.last) this.last = micros;
  }
}
