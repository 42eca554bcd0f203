// Lossless JSON for wire values, so job results keep their base64, dates, big integers and non-finite doubles
// on disk: such values (and structs that happen to use the tag key) become {"$wire": kind, "v": ...}.
import type { WireStruct, WireValue } from '../transport/types.js';

const TAG = '$wire';
type Tagged = { [TAG]: 'base64' | 'date' | 'bigint' | 'number' | 'struct'; v: unknown };

function encode(value: WireValue): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0) ? value : { [TAG]: 'number', v: Object.is(value, -0) ? '-0' : String(value) };
  if (typeof value === 'bigint') return { [TAG]: 'bigint', v: value.toString() };
  if (value instanceof Uint8Array) return { [TAG]: 'base64', v: Buffer.from(value).toString('base64') };
  if (value instanceof Date) return { [TAG]: 'date', v: Number.isNaN(value.getTime()) ? null : value.toISOString() };
  if (Array.isArray(value)) return value.map(encode);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = encode(v);
  return Object.hasOwn(value, TAG) ? { [TAG]: 'struct', v: out } : out;
}

function decodeStruct(obj: Record<string, unknown>): WireStruct {
  const out: WireStruct = Object.create(null) as WireStruct;
  for (const [k, v] of Object.entries(obj)) out[k] = decode(v);
  return out;
}

function decodeTagged(t: Tagged): WireValue {
  switch (t[TAG]) {
    case 'number': return Number(t.v);
    case 'bigint': return BigInt(String(t.v));
    case 'base64': return new Uint8Array(Buffer.from(String(t.v), 'base64'));
    case 'date': return new Date(t.v === null ? Number.NaN : String(t.v));
    case 'struct': return decodeStruct(t.v as Record<string, unknown>);
  }
}

function decode(value: unknown): WireValue {
  if (value === null || typeof value !== 'object') return value as WireValue;
  if (Array.isArray(value)) return value.map(decode);
  const obj = value as Record<string, unknown>;
  if (Object.hasOwn(obj, TAG)) return decodeTagged(obj as Tagged);
  return decodeStruct(obj);
}

/** Turns a wire value into plain JSON data (no information lost). */
export function wireToJson(value: WireValue): unknown {
  return encode(value);
}

/** The inverse of wireToJson. */
export function wireFromJson(data: unknown): WireValue {
  return decode(data);
}
