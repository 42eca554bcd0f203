// The XML-RPC client of the overlord (HTTPS with a client certificate, keep-alive, host-name verification)
// and a one-shot xmlrpcCall() for certmaster-request; network, TLS and deadline failures become FuncErrors.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { checkServerIdentity, createSecureContext, type PeerCertificate, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import {
  ConnectionError, FuncError, PayloadTooLargeError, ProtocolError, TimeoutError,
} from '../../common/errors.js';
import { clientTlsOptions } from '../../common/tls.js';
import type { CallOptions, CallRequest, TlsMaterial, TransportClient, WireValue } from '../types.js';
import { decodeResponse, encodeCall, resolveLimits, type CodecLimits, type DecodedResponse } from './codec.js';
import { FaultError, wireToError } from './faults.js';

const gunzip = promisify(zlib.gunzip);
const USER_AGENT = 'func-ts/0.1 (XML-RPC)';

/** Options of an XmlRpcClient. */
export interface XmlRpcClientOptions {
  /** absent = plain HTTP */
  tls?: TlsMaterial;
  /** port used when a host is given without one (default 51234) */
  port?: number;
  /** reuse connections (default true; sends Connection: keep-alive) */
  keepAlive?: boolean;
  maxSockets?: number;
  /** the peer certificate must name the host called (default true) */
  verifyHostName?: boolean;
  /** request path (default '/RPC2', as func's overlord) */
  path?: string;
  /** response size / depth / element limits */
  limits?: Partial<CodecLimits>;
  /** appended to a "response exceeds the limit" error: where the limit is set and how to raise it */
  limitHint?: string;
}

/** One exchange's settings. */
interface Exchange {
  host: string;
  port: number;
  path: string;
  agent: http.Agent;
  tls: boolean;
  limits: CodecLimits;
  limitHint?: string;
  /** the caller's timeout in ms (0 = none) and its absolute deadline (ms since epoch, 0 = none) */
  timeoutMs: number;
  deadline: number;
  signal?: AbortSignal;
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'host name lookup failed (DNS, temporary)',
  ECONNRESET: 'connection reset by peer',
  EPIPE: 'connection closed by peer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

/** Errors caused by a reused keep-alive socket the server had just closed: safe to retry once. */
const staleSocketErrors = new WeakSet<Error>();

/** Splits "name", "name:port", "[v6]:port" or a bare IPv6 address. */
export function parseHostPort(target: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(target) ?? (isIP(target) === 6 ? null : /^([^:]+)(?::(\d+))?$/.exec(target));
  if (m === null) {
    if (isIP(target) === 6) return { host: target, port: defaultPort };
    throw new ConnectionError(`'${target}' is not a host name or host:port`);
  }
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConnectionError(`'${target}': invalid port`);
  return { host: m[1]!, port };
}

function label(x: { host: string; port: number }): string {
  return isIP(x.host) === 6 ? `[${x.host}]:${x.port}` : `${x.host}:${x.port}`;
}

function hostCheck(target: { host: string; port: number }) {
  return (_servername: string, cert: PeerCertificate): Error | undefined => {
    // Node's own check (SAN DNS/IP, CN only when there is no SAN) on the certificate it already parsed
    if (checkServerIdentity(target.host, cert) === undefined) return undefined;
    const names = cert.subjectaltname ? `${cert.subjectaltname}` : `CN=${String(cert.subject?.CN ?? '')}`;
    return new ConnectionError(`${label(target)}: the certificate presented does not name host '${target.host}' (it names ${names})`);
  };
}

const skipHostCheck = (): undefined => undefined;

/**
 * For its host-name check Node asks every new connection for the peer certificate *with its chain*, which
 * OpenSSL 3 copies and re-parses: about a quarter of a client's full-handshake CPU. The check reads only the
 * leaf, so that one call gets the abbreviated certificate (nothing when names are not checked); later calls
 * reach Node's own method again.
 */
function leafOnlyForHostCheck(socket: TLSSocket, verifyHostName: boolean): void {
  const once = function (this: TLSSocket): PeerCertificate {
    delete (this as { getPeerCertificate?: unknown }).getPeerCertificate;
    return verifyHostName ? this.getPeerCertificate(false) : ({} as PeerCertificate);
  };
  socket.getPeerCertificate = once as TLSSocket['getPeerCertificate'];
}

/** The overlord's agent: checks each minion's certificate names its host (unless told not to), cheaply. */
class MinionAgent extends https.Agent {
  constructor(options: https.AgentOptions, private readonly verifyHostName: boolean) {
    super(options);
  }

  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const target = { host: options.host ?? 'localhost', port: Number(options.port) };
    const check = this.verifyHostName ? hostCheck(target) : skipHostCheck;
    const socket = super.createConnection({ ...options, checkServerIdentity: check }, callback) as TLSSocket | null | undefined;
    if (socket) leafOnlyForHostCheck(socket, this.verifyHostName);
    return socket;
  }
}

