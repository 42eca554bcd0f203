// Shared pieces of the XML-RPC transport tests: a test handler with echo/fail/hang methods, servers on
// ephemeral ports that are always stopped, and raw HTTP(S) exchanges for checking framing byte by byte.
import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';
import {
  AccessDeniedError, InvalidArgumentsError, MethodNotFoundError, ModuleError,
} from '../../../common/errors.js';
import type { CallContext, CallHandler, TlsMaterial, WireValue } from '../../../transport/types.js';
import { XmlRpcServer, type XmlRpcServerOptions } from '../../../transport/xmlrpc/server.js';

/** What the test handler saw: the signals of calls, to check aborts. */
export interface HandlerLog {
  signals: AbortSignal[];
}

/**
 * A handler with a few methods: echo(x) → x, whoami() → peer, big(n) → a string of n 'x', add(a, b),
 * deny() → AccessDeniedError, explode() → ModuleError, throw_plain() → TypeError, throw_string(),
 * bigint() → 2^32 as bigint, bad_return() → undefined, hang() → never settles; others → MethodNotFoundError.
 */
export function testHandler(log: HandlerLog = { signals: [] }): CallHandler {
  return async (request, ctx: CallContext): Promise<WireValue> => {
    log.signals.push(ctx.signal);
    const [a, b] = request.params;
    switch (request.method) {
      case 'test.echo': return a ?? null;
      case 'test.whoami': return { ...ctx.peer };
      case 'test.big': return 'x'.repeat(Number(a));
      case 'test.add':
        if (typeof a !== 'number' || typeof b !== 'number') throw new InvalidArgumentsError('add() takes 2 ints');
        return a + b;
      case 'test.deny': throw new AccessDeniedError('caller may not call test.deny');
      case 'test.explode': throw new ModuleError('khhhhhhaaaaaan!!!!!!');
      case 'test.throw_plain': throw new TypeError('plain failure');
      case 'test.throw_string': throw 'a bare string';
      case 'test.bigint': return 2n ** 32n;
      case 'test.bad_return': return undefined as unknown as WireValue;
      case 'test.hang': return new Promise<WireValue>(() => { /* never settles */ });
      default: {
        const dot = request.method.lastIndexOf('.');
        throw new MethodNotFoundError(request.method.slice(0, dot), request.method.slice(dot + 1));
      }
    }
  };
}

const started = new Set<XmlRpcServer>();

/** Starts an XmlRpcServer on 127.0.0.1, an ephemeral port; stopAllServers() stops it. */
export async function startServer(options: Partial<XmlRpcServerOptions> = {}, handler: CallHandler = testHandler()): Promise<XmlRpcServer> {
  const server = new XmlRpcServer({ host: '127.0.0.1', port: 0, ...options }, handler);
  await server.start();
  started.add(server);
  return server;
}

/** Stops every server started with startServer (for after/afterEach). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...started].map((s) => s.stop()));
  started.clear();
}

/** A parsed HTTP response as it came off the wire. */
export interface RawResponse {
  statusLine: string;
  status: number;
  /** header names lower-cased */
  headers: Record<string, string>;
  body: Buffer;
  /** the server ended the connection (we never did) */
  endedByServer: boolean;
  /** everything received, undecoded */
  raw: Buffer;
}

/** Splits the first response out of bytes received (Content-Length framing), inflating gzip. */
export function parseResponse(raw: Buffer, endedByServer: boolean): RawResponse | null {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? -1);
  if (length < 0 || raw.length < end + 4 + length) return null;
  let body = raw.subarray(end + 4, end + 4 + length);
  if (headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
  return { statusLine: statusLine!, status: Number(statusLine!.split(' ')[1]), headers, body, endedByServer, raw };
}

/** An HTTP request as text: method, path, headers (no automatic ones) and body. */
export function httpRequest(method: string, path: string, headers: Record<string, string | number>, body: Buffer | string = ''): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const head = [`${method} ${path} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`), b]);
}

/** Connects (TLS when options are given), or returns the error the connection met. */
export function connectRaw(port: number, tlsOptions?: tls.ConnectionOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = tlsOptions
      ? tls.connect({ host: '127.0.0.1', port, ...tlsOptions }, () => resolve(socket))
      : net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Writes `request` on a socket and collects what comes back until the server ends the connection,
 * an error, or `waitMs` of silence after a complete response (then the socket is destroyed by us).
 */
export function exchangeRaw(socket: net.Socket, request: Buffer, waitMs = 1500): Promise<{ raw: Buffer; endedByServer: boolean; error?: Error }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (endedByServer: boolean, error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!endedByServer) socket.destroy();
      resolve({ raw: Buffer.concat(chunks), endedByServer, ...(error ? { error } : {}) });
    };
    const arm = () => { clearTimeout(timer); timer = setTimeout(() => finish(false), waitMs); };
    socket.on('data', (d: Buffer) => { chunks.push(d); arm(); });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (err) => finish(false, err));
    arm();
    socket.write(request);
  });
}

/** Writes one request and resolves with its complete response, leaving the socket open for more. */
export function requestOnSocket(socket: net.Socket, request: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const cleanup = () => { socket.off('data', onData); socket.off('error', onError); socket.off('close', onClose); };
    const onData = (d: Buffer) => {
      chunks.push(d);
      const parsed = parseResponse(Buffer.concat(chunks), false);
      if (parsed) { cleanup(); resolve(parsed); }
    };
    const onError = (err: Error) => { cleanup(); reject(err); };
    const onClose = () => { cleanup(); reject(new Error('connection closed before a complete response')); };
    socket.on('data', onData).on('error', onError).on('close', onClose);
    socket.write(request);
  });
}

/** Raw TLS connection options presenting `m` (verifying the server as "localhost"). */
export function rawTls(m: TlsMaterial): tls.ConnectionOptions {
  return { key: m.key, cert: m.cert, ca: m.ca, servername: 'localhost' };
}

/** Options of postRaw. */
export interface PostOptions {
  tls?: tls.ConnectionOptions;
  headers?: Record<string, string | number>;
  path?: string;
  method?: string;
}

/** Sends one request on a fresh connection (no Connection header unless given) and parses the response. */
export async function postRaw(port: number, body: Buffer | string, options: PostOptions = {}): Promise<RawResponse> {
  const socket = await connectRaw(port, options.tls);
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const request = httpRequest(options.method ?? 'POST', options.path ?? '/RPC2',
    { Host: '127.0.0.1', 'Content-Type': 'text/xml', 'Content-Length': b.length, ...options.headers }, b);
  const r = await exchangeRaw(socket, request);
  const parsed = parseResponse(r.raw, r.endedByServer);
  if (!parsed) throw new Error(`no complete HTTP response (${r.error?.message ?? 'closed'}): ${r.raw.toString('latin1').slice(0, 200)}`);
  return parsed;
}

/** Polls `check` every 20 ms until it is true or `ms` passed; returns its last result. */
export async function eventually(check: () => boolean, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return check();
}
