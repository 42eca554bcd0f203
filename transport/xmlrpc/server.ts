// The XML-RPC server of funcd (HTTPS, mutual TLS) and certmaster (plain HTTP): HTTP framing as func's
// Python peers need it (compat §11), body and reply limits, early refusals, gzip, every failure answered as a Fault.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ConfigError, ConnectionError, PayloadTooLargeError, ServerBusyError } from '../../common/errors.js';
import { clip, silentLogger, type Logger } from '../../common/log.js';
import { anonymousPeer, peerIdentityFromSocket, remoteAddressOf, serverTlsOptions } from '../../common/tls.js';
import type {
  CallHandler, CallRequest, ListenAddress, PeerIdentity, TlsMaterial, TransportServer,
  TransportServerStatus, WireValue,
} from '../types.js';
import { InFlightBudget, readBody } from './body-reader.js';
import { runCall } from './call-runner.js';
import {
  decodeCall, encodeFault, encodeResponse, resolveLimits, responsePieces, type CodecLimits, type EncodeOptions,
} from './codec.js';
import { ConnectionContext } from './connection.js';
import { funcErrorToWire, type WireOutcome } from './faults.js';
import { PeerConnections } from './peer-connections.js';
import { planReply, streamReply, type ReplyPlan } from './reply-writer.js';
import { acceptsGzip, wantsKeepAlive } from './request.js';
import {
  DEFAULT_MAX_CONNECTIONS_PER_PEER, DEFAULT_MAX_INFLIGHT_BYTES, DEFAULT_MAX_REPLY_BYTES, type XmlRpcServerOptions,
} from './server-options.js';
import { closeAfter, framingHeaders, refuse, refuseAndClose, reply, type Framing } from './responder.js';

export * from './server-options.js';

const gzip = promisify(zlib.gzip);

/** Replies larger than this are gzip-compressed for clients that accept it (as func's server did). */
export const GZIP_THRESHOLD = 1400;

/** What answer() produced: a whole document, or a value to stream (with its length when it was measured). */
type Answer = Exclude<ReplyPlan, { tooLarge: number }>;

/** Serves XML-RPC calls to one handler; see XmlRpcServerOptions. */
export class XmlRpcServer implements TransportServer {
  private readonly server: http.Server;
  private readonly limits: CodecLimits;
  private readonly log: Logger;
  private readonly errorToWire: (err: unknown) => WireOutcome;
  private readonly encodeOptions: EncodeOptions;
  private readonly announceClose: RegExp;
  private readonly sockets = new Set<Socket>();
  private readonly peers: PeerConnections;
  private readonly open = new Set<ConnectionContext>();
  private readonly budget: InFlightBudget;
  private readonly maxReplyBytes: number;
  private bound: ListenAddress | null = null;
  private accepted = 0;

