// func's transport-neutral error model: what a caller sees of an error a minion raised (func's type/value/trace
// triple, REMOTE_ERROR semantics, traces), and how a client rebuilds it. Transports only choose its wire shape.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AccessDeniedError, AclError, CommandFailedError, ConnectionError, InvalidArgumentsError, JobError, MarshalError,
  MethodNotFoundError, ModuleError, ModuleNotFoundError, PayloadTooLargeError, ProtocolError, RemoteError,
  TimeoutError, FuncError, type ErrorCode,
} from './errors.js';

/** func's three REMOTE_ERROR fields, plus our error code when the raiser was a FuncError. */
export interface RemoteFailure {
  /** the Python exception type name func would report, e.g. "exceptions.TypeError" */
  type: string;
  message: string;
  /** a one-line stack trace (may be "") */
  trace: string;
  code?: ErrorCode;
}

/** The marker in the first slot of func's error list. */
export const REMOTE_ERROR = 'REMOTE_ERROR';

// the checkout's top directory, stripped from traces (this file runs from <root>/dist/common/)
const checkoutRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A JS stack as one line (frames joined with a space), without the checkout's absolute path. */
export function formatTrace(err: unknown): string {
  if (!(err instanceof Error) || typeof err.stack !== 'string') return '';
  const frames = err.stack.split('\n').filter((l) => /^\s+at /.test(l)).map((l) => l.trim());
  return frames.join(' ').split(`file://${checkoutRoot}/`).join('').split(`${checkoutRoot}/`).join('');
}

/** The Python exception type name func would report for an error raised while serving a call. */
export function remoteTypeOf(err: unknown): string {
  if (err instanceof RemoteError) return err.remoteType;
  if (err instanceof AccessDeniedError) return 'func.minion.codes.AccessToMethodDenied';
  if (err instanceof ModuleNotFoundError) return 'func.minion.codes.ModuleNotFoundException';
  if (err instanceof MethodNotFoundError) return 'func.minion.codes.InvalidMethodException';
  if (err instanceof InvalidArgumentsError) return 'exceptions.TypeError';
  if (err instanceof ModuleError || err instanceof MarshalError) return err.pythonType;
  if (err instanceof AclError || err instanceof PayloadTooLargeError || err instanceof ProtocolError) return 'exceptions.ValueError';
  if (err instanceof ConnectionError) return 'socket.error';
  if (err instanceof CommandFailedError || err instanceof TimeoutError || err instanceof JobError) {
    return 'func.minion.codes.FuncException';
  }
  return 'exceptions.Exception';
}

/** What a caller is told of `err` (a RemoteError passes through unchanged, e.g. when a minion delegates). */
export function failureOf(err: unknown): RemoteFailure {
  const message = err instanceof Error ? err.message : String(err);
  const trace = err instanceof RemoteError ? err.trace : formatTrace(err);
  const code = err instanceof RemoteError ? err.remoteCode : err instanceof FuncError ? err.code : undefined;
  return { type: remoteTypeOf(err), message, trace, ...(code !== undefined ? { code } : {}) };
}

/** func's own exception types whose meaning is one of our codes (so a func peer's errors get a code too). */
const CODES_OF_FUNC_TYPES: Readonly<Record<string, ErrorCode>> = {
  'func.minion.codes.AccessToMethodDenied': 'FUNC_ERR_ACCESS_DENIED',
  'func.minion.codes.ModuleNotFoundException': 'FUNC_ERR_MODULE_NOT_FOUND',
  'func.minion.codes.InvalidMethodException': 'FUNC_ERR_METHOD_NOT_FOUND',
};

/** Our code for one of func's exception type names, when it has one. */
export function codeOfRemoteType(type: string): ErrorCode | undefined {
  return CODES_OF_FUNC_TYPES[type];
}

/** The client side: the error to reject a call with, from the failure a minion reported. */
export function errorFromFailure(failure: RemoteFailure): RemoteError {
  return new RemoteError(failure.type, failure.message, failure.trace, failure.code ?? codeOfRemoteType(failure.type));
}

/** func's error list as a value: ["REMOTE_ERROR", type, value, trace] (what jobs.job_status reports for a failed job). */
export function remoteErrorList(failure: RemoteFailure): string[] {
  return [REMOTE_ERROR, failure.type, failure.message, failure.trace];
}

/** func's is_error(): a non-empty list whose first item is "REMOTE_ERROR". */
export function isRemoteErrorList(v: unknown): v is unknown[] {
  return Array.isArray(v) && v.length > 0 && v[0] === REMOTE_ERROR;
}

/** The failure an error list holds (missing items read as ""). */
export function failureFromList(list: readonly unknown[]): RemoteFailure {
  const text = (i: number): string => (list[i] === undefined || list[i] === null ? '' : String(list[i]));
  return { type: text(1), message: text(2), trace: text(3) };
}
