// The stored JSON form of host outcomes, for the overlord's job store: values in the one lossless wire JSON
// (transport/wire-json.ts); error outcomes keep their remote type, message and trace.
import { ConnectionError, FuncError, RemoteError, asFuncError } from '../common/errors.js';
import { wireFromJson, wireToJson, type Json } from '../transport/wire-json.js';
import type { HostOutcome } from './outcome.js';

export type { Json } from '../transport/wire-json.js';

/** An outcome as stored JSON. */
export function storeOutcome(o: HostOutcome): Json {
  switch (o.status) {
    case 'ok': return { status: 'ok', value: wireToJson(o.value) };
    case 'timeout': return { status: 'timeout', timeoutMs: o.timeoutMs, message: o.message };
    case 'unreachable': return { status: 'unreachable', message: o.message, cause: o.cause.name };
    case 'error': {
      const remote = o.error instanceof RemoteError;
      return { status: 'error', type: o.type, message: o.message, trace: o.trace, errorClass: remote ? 'RemoteError' : o.error.name };
    }
  }
}

/** Rebuilds an outcome from stored JSON. */
export function loadOutcome(j: Json): HostOutcome {
  const r = (j ?? {}) as Record<string, Json>;
  const str = (k: string): string => (typeof r[k] === 'string' ? r[k] as string : '');
  switch (r.status) {
    case 'ok': return { status: 'ok', value: wireFromJson(r.value ?? null) };
    case 'timeout': return { status: 'timeout', timeoutMs: Number(r.timeoutMs ?? 0), message: str('message') };
    case 'unreachable': return { status: 'unreachable', cause: new ConnectionError(str('message')), message: str('message') };
    default: {
      const error: FuncError = r.errorClass === 'RemoteError'
        ? new RemoteError(str('type'), str('message'), str('trace'))
        : asFuncError(new Error(str('message')));
      return { status: 'error', error, type: str('type'), message: str('message'), trace: str('trace') };
    }
  }
}