/** Turns a socket/TLS/HTTP failure into a FuncError naming the host and the cause. */
function networkError(x: { host: string; port: number }, err: Error): FuncError {
  if (err instanceof FuncError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const tlsFailure = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_|SELF_SIGNED|ERR_OSSL)/.test(code);
  const cause = NETWORK_CAUSES[code] ?? (tlsFailure ? `TLS failure: ${err.message}` : err.message);
  return new ConnectionError(`${label(x)}: ${cause}`, { cause: err });
}

/** "; <hint>" when the client was given one (where the reply limit is set), else "". */
function hintOf(x: Exchange): string {
  return x.limitHint ? `; ${x.limitHint}` : '';
}

/** Reads a response body up to the limit, inflating gzip (also limited). */
async function readResponse(res: http.IncomingMessage, x: Exchange): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > x.limits.maxBytes) throw new PayloadTooLargeError(`${label(x)}: response exceeds the limit of ${x.limits.maxBytes} bytes${hintOf(x)}`);
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks, size);
  if (!/^\s*(x-)?gzip\s*$/i.test(String(res.headers['content-encoding'] ?? ''))) return body;
  try {
    return await gunzip(body, { maxOutputLength: x.limits.maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PayloadTooLargeError(`${label(x)}: gzip response inflates beyond ${x.limits.maxBytes} bytes${hintOf(x)}`);
    }
    throw new ProtocolError(`${label(x)}: response is not valid gzip: ${(err as Error).message}`);
  }
}

