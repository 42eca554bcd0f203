// Reading one HTTP request of the XML-RPC server: what the client asks for (keep-alive, gzip) and its body,
// collected under a size limit (also after gunzip) without reading past it.
import type http from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ConnectionError, PayloadTooLargeError } from '../../common/errors.js';

const gunzip = promisify(zlib.gunzip);

/** Whether the client explicitly asked to keep the connection (compat §11: only then is it kept). */
export function wantsKeepAlive(req: http.IncomingMessage): boolean {
  const c = req.headers.connection;
  if (typeof c !== 'string') return false;
  const v = c.toLowerCase();
  return v === 'keep-alive' || v.split(',').some((t) => t.trim() === 'keep-alive');
}

const GZIP_CODING = /^\s*gzip\s*(;\s*q=(1|0?\.\d*[1-9]\d*)\s*)?$/i;

/** Whether the client accepts a gzip-encoded reply (Accept-Encoding gzip with a q-value above 0). */
export function acceptsGzip(req: http.IncomingMessage): boolean {
  const a = req.headers['accept-encoding'];
  return typeof a === 'string' && a.split(',').some((t) => GZIP_CODING.test(t));
}

/** Collects the request body, refusing it as soon as it passes `limit` bytes (the rest is never read). */
export function collectBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) { req.pause(); reject(err); } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) done(new PayloadTooLargeError(`request body exceeds the limit of ${limit} bytes`));
      else chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = (err: Error) => done(new ConnectionError(`request aborted: ${err.message}`));
    const onClose = () => done(new ConnectionError('request aborted by the client'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** Inflates a gzip request body, refusing it (PayloadTooLargeError) once it passes `limit` bytes. */
export async function gunzipBody(body: Buffer, limit: number): Promise<Buffer> {
  try {
    return await gunzip(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PayloadTooLargeError(`gzip request body inflates beyond the limit of ${limit} bytes`);
    }
    throw err;
  }
}
