// The project's error classes: FuncError and one subclass per stable code (ErrorCodes, catalogued in docs/errors.md),
// grouped by who raises them. What a remote peer sees of them (func's type/value/trace triple) is
// common/remote-failure.ts; each transport maps that to its own wire.

export const ErrorCodes = {
  CONFIG: 'FUNC_ERR_CONFIG',
  ACL: 'FUNC_ERR_ACL',
  PROTOCOL: 'FUNC_ERR_PROTOCOL',
  PAYLOAD_TOO_LARGE: 'FUNC_ERR_PAYLOAD_TOO_LARGE',
  CONNECTION: 'FUNC_ERR_CONNECTION',
  TIMEOUT: 'FUNC_ERR_TIMEOUT',
  BROKER_UNAVAILABLE: 'FUNC_ERR_BROKER_UNAVAILABLE',
  SERVER_BUSY: 'FUNC_ERR_SERVER_BUSY',
  CERT_NOT_SIGNED: 'FUNC_ERR_CERT_NOT_SIGNED',
  CERT_REVOKED: 'FUNC_ERR_CERT_REVOKED',
  ACCESS_DENIED: 'FUNC_ERR_ACCESS_DENIED',
  MODULE_NOT_FOUND: 'FUNC_ERR_MODULE_NOT_FOUND',
  METHOD_NOT_FOUND: 'FUNC_ERR_METHOD_NOT_FOUND',
  INVALID_ARGUMENTS: 'FUNC_ERR_INVALID_ARGUMENTS',
  MARSHAL: 'FUNC_ERR_MARSHAL',
  MODULE_FAILED: 'FUNC_ERR_MODULE_FAILED',
  COMMAND_FAILED: 'FUNC_ERR_COMMAND_FAILED',
  JOB: 'FUNC_ERR_JOB',
  CSR_INVALID: 'FUNC_ERR_CSR_INVALID',
  CSR_REFUSED: 'FUNC_ERR_CSR_REFUSED',
  CA: 'FUNC_ERR_CA',
  TARGET: 'FUNC_ERR_TARGET',
  REMOTE: 'FUNC_ERR_REMOTE',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** The transport-neutral description of an error, as a transport edge needs it. */
export interface WireError {
  code: ErrorCode;
  /** The error class name (FuncError subclass, or the original class of a wrapped error). */
  type: string;
  message: string;
  /** A stack trace or other detail, when there is one. */
  detail?: string;
}

export class FuncError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
  toWire(): WireError {
    return { code: this.code, type: this.name, message: this.message, detail: this.stack };
  }
}

// ---- configuration ----
export class ConfigError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.CONFIG, message, options); }
}

/** The minion's ACL files cannot be read or parsed: every call is refused with this (func: a ValueError). */
export class AclError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.ACL, message, options); }
}

// ---- transport ----
export class ProtocolError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.PROTOCOL, message, options); }
}
export class PayloadTooLargeError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.PAYLOAD_TOO_LARGE, message, options); }
}
export class ConnectionError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.CONNECTION, message, options); }
}
export class TimeoutError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.TIMEOUT, message, options); }
}
export class BrokerUnavailableError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.BROKER_UNAVAILABLE, message, options); }
}
/** A server refused a request for now because a shared limit is reached (e.g. body bytes in flight); retry later. */
export class ServerBusyError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.SERVER_BUSY, message, options); }
}

// ---- security ----
export class CertificateNotSignedError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.CERT_NOT_SIGNED, message, options); }
}
export class CertificateRevokedError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.CERT_REVOKED, message, options); }
}
export class AccessDeniedError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.ACCESS_DENIED, message, options); }
}

// ---- dispatch ----
export class ModuleNotFoundError extends FuncError {
  /** reason: why the module is absent (the loader's record), when it is known. */
  constructor(readonly moduleName: string, readonly reason?: string) {
    super(ErrorCodes.MODULE_NOT_FOUND, reason
      ? `module '${moduleName}' is not available: ${reason}`
      : `no module named '${moduleName}' on this minion`);
  }
}
export class MethodNotFoundError extends FuncError {
  constructor(readonly moduleName: string, readonly methodName: string) {
    super(ErrorCodes.METHOD_NOT_FOUND, `module '${moduleName}' has no method '${methodName}'`);
  }
}
export interface ArgumentProblem { name: string; expected: string; got: string }
export class InvalidArgumentsError extends FuncError {
  constructor(message: string, readonly problems: ArgumentProblem[] = []) {
    super(ErrorCodes.INVALID_ARGUMENTS, message);
  }
}
/** A value that the wire cannot carry (an integer beyond its limits, an unsupported type). */
export class MarshalError extends FuncError {
  constructor(message: string, readonly pythonType = 'exceptions.TypeError', options?: ErrorOptions) {
    super(ErrorCodes.MARSHAL, message, options);
  }
}

// ---- modules ----
/**
 * A module method failed. pythonType is the exception type name func would report
 * (default "exceptions.Exception"), so a REMOTE_ERROR list can carry it unchanged.
 */
export class ModuleError extends FuncError {
  constructor(message: string, readonly pythonType = 'exceptions.Exception', options?: ErrorOptions) {
    super(ErrorCodes.MODULE_FAILED, message, options);
  }
}
export interface CommandFailure { command: string; exitCode: number | null; signal?: string | null; stdout: string; stderr: string }
export class CommandFailedError extends FuncError {
  constructor(message: string, readonly info: CommandFailure, options?: ErrorOptions) {
    super(ErrorCodes.COMMAND_FAILED, message, options);
  }
}
export class JobError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.JOB, message, options); }
}

// ---- certmaster ----
export class CsrInvalidError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.CSR_INVALID, message, options); }
}
export class CsrRefusedError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.CSR_REFUSED, message, options); }
}
export class CaError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.CA, message, options); }
}

// ---- overlord ----
export class TargetError extends FuncError {
  constructor(message: string, options?: ErrorOptions) { super(ErrorCodes.TARGET, message, options); }
}
/**
 * An error reported by a remote peer, rebuilt by a transport client (errorFromFailure() in
 * common/remote-failure.ts): func's remote type name, message and trace, and our code when the peer sent it.
 */
export class RemoteError extends FuncError {
  /** the FuncError code the peer raised, when its transport carries it (undefined for func's Python peers) */
  readonly remoteCode: ErrorCode | undefined;
  constructor(readonly remoteType: string, message: string, readonly trace = '', remoteCode?: ErrorCode) {
    super(ErrorCodes.REMOTE, message);
    this.remoteCode = remoteCode;
  }
}

/** Wraps anything thrown into a FuncError, keeping the original as the cause. */
export function asFuncError(err: unknown): FuncError {
  if (err instanceof FuncError) return err;
  if (err instanceof Error) return new ModuleError(err.message, 'exceptions.Exception', { cause: err });
  return new ModuleError(String(err));
}
