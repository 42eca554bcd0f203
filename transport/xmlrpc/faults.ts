// XML-RPC's shape of func's error model (compat §1.5): a failure becomes a Fault or a REMOTE_ERROR list on the
// serving side (certmaster: always a Fault), and a Fault (FaultError) / REMOTE_ERROR list becomes a RemoteError on the calling side.
import {
  AccessDeniedError, AclError, MarshalError, MethodNotFoundError, PayloadTooLargeError, ProtocolError, RemoteError,
} from '../../common/errors.js';
import {
  codeOfRemoteType, errorFromFailure, failureFromList, failureOf, isRemoteErrorList, remoteErrorList,
} from '../../common/remote-failure.js';
import { pyString } from '../python-repr.js';
import type { WireValue } from '../types.js';
import type { DecodedResponse } from './codec.js';

/**
 * A Fault received from a peer: a RemoteError of remote type "xmlrpclib.Fault", message "Fault ‹code›: ‹text›",
 * no trace, and our code when the fault names one of func's exceptions ("<class 'func.minion.codes.X'>:").
 */
export class FaultError extends RemoteError {
  constructor(readonly faultCode: number, readonly faultString: string) {
    const named = /^<(?:class|type) '([^']+)'>:/.exec(faultString)?.[1];
    super('xmlrpclib.Fault', `Fault ${faultCode}: ${faultString}`, '', named === undefined ? undefined : codeOfRemoteType(named));
  }
}

/** What an error becomes on the wire: a normal value (a REMOTE_ERROR list) or a Fault. */
export type WireOutcome =
  | { kind: 'value'; value: WireValue }
  | { kind: 'fault'; faultCode: number; faultString: string };

/** Python's str(type): builtin exceptions print as <type '…'>, everything else as <class '…'>. */
export function pythonTypeString(type: string): string {
  return type.startsWith('exceptions.') ? `<type '${type}'>` : `<class '${type}'>`;
}

function fault(type: string, message: string): WireOutcome {
  return { kind: 'fault', faultCode: 1, faultString: `${pythonTypeString(type)}:${message}` };
}

/** Faults for errors of the wire itself, shared by the func and certmaster mappings. */
function transportFault(err: unknown): WireOutcome | undefined {
  if (err instanceof MarshalError) return fault(err.pythonType, err.message);
  if (err instanceof PayloadTooLargeError) return fault('exceptions.ValueError', err.message);
  if (err instanceof ProtocolError) return fault('xml.parsers.expat.ExpatError', err.message);
  return undefined;
}

/** A Fault relayed from further away (a delegating minion) reads as func prints one: <Fault 1: '…'>. */
function messageOf(err: unknown): string | undefined {
  return err instanceof FaultError ? `<Fault ${err.faultCode}: ${pyString(err.faultString)}>` : undefined;
}

/**
 * Maps whatever a minion's handler threw to func's wire shape (compat §1.5):
 * - AccessDeniedError → Fault 1 "<class 'func.minion.codes.AccessToMethodDenied'>:{message}" (func sent no message;
 *   ours names the method, the caller's ACL key and the ACL directory);
 * - AclError → Fault 1 "<type 'exceptions.ValueError'>:{message}" (func's answer while its ACL file is broken);
 * - MarshalError → Fault 1 "<type '{pythonType}'>:{message}"; ProtocolError / PayloadTooLargeError → Fault 1;
 * - everything else → a REMOTE_ERROR list of failureOf(err). Divergence from func: for
 *   ModuleNotFoundError and MethodNotFoundError the value is our message (which says why), not func's "".
 */
export function funcErrorToWire(err: unknown): WireOutcome {
  if (err instanceof AccessDeniedError) return fault('func.minion.codes.AccessToMethodDenied', err.message);
  if (err instanceof AclError) return fault('exceptions.ValueError', err.message);
  const wire = transportFault(err);
  if (wire) return wire;
  const failure = failureOf(err);
  return { kind: 'value', value: remoteErrorList({ ...failure, message: messageOf(err) ?? failure.message }) };
}

/**
 * certmaster's wire shape: every error is Fault 1 "<class 'certmaster.codes.X'>:message"; an unknown method
 * gives exactly "<class 'certmaster.codes.InvalidMethodException'>:".
 */
export function certmasterErrorToWire(err: unknown): WireOutcome {
  if (err instanceof MethodNotFoundError) return fault('certmaster.codes.InvalidMethodException', '');
  const wire = transportFault(err);
  if (wire) return wire;
  return fault('certmaster.codes.CertMasterException', messageOf(err) ?? (err instanceof Error ? err.message : String(err)));
}

/**
 * The overlord side: a Fault → FaultError; a success value that is a REMOTE_ERROR list → RemoteError
 * (missing items read as ""); any other success value → null (not an error).
 */
export function wireToError(response: DecodedResponse): FaultError | ReturnType<typeof errorFromFailure> | null {
  if (!response.ok) return new FaultError(response.faultCode, response.faultString);
  return isRemoteErrorList(response.value) ? errorFromFailure(failureFromList(response.value)) : null;
}
