// Cancelling an overlord job: jobs.cancel(<minion job id>) on every host that has not finished it, those hosts
// recorded as cancelled (so --jobstatus and `func jobs` say so), the others left as they are.
import type { JobContext } from './async-jobs.js';
import { fanout } from './fanout.js';
import type { HostJobState } from './job-store.js';
import { remoteFailure, type HostOutcome } from './outcome.js';
import { storeOutcome } from './stored-value.js';

/** What cancelling did on one host. */
export type CancelResult =
  | { readonly state: 'cancelled' }
  | { readonly state: 'finished' }
  | { readonly state: 'failed'; readonly outcome: HostOutcome };

/** The type of the failure recorded for a host whose part of the job was cancelled. */
export const JOB_CANCELLED_TYPE = 'func.overlord.JobCancelled';

/** Cancels job `id` where it still runs; null when the job is unknown. */
export async function cancelJob(ctx: JobContext, id: string): Promise<Map<string, CancelResult> | null> {
  const rec = ctx.store.load(id);
  if (rec === null) return null;
  const out = new Map<string, CancelResult>();
  const pending = new Map(Object.entries(rec.hosts).flatMap(([h, s]) => (s.state === 'pending' ? [[h, s.minionJobId] as const] : [])));
  for (const h of Object.keys(rec.hosts)) if (!pending.has(h)) out.set(h, { state: 'finished' });
  const hosts: Record<string, HostJobState> = { ...rec.hosts };
  const request = (host: string) => ({ method: 'jobs.cancel', params: [pending.get(host)!] });
  for await (const r of fanout({ client: await ctx.client(), hosts: [...pending.keys()], request, concurrency: ctx.concurrency, timeoutMs: ctx.timeoutMs })) {
    if (r.kind !== 'result') continue;
    if (r.outcome.status !== 'ok') { out.set(r.host, { state: 'failed', outcome: r.outcome }); continue; }
    // false: the minion's job had already ended; its result is collected by the next --jobstatus
    if (r.outcome.value !== true) { out.set(r.host, { state: 'finished' }); continue; }
    out.set(r.host, { state: 'cancelled' });
    hosts[r.host] = { state: 'done', outcome: storeOutcome(remoteFailure(JOB_CANCELLED_TYPE, 'job cancelled (func call --cancel)')) };
  }
  ctx.store.save({ ...rec, hosts, cancelled: Date.now() / 1000 });
  return out;
}