  /** Creates the server; nothing listens before start(). */
  constructor(private readonly options: XmlRpcServerOptions, private readonly handler: CallHandler) {
    this.limits = resolveLimits(options.limits);
    this.log = options.log ?? silentLogger;
    this.errorToWire = options.errorToWire ?? funcErrorToWire;
    this.encodeOptions = { bigint: options.bigint ?? 'fault', maxDepth: this.limits.maxDepth };
    this.announceClose = options.announceCloseTo ?? /^Python-xmlrpc\//;
    this.budget = new InFlightBudget(options.maxInFlightBytes ?? DEFAULT_MAX_INFLIGHT_BYTES);
    this.maxReplyBytes = options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
    this.peers = new PeerConnections(options.maxConnectionsPerPeer ?? DEFAULT_MAX_CONNECTIONS_PER_PEER,
      options.limitKeys?.perPeer ?? 'maxConnectionsPerPeer', this.log);
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
      if (!options.tls && !this.peers.admit(socket, remoteAddressOf(socket))) socket.destroy();
    });
    if (options.tls) {
      this.server.on('secureConnection', (socket: TLSSocket) => {
        const key = socket.getPeerX509Certificate()?.fingerprint256 ?? remoteAddressOf(socket);
        if (!this.peers.admit(socket, key)) socket.destroy();
      });
    }
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

  /** Request body bytes held right now across all connections (against maxInFlightBytes; for tests and metrics). */
  get bodyBytesInFlight(): number {
    return this.budget.inUse;
  }

  /**
   * Replaces key, certificate, CA and CRL for new connections (e.g. after a CRL update); open connections whose
   * certificate the new CRL revokes are then closed (their running calls aborted), within moments.
   */
  updateTls(material: TlsMaterial): void {
    if (!(this.server instanceof https.Server)) throw new ConfigError('updateTls() called on a plain-HTTP XML-RPC server');
    this.server.setSecureContext(serverTlsOptions(material));
    if (material.crl === undefined) return;
    void this.peers.closeRevoked(material.crl).catch((err: Error) => {
      this.log.error(`cannot check open connections against the new CRL: ${err.message}`);
    });
  }

  /** 'serving' with its address once started, else 'stopped'. */
  status(): TransportServerStatus {
    const a = this.address;
    return { state: this.bound ? 'serving' : 'stopped', endpoint: a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}` };
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.serve(req, res).catch((err: unknown) => {
      this.log.error(`XML-RPC request from ${remoteAddressOf(req.socket)} failed: ${(err as Error).message}`);
      if (!res.headersSent) reply(res, 500, 'text/plain', 'Internal error\n', 'close');
      else res.destroy();
    });
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const framing = this.framingOf(req);
    if (req.url !== '/' && req.url !== '/RPC2') return refuse(req, res, 404, 'No such page', framing);
    if (req.method !== 'POST') return refuse(req, res, 501, 'Unsupported method', framing);
    const encoding = req.headers['content-encoding']?.toLowerCase().trim() ?? 'identity';
    if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') {
      return refuse(req, res, 415, `Content-Encoding ${clip(encoding, 40)} is not supported`, 'close');
    }
    const keys = this.options.limitKeys ?? {};
    if (Number(req.headers['content-length']) > this.limits.maxBytes) {
      return refuseAndClose(res, 413, `Request body exceeds the limit of ${this.limits.maxBytes} bytes${keys.body ? ` (${keys.body})` : ''}`);
    }
    const conn = this.contextOf(req.socket);
    const screen = this.options.screen;
    let body: Buffer;
    let release: () => void;
    try {
      ({ body, release } = await readBody(req, {
        limit: this.limits.maxBytes, limitKey: keys.body, gzip: encoding !== 'identity', budget: this.budget, budgetKey: keys.inFlight,
        screen: (method) => screen?.(method, conn.peer),
      }));
    } catch (err) {
      if (err instanceof PayloadTooLargeError) return refuseAndClose(res, 413, err.message);
      if (err instanceof ServerBusyError) return refuseAndClose(res, 503, err.message);
      if (err instanceof ConnectionError) return void res.destroy();
      if ((err as Error).message === 'request body is not valid gzip') return refuseAndClose(res, 400, 'Request body is not valid gzip');
      // refused by the screen (or a method name too long): a Fault, and the unread rest of the body is not awaited
      this.log.debug(`refused a call from ${conn.peer.address} ${conn.peer.key} before reading its params: ${clip((err as Error).message)}`);
      closeAfter(res);
      return reply(res, 200, 'text/xml', this.errorDocument(err), 'close');
    }
    const answer = await this.answer(body, conn, release);
    if ('xml' in answer) {
      const xml = answer.xml;
      if (Buffer.byteLength(xml) > GZIP_THRESHOLD && acceptsGzip(req)) {
        reply(res, 200, 'text/xml', await gzip(Buffer.from(xml, 'utf8')), framing, true);
      } else {
        reply(res, 200, 'text/xml', xml, framing);
      }
      return;
    }
    const headers = framingHeaders(res, framing);
    const zipped = acceptsGzip(req);
    await streamReply(res, responsePieces(answer.value, this.encodeOptions), {
      gzip: zipped, headers, ...(answer.length !== undefined ? { length: answer.length } : {}),
    });
  }

  private framingOf(req: http.IncomingMessage): Framing {
    if (wantsKeepAlive(req)) return 'keep-alive';
    return this.announceClose.test(req.headers['user-agent'] ?? '') ? 'close' : 'silent-close';
  }

  /** The context of a connection's calls, made at its first request; its signal aborts when it closes. */
  private contextOf(socket: Socket): ConnectionContext {
    const known = this.peers.contextOf(socket);
    if (known !== undefined) return known;
    const conn = new ConnectionContext(this.identify(socket));
    this.peers.attach(socket, conn);
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

  /**
   * The answer to one request body: the handler's value (a document, or for a large value the value to stream,
   * measured when it may pass the reply limit), or a Fault / REMOTE_ERROR document.
   */
  private async answer(body: Buffer, conn: ConnectionContext, release: () => void): Promise<Answer> {
    let request: CallRequest;
    try {
      request = decodeCall(body, this.limits);
    } catch (err) {
      this.log.debug(`bad XML-RPC request from ${conn.peer.address}: ${clip((err as Error).message)}`);
      return { xml: this.errorDocument(err) };
    } finally {
      release();
    }
    let value: WireValue;
    try {
      const ms = this.options.callTimeoutMs ?? 0;
      value = await runCall(this.handler, request, conn, ms);
    } catch (err) {
      return { xml: this.errorDocument(err) };
    }
    try {
      const plan = await planReply(value, this.encodeOptions, this.maxReplyBytes);
      if ('tooLarge' in plan) return { xml: this.errorDocument(this.replyTooLarge(request.method)) };
      return plan;
    } catch (err) {
      return { xml: this.errorDocument(err) };
    }
  }

  private replyTooLarge(method: string): PayloadTooLargeError {
    const key = this.options.limitKeys?.reply;
    const job = /^jobs\./.test(method)
      ? '; the job\'s result stays on the minion: page through it with jobs.tail_output <job_id> <offset>' : '';
    return new PayloadTooLargeError(`the reply to ${clip(method, 80)} is larger than the limit of ${this.maxReplyBytes} bytes`
      + `${key ? ` (${key})` : ''}${job}`);
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
}
