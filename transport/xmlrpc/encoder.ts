// XML-RPC encoding of calls, responses and faults, laid out the way Python's xmlrpc writes them.
// Iterative (an explicit stack), so deep or cyclic values give MarshalError; emitted as bounded pieces, so a huge
// value never needs one giant string (responsePieces feeds the server's sliced, event-loop-friendly writer).
import { MarshalError } from '../../common/errors.js';
import type { WireValue } from '../types.js';
import { ESCAPE_SLICE, escapeSlices, escapeText, formatDateTime, formatDouble, isInt32, isInt64 } from './scalars.js';

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
/** A piece is handed on once it holds about this many characters. */
const PIECE_CHARS = 64 * 1024;
/** Bytes of a Uint8Array turned into base64 at a time (a multiple of 3, so the pieces join cleanly). */
const BASE64_SLICE = 48 * 1024;

/** Encodes a methodCall document. */
export function encodeCall(method: string, params: readonly WireValue[], opts: EncodeOptions = {}): string {
  return [...callPieces(method, params, opts)].join('');
}

/** A methodCall document as bounded pieces. */
export function* callPieces(method: string, params: readonly WireValue[], opts: EncodeOptions = {}): Generator<string> {
  yield `${HEADER}<methodCall>\n<methodName>${escapeText(method)}</methodName>\n<params>\n`;
  for (const p of params) {
    yield '<param>\n';
    yield* valuePieces(p, opts);
    yield '</param>\n';
  }
  yield '</params>\n</methodCall>\n';
}

/** Encodes a successful methodResponse carrying one value. */
export function encodeResponse(value: WireValue, opts: EncodeOptions = {}): string {
  return [...responsePieces(value, opts)].join('');
}

/**
 * A methodResponse document as pieces of roughly PIECE_CHARS characters (a long string or byte array is cut into
 * slices): the server writes them one by one, yielding to the event loop in between. Throws MarshalError (while
 * iterating) for a value the wire cannot carry.
 */
export function* responsePieces(value: WireValue, opts: EncodeOptions = {}): Generator<string> {
  yield `${HEADER}<methodResponse>\n<params>\n<param>\n`;
  yield* valuePieces(value, opts);
  yield '</param>\n</params>\n</methodResponse>\n';
}

/** Encodes a fault response ({faultCode, faultString}); the code must be a 32-bit integer. */
export function encodeFault(code: number, message: string): string {
  if (!isInt32(code)) throw new MarshalError(`fault code ${code} is not a 32-bit integer`, 'exceptions.OverflowError');
  const body = [...valuePieces({ faultCode: code, faultString: message }, {})].join('');
  return `${HEADER}<methodResponse>\n<fault>\n${body}</fault>\n</methodResponse>\n`;
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

/** One <value> element (and everything inside it) as pieces of about PIECE_CHARS characters. */
function* valuePieces(root: unknown, opts: EncodeOptions): Generator<string> {
  const maxDepth = opts.maxDepth ?? 64;
  const items: unknown[] = [root];
  const kinds: number[] = [1]; // depth of a value (≥ 1), or RAW / MEMBER
  let out: string[] = [];
  let size = 0;
  const push = (s: string): void => { out.push(s); size += s.length; };
  while (items.length > 0) {
    if (size >= PIECE_CHARS) { yield out.join(''); out = []; size = 0; }
    const v = items.pop();
    const kind = kinds.pop()!;
    if (kind === RAW) { push(v as string); continue; }
    if (kind === MEMBER) { push('<member>\n<name>'); push(escapeText(v as string)); push('</name>\n'); continue; }
    if (kind > maxDepth) throw new MarshalError(`value nested deeper than ${maxDepth} levels (or cyclic)`, 'exceptions.ValueError');
    if (typeof v === 'string' && v.length > ESCAPE_SLICE) {
      push('<value><string>');
      for (const slice of escapeSlices(v)) {
        push(slice);
        if (size >= PIECE_CHARS) { yield out.join(''); out = []; size = 0; }
      }
      push('</string></value>\n');
      continue;
    }
    if (v instanceof Uint8Array && v.byteLength > BASE64_SLICE) {
      push('<value><base64>');
      const bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      for (let at = 0; at < bytes.length; at += BASE64_SLICE) {
        push(bytes.toString('base64', at, Math.min(bytes.length, at + BASE64_SLICE)));
        if (size >= PIECE_CHARS) { yield out.join(''); out = []; size = 0; }
      }
      push('</base64></value>\n');
      continue;
    }
    const scalar = encodeScalar(v, opts);
    if (scalar !== undefined) { push('<value>'); push(scalar); push('</value>\n'); continue; }
    if (Array.isArray(v)) {
      push('<value><array><data>\n');
      items.push(ARRAY_END); kinds.push(RAW);
      for (let i = v.length - 1; i >= 0; i--) { items.push(v[i]); kinds.push(kind + 1); }
      continue;
    }
    if (typeof v === 'object' && v !== null && isPlainObject(v)) {
      push('<value><struct>\n');
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
  if (out.length > 0) yield out.join('');
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
