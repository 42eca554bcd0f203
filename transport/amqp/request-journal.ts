// The minion's record of the AMQP request ids it has taken (docs/amqp-protocol.md §6): written before a request
// is acknowledged, kept until the request expires, with the signed answer once there is one, so a redelivered
// or replayed request never runs twice and a finished one gets its recorded answer again. One JSON line per
// message: the requests of one (batch) message taken, or the answers of one (batch) message sent.
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

/** A request taken: `r` lists [id, expires] (one per item of a batch); an answer sent: `ids` it answers. */
type Line =
  | { s: 'running'; d: string; r: Array<[string, number]> }
  | { s: 'done'; ids: string[]; b: string; h: Record<string, string> };
/** The lines of journals written before batches: one id each (still read, never written). */
type SingleIdLine = { id: string; s: 'running' | 'done'; e?: number; d?: string; b?: string; h?: Record<string, string> };

/** A line of either format in the current one (null for what is neither). */
function currentLine(raw: unknown): Line | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const l = raw as Partial<Line> & Partial<SingleIdLine>;
  if (typeof l.id === 'string') {
    if (l.s === 'running' && typeof l.e === 'number') return { s: 'running', d: l.d ?? '', r: [[l.id, l.e]] };
    if (l.s === 'done' && typeof l.b === 'string') return { s: 'done', ids: [l.id], b: l.b, h: l.h ?? {} };
    return null;
  }
  if (l.s === 'running' && Array.isArray(l.r) && typeof l.d === 'string') return l as Line;
  if (l.s === 'done' && Array.isArray(l.ids) && typeof l.b === 'string') return l as Line;
  return null;
}

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

  /** Records that the requests of one message (sha-256 `digest` of its body) are taken: call before acknowledging it. */
  begin(requests: ReadonlyArray<{ id: string; expires: number }>, digest: string): void {
    for (const { id, expires } of requests) this.entries.set(id, { id, expires, digest, state: 'running' });
    this.append({ s: 'running', d: digest, r: requests.map(({ id, expires }) => [id, expires]) });
  }

  /** Records the answer message of requests `ids` (one signed message, perhaps a batch answering several). */
  finish(ids: readonly string[], reply: StoredReply): void {
    const known = ids.filter((id) => this.entries.has(id));
    if (known.length === 0) return;
    for (const id of known) {
      const entry = this.entries.get(id)!;
      entry.state = 'done';
      entry.reply = reply;
    }
    this.append({ s: 'done', ids: known, b: reply.body.toString('base64'), h: reply.headers });
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
      let line: Line | null;
      try { line = currentLine(JSON.parse(raw)); } catch { continue; } // a torn last line after a crash
      if (line === null) continue;
      if (line.s === 'running') {
        for (const [id, expires] of line.r) this.entries.set(id, { id, expires, digest: line.d, state: 'interrupted' });
      } else {
        const reply = { body: Buffer.from(line.b, 'base64'), headers: line.h ?? {} };
        for (const id of line.ids) {
          const e = this.entries.get(id);
          if (e) { e.state = 'done'; e.reply = reply; }
        }
      }
    }
    for (const [id, e] of this.entries) if (e.expires + KEEP_PAST_EXPIRY_MS < now) this.entries.delete(id);
  }

  /** Writes the live entries to a new file and switches to it. */
  private rewrite(): void {
    if (this.file === null) return;
    const lines: string[] = [];
    const answered = new Map<StoredReply, string[]>(); // one line per answer message, however many ids it answers
    for (const e of this.entries.values()) {
      lines.push(JSON.stringify({ s: 'running', d: e.digest, r: [[e.id, e.expires]] } satisfies Line));
      if (e.state === 'done' && e.reply) answered.set(e.reply, [...(answered.get(e.reply) ?? []), e.id]);
    }
    for (const [reply, ids] of answered) lines.push(JSON.stringify({ s: 'done', ids, b: reply.body.toString('base64'), h: reply.headers } satisfies Line));
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, lines.length ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
    this.close();
    fs.renameSync(tmp, this.file);
    this.fd = fs.openSync(this.file, 'a', 0o600);
    this.deadLines = 0;
  }
}
