// One side's link to the broker: connects to the configured URLs in turn (plain or amqps with the func key pair,
// PLAIN or EXTERNAL login), runs the side's setup on every (re)connect, and after a loss reconnects by itself
// with back-off (0.5 s doubling to 15 s) until closed.
import type { ChannelModel } from 'amqplib';
import { X509Certificate } from 'node:crypto';
import { BrokerUnavailableError } from '../../common/errors.js';
import { silentLogger, type Logger } from '../../common/log.js';
import type { TlsMaterial } from '../types.js';

export interface BrokerLinkOptions {
  urls: readonly string[];
  auth: 'plain' | 'external';
  /** key/cert/CA for amqps:// URLs */
  tls: TlsMaterial;
  /** shown in the broker's connection list */
  connectionName: string;
  log?: Logger;
  /** declares, consumes, ... on a fresh connection; a rejection counts as a failed connect */
  setup(conn: ChannelModel): Promise<void>;
  /** told when an established connection is lost (before reconnecting) */
  onLost?(err: Error): void;
  /** told when a lost connection is back (after setup ran) */
  onRestored?(): void;
  /**
   * keep the process alive while reconnecting (a minion whose only work is AMQP must not exit when the broker
   * goes away); an overlord's pending calls have their own deadline timers instead
   */
  holdProcess?: boolean;
}

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15_000;
const HEARTBEAT_S = 10;
const OPEN_TIMEOUT_MS = 8000;

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

export class BrokerLink {
  private conn: ChannelModel | null = null;
  private closed = false;
  private next = 0;
  private reconnecting: Promise<void> | null = null;
  private readonly log: Logger;
  /** the URL of the current connection (redacted) */
  endpoint = '';

  constructor(private readonly opts: BrokerLinkOptions) {
    this.log = opts.log ?? silentLogger;
    if (opts.urls.length === 0) throw new BrokerUnavailableError('no amqp_url configured');
    this.endpoint = redactUrl(opts.urls[0]!);
  }

  get connected(): boolean { return this.conn !== null; }

  /** Tries each URL once; resolves when one is connected and set up, else rejects with BrokerUnavailableError. */
  async connect(): Promise<void> {
    const errors: string[] = [];
    for (let i = 0; i < this.opts.urls.length && !this.closed; i++) {
      const url = this.opts.urls[(this.next + i) % this.opts.urls.length]!;
      try {
        await this.open(url);
        this.next = (this.next + i) % this.opts.urls.length;
        return;
      } catch (err) {
        errors.push(`${redactUrl(url)}: ${this.describeFailure(err as Error)}`);
      }
    }
    this.next = (this.next + 1) % this.opts.urls.length;
    throw new BrokerUnavailableError(`cannot reach the AMQP broker (${errors.join('; ') || 'closed'})`);
  }

  /** Closes the connection; no reconnect follows. */
  async close(): Promise<void> {
    this.closed = true;
    const c = this.conn;
    this.conn = null;
    await c?.close().catch(() => {});
    await this.reconnecting?.catch(() => {});
  }

  /** Drops the current connection and reconnects (e.g. after a channel error). */
  reset(reason: Error): void {
    const c = this.conn;
    if (c === null) return;
    this.lost(c, reason);
    void c.close().catch(() => {});
  }

  /**
   * A failed connect in words: a TLS alert from the broker (OpenSSL's "…:SSL routines:…:tlsv1 alert unknown ca:…")
   * says what the broker refused, and a refused EXTERNAL login names the certificate CN it tried as user.
   */
  private describeFailure(err: Error & { reason?: string }): string {
    const alert = /alert (.+)$/.exec(err.reason ?? '')?.[1];
    if (alert !== undefined) {
      const why = TLS_ALERTS[alert];
      return `the broker refused the TLS handshake (alert "${alert}"${why ? `: ${why}` : ''})`;
    }
    if (this.opts.auth === 'external' && /ACCESS.REFUSED/.test(err.message)) {
      return `${err.message} (amqp_auth = external logs in as the certificate's CN${cnOf(this.opts.tls.cert)}: is there a broker user of that name?)`;
    }
    return err.message;
  }

