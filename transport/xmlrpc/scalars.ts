// XML-RPC scalar types in both directions: text of <int>, <double>, <boolean>, <base64>, <dateTime.iso8601>…
// to WireValues (strictly checked), and the textual forms Python's xmlrpc reads back (doubles, dates, escaping).
import { MarshalError, ProtocolError } from '../../common/errors.js';
import type { WireValue } from '../types.js';

const SCALAR_TAGS = new Set(['int', 'i4', 'i8', 'boolean', 'string', 'double', 'dateTime.iso8601', 'base64', 'nil']);
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** True for the element names that hold one scalar value. */
export function isScalarTag(tag: string): boolean {
  return SCALAR_TAGS.has(tag);
}

/** True when n is an integer that XML-RPC's <int> can carry. */
export function isInt32(n: number | bigint): boolean {
  return n >= INT32_MIN && n <= INT32_MAX && (typeof n === 'bigint' || Number.isInteger(n));
}

/** True when a bigint fits <i8>. */
export function isInt64(n: bigint): boolean {
  return n >= INT64_MIN && n <= INT64_MAX;
}

function badValue(tag: string, text: string, what: string): ProtocolError {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return new ProtocolError(`<${tag}> value '${shown}' ${what}`);
}

/**
 * Converts the text of a scalar element to its value. <int>/<i4> within 32 bits → number, <i8> and wider
 * integers (up to 64 bits) → bigint; <nil/> must be empty. Throws ProtocolError saying what was wrong.
 */
export function decodeScalar(tag: string, text: string): WireValue {
  const bad = (what: string) => badValue(tag, text, what);
  switch (tag) {
    case 'string': return text;
    case 'int': case 'i4': case 'i8': return decodeInteger(tag, text.trim(), bad);
    case 'boolean': {
      const t = text.trim();
      if (t === '0' || t === '1') return t === '1';
      throw bad('is not a boolean (0 or 1)');
    }
    case 'double': return decodeDouble(text.trim(), bad);
    case 'dateTime.iso8601': return decodeDateTime(text.trim(), bad);
    case 'base64': return decodeBase64(text, bad);
    case 'nil':
      if (text !== '') throw bad('is not empty');
      return null;
    default: throw new ProtocolError(`unknown type <${tag}>`);
  }
}

function decodeInteger(tag: string, t: string, bad: (what: string) => Error): number | bigint {
  if (!/^[+-]?[0-9]+$/.test(t)) throw bad('is not an integer');
  if (tag !== 'i8' && t.length <= 11) {
    const n = Number(t);
    if (isInt32(n)) return n | 0;
  }
  if (t.replace(/^[+-]?0*/, '').length > 19) throw bad('is out of the 64-bit range');
  const b = BigInt(t);
  if (!isInt64(b)) throw bad('is out of the 64-bit range');
  return b;
}

function decodeDouble(t: string, bad: (what: string) => Error): number {
  if (/^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(t)) return Number(t);
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
  if (special === null) throw bad('is not a number');
  if (special[2]!.toLowerCase() === 'nan') return NaN;
  return special[1] === '-' ? -Infinity : Infinity;
}

const DATE_RE = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Python's naive 19740105T11:59:00, also with - separators, fractions and Z / ±HH:MM; read as UTC. */
function decodeDateTime(t: string, bad: (what: string) => Error): Date {
  const m = DATE_RE.exec(t);
  if (m === null) throw bad('is not an ISO 8601 date and time (YYYYMMDDTHH:MM:SS)');
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d
      || check.getUTCHours() !== h || check.getUTCMinutes() !== mi || check.getUTCSeconds() !== s) {
    throw bad('is not a valid date and time');
  }
  let offsetMin = 0;
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(-2));
    if (zh > 23 || zm > 59) throw bad('has an invalid time zone offset');
    offsetMin = (zone[0] === '-' ? -1 : 1) * (zh * 60 + zm);
  }
  return new Date(utc - offsetMin * 60_000);
}

function decodeBase64(text: string, bad: (what: string) => Error): Buffer {
  const t = text.replace(/[ \t\r\n]+/g, '');
  if (t.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(t)) throw bad('is not valid base64');
  return Buffer.from(t, 'base64');
}

// characters that need escaping, or that XML 1.0 forbids (C0 controls but \t \n \r, surrogates, U+FFFE/F)
const NEEDS_WORK = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
// what only the slow path handles: forbidden characters and surrogates (pairs are kept, lone ones replaced)
const NEEDS_SLOW = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const WORK = /[&<>\r]|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };

/** Text is escaped in slices of this many UTF-16 units, so no step builds a giant string or match list. */
export const ESCAPE_SLICE = 16 * 1024;

/**
 * Escapes text for element content. Characters XML 1.0 cannot carry (C0 controls except tab/LF/CR,
 * lone surrogates, U+FFFE, U+FFFF) become U+FFFD, so the output is always well-formed (the original
 * func emitted them raw, producing XML no parser accepts). CR is sent as &#13; so it survives parsing.
 * Meant for pieces of at most ESCAPE_SLICE units (see escapeSlices); longer text is escaped slice by slice.
 */
export function escapeText(s: string): string {
  if (!NEEDS_WORK.test(s)) return s;
  if (s.length > ESCAPE_SLICE) return [...escapeSlices(s)].join('');
  if (!NEEDS_SLOW.test(s)) {
    // native replaceAll with a string replacement: no callback per match, no match list
    return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('\r', '&#13;');
  }
  return s.replace(WORK, (c) => ESCAPES[c] ?? (c.length === 2 ? c : '\uFFFD'));
}

/** The escaped text of `s` in pieces of at most ESCAPE_SLICE source units, never splitting a surrogate pair. */
export function* escapeSlices(s: string): Generator<string> {
  for (let at = 0; at < s.length;) {
    let end = Math.min(s.length, at + ESCAPE_SLICE);
    const last = s.charCodeAt(end - 1);
    if (end < s.length && last >= 0xd800 && last <= 0xdbff) end -= 1; // keep a pair together
    yield escapeText(s.slice(at, end));
    at = end;
  }
}

/** A double as text Python's float() reads: plain decimal unless the exponent is extreme; nan, inf, -inf. */
export function formatDouble(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (m === null) return s.includes('.') ? s : `${s}.0`;
  const exp = Number(m[4]);
  if (Math.abs(exp) > 32) return s;
  const digits = m[2]! + (m[3] ?? '');
  const point = 1 + exp;
  if (point <= 0) return `${m[1]}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${m[1]}${digits}${'0'.repeat(point - digits.length)}.0`;
  return `${m[1]}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** A Date as Python's naive YYYYMMDDTHH:MM:SS, in UTC. */
export function formatDateTime(d: Date): string {
  const t = d.getTime();
  if (Number.isNaN(t)) throw new MarshalError('cannot marshal an invalid Date', 'exceptions.ValueError');
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw new MarshalError(`year ${y} is out of range`, 'exceptions.ValueError');
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(y, 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
