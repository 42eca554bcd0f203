// How the XML-RPC server ends a response: the framing func's peers need (compat §11: keep-alive only when asked,
// else a silent close), refusals with a status, and closing a connection whose body is left unread.
import type http from 'node:http';

/**
 * How a response ends: the connection is kept (the client asked for keep-alive), closed right after the
 * response without a Connection header (compat §11, what func's Python overlord needs), or closed with
 * "Connection: close" (refusals whose body was not read; clients in announceCloseTo).
 */
export type Framing = 'keep-alive' | 'silent-close' | 'close';

/** Answers `status` with a text body; on a kept-alive connection the unread body is discarded first. */
export function refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string, framing: Framing): void {
  if (framing === 'keep-alive') req.resume(); // the unread body is discarded so the connection can serve the next request
  reply(res, status, 'text/plain', `${text}\n`, framing, false);
}

/** Answers `status` and closes the connection as soon as the answer is out: the rest of the body is never read. */
export function refuseAndClose(res: http.ServerResponse, status: number, text: string): void {
  closeAfter(res);
  if (status === 503) res.setHeader('Retry-After', '1');
  reply(res, status, 'text/plain', `${text}\n`, 'close', false);
}

/**
 * Destroys the connection once the response is written (a sender still sending then fails at once), and after
 * at most a second even when the response cannot be flushed (a client that sends without reading).
 */
export function closeAfter(res: http.ServerResponse): void {
  const socket = res.socket;
  const close = (): void => { setImmediate(() => socket?.destroy()); };
  res.once('finish', close);
  res.once('close', close);
  setTimeout(() => socket?.destroy(), 1000).unref();
}

/** Sets the framing of `framing` on the response (see Framing) and returns the headers to send with the head. */
export function framingHeaders(res: http.ServerResponse, framing: Framing): http.OutgoingHttpHeaders {
  if (framing !== 'keep-alive') res.shouldKeepAlive = false;
  if (framing === 'silent-close') res.removeHeader('Connection'); // Node then closes after the response, unannounced
  return {};
}

/**
 * Writes a response framed as `framing` (see Framing). Head and a string body leave in one write (Node joins
 * them only for strings), so a reply is one TLS record and one TCP segment.
 */
export function reply(res: http.ServerResponse, status: number, type: string, body: string | Buffer, framing: Framing, zipped = false): void {
  if (res.destroyed) return;
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const headers: http.OutgoingHttpHeaders = { ...framingHeaders(res, framing), 'Content-Type': type, 'Content-Length': length };
  if (zipped) headers['Content-Encoding'] = 'gzip';
  res.writeHead(status, headers);
  res.end(body);
}
