// The minion's audit log, /var/log/func/audit.log (func-compat.md §1.8): one line per call,
// "<ip> <CN> <hash> <method> called with <params>", params as Python's repr cut to about 200 characters.
import fs from 'node:fs';
import path from 'node:path';
import type { PeerIdentity, WireValue } from '../transport/types.js';

/** Python-like repr of a string: single quotes unless it holds one and no double quote. */
function reprString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')
    .replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
}

function reprScalar(v: Exclude<WireValue, WireValue[] | { [k: string]: WireValue }>): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return reprString(v);
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof Uint8Array) return '<xmlrpclib.Binary instance>';
  return `<DateTime '${Number.isNaN(v.getTime()) ? 'invalid' : v.toISOString().slice(0, 19).replace(/-/g, '')}'>`;
}

/** Appends the repr of `v` to `out` until `budget` characters are used (so huge params cost little). */
function reprInto(v: WireValue, out: string[], budget: { left: number }): void {
  if (budget.left <= 0) return;
  const push = (s: string) => { out.push(s); budget.left -= s.length; };
  if (Array.isArray(v)) {
    push('[');
    v.forEach((item, i) => { if (budget.left > 0) { if (i) push(', '); reprInto(item, out, budget); } });
    push(']');
  } else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date)) {
    push('{');
    Object.entries(v).forEach(([k, item], i) => {
      if (budget.left <= 0) return;
      push(`${i ? ', ' : ''}${reprString(k)}: `);
      reprInto(item, out, budget);
    });
    push('}');
  } else {
    const s = reprScalar(v);
    push(s.length > budget.left + 3 ? `${s.slice(0, budget.left)}...` : s);
  }
}

/** The params of a call as Python would print the list, cut to `max` characters ("..." marks a cut). */
export function abbreviateParams(params: WireValue[], max = 200): string {
  const out: string[] = [];
  reprInto(params, out, { left: max + 1 });
  const text = out.join('');
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** Caller-supplied text made safe for one log line (control characters, and spaces if `word`, become "?"). */
function safe(s: string, word = false): string {
  return s.replace(word ? /[\x00-\x20\x7f]/g : /[\x00-\x1f\x7f]/g, '?');
}

function timestamp(d = new Date()): string {
  // Python logging's asctime: "2024-01-02 03:04:05,678"
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)}`;
}

/** One minion's audit log file (mode 0600), appended asynchronously in call order; write errors never fail a call. */
export class AuditLog {
  private stream: fs.WriteStream | null;

  /** Opens (creating) the file; when that is impossible the log is silently off, as func's was. */
  constructor(readonly file: string) {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      this.stream = fs.createWriteStream(file, { flags: 'a', mode: 0o600 });
      this.stream.on('error', () => { this.stream = null; });
    } catch {
      this.stream = null;
    }
  }

  /** Writes "<time> - <ip> <CN> <hash> <method> called with <params>". */
  record(peer: PeerIdentity, method: string, params: WireValue[]): void {
    this.stream?.write(`${timestamp()} - ${peer.address} ${safe(peer.cn)} ${peer.subjectHash} ${safe(method, true)} called with ${abbreviateParams(params)}\n`);
  }

  /** Writes what is queued and closes the file. */
  async close(): Promise<void> {
    const s = this.stream;
    this.stream = null;
    if (s) await new Promise<void>((resolve) => { s.once('close', () => resolve()); s.end(); });
  }
}
