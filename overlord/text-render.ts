// The default human output of `func … call`: one YAML-like block per host (scalars inline, lists and
// structs indented, multi-line strings as "|" blocks), and one line per failed host saying what happened.
import type { WireValue } from '../transport/types.js';
import { pyDateTimeText } from '../transport/python-repr.js';
import type { HostOutcome } from './outcome.js';

const PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_./:@ ,()+=-]*$/;
const LOOKS_TYPED = /^(?:[+-]?(?:\d[\d_]*)?\.?\d+(?:[eE][+-]?\d+)?|true|false|null|none|yes|no|on|off|~)$/i;

/** A one-line string, quoted only when it would read as something else (a number, a boolean, empty…). */
function inlineString(s: string): string {
  return PLAIN.test(s) && !LOOKS_TYPED.test(s) && !s.endsWith(' ') && !s.endsWith(':') ? s : JSON.stringify(s);
}

/** A scalar's inline text, or null for lists, structs and multi-line strings. */
function scalarText(v: WireValue): string | null {
  if (v === null) return 'null';
  if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return v.includes('\n') ? null : inlineString(v);
  if (v instanceof Date) return pyDateTimeText(v);
  if (v instanceof Uint8Array) return `!!binary ${Buffer.from(v).toString('base64')}`;
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (!Array.isArray(v) && Object.keys(v).length === 0) return '{}';
  return null;
}

/** Lines of a value nested under a key or list dash; `pad` is the indentation of its own lines. */
function block(v: WireValue, pad: string): string[] {
  if (typeof v === 'string') {
    const body = v.endsWith('\n') ? v.slice(0, -1) : v;
    return [v.endsWith('\n') ? '|' : '|-', ...body.split('\n').map((l) => (l === '' ? '' : pad + l))];
  }
  const rows: Array<[string, WireValue]> = Array.isArray(v)
    ? v.map((x) => ['-', x])
    : Object.entries(v as Record<string, WireValue>).map(([k, x]) => [`${inlineString(k)}:`, x]);
  const lines = [''];
  for (const [label, x] of rows) {
    const s = scalarText(x);
    if (s !== null) { lines.push(`${pad}${label} ${s}`); continue; }
    const [head, ...rest] = block(x, pad + '  ');
    lines.push(`${pad}${label}${head ? ` ${head}` : ''}`, ...rest);
  }
  return lines;
}

/** `host: value` for a scalar, else `host:` followed by the indented value. */
export function renderValueText(host: string, v: WireValue): string {
  const s = scalarText(v);
  if (s !== null) return `${host}: ${s}\n`;
  const [head, ...rest] = block(v, '  ');
  return `${host}:${head ? ` ${head}` : ''}\n${rest.join('\n')}\n`;
}

/** One host's text: its value, or one line naming the failure (with the remote trace when verbose). */
export function renderHostText(host: string, o: HostOutcome, verbose = false): string {
  switch (o.status) {
    case 'ok': return renderValueText(host, o.value);
    case 'timeout': return `${host}: TIMEOUT ${o.message}\n`;
    case 'unreachable': return `${host}: UNREACHABLE ${o.message}\n`;
    case 'error': {
      const head = `${host}: ERROR ${o.type}${o.message ? `: ${o.message}` : ''}\n`;
      return verbose && o.trace ? `${head}  ${o.trace.split(/\n| (?=at )/).join('\n  ')}\n` : head;
    }
  }
}
