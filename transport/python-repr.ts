// The one Python 2 repr() of wire values: func's --basic/--raw output (`{'host': 1}`), the audit log and Fault texts;
// dict keys sorted so the output is stable (Python 2 prints them in hash order).
import type { WireValue } from './types.js';

function escapeChar(c: string, quote: string): string {
  const code = c.codePointAt(0)!;
  switch (c) {
    case '\\': return '\\\\';
    case '\n': return '\\n';
    case '\r': return '\\r';
    case '\t': return '\\t';
    default:
      if (c === quote) return `\\${quote}`;
      if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
      if (code > 0xffff) return `\\U${code.toString(16).padStart(8, '0')}`;
      if (code > 0x7f) return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
      return c;
  }
}

/** repr() of a string: 'text' (or "it's"), u'…' when it holds non-ASCII characters. */
export function pyString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const prefix = /[^\x00-\x7f]/.test(s) ? 'u' : '';
  return `${prefix}${quote}${[...s].map((c) => escapeChar(c, quote)).join('')}${quote}`;
}

/** repr() of a float: integral values keep ".0", others the shortest round-trip text. */
function pyFloat(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const s = String(n);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** xmlrpclib's DateTime text of a date, "19740105T11:59:00" (UTC); "invalid" for an invalid Date. */
export function pyDateTimeText(d: Date): string {
  return Number.isNaN(d.getTime()) ? 'invalid' : d.toISOString().slice(0, 19).replace(/-/g, '');
}

/** How pyRepr prints. */
export interface ReprOptions {
  /** cut the text at this many characters and append "..." (huge values are not printed whole first) */
  readonly maxChars?: number;
  /** show a Binary's content (`<xmlrpclib.Binary 'AAE='>`, the default) or just `<xmlrpclib.Binary instance>` */
  readonly binaryContent?: boolean;
}

interface Writer { parts: string[]; left: number; binaryContent: boolean }

function scalarRepr(v: Exclude<WireValue, WireValue[] | { [k: string]: WireValue }>, w: Writer): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 53 ? String(v) : pyFloat(v);
  if (typeof v === 'bigint') return `${v}L`;
  if (typeof v === 'string') return pyString(v.length > w.left + 1 ? v.slice(0, w.left + 1) : v);
  if (v instanceof Uint8Array) return w.binaryContent ? `<xmlrpclib.Binary ${pyString(Buffer.from(v).toString('base64'))}>` : '<xmlrpclib.Binary instance>';
  return `<DateTime '${pyDateTimeText(v)}'>`;
}

function write(v: WireValue, w: Writer): void {
  if (w.left <= 0) return;
  const push = (s: string): void => { w.parts.push(s); w.left -= s.length; };
  if (Array.isArray(v)) {
    push('[');
    for (let i = 0; i < v.length && w.left > 0; i++) { if (i) push(', '); write(v[i]!, w); }
    push(']');
  } else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date)) {
    push('{');
    const keys = Object.keys(v).sort();
    for (let i = 0; i < keys.length && w.left > 0; i++) { push(`${i ? ', ' : ''}${pyString(keys[i]!)}: `); write(v[keys[i]!]!, w); }
    push('}');
  } else {
    push(scalarRepr(v, w));
  }
}

/** Python 2 repr() of a wire value (dict keys sorted), optionally cut to `maxChars` characters plus "...". */
export function pyRepr(v: WireValue, options: ReprOptions = {}): string {
  const max = options.maxChars;
  const w: Writer = { parts: [], left: max === undefined ? Infinity : max + 1, binaryContent: options.binaryContent ?? true };
  write(v, w);
  const text = w.parts.join('');
  return max !== undefined && text.length > max ? `${text.slice(0, max)}...` : text;
}
