// The options of the XML-RPC server (transport/xmlrpc/server.ts) and the defaults of its limits: listen address,
// TLS, codec and reply limits, timeouts, the early call screen, and the config keys its errors name.
import type { Logger } from '../../common/log.js';
import type { CallScreen, TlsMaterial } from '../types.js';
import type { CodecLimits } from './codec.js';
import type { WireOutcome } from './faults.js';

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
  /** checked as soon as a body's method name is read, before its params are: throws to refuse the call */
  screen?: CallScreen;
  /** largest reply sent, in bytes before gzip (default DEFAULT_MAX_REPLY_BYTES); a larger one becomes a Fault */
  maxReplyBytes?: number;
  /** request body bytes held across all connections (default DEFAULT_MAX_INFLIGHT_BYTES); beyond: 503 */
  maxInFlightBytes?: number;
  /** connections one peer (certificate; address on plain HTTP) may hold open (default 64, 0 = no cap) */
  maxConnectionsPerPeer?: number;
  /** where each limit is set, named in its error, e.g. {reply: 'max_reply_bytes in minion.conf'} */
  limitKeys?: Partial<Record<'body' | 'reply' | 'inFlight' | 'perPeer', string>>;
}

/** 256 MiB: 40 MiB of '<' (160 MiB escaped) fits, and so does one 64 MiB output stream of any text. */
export const DEFAULT_MAX_REPLY_BYTES = 256 * 1024 * 1024;
/** 64 MiB of request bodies in memory at once, across all connections. */
export const DEFAULT_MAX_INFLIGHT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_CONNECTIONS_PER_PEER = 64;
