// Overlord async jobs (func-compat.md §3.3): submit `async.<module>.<method>` to every host and record each
// minion job id; later, from any process, poll each unfinished host with jobs.job_status and merge the results.
import { JOB_ENDED_STATUS, type HostProgressEvent, type TransportClient, type WireValue } from '../transport/types.js';
import { failureFromList, isRemoteErrorList } from '../common/remote-failure.js';
import { fanoutAll } from './fanout.js';
import {
  JobCodes, formatJobId, pendingIds, type HostJobState, type OverlordJobRecord, type OverlordJobStore,
} from './job-store.js';
import { JobProgressWatch } from './job-progress.js';
import { compareHosts, ok, remoteFailure, type CallResults, type HostOutcome, type HostResult } from './outcome.js';
import { loadOutcome, storeOutcome } from './stored-value.js';

/** An overlord job's status: func's `(code, data)` pair. */
export type JobStatus =
  | readonly [typeof JobCodes.RUNNING, -1]
  | readonly [typeof JobCodes.FINISHED, CallResults]
  | readonly [typeof JobCodes.LOST_IN_SPACE, 0]
  | readonly [typeof JobCodes.PARTIAL, CallResults];

/** What submitting and polling need from the overlord. */
export interface JobContext {
  readonly store: OverlordJobStore;
  readonly client: () => Promise<TransportClient>;
  readonly timeoutMs: number;
  readonly concurrency: number;
}

/** A new job id, unique in the store. */
function newJobId(ctx: JobContext, spec: string, module: string, method: string): string {
  let t = (performance.timeOrigin + performance.now()) / 1000;
  let id = formatJobId(spec, module, method, t);
  while (ctx.store.load(id) !== null) id = formatJobId(spec, module, method, (t += 0.000001));
  return id;
}

/** What one host's reply to `async.<module>.<method>` means for the job. */
function submitted(outcome: HostOutcome): HostJobState {
  if (outcome.status === 'ok' && typeof outcome.value === 'string') return { state: 'pending', minionJobId: outcome.value };
  const bad = outcome.status === 'ok'
    ? remoteFailure('func.jobthing.JOB_ID_REMOTE_ERROR', `the minion answered the async call with ${JSON.stringify(String(outcome.value))}, not a job id`)
    : outcome;
  return { state: 'done', outcome: storeOutcome(bad) };
}

/** Starts `module.method(args)` asynchronously on `hosts`; resolves with func's overlord job id. */
export async function submitJob(
  ctx: JobContext, spec: string, hosts: readonly string[], call: { module: string; method: string; args: WireValue[] },
): Promise<string> {
  const base = { spec, module: call.module, method: call.method, created: Date.now() / 1000 };
  const id = newJobId(ctx, spec, call.module, call.method);
  ctx.store.save({ id, ...base, code: JobCodes.RUNNING, hosts: {} });
  const states: Record<string, HostJobState> = {};
  const request = { method: `async.${call.module}.${call.method}`, params: call.args };
  for (const r of await fanoutAll({ client: await ctx.client(), hosts, request, concurrency: ctx.concurrency, timeoutMs: ctx.timeoutMs })) {
    states[r.host] = submitted(r.outcome);
  }
  const pending = Object.values(states).some((s) => s.state === 'pending');
  ctx.store.save({ id, ...base, code: pending ? JobCodes.PARTIAL : JobCodes.FINISHED, hosts: states });
  return id;
}

/** What one reply to jobs.job_status means: still running (null) or the host's final outcome. */
export function minionJobOutcome(outcome: HostOutcome, minionJobId: string): HostOutcome | null {
  if (outcome.status !== 'ok') return outcome;
  const v = outcome.value;
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number') {
    return remoteFailure('func.jobthing.JOB_ID_REMOTE_ERROR', `unexpected jobs.job_status reply: ${JSON.stringify(String(v))}`);
  }
  const [code, data] = v as [number, WireValue];
  if (code === JobCodes.RUNNING) return null;
  if (code === JobCodes.LOST_IN_SPACE) {
    return remoteFailure('func.jobthing.JOB_ID_LOST_IN_SPACE', `lost job: the minion does not know job ${minionJobId} (expired, or lost in a restart)`);
  }
  if (isRemoteErrorList(data)) {
    const f = failureFromList(data);
    return remoteFailure(f.type, f.message, f.trace);
  }
  return ok(data);
}

/** The finished hosts of a record as results, in host order. */
export function finishedResults(hosts: Readonly<Record<string, HostJobState>>): CallResults {
  const done = Object.entries(hosts).flatMap(([h, s]) => (s.state === 'done' ? [[h, s.outcome] as const] : []));
  done.sort(([a], [b]) => compareHosts(a, b));
  return new Map(done.map(([h, o]) => [h, loadOutcome(o)]));
}

/** func's job_status: polls unfinished hosts, stores what finished, and reports `(code, results)`. */
export async function jobStatus(ctx: JobContext, id: string): Promise<JobStatus> {
  const rec = ctx.store.load(id);
  if (rec === null) return [JobCodes.LOST_IN_SPACE, 0];
  if (rec.code === JobCodes.RUNNING) return [JobCodes.RUNNING, -1];
  if (rec.code === JobCodes.FINISHED) return [JobCodes.FINISHED, finishedResults(rec.hosts)];
  const hosts = await pollPending(ctx, rec);
  const pending = Object.values(hosts).some((s) => s.state === 'pending');
  const code = pending ? JobCodes.PARTIAL : JobCodes.FINISHED;
  ctx.store.save({ ...rec, code, hosts });
  return [code, finishedResults(hosts)];
}

