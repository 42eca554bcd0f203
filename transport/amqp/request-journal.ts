// The minion's record of the AMQP request ids it has taken (docs/amqp-protocol.md §6): written before a request
// is acknowledged, kept until the request expires, with the signed answer once there is one, so a redelivered
// or replayed request never runs twice and a finished one gets its recorded answer again. One JSON line per event.
import fs from 'node:fs';
import path from 'node:path';

/** A signed reply as published: body bytes and the signature headers. */
export interface StoredReply { body: Buffer; headers: Record<string, string> }

/** What the journal knows of one request id. */
export interface JournalEntry {
  id: string;
  expires: number;
  /** sha-256 (hex) of the request body: the same id with another body is a forgery */
  digest: string;
  state: 'running' | 'done' | 'interrupted';
  reply?: StoredReply;
}

interface Line { id: string; e?: number; d?: string; s: 'running' | 'done'; b?: string; h?: Record<string, string> }

/** Ids are kept this long past their expiry (clock skew allowance). */
const KEEP_PAST_EXPIRY_MS = 60_000;

export class RequestJournal {
  private readonly entries = new Map<string, JournalEntry>();
  private fd: number | null = null;
  private deadLines = 0;

  private constructor(private readonly file: string | null) {}

  /**
   * Opens (or creates) the journal file, or keeps it in memory only when `file` is null. Entries of a previous
   * run that were still running become `interrupted`; expired entries are dropped and the file is rewritten.
   */
  static open(file: string | null, now = Date.now()): RequestJournal {
    const j = new RequestJournal(file);
    if (file !== null) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      j.load(file, now);
      j.rewrite();
    }
    return j;
  }

  get size(): number { return this.entries.size; }

  lookup(id: string): JournalEntry | undefined {
    return this.entries.get(id);
  }

  /** Records that request `id` is taken (call before acknowledging it). */
  begin(id: string, expires: number, digest: string): void {
    this.entries.set(id, { id, expires, digest, state: 'running' });
    this.append({ id, e: expires, d: digest, s: 'running' });
  }

  /** Records the answer of request `id`. */
  finish(id: string, reply: StoredReply): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    entry.state = 'done';
    entry.reply = reply;
    this.append({ id, s: 'done', b: reply.body.toString('base64'), h: reply.headers });
    this.deadLines++;
  }

  /** Forgets requests expired for longer than the skew allowance; compacts the file when it is mostly dead. */
  prune(now = Date.now()): void {
    for (const [id, e] of this.entries) {
      if (e.expires + KEEP_PAST_EXPIRY_MS < now) { this.entries.delete(id); this.deadLines += 2; }
    }
    if (this.deadLines > 1000 && this.deadLines > this.entries.size * 2) this.rewrite();
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  private append(line: Line): void {
    if (this.fd !== null) fs.writeSync(this.fd, `${JSON.stringify(line)}\n`);
  }

  private load(file: string, now: number): void {
    let text = '';
    try { text = fs.readFileSync(file, 'utf8'); } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const raw of text.split('\n')) {
      let line: Line;
      try { line = JSON.parse(raw) as Line; } catch { continue; } // a torn last line after a crash
      if (line.s === 'running' && typeof line.e === 'number') {
        this.entries.set(line.id, { id: line.id, expires: line.e, digest: line.d ?? '', state: 'interrupted' });
      } else if (line.s === 'done') {
        const e = this.entries.get(line.id);
        if (e && line.b !== undefined) { e.state = 'done'; e.reply = { body: Buffer.from(line.b, 'base64'), headers: line.h ?? {} }; }
      }
    }
    for (const [id, e] of this.entries) if (e.expires + KEEP_PAST_EXPIRY_MS < now) this.entries.delete(id);
  }

  /** Writes the live entries to a new file and switches to it. */
  private rewrite(): void {
    if (this.file === null) return;
    const lines: string[] = [];
    for (const e of this.entries.values()) {
      lines.push(JSON.stringify({ id: e.id, e: e.expires, d: e.digest, s: 'running' } satisfies Line));
      if (e.state === 'done' && e.reply) lines.push(JSON.stringify({ id: e.id, s: 'done', b: e.reply.body.toString('base64'), h: e.reply.headers } satisfies Line));
    }
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, lines.length ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
    this.close();
    fs.renameSync(tmp, this.file);
    this.fd = fs.openSync(this.file, 'a', 0o600);
    this.deadLines = 0;
  }
}
