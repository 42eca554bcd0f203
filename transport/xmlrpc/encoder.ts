// XML-RPC encoding of calls, responses and faults, laid out the way Python's xmlrpc writes them.
// Iterative (an explicit stack), so deep or cyclic values give MarshalError instead of a stack overflow.
import { MarshalError } from '../../common/errors.js';
import type { WireValue } from '../types.js';
import { escapeText, formatDateTime, formatDouble, isInt32, isInt64 } from './scalars.js';

/** How values are written. */
export interface EncodeOptions {
  /**
   * What a bigint beyond 32 bits becomes: 'i8' (default) writes <i8>; 'fault' throws
   * MarshalError('int exceeds XML-RPC limits', 'exceptions.OverflowError') as func's Python server did.
   */
  bigint?: 'i8' | 'fault';
  /** maximum nesting of values (default 64); deeper (or cyclic) values throw MarshalError */
  maxDepth?: number;
}

const HEADER = '<?xml version="1.0"?>\n';
const RAW = -1;       // stack entry: literal text
const MEMBER = -2;    // stack entry: a struct key, opening a <member>
const ARRAY_END = '</data></array></value>\n';
const STRUCT_END = '</struct></value>\n';
const MEMBER_END = '</member>\n';

/** Encodes a methodCall document. */
export function encodeCall(method: string, params: readonly WireValue[], opts: EncodeOptions = {}): string {
  const out = [HEADER, '<methodCall>\n<methodName>', escapeText(method), '</methodName>\n<params>\n'];
  for (const p of params) {
    out.push('<param>\n');
    encodeValue(p, out, opts);
    out.push('</param>\n');
  }
  out.push('</params>\n</methodCall>\n');
  return out.join('');
}

/** Encodes a successful methodResponse carrying one value. */
export function encodeResponse(value: WireValue, opts: EncodeOptions = {}): string {
  const out = [HEADER, '<methodResponse>\n<params>\n<param>\n'];
  encodeValue(value, out, opts);
  out.push('</param>\n</params>\n</methodResponse>\n');
  return out.join('');
}

/** Encodes a fault response ({faultCode, faultString}); the code must be a 32-bit integer. */
export function encodeFault(code: number, message: string): string {
  if (!isInt32(code)) throw new MarshalError(`fault code ${code} is not a 32-bit integer`, 'exceptions.OverflowError');
  const out = [HEADER, '<methodResponse>\n<fault>\n'];
  encodeValue({ faultCode: code, faultString: message }, out, {});
  out.push('</fault>\n</methodResponse>\n');
  return out.join('');
}

/** The name Python-style messages use for a value that cannot be marshalled. */
function typeName(v: unknown): string {
  if (typeof v !== 'object' || v === null) return typeof v;
  return (v as object).constructor?.name ?? 'object';
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Appends one <value> element (and everything inside it) to out. */
function encodeValue(root: unknown, out: string[], opts: EncodeOptions): void {
  const maxDepth = opts.maxDepth ?? 64;
  const items: unknown[] = [root];
  const kinds: number[] = [1]; // depth of a value (≥ 1), or RAW / MEMBER
  while (items.length > 0) {
    const v = items.pop();
    const kind = kinds.pop()!;
    if (kind === RAW) { out.push(v as string); continue; }
    if (kind === MEMBER) { out.push('<member>\n<name>', escapeText(v as string), '</name>\n'); continue; }
    if (kind > maxDepth) throw new MarshalError(`value nested deeper than ${maxDepth} levels (or cyclic)`, 'exceptions.ValueError');
    const scalar = encodeScalar(v, opts);
    if (scalar !== undefined) { out.push('<value>', scalar, '</value>\n'); continue; }
    if (Array.isArray(v)) {
      out.push('<value><array><data>\n');
      items.push(ARRAY_END); kinds.push(RAW);
      for (let i = v.length - 1; i >= 0; i--) { items.push(v[i]); kinds.push(kind + 1); }
      continue;
    }
    if (typeof v === 'object' && v !== null && isPlainObject(v)) {
      out.push('<value><struct>\n');
      items.push(STRUCT_END); kinds.push(RAW);
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        items.push(MEMBER_END, (v as Record<string, unknown>)[keys[i]!], keys[i]);
        kinds.push(RAW, kind + 1, MEMBER);
      }
      continue;
    }
    throw new MarshalError(`cannot marshal <type '${typeName(v)}'> objects`, 'exceptions.TypeError');
  }
}

/** The inner element of a scalar <value>, or undefined when v is not a scalar. */
function encodeScalar(v: unknown, opts: EncodeOptions): string | undefined {
  switch (typeof v) {
    case 'string': return `<string>${escapeText(v)}</string>`;
    case 'number': return isInt32(v) ? `<int>${v | 0}</int>` : `<double>${formatDouble(v)}</double>`;
    case 'boolean': return v ? '<boolean>1</boolean>' : '<boolean>0</boolean>';
    case 'bigint':
      if (isInt32(v)) return `<int>${v}</int>`;
      if (opts.bigint === 'fault' || !isInt64(v)) throw new MarshalError('int exceeds XML-RPC limits', 'exceptions.OverflowError');
      return `<i8>${v}</i8>`;
    case 'object':
      if (v === null) return '<nil/>';
      if (v instanceof Date) return `<dateTime.iso8601>${formatDateTime(v)}</dateTime.iso8601>`;
      if (v instanceof Uint8Array) {
        return `<base64>${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}</base64>`;
      }
      return undefined;
    default: return undefined;
  }
}
