// The transport seam shared by both ends: wire values, call requests, progress and per-host events, and the
// server/client/factory contracts every transport (XML-RPC now, AMQP next) implements.
import type { ConfigOf, Schema } from '../common/config.js';
import type { Logger } from '../common/log.js';
import type { PeerIdentity, TlsMaterial } from '../common/tls.js';
import type { HostOutcome } from './outcome.js';

export type { PeerIdentity, TlsMaterial } from '../common/tls.js';
export type {
  ErrorOutcome, HostOutcome, OkOutcome, OutcomeStatus, TimeoutOutcome, UnreachableOutcome,
} from './outcome.js';

/** A value every transport can carry (XML-RPC's type set; AMQP carries the same in its JSON body, see wire-json.ts). */
export type WireValue =
  | null
  | boolean
  | number       // an integer within 32 bits travels as int, anything else as double (NaN/±Infinity included)
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

/** Progress of a long-running call, as modules report it (ctx.progress) and transports carry it back. */
export interface ProgressEvent {
  /** units done and total (total 0 when unknown) */
  current?: number;
  total?: number;
  /** a status word or phrase, e.g. "building", "createrepo" */
  status?: string;
  /** one log line (an output line of command.run, say), without its newline */
  message?: string;
}

/**
 * The status of the last progress event a minion pushes for an async job it runs for a call that carries progress
 * (AMQP): the job ended, its result can be fetched with jobs.job_status.
 */
export const JOB_ENDED_STATUS = 'job ended';

// ---------------------------------------------------------------------------------------------- server side

/** What a transport server hands the minion for every request. */
export interface CallContext {
  peer: PeerIdentity;
  /** aborted when the caller goes away or the transport shuts down */
  signal: AbortSignal;
  /** set by transports that carry progress to the caller while the call runs (AMQP); absent for XML-RPC */
  onProgress?: (event: ProgressEvent) => void;
}

/**
 * The minion's single entry point. It throws FuncError subclasses (common/errors.ts); a transport turns any
 * rejection into its wire form with failureOf() (common/remote-failure.ts) or its own mapping (XML-RPC Faults).
 */
export type CallHandler = (request: CallRequest, ctx: CallContext) => Promise<WireValue>;

/**
 * An early check a transport may make as soon as it knows the method name and the caller, before it reads the
 * params (so a refused caller cannot make the server hold a large body): throws a FuncError to refuse the call.
 * The handler makes the same decision again, so a transport that cannot check early loses nothing.
 */
export type CallScreen = (method: string, peer: PeerIdentity) => void;

export interface ListenAddress { host: string; port: number }

/** Lifecycle of one transport server inside a minion, as `funcd --info` and func.log show it. */
export const TransportStates = ['starting', 'serving', 'retrying', 'stopped'] as const;
export type TransportState = (typeof TransportStates)[number];

/** A server's own view of itself. */
export interface TransportServerStatus {
  state: TransportState;
  /** where or how it serves, for people: "127.0.0.1:51234", "amqp://broker:5672 queue func.minion.a" */
  endpoint: string;
  /** why it is not serving (state 'retrying'), when known */
  error?: string;
}

/** What the daemon gives a transport server besides the call handler. */
export interface ServerInit<O> {
  /** this transport's own settings, typed by its `settings.minion` schema, read from minion.conf [main] */
  readonly options: O;
  /** the minion's identity and trust: key, cert, CA, CRL (PEM); later changes arrive through updateTls() */
  readonly tls: TlsMaterial;
  /** the minion's name (its certificate CN) */
  readonly minionName: string;
  /** func.log */
  readonly log: Logger;
  /**
   * Reports a state change after start() resolved (e.g. a broker connection lost → 'retrying', back →
   * 'serving'); the daemon logs it and shows it in `funcd --info`.
   */
  readonly reportState: (status: TransportServerStatus) => void;
  /** the minion's early ACL check, for transports that can refuse a call before reading its params */
  readonly screen?: CallScreen;
}

/**
 * One transport's server in a minion. start() resolves once it serves; it rejects with BrokerUnavailableError
 * when something it needs is not there yet (the daemon retries it in the background, 1 s doubling to 60 s,
 * while the other transports serve), and with any other error when it can never serve as configured (the
 * minion then does not start).
 */
export interface TransportServer {
  start(): Promise<void>;
  /** stops serving and aborts running calls; safe to call in any state, more than once */
  stop(): Promise<void>;
  status(): TransportServerStatus;
  /** new key/cert/CA/CRL for calls from now on (a CRL reload); throws when the material is unusable */
  updateTls(material: TlsMaterial): void;
  /** where it listens, for transports that listen on a socket (the real port once started) */
  readonly address?: ListenAddress;
}