  /** Connects and runs the setup, giving up after OPEN_TIMEOUT_MS (a broker that is booting may hang a handshake). */
  private async open(url: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let late = false;
    const attempt = this.openNow(url, () => late);
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => { late = true; reject(new Error(`no AMQP handshake within ${OPEN_TIMEOUT_MS} ms`)); }, OPEN_TIMEOUT_MS);
    });
    try {
      await Promise.race([attempt, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async openNow(url: string, abandoned: () => boolean): Promise<void> {
    const secure = url.startsWith('amqps:');
    const amqp = (await import('amqplib')).default; // loaded on first use: a funcd without AMQP never pays for it
    const conn = await amqp.connect(withHeartbeat(url), {
      noDelay: true, timeout: 5000,
      clientProperties: { connection_name: this.opts.connectionName },
      ...(secure ? { key: this.opts.tls.key, cert: this.opts.tls.cert, ca: this.opts.tls.ca } : {}),
      ...(this.opts.auth === 'external' ? { credentials: amqp.credentials.external() } : {}),
    });
    conn.on('error', () => { /* the close event follows and is handled there */ });
    conn.on('close', (err?: Error) => this.lost(conn, err ?? new Error('connection closed')));
    try {
      if (abandoned()) throw new Error('abandoned');
      await this.opts.setup(conn);
      if (abandoned()) throw new Error('abandoned');
    } catch (err) {
      await conn.close().catch(() => {});
      throw err;
    }
    this.conn = conn;
    this.endpoint = redactUrl(url);
  }

  private lost(conn: ChannelModel, err: Error): void {
    if (this.conn !== conn) return;
    this.conn = null;
    if (this.closed) return;
    this.log.warn(`AMQP connection to ${this.endpoint} lost: ${err.message}; reconnecting`);
    this.opts.onLost?.(err);
    this.reconnecting ??= this.reconnectLoop().finally(() => { this.reconnecting = null; });
  }

  private async reconnectLoop(): Promise<void> {
    let delay = FIRST_DELAY_MS;
    while (!this.closed) {
      await new Promise((r) => {
        const t = setTimeout(r, delay);
        if (!this.opts.holdProcess) t.unref();
      });
      if (this.closed) return;
      try {
        await this.connect();
        this.log.info(`AMQP connection to ${this.endpoint} restored`);
        this.opts.onRestored?.();
        return;
      } catch (err) {
        this.log.debug(`AMQP reconnect failed: ${(err as Error).message}; next try in ${Math.min(delay * 2, MAX_DELAY_MS)} ms`);
        delay = Math.min(delay * 2, MAX_DELAY_MS);
      }
    }
  }
}

/** What the broker's TLS alerts mean for a func client presenting its certmaster key pair. */
const TLS_ALERTS: Record<string, string> = {
  'unknown ca': 'our certificate is not signed by a CA the broker trusts (ssl_options.cacertfile)',
  'certificate required': 'the broker wants a client certificate and none was presented',
  'bad certificate': 'the broker rejected our certificate (RabbitMQ refuses a self-signed one, such as the CA\'s own)',
  'certificate revoked': 'our certificate is revoked',
  'certificate expired': 'our certificate has expired',
};

/** ' "<CN>"' of a PEM certificate, or '' when it cannot be read. */
function cnOf(pem: string): string {
  try {
    const cn = new X509Certificate(pem).subject.split('\n').find((l) => l.startsWith('CN='));
    return cn ? ` "${cn.slice(3)}"` : '';
  } catch {
    return '';
  }
}

/** Adds a 10 s heartbeat unless the URL sets one, so a dead broker is noticed within ~20 s. */
function withHeartbeat(url: string): string {
  if (/[?&]heartbeat=/.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}heartbeat=${HEARTBEAT_S}`;
}
