// What one HTTP request of the XML-RPC server asks for: keep-alive, and a gzip-encoded reply
// (its body is read by body-reader.ts).
import type http from 'node:http';

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