// ---------------------------------------------------------------------------------------------- client side

export interface CallOptions {
  signal?: AbortSignal;
  /** milliseconds; 0 or absent = no deadline */
  timeout?: number;
  /** progress the minion reports while the call runs (transports that carry it) */
  onProgress?: (event: ProgressEvent) => void;
}

/** Options of a many-host call. */
export interface ManyCallOptions {
  signal?: AbortSignal;
  /** per-host deadline in milliseconds; 0 or absent = none. A host past it gets a 'timeout' outcome. */
  timeout?: number;
  /** calls in flight at once, for transports that call host by host (func's nforks) */
  concurrency?: number;
}

/** A progress event of one host during a many-host call. */
export interface HostProgressEvent {
  readonly kind: 'progress';
  readonly host: string;
  readonly progress: ProgressEvent;
}

/** One host's final outcome. */
export interface HostResult {
  readonly host: string;
  readonly outcome: HostOutcome;
}

/** One host's final outcome as an event: exactly one per host, after its progress events. */
export interface HostResultEvent extends HostResult {
  readonly kind: 'result';
}

/** What a many-host call (and Overlord.stream()) yields. */
export type HostEvent = HostProgressEvent | HostResultEvent;

export interface TransportClient {
  /**
   * Calls one method on one host; resolves with its value. Rejects with RemoteError (the minion's error,
   * rebuilt with errorFromFailure()), TimeoutError, ConnectionError (unreachable) or another FuncError.
   */
  call(host: string, request: CallRequest, options?: CallOptions): Promise<WireValue>;
  /**
   * Optional: one call addressed to many hosts at once (a broadcast transport publishes once), modelled on
   * nats' requestMany. Yields progress events and exactly one 'result' event per host (build failures with
   * outcomeFromError()); never throws for one host's failure. Fan-out uses it when present.
   */
  callMany?(hosts: readonly string[], request: CallRequest, options?: ManyCallOptions): AsyncIterable<HostEvent>;
  /**
   * Optional: live events of the async jobs this client started (transports that push them, AMQP): progress and
   * log lines of minion job `minionJobId` on `host`, ending with `{status: JOB_ENDED_STATUS}`. Returns a function
   * that unsubscribes. Without it, the overlord polls jobs.get_progress / jobs.tail_output / jobs.job_status.
   */
  followJobs?(listener: (host: string, minionJobId: string, event: ProgressEvent) => void): () => void;
  close(): Promise<void>;
}

/**
 * Keeps a client's TLS sessions beyond the process (the overlord keeps them on disk), so the next run resumes
 * instead of doing a full handshake. The store decides whether a saved session may still be used.
 */
export interface TlsSessionStore {
  /** a saved session for host:port that may be resumed, or undefined */
  get(host: string, port: number): Buffer | undefined;
  /** a new session (ticket) from host:port, with the DER certificate the server presented in the full handshake */
  save(host: string, port: number, session: Buffer, peerCertificate: Buffer | undefined): void;
}

/** What the overlord gives a transport client. */
export interface ClientInit<O> {
  /** this transport's own settings, typed by its `settings.overlord` schema, read from overlord.conf [main] */
  readonly options: O;
  /** the overlord's identity and trust (PEM) */
  readonly tls: TlsMaterial;
  /** require each minion's identity to name the host called (default true) */
  readonly verifyHostName: boolean;
  readonly log: Logger;
  /** TLS sessions kept across processes (transports without TLS sessions ignore it) */
  readonly tlsSessions?: TlsSessionStore;
  /** the file `options` were read from, for errors that tell how to change a setting */
  readonly settingsFile?: string;
}

// ---------------------------------------------------------------------------------------------- factory

/**
 * The config keys a transport reads: names, types and defaults (common/config.ts `opt()`), for [main] of
 * minion.conf (server) and overlord.conf (client). Keys are this transport's own (AMQP: `amqp_url`, …); a bad
 * value fails with the file, key and reason.
 */
export interface TransportSettings<S extends Schema = Schema, C extends Schema = Schema> {
  readonly minion: S;
  readonly overlord: C;
}

export interface TransportFactory<S extends Schema = Schema, C extends Schema = Schema> {
  readonly name: string;
  readonly settings: TransportSettings<S, C>;
  /** optional: where a server with these settings serves, for people (`funcd --info`: "127.0.0.1:51234", "amqp://broker:5672") */
  describeEndpoint?(options: ConfigOf<S>): string;
  createServer(init: ServerInit<ConfigOf<S>>, handler: CallHandler): TransportServer;
  createClient(init: ClientInit<ConfigOf<C>>): TransportClient;
}

// defineTransport() lives in registry.ts (re-exported here): importing only types keeps this file out of the runtime.
export { defineTransport } from './registry.js';
