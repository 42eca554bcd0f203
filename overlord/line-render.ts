// `--out txt`: one line per host for grep and awk, as Salt's txt outputter: "host: value", the value as compact
// JSON unless it is a plain one-line string; a failure as "host: ERROR <type>: <message>" (or TIMEOUT/UNREACHABLE).
import { readableError } from './error-text.js';
import type { HostOutcome } from './outcome.js';
import { toJsonValue } from './output.js';

const oneLine = (s: string): string => s.replace(/\r?\n/g, '\\n');

/** One host's line. */
export function renderHostLine(host: string, o: HostOutcome): string {
  switch (o.status) {
    case 'ok': {
      const v = o.value;
      return `${host}: ${typeof v === 'string' && !v.includes('\n') ? v : JSON.stringify(toJsonValue(v))}\n`;
    }
    case 'timeout': return `${host}: TIMEOUT ${oneLine(o.message)}\n`;
    case 'unreachable': return `${host}: UNREACHABLE ${oneLine(o.message)}\n`;
    case 'error': {
      const e = readableError(o.type, o.message);
      return `${host}: ERROR ${e.type}: ${oneLine(e.message)}\n`;
    }
  }
}
