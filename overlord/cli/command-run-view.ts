// `command run` in text output: each host's [rc, stdout, stderr] shown readably (the return code, then the
// output indented under stdout:/stderr:), a non-zero return code marked FAILED and counted as a failure.
import type { WireValue } from '../../transport/types.js';
import type { HostOutcome } from '../outcome.js';
import { renderHostText } from '../text-render.js';

/** The methods whose value is func's [rc, stdout, stderr]. */
export const RC_METHODS: ReadonlySet<string> = new Set(['command.run']);

/** [rc, stdout, stderr] when the value has that shape. */
export function rcTriple(v: WireValue): [number, string, string] | null {
  if (!Array.isArray(v) || v.length !== 3 || typeof v[0] !== 'number' || typeof v[1] !== 'string' || typeof v[2] !== 'string') return null;
  return [v[0], v[1], v[2]];
}

/** Whether an ok outcome of an rc method is a failure (non-zero return code). */
export function failedRc(o: HostOutcome): boolean {
  if (o.status !== 'ok') return false;
  const t = rcTriple(o.value);
  return t !== null && t[0] !== 0;
}

function indented(label: string, text: string): string {
  if (text === '') return '';
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  return `  ${label}:\n${body.split('\n').map((l) => (l === '' ? '' : `    ${l}`)).join('\n')}\n`;
}

/** One host of `command run`: "host: ok (rc 0)" or "host: FAILED (rc 3)", then its stdout and stderr. */
export function renderRcText(host: string, o: HostOutcome, verbose: boolean): string {
  const t = o.status === 'ok' ? rcTriple(o.value) : null;
  if (t === null) return renderHostText(host, o, verbose);
  const [rc, out, err] = t;
  return `${host}: ${rc === 0 ? 'ok' : 'FAILED'} (rc ${rc})\n${indented('stdout', out)}${indented('stderr', err)}`;
}
