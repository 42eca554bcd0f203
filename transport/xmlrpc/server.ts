// The XML-RPC server of funcd (HTTPS, mutual TLS) and certmaster (plain HTTP): HTTP framing as func's
// Python peers need it (compat §11), body limits while streaming, gzip, and every failure answered as a Fault.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ConfigError, ConnectionError, PayloadTooLargeError, TimeoutError } from '../../common/errors.js';
import { silentLogger, type Logger } from '../../common/log.js';
import { anonymousPeer, peerIdentityFromSocket, remoteAddressOf, serverTlsOptions } from '../../common/tls.js';
import type {
  CallContext, CallHandler, CallRequest, ListenAddress, PeerIdentity, TlsMaterial, TransportServer, WireValue,
} from '../types.js';
import { decodeCall, encodeFault, encodeResponse, resolveLimits, type CodecLimits } from './codec.js';
import { funcErrorToWire, type WireOutcome } from './faults.js';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

/** Replies larger than this are gzip-compressed for clients that accept it (as func's server did). */
export const GZIP_THRESHOLD = 1400;

/** Options of an XmlRpcServer. */
export interface XmlRpcServerOptions {
  host: string;
  /** 0 = an ephemeral port (see `address` after start) */
  port: number;
  /** absent = plain HTTP (certmaster); present = HTTPS with mandatory client certificates (funcd) */
  tls?: TlsMaterial;
  /** request size (also after gunzip), value depth and element limits */
  limits?: Partial<CodecLimits>;
  /** maps a thrown error to the wire (default funcErrorToWire; certmaster passes certmasterErrorToWire) */
  errorToWire?: (err: unknown) => WireOutcome;
  /** what a returned bigint beyond 32 bits becomes (default 'fault', like func's Python server) */
  bigint?: 'i8' | 'fault';
  log?: Logger;
  /** time allowed for the request head (slow-loris guard), default 10000 ms */
  headersTimeoutMs?: number;
  /** time allowed to receive the whole request, default 60000 ms */
  requestTimeoutMs?: number;
  /** idle time of a kept-alive connection, default Node's 5000 ms */
  keepAliveTimeoutMs?: number;
  maxConnections?: number;
  /**
   * User-Agents of clients that do not ask for keep-alive yet reuse connections, and so get an explicit
   * "Connection: close" instead of the silent close of compat §11. Default: Python 3's xmlrpc.client
   * (/^Python-xmlrpc\//), which otherwise fails its next call with SSLEOFError.
   */
  announceCloseTo?: RegExp;
  /** a handler still running after this long is answered with a TimeoutError (its signal aborted); 0 = never (default) */
  callTimeoutMs?: number;
}

/**
 * How a response ends: the connection is kept (the client asked for keep-alive), closed right after the
 * response without a Connection header (compat §11, what func's Python overlord needs), or closed with
 * "Connection: close" (refusals whose body was not read; clients in announceCloseTo).
 */
type Framing = 'keep-alive' | 'silent-close' | 'close';

/** Whether the client explicitly asked to keep the connection (compat §11: only then is it kept). */
function wantsKeepAlive(req: http.IncomingMessage): boolean {
  const c = req.headers.connection;
  return typeof c === 'string' && c.toLowerCase().split(',').some((t) => t.trim() === 'keep-alive');
}

function acceptsGzip(req: http.IncomingMessage): boolean {
  const a = req.headers['accept-encoding'];
  return typeof a === 'string' && a.split(',').some((t) => /^\s*gzip\s*(;\s*q=(1|0?\.\d*[1-9]\d*)\s*)?$/i.test(t));
}

/** Collects the request body, refusing it as soon as it passes `limit` bytes (the rest is never read). */
function collectBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
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

/** Serves XML-RPC calls to one handler; see XmlRpcServerOptions. */
export class XmlRpcServer implements TransportServer {
  private readonly server: http.Server;
  private readonly limits: CodecLimits;
  private readonly log: Logger;
  private readonly errorToWire: (err: unknown) => WireOutcome;
  private readonly sockets = new Set<Socket>();
  private readonly calls = new Set<AbortController>();
  private readonly identities = new WeakMap<Socket, PeerIdentity>();
  private bound: ListenAddress | null = null;
  private accepted = 0;

