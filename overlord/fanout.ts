// Fan-out of one call to many hosts: the transport's many-host call when it offers one, else per-host calls
// here (at most `concurrency` in flight, a deadline each). Yields progress and one outcome per host, never throws.
import { setMaxListeners } from 'node:events';
import type { CallRequest, HostEvent, HostResult, TransportClient } from '../transport/types.js';
import { HostEventQueue } from '../transport/host-event-queue.js';
import { TimeoutError } from '../common/errors.js';
import { ok, outcomeFromError, type HostOutcome } from './outcome.js';

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
}

/** Extra time the client gets to report its own deadline before the fan-out gives up on it. */
const DEADLINE_GRACE_MS = 500;

/** Calls one host, passing its progress events to `onEvent`; always resolves. */
export async function callHost(options: FanoutOptions, host: string, signal: AbortSignal, onEvent?: (e: HostEvent) => void): Promise<HostOutcome> {
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
      ...(onEvent ? { onProgress: (progress) => onEvent({ kind: 'progress', host, progress }) } : {}),
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

/**
 * Yields progress events and one `{kind: 'result', host, outcome}` per host, in the order they happen. Uses the
 * client's callMany() when it has one and the request is the same for every host. Leaving the loop early aborts the rest.
 */
export function fanout(options: FanoutOptions): AsyncGenerator<HostEvent, void, undefined> {
  const { client, request } = options;
  if (client.callMany !== undefined && typeof request !== 'function') return manyHostCall(options, client.callMany.bind(client), request);
  return perHostCalls(options);
}

async function* manyHostCall(
  options: FanoutOptions, callMany: NonNullable<TransportClient['callMany']>, request: CallRequest,
): AsyncGenerator<HostEvent, void, undefined> {
  if (options.hosts.length === 0) return;
  yield* callMany(options.hosts, request, {
    timeout: options.timeoutMs,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

async function* perHostCalls(options: FanoutOptions): AsyncGenerator<HostEvent, void, undefined> {
  const hosts = options.hosts;
  if (hosts.length === 0) return;
  const limit = Math.max(1, Math.min(options.concurrency ?? hosts.length, hosts.length));
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one listener per call in flight (up to `concurrency`)
  const onOuterAbort = (): void => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (options.signal?.aborted) stop.abort(options.signal.reason);
  const queue = new HostEventQueue();
  const push = queue.push;
  let next = 0;
  const launch = (): void => {
    const host = hosts[next++]!;
    void callHost(options, host, stop.signal, push).then((outcome) => {
      push({ kind: 'result', host, outcome });
      if (next < hosts.length && !stop.signal.aborted) launchNext(options.launchDelayMs ?? 0);
    });
  };
  const launchNext = (delayMs: number): void => {
    if (delayMs <= 0) launch();
    else setTimeout(() => { if (!stop.signal.aborted) launch(); }, delayMs);
  };
  try {
    for (let i = 0; i < limit; i++) launch();
    yield* queue.drain(hosts.length);
  } finally {
    stop.abort();
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** Runs a fan-out to completion and returns every host's outcome (progress dropped). */
export async function fanoutAll(options: FanoutOptions): Promise<HostResult[]> {
  const out: HostResult[] = [];
  for await (const e of fanout(options)) if (e.kind === 'result') out.push({ host: e.host, outcome: e.outcome });
  return out;
}
