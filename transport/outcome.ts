// Per-host outcomes of a call, shared by both ends of every transport: a typed discriminated union (never an
// exception, never a string), and the one place where a thrown call error is classified into it.
import { ConnectionError, FuncError, RemoteError, TimeoutError, asFuncError } from '../common/errors.js';
import type { WireValue } from './types.js';

/** The host answered with a value. */
export interface OkOutcome {
  readonly status: 'ok';
  readonly value: WireValue;
}

/**
 * The host answered with an error (a RemoteError rebuilt from the wire), or the call failed in another way
 * after reaching it. `type`/`message`/`trace` are func's three REMOTE_ERROR fields.
 */
export interface ErrorOutcome {
  readonly status: 'error';
  readonly error: FuncError;
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

/** The host could not be reached: connection refused, DNS failure, TLS failure, identity mismatch, no broker. */
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

/** Builds an ok outcome. */
export function ok(value: WireValue): OkOutcome {
  return { status: 'ok', value };
}

/** Builds an error outcome from func's REMOTE_ERROR triple. */
export function remoteFailure(type: string, message: string, trace = ''): ErrorOutcome {
  return { status: 'error', error: new RemoteError(type, message, trace), type, message, trace };
}

/**
 * Classifies anything a TransportClient.call rejected with: RemoteError → error (its remote type, message,
 * trace); TimeoutError → timeout; ConnectionError (and BrokerUnavailableError) → unreachable; else → error.
 */
export function outcomeFromError(err: unknown, timeoutMs: number): HostOutcome {
  if (err instanceof RemoteError) {
    return { status: 'error', error: err, type: err.remoteType, message: err.message, trace: err.trace };
  }
  if (err instanceof TimeoutError) return { status: 'timeout', timeoutMs, message: err.message };
  if (err instanceof ConnectionError || (err instanceof FuncError && err.code === 'FUNC_ERR_BROKER_UNAVAILABLE')) {
    return { status: 'unreachable', cause: err, message: err.message };
  }
  const fe = asFuncError(err);
  return { status: 'error', error: fe, type: fe.name, message: fe.message, trace: fe.stack ?? '' };
}
