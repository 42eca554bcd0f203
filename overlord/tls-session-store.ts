// The overlord's TLS sessions on disk (<root>/var/lib/func/tls-sessions, one 0600 file per host:port, written as
// they arrive), so a second `func` run resumes instead of doing a full handshake per host. A saved session is used only while it
// has not expired, the minion's signed certificate is still the one it was made with, and the CRL is unchanged.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TlsSessionStore } from '../transport/types.js';

/** Where the sessions of the overlord at `root` live. */
export const TLS_SESSION_DIR = '/var/lib/func/tls-sessions';

/** One saved session. */
interface SavedSession {
  readonly session: string;
  /** SHA-256 of the DER certificate the minion presented in the full handshake */
  readonly cert: string;
  /** ms since the epoch */
  readonly saved: number;
  readonly expires: number;
}

/** Reads one DER element at `at`: its tag, where its content starts and ends. */
function derElement(buf: Buffer, at: number): { tag: number; start: number; end: number } | null {
  if (at + 2 > buf.length) return null;
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > buf.length) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  return start + len <= buf.length ? { tag, start, end: start + len } : null;
}

function derInteger(buf: Buffer, el: { start: number; end: number }): number | null {
  const inner = derElement(buf, el.start);
  if (!inner || inner.tag !== 0x02 || inner.end - inner.start > 6) return null;
  let v = 0;
  for (let i = inner.start; i < inner.end; i++) v = v * 256 + buf[i]!;
  return v;
}

/**
 * When an OpenSSL session (SSL_SESSION DER) expires, in ms: its [1] time plus the smaller of [2] timeout and
 * [9] the ticket lifetime hint. Null when the DER cannot be read.
 */
export function sessionExpiry(der: Buffer): number | null {
  const seq = derElement(der, 0);
  if (!seq || seq.tag !== 0x30) return null;
  const fields = new Map<number, number>();
  for (let at = seq.start; at < seq.end;) {
    const el = derElement(der, at);
    if (!el) return null;
    if (el.tag === 0xa1 || el.tag === 0xa2 || el.tag === 0xa9) {
      const v = derInteger(der, el);
      if (v !== null) fields.set(el.tag, v);
    }
    at = el.end;
  }
  const time = fields.get(0xa1);
  const timeout = fields.get(0xa2);
  if (time === undefined || timeout === undefined) return null;
  const hint = fields.get(0xa9);
  return (time + Math.min(timeout, hint && hint > 0 ? hint : timeout)) * 1000;
}

/** Sessions in a directory, checked against the minions' signed certificates and the CRL. */
export class FileTlsSessionStore implements TlsSessionStore {
  /**
   * @param dir where the files go (made 0700 on first save)
   * @param certFileOf the signed certificate of a minion (certroot/<host>.cert)
   * @param crlFile the overlord's CRL, if any: a CRL changed after a session was saved retires that session
   */
  /** sessions received and not yet written: the latest per file (a TLS 1.3 server sends two tickets per connection) */
  private readonly unsaved = new Map<string, SavedSession>();
  /** the write in progress per file (it goes on while newer sessions arrive) */
  private readonly writing = new Map<string, Promise<void>>();
  private dirReady: Promise<unknown> | null = null;

  constructor(readonly dir: string, private readonly certFileOf: (host: string) => string, private readonly crlFile?: string) {}

  private file(host: string, port: number): string {
    return path.join(this.dir, `${host.replace(/[^A-Za-z0-9._:-]/g, '_')}_${port}.session`);
  }

  get(host: string, port: number): Buffer | undefined {
    const file = this.file(host, port);
    let saved: SavedSession;
    try {
      saved = JSON.parse(fs.readFileSync(file, 'utf8')) as SavedSession;
    } catch {
      return undefined;
    }
    if (!this.usable(host, saved)) {
      fs.rmSync(file, { force: true });
      return undefined;
    }
    return Buffer.from(saved.session, 'base64');
  }

  private usable(host: string, saved: SavedSession): boolean {
    if (typeof saved.session !== 'string' || typeof saved.cert !== 'string' || !(saved.expires > Date.now())) return false;
    // the certificate certmaster signed for this host now: gone (revoked, cleaned) or different → full handshake
    let current: string;
    try {
      current = certSha256(pemToDer(fs.readFileSync(this.certFileOf(host), 'utf8')));
    } catch {
      return false;
    }
    if (current !== saved.cert) return false;
    if (this.crlFile) {
      try {
        if (fs.statSync(this.crlFile).mtimeMs >= saved.saved) return false;
      } catch { /* no CRL file: nothing revoked */ }
    }
    return true;
  }

  save(host: string, port: number, session: Buffer, peerCertificate: Buffer | undefined): void {
    if (!peerCertificate) return;
    const now = Date.now();
    const expires = sessionExpiry(session) ?? now + 300_000;
    if (expires <= now) return;
    const file = this.file(host, port);
    this.unsaved.set(file, { session: session.toString('base64'), cert: certSha256(peerCertificate), saved: now, expires });
    // written now, while the call waits for its answers; flush() waits for what is still being written
    if (!this.writing.has(file)) this.writing.set(file, this.write(file));
  }

  private async write(file: string): Promise<void> {
    try {
      this.dirReady ??= fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
      await this.dirReady;
      for (let record = this.unsaved.get(file); record; record = this.unsaved.get(file)) {
        this.unsaved.delete(file);
        const tmp = `${file}.${process.pid}.tmp`;
        await fs.promises.writeFile(tmp, JSON.stringify(record), { mode: 0o600 });
        await fs.promises.rename(tmp, file);
      }
    } catch {
      /* an unwritable directory only costs the next run a full handshake */
    } finally {
      this.writing.delete(file);
    }
  }

  /** Waits until every session received so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing.size > 0) await Promise.all(this.writing.values());
  }
}

/** The DER bytes of the first PEM block of a certificate file. */
function pemToDer(pem: string): Buffer {
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error('no certificate in the file');
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
}

function certSha256(der: Buffer): string {
  return crypto.createHash('sha256').update(der).digest('hex');
}
