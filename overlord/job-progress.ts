// Progress of an overlord job's unfinished hosts between polls, for transports without server push (XML-RPC):
// jobs.get_progress for counters and jobs.tail_output for new log lines, turned into HostProgressEvents.
import type { HostProgressEvent, WireValue } from '../transport/types.js';
import type { JobContext } from './async-jobs.js';
import { fanoutAll } from './fanout.js';
import { pendingIds } from './job-store.js';

/** The lines of `now` that follow what `before` (an earlier tail of the same log) already showed. */
export function newTailLines(before: readonly string[], now: readonly string[]): string[] {
  for (let k = Math.min(before.length, now.length); k > 0; k--) {
    let same = true;
    for (let i = 0; i < k && same; i++) same = before[before.length - k + i] === now[i];
    if (same) return now.slice(k);
  }
  return [...now];
}

function lines(text: WireValue | undefined): string[] {
  return typeof text === 'string' && text !== '' ? text.replace(/\n$/, '').split('\n') : [];
}

/**
 * Follows the unfinished hosts of a job between polls: jobs.get_progress for counters and jobs.tail_output for
 * new log lines, as HostProgressEvents (how XML-RPC, which has no server push, gets a job's progress).
 */
export class JobProgressWatch {
  private readonly seen = new Map<string, string[]>();
  private readonly counters = new Map<string, string>();

  constructor(private readonly ctx: JobContext, private readonly id: string) {}

  async poll(): Promise<HostProgressEvent[]> {
    const rec = this.ctx.store.load(this.id);
    if (rec === null) return [];
    const ids = pendingIds(rec.hosts);
    const hosts = [...ids.keys()];
    if (hosts.length === 0) return [];
    const client = await this.ctx.client();
    const opts = { client, hosts, concurrency: this.ctx.concurrency, timeoutMs: this.ctx.timeoutMs };
    const [counts, tails] = await Promise.all([
      fanoutAll({ ...opts, request: (h) => ({ method: 'jobs.get_progress', params: [ids.get(h)!] }) }),
      fanoutAll({ ...opts, request: (h) => ({ method: 'jobs.tail_output', params: [ids.get(h)!] }) }),
    ]);
    const events: HostProgressEvent[] = [];
    for (const { host, outcome } of tails) {
      if (outcome.status !== 'ok' || !Array.isArray(outcome.value)) continue;
      const now = lines(outcome.value[0]);
      for (const message of newTailLines(this.seen.get(host) ?? [], now)) events.push({ kind: 'progress', host, progress: { message } });
      this.seen.set(host, now);
    }
    for (const { host, outcome } of counts) {
      const v = outcome.status === 'ok' ? outcome.value : null;
      if (!Array.isArray(v) || typeof v[0] !== 'number' || typeof v[1] !== 'number' || (v[0] === 0 && v[1] === 0)) continue;
      const key = `${v[0]}/${v[1]}`;
      if (this.counters.get(host) === key) continue;
      this.counters.set(host, key);
      events.push({ kind: 'progress', host, progress: { current: v[0], total: v[1] } });
    }
    return events;
  }
}
