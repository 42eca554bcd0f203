// Reading one request body of the XML-RPC server under its limits: size (also after gunzip, inflated as a stream),
// a byte budget shared by every connection, and an early screen of the method name before the params are read.
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { ConnectionError, PayloadTooLargeError, ProtocolError, ServerBusyError } from '../../common/errors.js';
import { MAX_METHOD_NAME_BYTES } from '../../common/method-name.js';

/** The method name must appear within this many bytes of the body's start. */
const HEAD_SCAN_BYTES = 4096;

/** Body bytes held in memory across all connections of one server; a request that would pass the cap is refused. */
export class InFlightBudget {
  private used = 0;
  constructor(readonly limit: number) {}
  /** Reserves n bytes; false (nothing reserved) when that would pass the limit. */
  take(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }
  release(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
  get inUse(): number {
    return this.used;
  }
}

/** How one body is read. */
export interface BodyOptions {
  /** most bytes accepted (after gunzip) */
  limit: number;
  /** the config key that sets `limit`, named in the error */
  limitKey?: string;
  /** the body is gzip-compressed */
  gzip: boolean;
  /** the server's shared budget of in-flight body bytes */
  budget?: InFlightBudget;
  budgetKey?: string;
  /** called once with the method name as soon as the body's head shows it; throws to refuse the call */
  screen?: (method: string) => void;
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five predefined entities and character references of a method name. */
function unescapeName(raw: string): string {
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16) % 0x110000);
    if (ref.startsWith('#')) return String.fromCodePoint(Number(ref.slice(1)) % 0x110000);
    return PREDEFINED[ref] ?? whole;
  });
}

/**
 * The method name in the head of a body: the name, null while more bytes are needed, or a ProtocolError when
 * the name is longer than MAX_METHOD_NAME_BYTES or does not appear within the first HEAD_SCAN_BYTES.
 */
export function methodNameIn(head: Buffer): string | null {
  const text = head.toString('latin1', 0, Math.min(head.length, HEAD_SCAN_BYTES + MAX_METHOD_NAME_BYTES + 32));
  const open = /<methodName\s*>/.exec(text);
  if (open === null) {
    if (head.length >= HEAD_SCAN_BYTES) throw new ProtocolError(`XML-RPC: no <methodName> within the first ${HEAD_SCAN_BYTES} bytes`);
    return null;
  }
  const start = open.index + open[0].length;
  const end = text.indexOf('<', start);
  const raw = end < 0 ? text.slice(start) : text.slice(start, end);
  if (raw.length > MAX_METHOD_NAME_BYTES) {
    throw new ProtocolError(`XML-RPC: method name longer than ${MAX_METHOD_NAME_BYTES} bytes refused`);
  }
  if (end < 0) return null;
  if (!text.startsWith('</methodName', end)) {
    if (text.length - end < 12) return null; // the closing tag is still arriving
    throw new ProtocolError('XML-RPC: <methodName> must hold plain text (no markup, comments or CDATA)');
  }
  return Buffer.from(unescapeName(raw), 'latin1').toString('utf8').trim();
}

/**
 * Reads a request body: stops (and rejects) as soon as it passes `limit` bytes (PayloadTooLargeError), the shared
 * budget is spent (ServerBusyError), or the screen refuses the method name (its error); the rest is never read.
 * Bytes taken from the budget are given back when the returned release() is called (after the call is decoded).
 */
export function readBody(req: Readable, opts: BodyOptions): Promise<{ body: Buffer; release: () => void }> {
  return new Promise((resolve, reject) => {
    const source: Readable = opts.gzip ? req.pipe(zlib.createGunzip()) : req;
    const chunks: Buffer[] = [];
    let size = 0;
    let held = 0;
    let screened = opts.screen === undefined;
    let settled = false;
    const release = (): void => { opts.budget?.release(held); held = 0; };
    const done = (err?: Error): void => {
      if (settled) return;
      settled = true;
      source.off('data', onData).off('end', onEnd).off('error', onError);
      req.off('close', onClose).off('error', onError);
      if (err) {
        req.pause();
        if (source !== req) source.destroy();
        release();
        reject(err);
      } else {
        resolve({ body: Buffer.concat(chunks, size), release });
      }
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > opts.limit) {
        const key = opts.limitKey ? ` (${opts.limitKey})` : '';
        done(new PayloadTooLargeError(opts.gzip ? `gzip request body inflates beyond the limit of ${opts.limit} bytes${key}`
          : `request body exceeds the limit of ${opts.limit} bytes${key}`));
        return;
      }
      if (opts.budget) {
        if (!opts.budget.take(chunk.length)) {
          const key = opts.budgetKey ? ` (${opts.budgetKey})` : '';
          done(new ServerBusyError(`too many request bytes in flight: the limit of ${opts.budget.limit} bytes${key} is reached; try again later`));
          return;
        }
        held += chunk.length;
      }
      chunks.push(chunk);
      if (!screened) {
        try {
          const name = methodNameIn(chunks.length === 1 ? chunk : Buffer.concat(chunks, size));
          if (name !== null) { screened = true; opts.screen!(name); }
        } catch (err) {
          done(err as Error);
        }
      }
    };
    const onEnd = (): void => {
      if (!screened) {
        try {
          const name = methodNameIn(Buffer.concat(chunks, size));
          if (name !== null) opts.screen!(name);
        } catch (err) {
          done(err as Error);
          return;
        }
      }
      done();
    };
    const onError = (err: Error): void => {
      if (source !== req && err !== undefined && (err as NodeJS.ErrnoException).code?.startsWith('Z_')) {
        done(new ProtocolError('request body is not valid gzip'));
      } else {
        done(new ConnectionError(`request aborted: ${err.message}`));
      }
    };
    const onClose = (): void => { if (!req.readableEnded) done(new ConnectionError('request aborted by the client')); };
    source.on('data', onData).on('end', onEnd).on('error', onError);
    req.on('close', onClose);
    if (source !== req) req.on('error', onError);
  });
}
