// The one Python 2 repr() of wire values: func's --basic/--raw output (`{'host': 1}`), the audit log and Fault texts;
// dict keys sorted so the output is stable (Python 2 prints them in hash order).
import type { WireValue } from './types.js';
import { formatDateTime } from './xmlrpc/scalars.js';

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

/** Python 2 repr() of a wire value. */
export function pyRepr(v: WireValue): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 53 ? String(v) : pyFloat(v);
  if (typeof v === 'bigint') return `${v}L`;
  if (typeof v === 'string') return pyString(v);
  if (v instanceof Uint8Array) return `<xmlrpclib.Binary ${pyString(Buffer.from(v).toString('base64'))}>`;
  if (v instanceof Date) return `<DateTime '${formatDateTime(v)}'>`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${pyString(k)}: ${pyRepr(v[k]!)}`).join(', ')}}`;
}