async function decodeReply(res: http.IncomingMessage, x: Exchange): Promise<DecodedResponse> {
  if (res.statusCode !== 200) {
    res.resume();
    throw new ProtocolError(`${label(x)}: HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd());
  }
  const body = await readResponse(res, x);
  try {
    return decodeResponse(body, x.limits);
  } catch (err) {
    const e = err as FuncError;
    throw e instanceof PayloadTooLargeError ? new PayloadTooLargeError(`${label(x)}: ${e.message}${hintOf(x)}`) : new ProtocolError(`${label(x)}: ${e.message}`);
  }
}

function requestOptions(x: Exchange, length: number): https.RequestOptions {
  return {
    host: x.host, port: x.port, path: x.path, method: 'POST', agent: x.agent,
    headers: { 'Content-Type': 'text/xml', 'Content-Length': length, 'Accept-Encoding': 'gzip', 'User-Agent': USER_AGENT },
  };
}

/** One POST of an XML-RPC document; resolves with the decoded response. */
function exchange(x: Exchange, payload: Buffer): Promise<DecodedResponse> {
  return new Promise((resolve, reject) => {
    const remaining = x.deadline === 0 ? 0 : x.deadline - Date.now();
    if (x.deadline !== 0 && remaining <= 0) return reject(new TimeoutError(`${label(x)}: no reply within ${x.timeoutMs} ms`));
    if (x.signal?.aborted) return reject(abortError(x, x.signal));
    const req = (x.tls ? https : http).request(requestOptions(x, payload.length));
    let stopped: FuncError | undefined; // set when we end the request ourselves (deadline, cancellation)
    const stop = (why: FuncError) => { stopped ??= why; req.destroy(why); };
    const timer = remaining > 0
      ? setTimeout(() => stop(new TimeoutError(`${label(x)}: no reply within ${x.timeoutMs} ms`)), remaining)
      : undefined;
    const onAbort = () => stop(abortError(x, x.signal!));
    x.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => { clearTimeout(timer); x.signal?.removeEventListener('abort', onAbort); };
    const fail = (err: Error) => {
      cleanup();
      const mapped = stopped ?? networkError(x, err);
      if (!stopped && req.reusedSocket && /^(ECONNRESET|EPIPE)$/.test((err as NodeJS.ErrnoException).code ?? '')) staleSocketErrors.add(mapped);
      reject(mapped);
    };
    req.on('error', fail);
    req.on('response', (res) => {
      decodeReply(res, x).then((r) => { cleanup(); resolve(r); }, (err: Error) => { req.destroy(); fail(err); });
    });
    req.end(payload);
  });
}

function abortError(x: { host: string; port: number }, signal: AbortSignal): FuncError {
  return signal.reason instanceof FuncError ? signal.reason : new ConnectionError(`${label(x)}: call cancelled`);
}

function deadlineOf(timeout: number | undefined): { timeoutMs: number; deadline: number } {
  return timeout && timeout > 0 ? { timeoutMs: timeout, deadline: Date.now() + timeout } : { timeoutMs: 0, deadline: 0 };
}

/** Posts a document, retrying once when a kept-alive socket turned out to be closed by the server. */
async function exchangeWithRetry(x: Exchange, payload: Buffer): Promise<DecodedResponse> {
  try {
    return await exchange(x, payload);
  } catch (err) {
    if (!staleSocketErrors.has(err as Error)) throw err;
    return exchange(x, payload);
  }
}

/**
 * TLS options for an agent: one secure context built once (building it per connection costs ~2 ms) and a
 * session cache large enough for a fleet, so reconnections resume instead of doing a full handshake.
 */
function sharedTlsContext(material: TlsMaterial): https.AgentOptions {
  const options = clientTlsOptions(material);
  return {
    secureContext: createSecureContext(options), rejectUnauthorized: true, minVersion: options.minVersion,
    maxCachedSessions: 4096,
  };
}

/** XML-RPC over HTTP(S) to minions; one keep-alive agent per client. */
export class XmlRpcClient implements TransportClient {
  private readonly agent: http.Agent;
  private readonly port: number;
  private readonly limits: CodecLimits;

  /** Creates the client and its connection pool. */
  constructor(private readonly options: XmlRpcClientOptions = {}) {
    this.port = options.port ?? 51234;
    this.limits = resolveLimits(options.limits);
    const pool = { keepAlive: options.keepAlive ?? true, ...(options.maxSockets ? { maxSockets: options.maxSockets } : {}) };
    this.agent = options.tls ? new MinionAgent({ ...pool, ...sharedTlsContext(options.tls) }, options.verifyHostName ?? true) : new http.Agent(pool);
  }

  /**
   * Calls `request.method` on `host` ("name" or "name:port"). Rejects with ConnectionError (network/TLS),
   * TimeoutError (deadline; the request is destroyed then), FaultError (a Fault) or RemoteError (REMOTE_ERROR list).
   */
  async call(host: string, request: CallRequest, options: CallOptions = {}): Promise<WireValue> {
    const target = parseHostPort(host, this.port);
    const response = await exchangeWithRetry({
      ...target, path: this.options.path ?? '/RPC2', agent: this.agent, tls: this.options.tls !== undefined, limits: this.limits,
      ...(this.options.limitHint ? { limitHint: this.options.limitHint } : {}),
      ...deadlineOf(options.timeout), ...(options.signal ? { signal: options.signal } : {}),
    }, Buffer.from(encodeCall(request.method, request.params), 'utf8'));
    const err = wireToError(response);
    if (err) throw err;
    return (response as { value: WireValue }).value;
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    this.agent.destroy();
  }
}

/**
 * One call to an XML-RPC URL (http:// or https://) on a fresh connection. A Fault rejects with FaultError;
 * any other value (REMOTE_ERROR lists included) is returned as it is. With https, `tls` gives the client
 * certificate and CA (the host name is then verified unless verifyHostName is false).
 */
export async function xmlrpcCall(
  url: string, method: string, params: WireValue[],
  options: { tls?: TlsMaterial; timeout?: number; verifyHostName?: boolean; limits?: Partial<CodecLimits> } = {},
): Promise<WireValue> {
  let u: URL;
  try { u = new URL(url); } catch { throw new ConnectionError(`'${url}' is not a valid URL`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConnectionError(`'${url}': only http:// and https:// are supported`);
  const tls = u.protocol === 'https:';
  const agent = tls ? new MinionAgent({ keepAlive: false, ...(options.tls ? clientTlsOptions(options.tls) : {}) }, options.verifyHostName ?? true)
    : new http.Agent({ keepAlive: false });
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  try {
    const response = await exchange({
      host, port: u.port ? Number(u.port) : tls ? 443 : 80, path: `${u.pathname}${u.search}` || '/', agent, tls,
      limits: resolveLimits(options.limits),
      ...deadlineOf(options.timeout),
    }, Buffer.from(encodeCall(method, params), 'utf8'));
    if (!response.ok) throw new FaultError(response.faultCode, response.faultString);
    return response.value;
  } finally {
    agent.destroy();
  }
}
