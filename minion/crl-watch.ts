// Keeps a minion's CRL current: polls the file's mtime/size with an unref'd timer and hands the new PEM to a
// callback (which swaps the TLS context), so a freshly revoked certificate is refused within seconds.
import fs from 'node:fs';
import { silentLogger, type Logger } from '../common/log.js';

/** How a CRL file is watched. */
export interface CrlWatchOptions {
  file: string;
  /** poll period in ms (default 1000) */
  intervalMs?: number;
  /** called with the new CRL text, or undefined when the file was removed */
  onChange: (crl: string | undefined) => void;
  log?: Logger;
}

function stamp(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    return 'absent';
  }
}

/** Polls one CRL file; a file that is not PEM is reported and ignored (the previous CRL stays in force). */
export class CrlWatcher {
  private readonly opts: CrlWatchOptions;
  private readonly log: Logger;
  private last: string;
  private timer: NodeJS.Timeout | undefined;

  /** Remembers the file's current state; call start() to begin polling. */
  constructor(options: CrlWatchOptions) {
    this.opts = options;
    this.log = options.log ?? silentLogger;
    this.last = stamp(options.file);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.check(), this.opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Looks at the file now; calls onChange when it differs from the last state seen. */
  check(): void {
    const now = stamp(this.opts.file);
    if (now === this.last) return;
    this.last = now;
    if (now === 'absent') {
      this.log.warn(`CRL ${this.opts.file} was removed; no certificates are treated as revoked now`);
      this.opts.onChange(undefined);
      return;
    }
    let text: string;
    try {
      text = fs.readFileSync(this.opts.file, 'utf8');
    } catch (err) {
      this.log.error(`cannot read CRL ${this.opts.file}: ${(err as Error).message}; keeping the previous one`);
      return;
    }
    if (!text.includes('-----BEGIN X509 CRL-----')) {
      this.log.error(`CRL ${this.opts.file} holds no "BEGIN X509 CRL" block; keeping the previous one`);
      return;
    }
    this.log.info(`CRL ${this.opts.file} changed; reloading it`);
    this.opts.onChange(text);
  }
}
