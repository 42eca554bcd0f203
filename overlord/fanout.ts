// Concurrent fan-out of one call to many hosts in this process: at most `concurrency` calls in flight, a
// deadline per call, and results yielded as each host answers. A failing host is an outcome, never a throw.
import { setMaxListeners } from 'node:events';
import type { CallRequest, ProgressEvent, TransportClient } from '../transport/types.js';
import { TimeoutError } from '../common/errors.js';
import { ok, outcomeFromError, type HostOutcome, type HostResult } from './outcome.js';

/** What one fan-out needs. */
export interface FanoutOptions {
  readonly client: TransportClient;
  readonly hosts: readonly string[];
  /** the call, the same for every host or built per host (e.g. each host's own minion job id) */
  readonly request: CallRequest | ((host: string) => CallRequest);
  /** calls in flight at once (func's nforks); default: all hosts */
  readonly concurrency?: number;
  /** per-call deadline in ms; 0 = none */
  readonly timeoutMs: number;
  /** aborts every call still running; their hosts then finish as timeouts */
  readonly signal?: AbortSignal;
  /** a pause after each return before the next host starts (Salt's batch wait); default none */
  readonly launchDelayMs?: number;
  /** progress a host reports while its call runs (transports that stream it) */
  readonly onProgress?: (host: string, event: ProgressEvent) => void;
}

/** Extra time the client gets to report its own deadline before the fan-out gives up on it. */
const DEADLINE_GRACE_MS = 500;

/** Calls one host; always resolves. */
export async function callHost(options: FanoutOptions, host: string, signal: AbortSignal): Promise<HostOutcome> {
  const { client, timeoutMs } = options;
  const request = typeof options.request === 'function' ? options.request(host) : options.request;
  const perCall = new AbortController();
  const onAbort = (): void => perCall.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const backstop = new Promise<never>((_, reject) => {
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        perCall.abort();
        reject(new TimeoutError(`no answer from ${host} within ${timeoutMs} ms`));
      }, timeoutMs + DEADLINE_GRACE_MS);
    }
  });
  try {
    const call = client.call(host, request, {
      timeout: timeoutMs, signal: perCall.signal,
      onProgress: options.onProgress && ((ev) => options.onProgress!(host, ev)),
    });
    return ok(await Promise.race([call, backstop]));
  } catch (err) {
    if (signal.aborted && !(err instanceof TimeoutError)) return outcomeFromError(new TimeoutError(`call to ${host} aborted`), timeoutMs);
    return outcomeFromError(err, timeoutMs);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

/** Yields `{host, outcome}` for every host, in the order they finish. Leaving the loop early aborts the rest. */
export async function* fanout(options: FanoutOptions): AsyncGenerator<HostResult, void, undefined> {
  const hosts = options.hosts;
  if (hosts.length === 0) return;
  const limit = Math.max(1, Math.min(options.concurrency ?? hosts.length, hosts.length));
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one listener per call in flight (up to `concurrency`)
  const onOuterAbort = (): void => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (options.signal?.aborted) stop.abort(options.signal.reason);
  const ready: HostResult[] = [];
  let wake: (() => void) | null = null;
  let next = 0;
  const launch = (): void => {
    const host = hosts[next++]!;
    void callHost(options, host, stop.signal).then((outcome) => {
      ready.push({ host, outcome });
      if (next < hosts.length && !stop.signal.aborted) launchNext(options.launchDelayMs ?? 0);
      wake?.();
    });
  };
  const launchNext = (delayMs: number): void => {
    if (delayMs <= 0) launch();
    else setTimeout(() => { if (!stop.signal.aborted) launch(); }, delayMs);
  };
  try {
    for (let i = 0; i < limit; i++) launch();
    for (let yielded = 0; yielded < hosts.length;) {
      if (ready.length === 0) await new Promise<void>((resolve) => { wake = resolve; });
      wake = null;
      while (ready.length > 0) { yielded++; yield ready.shift()!; }
    }
  } finally {
    stop.abort();
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** Runs a fan-out to completion and returns every outcome. */
export async function fanoutAll(options: FanoutOptions): Promise<HostResult[]> {
  const out: HostResult[] = [];
  for await (const r of fanout(options)) out.push(r);
  return out;
}
