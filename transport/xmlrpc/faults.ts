// The one place that knows func's and certmaster's error wire shapes: FuncError → XML-RPC Fault or
// REMOTE_ERROR list (compat §1.5) on the serving side, and Fault / REMOTE_ERROR list → FuncError on the calling side.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AccessDeniedError, CommandFailedError, ConnectionError, FaultError, InvalidArgumentsError, JobError,
  MarshalError, MethodNotFoundError, ModuleError, ModuleNotFoundError, PayloadTooLargeError, ProtocolError,
  RemoteError, TimeoutError,
} from '../../common/errors.js';
import type { WireValue } from '../types.js';
import type { DecodedResponse } from './codec.js';

/** What an error becomes on the wire: a normal value (a REMOTE_ERROR list) or a Fault. */
export type WireOutcome =
  | { kind: 'value'; value: WireValue }
  | { kind: 'fault'; faultCode: number; faultString: string };

/** The marker in the first slot of func's error list. */
export const REMOTE_ERROR = 'REMOTE_ERROR';

// the checkout's top directory, stripped from traces (this file runs from <root>/dist/transport/xmlrpc/)
const checkoutRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** func's error list: ["REMOTE_ERROR", type, value, trace]. */
export function remoteErrorList(type: string, value: string, trace: string): WireValue[] {
  return [REMOTE_ERROR, type, value, trace];
}

/** func's is_error(): a non-empty list whose first item is "REMOTE_ERROR". */
export function isRemoteErrorList(v: unknown): v is WireValue[] {
  return Array.isArray(v) && v.length > 0 && v[0] === REMOTE_ERROR;
}

/** A JS stack as one line (frames joined with a space), without the checkout's absolute path. */
export function formatTrace(err: unknown): string {
  if (!(err instanceof Error) || typeof err.stack !== 'string') return '';
  const frames = err.stack.split('\n').filter((l) => /^\s+at /.test(l)).map((l) => l.trim());
  return frames.join(' ').split(`file://${checkoutRoot}/`).join('').split(`${checkoutRoot}/`).join('');
}

/** Python's str(type): builtin exceptions print as <type '…'>, everything else as <class '…'>. */
export function pythonTypeString(type: string): string {
  return type.startsWith('exceptions.') ? `<type '${type}'>` : `<class '${type}'>`;
}

function fault(type: string, message: string): WireOutcome {
  return { kind: 'fault', faultCode: 1, faultString: `${pythonTypeString(type)}:${message}` };
}

/** Python's repr() of a string, as the overlord shows a Fault: <Fault 1: '…'>. */
function pythonRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  return quote + s.replace(/\\/g, '\\\\').split(quote).join(`\\${quote}`).replace(/\n/g, '\\n') + quote;
}

/** Faults for errors of the wire itself, shared by the func and certmaster mappings. */
function transportFault(err: unknown): WireOutcome | undefined {
  if (err instanceof MarshalError) return fault(err.pythonType, err.message);
  if (err instanceof PayloadTooLargeError) return fault('exceptions.ValueError', err.message);
  if (err instanceof ProtocolError) return fault('xml.parsers.expat.ExpatError', err.message);
  return undefined;
}

/** The Python exception type name func would report for an error raised by a method. */
function remoteTypeOf(err: unknown): string {
  if (err instanceof ModuleNotFoundError) return 'func.minion.codes.ModuleNotFoundException';
  if (err instanceof MethodNotFoundError) return 'func.minion.codes.InvalidMethodException';
  if (err instanceof InvalidArgumentsError) return 'exceptions.TypeError';
  if (err instanceof ModuleError) return err.pythonType;
  if (err instanceof RemoteError) return err.remoteType;
  if (err instanceof FaultError) return 'xmlrpclib.Fault';
  if (err instanceof ConnectionError) return 'socket.error';
  if (err instanceof CommandFailedError || err instanceof TimeoutError || err instanceof JobError) {
    return 'func.minion.codes.FuncException';
  }
  return 'exceptions.Exception';
}

function messageOf(err: unknown): string {
  if (err instanceof FaultError) return `<Fault ${err.faultCode}: ${pythonRepr(err.faultString)}>`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Maps whatever a minion's handler threw to func's wire shape (compat §1.5):
 * - AccessDeniedError → Fault 1 "<class 'func.minion.codes.AccessToMethodDenied'>:{message}" (func sent no message;
 *   ours names the method, the caller's ACL key and the ACL directory);
 * - MarshalError → Fault 1 "<type '{pythonType}'>:{message}"; ProtocolError / PayloadTooLargeError → Fault 1;
 * - everything else → a REMOTE_ERROR list [type, message, trace]. Divergence from func: for
 *   ModuleNotFoundError and MethodNotFoundError the value is our message (which says why), not func's "".
 */
export function funcErrorToWire(err: unknown): WireOutcome {
  if (err instanceof AccessDeniedError) return fault('func.minion.codes.AccessToMethodDenied', err.message);
  const wire = transportFault(err);
  if (wire) return wire;
  const trace = err instanceof RemoteError ? err.trace : formatTrace(err);
  return { kind: 'value', value: remoteErrorList(remoteTypeOf(err), messageOf(err), trace) };
}

/**
 * certmaster's wire shape: every error is Fault 1 "<class 'certmaster.codes.X'>:message"; an unknown method
 * gives exactly "<class 'certmaster.codes.InvalidMethodException'>:".
 */
export function certmasterErrorToWire(err: unknown): WireOutcome {
  if (err instanceof MethodNotFoundError) return fault('certmaster.codes.InvalidMethodException', '');
  const wire = transportFault(err);
  if (wire) return wire;
  return fault('certmaster.codes.CertMasterException', messageOf(err));
}

/**
 * The overlord side: a Fault → FaultError; a success value that is a REMOTE_ERROR list → RemoteError
 * (missing items read as ""); any other success value → null (not an error).
 */
export function wireToError(response: DecodedResponse): FaultError | RemoteError | null {
  if (!response.ok) return new FaultError(response.faultCode, response.faultString);
  const v = response.value;
  if (!isRemoteErrorList(v)) return null;
  const text = (i: number) => (v[i] === undefined || v[i] === null ? '' : String(v[i]));
  return new RemoteError(text(1), text(2), text(3));
}

