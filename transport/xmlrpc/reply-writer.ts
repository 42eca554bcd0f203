// Large XML-RPC replies: a cheap upper bound of a value's encoded size, an exact measure made in slices when the
// bound passes the reply limit, and a writer that streams the pieces (gzip on the thread pool) yielding between them.
import type http from 'node:http';
import type { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import zlib from 'node:zlib';
import type { WireValue } from '../types.js';
import { encodeResponse, responsePieces, type EncodeOptions } from './encoder.js';

/** Replies whose bound is at most this many bytes are encoded in one piece and sent in one write. */
export const STREAM_THRESHOLD = 1024 * 1024;

/**
 * An upper bound of the bytes `value` encodes to (each UTF-16 unit of a string gives at most 5 bytes, as "&amp;"),
 * or Infinity when the value might not marshal (deeper than maxDepth, a bigint beyond 32 bits, a Date, an object
 * of a class): such values are measured exactly, so that a marshalling error still becomes a Fault.
 */
export function replyBound(value: WireValue, maxDepth: number): number {
  let total = 200;
  const items: unknown[] = [value];
  const depths: number[] = [1];
  while (items.length > 0) {
    const v = items.pop();
    const depth = depths.pop()!;
    if (depth > maxDepth) return Infinity;
    switch (typeof v) {
      case 'string': total += 40 + 5 * v.length; continue;
      case 'number': case 'boolean': total += 64; continue;
      case 'bigint': if (v < -2147483648n || v > 2147483647n) return Infinity; total += 64; continue;
      case 'object': break;
      default: return Infinity;
    }
    if (v === null) { total += 32; continue; }
    if (v instanceof Uint8Array) { total += 40 + Math.ceil(v.byteLength / 3) * 4; continue; }
    if (Array.isArray(v)) {
      total += 48;
      for (const item of v) { items.push(item); depths.push(depth + 1); }
      continue;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return Infinity;
    total += 48;
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      total += 48 + 5 * k.length;
      items.push(item);
      depths.push(depth + 1);
    }
  }
  return total;
}

/**
 * The exact byte length of the pieces, counted slice by slice with a turn of the event loop in between; stops
 * counting once past `stopAbove` (the result is then some number above it). Rethrows the encoder's MarshalError.
 */
export async function measurePieces(pieces: Iterable<string>, stopAbove: number, signal?: AbortSignal): Promise<number> {
  let bytes = 0;
  for (const piece of pieces) {
    bytes += Buffer.byteLength(piece, 'utf8');
    if (bytes > stopAbove) return bytes;
    await nextTurn();
    signal?.throwIfAborted();
  }
  return bytes;
}

/** How to send a value: a whole document, a value to stream (with its length when measured), or too large. */
export type ReplyPlan = { xml: string } | { value: WireValue; length?: number } | { tooLarge: number };

/**
 * Decides how `value` is sent: small ones (bound ≤ STREAM_THRESHOLD) as one document, larger ones streamed; a
 * value whose bound passes `maxBytes` is measured exactly first (in slices) and refused when it passes.
 * Throws the encoder's MarshalError.
 */
export async function planReply(value: WireValue, opts: EncodeOptions, maxBytes: number): Promise<ReplyPlan> {
  const bound = replyBound(value, opts.maxDepth ?? 64);
  if (bound <= STREAM_THRESHOLD) return { xml: encodeResponse(value, opts) };
  if (bound <= maxBytes) return { value };
  const length = await measurePieces(responsePieces(value, opts), maxBytes);
  return length <= maxBytes ? { value, length } : { tooLarge: length };
}

/** How a streamed reply is sent. */
export interface StreamReplyOptions {
  /** gzip the body (the client accepts it); it is then sent chunked */
  gzip: boolean;
  /** the exact length, when measured and not gzipped (sent as Content-Length; otherwise chunked) */
  length?: number;
  /** the response head's other headers (framing) are already set on `res` by the caller */
  headers: http.OutgoingHttpHeaders;
}

/** Writes one piece, waiting for the sink to drain (or close) when it is full; otherwise gives other work a turn. */
async function writePiece(sink: Writable, piece: string): Promise<void> {
  if (sink.write(Buffer.from(piece, 'utf8'))) {
    await nextTurn();
    return;
  }
  await new Promise<void>((resolve) => {
    const done = (): void => { sink.off('drain', done).off('close', done).off('error', done); resolve(); };
    sink.on('drain', done).on('close', done).on('error', done);
  });
}

/**
 * Streams a reply's pieces to `res`: 200 text/xml, Content-Length when known, else chunked; gzip through a zlib
 * stream (compressed on the thread pool). Stops quietly when the connection goes away.
 */
export async function streamReply(res: http.ServerResponse, pieces: Iterable<string>, opts: StreamReplyOptions): Promise<void> {
  const headers: http.OutgoingHttpHeaders = { ...opts.headers, 'Content-Type': 'text/xml' };
  if (opts.gzip) headers['Content-Encoding'] = 'gzip';
  else if (opts.length !== undefined) headers['Content-Length'] = opts.length;
  res.writeHead(200, headers);
  const gzip = opts.gzip ? zlib.createGzip({ level: 6 }) : null;
  if (gzip) {
    gzip.pipe(res);
    gzip.on('error', () => res.destroy());
  }
  const sink: Writable = gzip ?? res;
  try {
    for (const piece of pieces) {
      if (res.destroyed) { gzip?.destroy(); return; }
      await writePiece(sink, piece);
    }
  } catch (err) {
    gzip?.destroy();
    res.destroy(err as Error);
    return;
  }
  sink.end();
  if (!res.writableFinished && !res.destroyed) {
    await new Promise<void>((resolve) => {
      const done = (): void => { res.off('finish', done).off('close', done); resolve(); };
      res.on('finish', done).on('close', done);
    });
  }
}
