// The transport seam shared by both ends: wire values, call requests, peer identity, progress events,
// and the server/client/factory contracts every transport (XML-RPC now, AMQP next) implements.
import type { Logger } from '../common/log.js';

/** A value every transport can carry (XML-RPC's type set; AMQP carries the same in its envelope). */
export type WireValue =
  | null
  | boolean
  | number       // an integer within 32 bits travels as int, anything else as double
  | bigint       // an integer beyond 32 bits: <i8> where allowed, a marshalling fault where func would give one
  | string
  | Uint8Array   // base64
  | Date         // dateTime.iso8601 (naive, read and written as UTC)
  | WireValue[]
  | WireStruct;
export interface WireStruct { [key: string]: WireValue }

/** One call: a func method name ("module.method", maybe "async.module.method") and positional params. */
export interface CallRequest {
  method: string;
  params: WireValue[];
}

/** Who is calling, as the transport authenticated them. */
export interface PeerIdentity {
  /** subject commonName of the peer's certificate */
  cn: string;
  /** OpenSSL X509_NAME_hash of the subject, as an unsigned 32-bit integer */
  subjectHash: number;
  /** func's ACL key: `${cn}-${subjectHash}` */
  key: string;
  /** the peer's network address */
  address: string;
  /** SHA-256 fingerprint of the peer certificate, colon-separated hex */
  fingerprint256: string;
}

/** Progress of a long-running call, as modules report it and transports carry it back. */
export interface ProgressEvent {
  /** units done and total (total 0 when unknown) */
  current?: number;
  total?: number;
  /** a status word or phrase, e.g. "building", "createrepo" */
  status?: string;
  /** a log line */
  message?: string;
}

/** What a transport server hands the minion for every request. */
export interface CallContext {
  peer: PeerIdentity;
  /** aborted when the caller goes away or the transport shuts down */
  signal: AbortSignal;
  /** set by transports that stream progress natively (AMQP); absent for XML-RPC */
  onProgress?: (event: ProgressEvent) => void;
}

/** The minion's single entry point; it throws FuncError subclasses, which the transport maps to its wire. */
export type CallHandler = (request: CallRequest, ctx: CallContext) => Promise<WireValue>;

/**
 * An early check a transport makes as soon as it knows the method name and the caller, before it reads the params
 * (so a refused caller cannot make the server hold a large body): throws a FuncError to refuse the call.
 */
export type CallScreen = (method: string, peer: PeerIdentity) => void;

export interface ListenAddress { host: string; port: number }

export interface TransportServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly address: ListenAddress;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** milliseconds; 0 or absent = no deadline */
  timeout?: number;
  onProgress?: (event: ProgressEvent) => void;
}

export interface TransportClient {
  /** Calls one method on one host; resolves with its value, rejects with a FuncError. */
  call(host: string, request: CallRequest, options?: CallOptions): Promise<WireValue>;
  close(): Promise<void>;
}

/** TLS material for both ends, as PEM text. */
export interface TlsMaterial {
  key: string;
  cert: string;
  ca: string;
  /** certificate revocation list(s) in PEM, when present */
  crl?: string;
}

export interface ServerOptions {
  host: string;
  port: number;
  tls: TlsMaterial;
  /** body size limit in bytes */
  maxBodyBytes?: number;
  /** refuses calls before their params are read (the minion's ACL check) */
  screen?: CallScreen;
  /** limits against careless or hostile callers; each error names the config key that sets it */
  limits?: ServerLimits;
  /** where the server reports refusals and dropped connections (the minion's func.log) */
  log?: Logger;
}

/** A server's limits beyond the body size (minion.conf keys). */
export interface ServerLimits {
  /** largest reply in bytes (max_reply_bytes) */
  maxReplyBytes?: number;
  /** request body bytes held at once across all connections (max_inflight_bytes) */
  maxInFlightBytes?: number;
  /** connections one peer may hold open (max_connections_per_peer) */
  maxConnectionsPerPeer?: number;
  /** where each limit is set, e.g. {reply: 'max_reply_bytes in minion.conf'} */
  keys?: Partial<Record<'body' | 'reply' | 'inFlight' | 'perPeer', string>>;
}

export interface ClientOptions {
  port: number;
  tls: TlsMaterial;
  /** require the peer certificate to name the host being called (default true) */
  verifyHostName?: boolean;
  /** max sockets per host kept alive */
  keepAlive?: boolean;
  /** largest reply accepted, in bytes (overlord.conf max_reply_bytes) */
  maxReplyBytes?: number;
  /** said when a reply passes maxReplyBytes: where the limit is set and how to raise it */
  maxReplyHint?: string;
}

export interface TransportFactory {
  readonly name: string;
  readonly defaultPort: number;
  readonly capabilities: { streamsProgress: boolean };
  createServer(options: ServerOptions, handler: CallHandler): TransportServer;
  createClient(options: ClientOptions): TransportClient;
}