  /** Creates the server; nothing listens before start(). */
  constructor(private readonly options: XmlRpcServerOptions, private readonly handler: CallHandler) {
    this.limits = resolveLimits(options.limits);
    this.log = options.log ?? silentLogger;
    this.errorToWire = options.errorToWire ?? funcErrorToWire;
    const requestTimeout = options.requestTimeoutMs ?? 60_000;
    const headersTimeout = Math.min(options.headersTimeoutMs ?? 10_000, requestTimeout);
    const httpOptions: http.ServerOptions = {
      requestTimeout, headersTimeout, noDelay: true, requireHostHeader: false,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
      ...(options.keepAliveTimeoutMs !== undefined ? { keepAliveTimeout: options.keepAliveTimeoutMs } : {}),
    };
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => this.onRequest(req, res);
    this.server = options.tls
      ? https.createServer({ ...httpOptions, ...serverTlsOptions(options.tls), handshakeTimeout: headersTimeout }, onRequest)
      : http.createServer(httpOptions, onRequest);
    if (options.maxConnections !== undefined) this.server.maxConnections = options.maxConnections;
    this.server.on('connection', (socket: Socket) => {
      this.accepted++;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('tlsClientError', (err: Error, socket: Socket) => {
      this.log.debug(`TLS handshake with ${remoteAddressOf(socket)} failed: ${err.message}`);
    });
  }

  /** Starts listening; resolves once bound (then `address` holds the real port). */
  async start(): Promise<void> {
    if (this.bound) return;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new ConnectionError(
        `cannot listen on ${this.options.host}:${this.options.port}: ${err.message}`, { cause: err }));
      this.server.once('error', onError);
      this.server.listen({ host: this.options.host, port: this.options.port }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const a = this.server.address();
    this.bound = typeof a === 'object' && a !== null ? { host: a.address, port: a.port } : { host: this.options.host, port: this.options.port };
  }

  /** Stops listening, aborts running calls and closes every connection, idle or busy. */
  async stop(): Promise<void> {
    for (const call of this.calls) call.abort(new ConnectionError('the server is stopping'));
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    if (this.server.listening || this.bound) await closed;
    this.bound = null;
  }

  /** Where the server listens (the real port once started). */
  get address(): ListenAddress {
    return this.bound ?? { host: this.options.host, port: this.options.port };
  }

  /** How many TCP connections were accepted since construction (for tests and metrics). */
  get connectionsAccepted(): number {
    return this.accepted;
  }

  /** Replaces key, certificate, CA and CRL for new connections (e.g. after a CRL update). */
  setTls(material: TlsMaterial): void {
    if (!(this.server instanceof https.Server)) throw new ConfigError('setTls() called on a plain-HTTP XML-RPC server');
    this.server.setSecureContext(serverTlsOptions(material));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.serve(req, res).catch((err: unknown) => {
      this.log.error(`XML-RPC request from ${remoteAddressOf(req.socket)} failed: ${(err as Error).message}`);
      if (!res.headersSent) this.reply(res, 500, 'text/plain', Buffer.from('Internal error\n'), 'close');
      else res.destroy();
    });
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const framing = this.framingOf(req);
    if (req.url !== '/' && req.url !== '/RPC2') return this.refuse(req, res, 404, 'No such page', framing);
    if (req.method !== 'POST') return this.refuse(req, res, 501, 'Unsupported method', framing);
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
    if (!['identity', 'gzip', 'x-gzip'].includes(encoding)) {
      return this.refuse(req, res, 415, `Content-Encoding ${encoding} is not supported`, 'close');
    }
    if (Number(req.headers['content-length']) > this.limits.maxBytes) {
      return this.refuse(req, res, 413, `Request body exceeds the limit of ${this.limits.maxBytes} bytes`, 'close');
    }
    const call = new AbortController();
    this.calls.add(call);
    res.once('close', () => {
      this.calls.delete(call);
      if (!res.writableFinished) call.abort(new ConnectionError('the caller went away'));
    });
    let body: Buffer;
    try {
      body = await collectBody(req, this.limits.maxBytes);
      if (encoding !== 'identity') body = await this.gunzipBody(body);
    } catch (err) {
      if (err instanceof PayloadTooLargeError) return this.refuse(req, res, 413, err.message, 'close');
      if (err instanceof ConnectionError) return void res.destroy();
      return this.refuse(req, res, 400, 'Request body is not valid gzip', 'close');
    }
    const xml = await this.answer(body, this.peerOf(req.socket), call);
    await this.sendXml(req, res, xml, framing);
  }

  private framingOf(req: http.IncomingMessage): Framing {
    if (wantsKeepAlive(req)) return 'keep-alive';
    const announce = this.options.announceCloseTo ?? /^Python-xmlrpc\//;
    return announce.test(req.headers['user-agent'] ?? '') ? 'close' : 'silent-close';
  }

  private async gunzipBody(body: Buffer): Promise<Buffer> {
    try {
      return await gunzip(body, { maxOutputLength: this.limits.maxBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new PayloadTooLargeError(`gzip request body inflates beyond the limit of ${this.limits.maxBytes} bytes`);
      }
      throw err;
    }
  }

  private peerOf(socket: Socket): PeerIdentity {
    let peer = this.identities.get(socket);
    if (peer === undefined) {
      peer = this.options.tls ? peerIdentityFromSocket(socket as TLSSocket) ?? anonymousPeer(remoteAddressOf(socket))
        : anonymousPeer(remoteAddressOf(socket));
      this.identities.set(socket, peer);
    }
    return peer;
  }

  /** The response document for one request body: the handler's value, or a Fault / REMOTE_ERROR list. */
  private async answer(body: Buffer, peer: PeerIdentity, call: AbortController): Promise<string> {
    const ctx: CallContext = { peer, signal: call.signal };
    let request: CallRequest;
    try {
      request = decodeCall(body, this.limits);
    } catch (err) {
      this.log.debug(`bad XML-RPC request from ${ctx.peer.address}: ${(err as Error).message}`);
      return this.errorDocument(err);
    }
    try {
      const value = await this.runHandler(request, ctx, call);
      return encodeResponse(value, { bigint: this.options.bigint ?? 'fault', maxDepth: this.limits.maxDepth });
    } catch (err) {
      return this.errorDocument(err);
    }
  }

  /** Runs the handler; with callTimeoutMs, a call still running at the deadline is aborted and answered with TimeoutError. */
  private runHandler(request: CallRequest, ctx: CallContext, call: AbortController): Promise<WireValue> {
    const run = Promise.resolve().then(() => this.handler(request, ctx));
    const ms = this.options.callTimeoutMs ?? 0;
    if (ms <= 0) return run;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new TimeoutError(`call to ${request.method} did not finish within ${ms} ms`);
        call.abort(err);
        reject(err);
      }, ms);
    });
    return Promise.race([run, deadline]).finally(() => clearTimeout(timer));
  }

  /** Encodes an error with errorToWire; a mapper or encoder that fails still yields a Fault. */
  private errorDocument(err: unknown): string {
    try {
      const wire = this.errorToWire(err);
      return wire.kind === 'fault' ? encodeFault(wire.faultCode, wire.faultString) : encodeResponse(wire.value);
    } catch (inner) {
      this.log.error(`cannot encode an error for the wire: ${(inner as Error).message}`);
      return encodeFault(1, `<type 'exceptions.Exception'>:${(err as Error)?.message ?? String(err)}`);
    }
  }

  private async sendXml(req: http.IncomingMessage, res: http.ServerResponse, xml: string, framing: Framing): Promise<void> {
    let body = Buffer.from(xml, 'utf8');
    let zipped = false;
    if (body.length > GZIP_THRESHOLD && acceptsGzip(req)) {
      body = await gzip(body);
      zipped = true;
    }
    this.reply(res, 200, 'text/xml', body, framing, zipped);
  }

  private refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string, framing: Framing): void {
    if (framing === 'keep-alive') req.resume(); // the unread body is discarded so the connection can serve the next request
    this.reply(res, status, 'text/plain', Buffer.from(`${text}\n`), framing, false);
  }

  /** Writes a response framed as `framing` (see Framing). */
  private reply(res: http.ServerResponse, status: number, type: string, body: Buffer, framing: Framing, zipped = false): void {
    if (res.destroyed) return;
    const headers: http.OutgoingHttpHeaders = { 'Content-Type': type, 'Content-Length': body.length };
    if (zipped) headers['Content-Encoding'] = 'gzip';
    if (framing !== 'keep-alive') res.shouldKeepAlive = false;
    if (framing === 'silent-close') res.removeHeader('Connection'); // Node then closes after the response, unannounced
    res.writeHead(status, headers);
    res.end(body);
  }
}
