// Per-host results of a fan-out call: a typed discriminated union (never an exception, never a string),
// and the one place where a thrown transport error is classified into ok/error/timeout/unreachable.
import {
  ConnectionError, FaultError, FuncError, RemoteError, TimeoutError, asFuncError,
} from '../common/errors.js';
import type { WireValue } from '../transport/types.js';

/** The host answered with a value. */
export interface OkOutcome {
  readonly status: 'ok';
  readonly value: WireValue;
}

/**
 * The host answered with an error: a REMOTE_ERROR list (RemoteError), an XML-RPC fault (FaultError) or
 * any other failure after the request reached the minion. `type`/`message`/`trace` are func's three
 * REMOTE_ERROR fields (for a fault: "xmlrpclib.Fault" and the fault's text).
 */
export interface ErrorOutcome {
  readonly status: 'error';
  readonly error: RemoteError | FaultError | FuncError;
  readonly type: string;
  readonly message: string;
  readonly trace: string;
}

/** The host did not answer within the call's deadline. */
export interface TimeoutOutcome {
  readonly status: 'timeout';
  readonly timeoutMs: number;
  readonly message: string;
}

/** The host could not be reached: connection refused, DNS failure, TLS failure or identity mismatch. */
export interface UnreachableOutcome {
  readonly status: 'unreachable';
  readonly cause: FuncError;
  readonly message: string;
}

/** What one host gave back for one call. */
export type HostOutcome = OkOutcome | ErrorOutcome | TimeoutOutcome | UnreachableOutcome;

/** The status words of HostOutcome, in summary order. */
export const OUTCOME_STATUSES = ['ok', 'error', 'timeout', 'unreachable'] as const;
/** ok, error, timeout or unreachable. */
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

/** One host's outcome as it streams out of a fan-out. */
export interface HostResult {
  readonly host: string;
  readonly outcome: HostOutcome;
}

/** The results of a whole call: host → outcome, in host order. */
export type CallResults = ReadonlyMap<string, HostOutcome>;

/** Builds an ok outcome. */
export function ok(value: WireValue): OkOutcome {
  return { status: 'ok', value };
}

/** Builds an error outcome from a RemoteError-like triple. */
export function remoteFailure(type: string, message: string, trace = ''): ErrorOutcome {
  return { status: 'error', error: new RemoteError(type, message, trace), type, message, trace };
}

/** Classifies anything a TransportClient.call rejected with. */
export function outcomeFromError(err: unknown, timeoutMs: number): HostOutcome {
  if (err instanceof RemoteError) {
    return { status: 'error', error: err, type: err.remoteType, message: err.message, trace: err.trace };
  }
  if (err instanceof FaultError) {
    return { status: 'error', error: err, type: 'xmlrpclib.Fault', message: err.message, trace: '' };
  }
  if (err instanceof TimeoutError) return { status: 'timeout', timeoutMs, message: err.message };
  if (err instanceof ConnectionError) return { status: 'unreachable', cause: err, message: err.message };
  const fe = asFuncError(err);
  return { status: 'error', error: fe, type: fe.name, message: fe.message, trace: fe.stack ?? '' };
}

/** Counts outcomes by status. */
export function summarize(outcomes: Iterable<HostOutcome>): Record<OutcomeStatus, number> {
  const counts: Record<OutcomeStatus, number> = { ok: 0, error: 0, timeout: 0, unreachable: 0 };
  for (const o of outcomes) counts[o.status]++;
  return counts;
}

/** "3 ok, 1 error, 1 timeout, 0 unreachable" */
export function summaryLine(counts: Record<OutcomeStatus, number>): string {
  return OUTCOME_STATUSES.map((s) => `${counts[s]} ${s}`).join(', ');
}

let hostCollator: Intl.Collator | null = null; // made on first use: building it costs ~7 ms of CLI start-up

/** Orders hosts the way every output of the overlord lists them: natural order (127.0.0.2 before 127.0.0.10). */
export function compareHosts(a: string, b: string): number {
  hostCollator ??= new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });
  return hostCollator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
