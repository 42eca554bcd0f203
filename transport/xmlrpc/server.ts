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
  CallContext, CallHandler, CallRequest, ListenAddress, PeerIdentity, TlsMaterial, TransportServer,
  TransportServerStatus, WireValue,
} from '../types.js';
import { decodeCall, encodeFault, encodeResponse, resolveLimits, type CodecLimits, type EncodeOptions } from './codec.js';
import { ConnectionContext } from './connection.js';
import { funcErrorToWire, type WireOutcome } from './faults.js';
import { acceptsGzip, collectBody, gunzipBody, wantsKeepAlive } from './request.js';

const gzip = promisify(zlib.gzip);

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

/** Runs the handler; a synchronous throw becomes a rejection. */
function invoke(handler: CallHandler, request: CallRequest, ctx: CallContext): Promise<WireValue> {
  try {
    return Promise.resolve(handler(request, ctx));
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Serves XML-RPC calls to one handler; see XmlRpcServerOptions. */
export class XmlRpcServer implements TransportServer {
  private readonly server: http.Server;
  private readonly limits: CodecLimits;
  private readonly log: Logger;
  private readonly errorToWire: (err: unknown) => WireOutcome;
  private readonly encodeOptions: EncodeOptions;
  private readonly announceClose: RegExp;
  private readonly sockets = new Set<Socket>();
  /** the context of each connection that made a request, kept until it closes */
  private readonly connections = new WeakMap<Socket, ConnectionContext>();
  private readonly open = new Set<ConnectionContext>();
  private bound: ListenAddress | null = null;
  private accepted = 0;

  /** Creates the server; nothing listens before start(). */
  constructor(private readonly options: XmlRpcServerOptions, private readonly handler: CallHandler) {
    this.limits = resolveLimits(options.limits);
    this.log = options.log ?? silentLogger;
    this.errorToWire = options.errorToWire ?? funcErrorToWire;
    this.encodeOptions = { bigint: options.bigint ?? 'fault', maxDepth: this.limits.maxDepth };
    this.announceClose = options.announceCloseTo ?? /^Python-xmlrpc\//;
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
    for (const conn of this.open) conn.abort('the server is stopping');
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
  updateTls(material: TlsMaterial): void {
    if (!(this.server instanceof https.Server)) throw new ConfigError('updateTls() called on a plain-HTTP XML-RPC server');
    this.server.setSecureContext(serverTlsOptions(material));
  }

  /** 'serving' with its address once started, else 'stopped'. */
  status(): TransportServerStatus {
    const a = this.address;
    return { state: this.bound ? 'serving' : 'stopped', endpoint: a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}` };
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.serve(req, res).catch((err: unknown) => {
      this.log.error(`XML-RPC request from ${remoteAddressOf(req.socket)} failed: ${(err as Error).message}`);
      if (!res.headersSent) this.reply(res, 500, 'text/plain', 'Internal error\n', 'close');
      else res.destroy();
    });
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const framing = this.framingOf(req);
    if (req.url !== '/' && req.url !== '/RPC2') return this.refuse(req, res, 404, 'No such page', framing);
    if (req.method !== 'POST') return this.refuse(req, res, 501, 'Unsupported method', framing);
    const encoding = req.headers['content-encoding']?.toLowerCase().trim() ?? 'identity';
    if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') {
      return this.refuse(req, res, 415, `Content-Encoding ${encoding} is not supported`, 'close');
    }
    if (Number(req.headers['content-length']) > this.limits.maxBytes) {
      return this.refuse(req, res, 413, `Request body exceeds the limit of ${this.limits.maxBytes} bytes`, 'close');
    }
    const conn = this.contextOf(req.socket);
    let body: Buffer;
    try {
      body = await collectBody(req, this.limits.maxBytes);
      if (encoding !== 'identity') body = await gunzipBody(body, this.limits.maxBytes);
    } catch (err) {
      if (err instanceof PayloadTooLargeError) return this.refuse(req, res, 413, err.message, 'close');
      if (err instanceof ConnectionError) return void res.destroy();
      return this.refuse(req, res, 400, 'Request body is not valid gzip', 'close');
    }
    const xml = await this.answer(body, conn);
    if (Buffer.byteLength(xml) > GZIP_THRESHOLD && acceptsGzip(req)) {
      this.reply(res, 200, 'text/xml', await gzip(Buffer.from(xml, 'utf8')), framing, true);
    } else {
      this.reply(res, 200, 'text/xml', xml, framing);
    }
  }

  private framingOf(req: http.IncomingMessage): Framing {
    if (wantsKeepAlive(req)) return 'keep-alive';
    return this.announceClose.test(req.headers['user-agent'] ?? '') ? 'close' : 'silent-close';
  }

  /** The context of a connection's calls, made at its first request; its signal aborts when it closes. */
  private contextOf(socket: Socket): ConnectionContext {
    const known = this.connections.get(socket);
    if (known !== undefined) return known;
    const conn = new ConnectionContext(this.identify(socket));
    this.connections.set(socket, conn);
    this.open.add(conn);
    socket.once('close', () => {
      this.open.delete(conn);
      conn.abort('the caller went away');
    });
    return conn;
  }

  private identify(socket: Socket): PeerIdentity {
    return this.options.tls ? peerIdentityFromSocket(socket as TLSSocket) ?? anonymousPeer(remoteAddressOf(socket))
      : anonymousPeer(remoteAddressOf(socket));
  }

  /** The response document for one request body: the handler's value, or a Fault / REMOTE_ERROR list. */
  private async answer(body: Buffer, conn: ConnectionContext): Promise<string> {
    let request: CallRequest;
    try {
      request = decodeCall(body, this.limits);
    } catch (err) {
      this.log.debug(`bad XML-RPC request from ${conn.peer.address}: ${(err as Error).message}`);
      return this.errorDocument(err);
    }
    try {
      const ms = this.options.callTimeoutMs ?? 0;
      const value = await (ms > 0 ? this.runWithDeadline(request, conn, ms) : invoke(this.handler, request, conn));
      return encodeResponse(value, this.encodeOptions);
    } catch (err) {
      return this.errorDocument(err);
    }
  }

  /**
   * Runs the handler with its own signal (aborted by the connection's, or at the deadline); a call still running
   * after `ms` is answered with a TimeoutError.
   */
  private runWithDeadline(request: CallRequest, conn: ConnectionContext, ms: number): Promise<WireValue> {
    const call = new AbortController();
    const connection = conn.signal;
    const onClose = (): void => call.abort(connection.reason);
    if (connection.aborted) onClose(); else connection.addEventListener('abort', onClose, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new TimeoutError(`call to ${request.method} did not finish within ${ms} ms`);
        call.abort(err);
        reject(err);
      }, ms);
    });
    const run = invoke(this.handler, request, { peer: conn.peer, signal: call.signal });
    return Promise.race([run, deadline]).finally(() => {
      clearTimeout(timer);
      connection.removeEventListener('abort', onClose);
    });
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

  private refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string, framing: Framing): void {
    if (framing === 'keep-alive') req.resume(); // the unread body is discarded so the connection can serve the next request
    this.reply(res, status, 'text/plain', `${text}\n`, framing, false);
  }

  /**
   * Writes a response framed as `framing` (see Framing). Head and a string body leave in one write (Node joins
   * them only for strings), so a reply is one TLS record and one TCP segment.
   */
  private reply(res: http.ServerResponse, status: number, type: string, body: string | Buffer, framing: Framing, zipped = false): void {
    if (res.destroyed) return;
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    const headers: http.OutgoingHttpHeaders = { 'Content-Type': type, 'Content-Length': length };
    if (zipped) headers['Content-Encoding'] = 'gzip';
    if (framing !== 'keep-alive') res.shouldKeepAlive = false;
    if (framing === 'silent-close') res.removeHeader('Connection'); // Node then closes after the response, unannounced
    res.writeHead(status, headers);
    res.end(body);
  }
}
