// The minion's audit log, /var/log/func/audit.log (func-compat.md §1.8): one line per call,
// "<ip> <CN> <hash> <method> called with <params>", params as Python's repr cut to about 200 characters.
import fs from 'node:fs';
import path from 'node:path';
import { pyRepr } from '../transport/python-repr.js';
import type { PeerIdentity, WireValue } from '../transport/types.js';

/** The params of a call as Python would print the list, cut to `max` characters ("..." marks a cut). */
export function abbreviateParams(params: WireValue[], max = 200): string {
  return pyRepr(params, { maxChars: max, binaryContent: false });
}

const CONTROL = /[\x00-\x1f\x7f]/g;
const CONTROL_OR_SPACE = /[\x00-\x20\x7f]/g;
const HAS_CONTROL_OR_SPACE = /[\x00-\x20\x7f]/;

/** Caller-supplied text made safe for one log line (control characters, and spaces if `word`, become "?"). */
function safe(s: string, word = false): string {
  if (word && !HAS_CONTROL_OR_SPACE.test(s)) return s;
  return s.replace(word ? CONTROL_OR_SPACE : CONTROL, '?');
}

/** "<ip> <CN> <hash> " of a caller, remembered per identity object (one per connection). */
const callerPrefixes = new WeakMap<PeerIdentity, string>();
function callerPrefix(peer: PeerIdentity): string {
  let prefix = callerPrefixes.get(peer);
  if (prefix === undefined) {
    prefix = `${peer.address} ${safe(peer.cn)} ${peer.subjectHash} `;
    callerPrefixes.set(peer, prefix);
  }
  return prefix;
}

function timestamp(ms: number): string {
  // Python logging's asctime: "2024-01-02 03:04:05,678"
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)}`;
}

/** How long lines wait to be written together (a busy minion does one write per batch, not one per call). */
const BATCH_MS = 20;

/** One minion's audit log file (mode 0600), appended in call order in small batches; write errors never fail a call. */
export class AuditLog {
  private fd: number | null;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private lastMs = 0;
  private lastStamp = '';

  /** Opens (creating) the file; when that is impossible the log is silently off, as func's was. */
  constructor(readonly file: string) {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      this.fd = fs.openSync(file, 'a', 0o600);
    } catch {
      this.fd = null;
    }
  }

  /** Queues "<time> - <ip> <CN> <hash> <method> called with <params>"; it reaches the file within BATCH_MS. */
  record(peer: PeerIdentity, method: string, params: WireValue[]): void {
    if (this.fd === null) return;
    const now = Date.now();
    if (now !== this.lastMs) { this.lastMs = now; this.lastStamp = timestamp(now); }
    this.pending.push(`${this.lastStamp} - ${callerPrefix(peer)}${safe(method, true)} called with ${abbreviateParams(params)}\n`);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), BATCH_MS);
      this.timer.unref();
    }
  }

  /** Writes the queued lines (after any write in progress). */
  private flush(): Promise<void> {
    this.timer = null;
    const fd = this.fd;
    if (fd === null || this.pending.length === 0) return this.writing;
    const text = this.pending.join('');
    this.pending = [];
    this.writing = this.writing.then(() => new Promise<void>((resolve) => {
      fs.appendFile(fd, text, () => resolve()); // errors (a full disk) must not stop the daemon
    }));
    return this.writing;
  }

  /** Writes what is queued and closes the file. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.flush();
    if (this.fd !== null) { try { fs.closeSync(this.fd); } catch { /* already closed */ } }
    this.fd = null;
  }
}