async function pollPending(ctx: JobContext, rec: OverlordJobRecord): Promise<Record<string, HostJobState>> {
  const hosts: Record<string, HostJobState> = { ...rec.hosts };
  const ids = pendingIds(rec.hosts);
  const request = (host: string) => ({ method: 'jobs.job_status', params: [ids.get(host)!] });
  const results = await fanoutAll({ client: await ctx.client(), hosts: [...ids.keys()], request, concurrency: ctx.concurrency, timeoutMs: ctx.timeoutMs });
  for (const r of results) {
    const final = minionJobOutcome(r.outcome, ids.get(r.host)!);
    if (final !== null) hosts[r.host] = { state: 'done', outcome: storeOutcome(final) };
  }
  return hosts;
}

/** Progress of every unfinished host of a job (jobs.get_progress → [current, total]). */
export async function jobProgress(ctx: JobContext, id: string): Promise<Map<string, [number, number]>> {
  const rec = ctx.store.load(id);
  const out = new Map<string, [number, number]>();
  if (rec === null) return out;
  const ids = pendingIds(rec.hosts);
  const request = (host: string) => ({ method: 'jobs.get_progress', params: [ids.get(host)!] });
  for (const r of await fanoutAll({ client: await ctx.client(), hosts: [...ids.keys()], request, concurrency: ctx.concurrency, timeoutMs: ctx.timeoutMs })) {
    const v = r.outcome.status === 'ok' ? r.outcome.value : null;
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'number') out.set(r.host, [v[0], v[1]]);
  }
  return out;
}

/** Options of pollJob. */
export interface PollOptions {
  /** time between polls in ms (func: 500); the first polls come sooner (100, 200 ms) for short jobs */
  readonly intervalMs?: number;
  /** hosts that finished since the previous poll */
  readonly onResults?: (results: HostResult[]) => void;
  /** after every poll, with the status */
  readonly onTick?: (status: JobStatus) => void | Promise<void>;
  /** progress of unfinished hosts (counters, new log lines), polled with jobs.get_progress / jobs.tail_output */
  readonly onProgress?: (events: HostProgressEvent[]) => void;
  readonly signal?: AbortSignal;
}

/** One look at a job's status: hands newly finished hosts to onResults (once each), then calls onTick. */
async function statusRound(ctx: JobContext, id: string, seen: Set<string>, options: PollOptions): Promise<JobStatus> {
  const status = await jobStatus(ctx, id);
  if (status[0] === JobCodes.FINISHED || status[0] === JobCodes.PARTIAL) {
    const fresh = [...status[1]].filter(([h]) => !seen.has(h)).map(([host, outcome]) => ({ host, outcome }));
    fresh.forEach((r) => seen.add(r.host));
    if (fresh.length > 0) options.onResults?.(fresh);
  }
  await options.onTick?.(status);
  return status;
}

/** Whether polling ends here: the job finished or is lost, or the caller gave up. */
function isLast(status: JobStatus, options: PollOptions): boolean {
  return status[0] === JobCodes.FINISHED || status[0] === JobCodes.LOST_IN_SPACE || options.signal?.aborted === true;
}

/** func's utils.async_poll: polls until FINISHED (or LOST), reporting newly finished hosts; returns the last status. */
export async function pollJob(ctx: JobContext, id: string, options: PollOptions = {}): Promise<JobStatus> {
  const client = await ctx.client();
  if (client.followJobs) return followJob(ctx, client as Required<Pick<TransportClient, 'followJobs'>>, id, options);
  const seen = new Set<string>();
  const interval = options.intervalMs ?? 500;
  const watch = options.onProgress ? new JobProgressWatch(ctx, id) : null;
  for (let round = 0; ; round++) {
    if (watch) {
      const events = await watch.poll();
      if (events.length > 0) options.onProgress!(events);
    }
    const status = await statusRound(ctx, id, seen, options);
    if (isLast(status, options)) return status;
    await new Promise((r) => setTimeout(r, Math.min(interval, 100 * 2 ** round)));
  }
}

/** Without a push, a job is still checked this often (a minion that restarted cannot push its job's end). */
const PUSHED_FALLBACK_MS = 5000;

/**
 * pollJob for transports that push job events (AMQP): progress and log lines arrive as the minions send them, and
 * jobs.job_status is asked when a host reports its job ended (or every few seconds as a fallback), not polled.
 */
async function followJob(ctx: JobContext, client: Required<Pick<TransportClient, 'followJobs'>>, id: string, options: PollOptions): Promise<JobStatus> {
  const seen = new Set<string>();
  let pending = pendingIds(ctx.store.load(id)?.hosts ?? {});
  let wake: (() => void) | null = null;
  let ended = false;
  const stop = client.followJobs((host, minionJobId, event) => {
    if (pending.get(host) !== minionJobId) return;
    if (event.status === JOB_ENDED_STATUS) { ended = true; wake?.(); return; }
    options.onProgress?.([{ kind: 'progress', host, progress: event }]);
  });
  try {
    for (;;) {
      ended = false;
      const status = await statusRound(ctx, id, seen, options);
      if (isLast(status, options)) return status;
      pending = pendingIds(ctx.store.load(id)?.hosts ?? {});
      if (!ended) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, PUSHED_FALLBACK_MS);
          wake = () => { clearTimeout(timer); resolve(); };
          options.signal?.addEventListener('abort', wake, { once: true });
        });
      }
      wake = null;
    }
  } finally {
    stop();
  }
}
