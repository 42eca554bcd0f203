// The one lossless JSON encoding of wire values (job records on both ends, the AMQP message body): values JSON
// cannot hold (bigint, bytes, dates, NaN/±Infinity/-0, structs using the tag key) become {"$wire": kind, "v": …}.
import { ProtocolError } from '../common/errors.js';
import type { WireStruct, WireValue } from './types.js';

/** A JSON value (what JSON.parse gives back). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TAG = '$wire';
const KINDS = ['base64', 'date', 'bigint', 'number', 'struct'] as const;
type Kind = (typeof KINDS)[number];

function tagged(kind: Kind, v: Json): Json {
  return { [TAG]: kind, v };
}

/** A wire value as plain JSON data (no information lost). */
export function wireToJson(value: WireValue): Json {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value) && !Object.is(value, -0)) return value;
    return tagged('number', Object.is(value, -0) ? '-0' : String(value));
  }
  if (typeof value === 'bigint') return tagged('bigint', value.toString());
  if (value instanceof Uint8Array) return tagged('base64', Buffer.from(value).toString('base64'));
  if (value instanceof Date) return tagged('date', Number.isNaN(value.getTime()) ? null : value.toISOString());
  if (Array.isArray(value)) return value.map(wireToJson);
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(value)) out[k] = wireToJson(v);
  return Object.hasOwn(value, TAG) ? tagged('struct', out) : out;
}

function fromStruct(obj: Record<string, unknown>): WireStruct {
  const out: WireStruct = {};
  for (const [k, v] of Object.entries(obj)) out[k] = wireFromJson(v);
  return out;
}

function fromTagged(kind: unknown, v: unknown): WireValue {
  switch (kind as Kind) {
    case 'number': return Number(v);
    case 'bigint':
      if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw new ProtocolError(`wire JSON: bad bigint ${JSON.stringify(v)}`);
      return BigInt(v);
    case 'base64': return new Uint8Array(Buffer.from(String(v), 'base64'));
    case 'date': return new Date(v === null ? Number.NaN : String(v));
    case 'struct':
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ProtocolError('wire JSON: a tagged struct must hold an object');
      return fromStruct(v as Record<string, unknown>);
    default: throw new ProtocolError(`wire JSON: unknown tag ${JSON.stringify(kind)} (expected one of ${KINDS.join(', ')})`);
  }
}

/** The inverse of wireToJson; data that is not its output fails with ProtocolError. */
export function wireFromJson(data: unknown): WireValue {
  if (data === null || typeof data === 'boolean' || typeof data === 'string' || typeof data === 'number') return data;
  if (Array.isArray(data)) return data.map(wireFromJson);
  if (typeof data !== 'object') throw new ProtocolError(`wire JSON: ${typeof data} is not a wire value`);
  const obj = data as Record<string, unknown>;
  if (Object.hasOwn(obj, TAG)) return fromTagged(obj[TAG], obj.v);
  return fromStruct(obj);
}

/** JSON text of a wire value (wireToJson, then JSON.stringify). */
export function stringifyWire(value: WireValue): string {
  return JSON.stringify(wireToJson(value));
}

/** A wire value from JSON text; malformed text fails with ProtocolError. */
export function parseWire(text: string): WireValue {
  let data: unknown;
  try { data = JSON.parse(text); } catch (err) { throw new ProtocolError(`wire JSON: ${(err as Error).message}`, { cause: err }); }
  return wireFromJson(data);
}
