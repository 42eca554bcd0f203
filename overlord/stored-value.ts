// A lossless JSON form of wire values and host outcomes, for the job store: bigint, bytes and dates are
// tagged ({"$bigint": "…"}, {"$base64": "…"}, {"$date": "…"}); error outcomes keep their class and fields.
import {
  ConnectionError, FaultError, FuncError, RemoteError, asFuncError,
} from '../common/errors.js';
import type { WireStruct, WireValue } from '../transport/types.js';
import type { HostOutcome } from './outcome.js';

/** A JSON value (what JSON.parse gives back). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TAGS = ['$bigint', '$base64', '$date', '$object'] as const;

/** Encodes a wire value as tagged JSON. */
export function storeValue(v: WireValue): Json {
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (v instanceof Uint8Array) return { $base64: Buffer.from(v).toString('base64') };
  if (v instanceof Date) return { $date: v.toISOString() };
  if (Array.isArray(v)) return v.map(storeValue);
  if (v !== null && typeof v === 'object') {
    const body = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, storeValue(x)]));
    const keys = Object.keys(body);
    // a plain struct that looks like a tag is wrapped so it cannot be mistaken for one
    return keys.length === 1 && (TAGS as readonly string[]).includes(keys[0]!) ? { $object: body } : body;
  }
  return v;
}

/** Decodes tagged JSON back into a wire value. */
export function loadValue(j: Json): WireValue {
  if (Array.isArray(j)) return j.map(loadValue);
  if (j === null || typeof j !== 'object') return j;
  const keys = Object.keys(j);
  if (keys.length === 1) {
    const [k] = keys as [string];
    const x = j[k];
    if (k === '$bigint' && typeof x === 'string') return BigInt(x);
    if (k === '$base64' && typeof x === 'string') return new Uint8Array(Buffer.from(x, 'base64'));
    if (k === '$date' && typeof x === 'string') return new Date(x);
    if (k === '$object' && x !== null && typeof x === 'object' && !Array.isArray(x)) return loadStruct(x);
  }
  return loadStruct(j);
}

function loadStruct(j: { [key: string]: Json }): WireStruct {
  return Object.fromEntries(Object.entries(j).map(([k, x]) => [k, loadValue(x)]));
}

/** An outcome as stored JSON. */
export function storeOutcome(o: HostOutcome): Json {
  switch (o.status) {
    case 'ok': return { status: 'ok', value: storeValue(o.value) };
    case 'timeout': return { status: 'timeout', timeoutMs: o.timeoutMs, message: o.message };
    case 'unreachable': return { status: 'unreachable', message: o.message, cause: o.cause.name };
    case 'error': {
      const out: { [key: string]: Json } = { status: 'error', type: o.type, message: o.message, trace: o.trace, errorClass: o.error.name };
      if (o.error instanceof FaultError) Object.assign(out, { faultCode: o.error.faultCode, faultString: o.error.faultString });
      return out;
    }
  }
}

/** Rebuilds an outcome from stored JSON. */
export function loadOutcome(j: Json): HostOutcome {
  const r = (j ?? {}) as Record<string, Json>;
  const str = (k: string): string => (typeof r[k] === 'string' ? r[k] as string : '');
  switch (r.status) {
    case 'ok': return { status: 'ok', value: loadValue(r.value ?? null) };
    case 'timeout': return { status: 'timeout', timeoutMs: Number(r.timeoutMs ?? 0), message: str('message') };
    case 'unreachable': return { status: 'unreachable', cause: new ConnectionError(str('message')), message: str('message') };
    default: {
      const error: FuncError = r.errorClass === 'FaultError'
        ? new FaultError(Number(r.faultCode ?? 1), str('faultString'))
        : r.errorClass === 'RemoteError' ? new RemoteError(str('type'), str('message'), str('trace'))
          : asFuncError(new Error(str('message')));
      return { status: 'error', error, type: str('type'), message: str('message'), trace: str('trace') };
    }
  }
}
