// The overlord side of func over AMQP: signs requests and publishes them with confirms (one message for many
// hosts: a broadcast; calls to one host made in the same turn of the event loop: one batch), consumes its own
// reply queue, accepts a reply for host X only when X's certificate signed it, streams progress, reports hosts
// that do not answer by the deadline as timeouts, and after a broker outage republishes what is still pending
// (the minions' journals make that exactly-once).
import { randomBytes } from 'node:crypto';
import type { ChannelModel, ConfirmChannel, ConsumeMessage, Message, Options } from 'amqplib';
import type { ConfigOf } from '../../common/config.js';
import { BrokerUnavailableError, ConnectionError, PayloadTooLargeError, ProtocolError, TimeoutError, type FuncError } from '../../common/errors.js';
import { errorFromFailure } from '../../common/remote-failure.js';
import { ok, outcomeFromError } from '../outcome.js';
import { HostEventQueue } from '../host-event-queue.js';
import { JOB_ENDED_STATUS, type CallOptions, type CallRequest, type ClientInit, type HostEvent, type ManyCallOptions, type ProgressEvent, type TlsMaterial, type TransportClient, type WireValue } from '../types.js';
import { BrokerLink } from './broker-link.js';
import { brokerLoginPair } from './login-pair.js';
import { declareExchanges, declareReplyQueue } from './declare.js';
import { CONTENT_TYPE, MAX_BATCH_BYTES, TargetList, decodeEnvelope, encodeEnvelope, encodeItem, encodeItems, type AnswerEnvelope, type Envelope, type RequestEnvelope } from './envelope.js';
import { deadLetter, publishOptions } from './message-properties.js';
import { Topology } from './naming.js';
import { MessageRejectedError, RejectReasons } from './rejection.js';
import { checkCommon, type AmqpCommon, type AmqpOverlordSchema } from './settings.js';
import { MessageSigner, SignatureVerifier } from './signing.js';
import { TurnBatcher } from './turn-batcher.js';

export type AmqpOverlordSettings = ConfigOf<typeof AmqpOverlordSchema>;

type Settled = { value: WireValue } | { error: FuncError };

/** Async jobs whose pushed events a client follows at once, and events kept per job for late listeners. */
const MAX_FOLLOWED_JOBS = 10_000;
const MAX_KEPT_JOB_EVENTS = 1000;
const KEEP_ENDED_JOB_EVENTS_MS = 60_000;
/** BCC routing keys of one broadcast message, in bytes (amqplib encodes all properties into one 64 KiB buffer) */
const MAX_BCC_BYTES = 48 * 1024;

/** One signed message as published; the requests it carries share it, and a republish sends exactly these bytes. */
interface Outgoing { ids: string[]; exchange: string; key: string; body: Buffer; options: Options.Publish }

/** A request waiting for answers. */
interface Pending {
  id: string;
  /** hosts still awaited: lower-case name → name as the caller gave it */
  awaited: Map<string, string>;
  envelope: RequestEnvelope;
  /** a call to one host: the encoded request (and its UTF-8 size), waiting to be batched with the others of this turn */
  json: string;
  bytes: number;
  /** the message that carries it, once signed */
  message: Outgoing | null;
  progress(host: string, event: ProgressEvent): void;
  settle(host: string, result: Settled): void;
  timer?: NodeJS.Timeout;
}

export class AmqpClient implements TransportClient {
  private readonly settings: AmqpCommon;
  private readonly topo: Topology;
  private readonly replyId = `o${randomBytes(12).toString('hex')}`;
  private readonly signer: MessageSigner;
  /** what the link presents to the broker on amqps:// */
  private readonly loginTls: TlsMaterial;
  private verifier: Promise<SignatureVerifier>;
  private readonly pending = new Map<string, Pending>();
  /** async jobs this client started: `<request id> <host>` → minion job id, until the job's end is pushed */
  private readonly jobs = new Map<string, string>();
  /** recent pushed events per job, replayed to a listener that subscribes late (pollJob starts after the submit) */
  private readonly jobEvents = new Map<string, Array<[string, string, ProgressEvent]>>();
  private readonly jobListeners = new Set<(host: string, minionJobId: string, event: ProgressEvent) => void>();
  private link: BrokerLink | null = null;
  private connecting: Promise<void> | null = null;
  private pub: ConfirmChannel | null = null;
  private closed = false;
  /** calls to one host made in this turn of the event loop, per host (lower case), signed together at its end */
  private readonly unsent: TurnBatcher<Pending>;

  constructor(private readonly init: ClientInit<AmqpOverlordSettings>) {
    this.settings = checkCommon(init.options);
    this.topo = new Topology(this.settings.prefix);
    this.signer = new MessageSigner(init.tls.key, init.tls.cert);
    this.loginTls = brokerLoginPair(init.options, init.tls);
    this.verifier = SignatureVerifier.create({ ca: init.tls.ca, crl: init.tls.crl });
    this.verifier.catch(() => {}); // reported by the first call
    this.unsent = new TurnBatcher({ maxItems: this.settings.maxBatch, maxBytes: Math.min(this.settings.maxBodyBytes, MAX_BATCH_BYTES) }, (host, calls) => {
      const live = calls.filter((p) => this.pending.has(p.id)); // not timed out or aborted meanwhile
      if (live.length > 0) this.sendBatch(host, live);
    });
  }

  /** The reply queue this client consumes. */
  get replyQueue(): string { return this.topo.replyQueue(this.replyId); }

  call(host: string, request: CallRequest, options: CallOptions = {}): Promise<WireValue> {
    return new Promise((resolve, reject) => {
      this.begin([host], request, options.timeout ?? 0, options.signal, {
        progress: (_h, ev) => options.onProgress?.(ev),
        settle: (_h, r) => ('error' in r ? reject(r.error) : resolve(r.value)),
      });
    });
  }

  async *callMany(hosts: readonly string[], request: CallRequest, options: ManyCallOptions = {}): AsyncGenerator<HostEvent, void, undefined> {
    const unique = [...new Map(hosts.map((h) => [h.toLowerCase(), h])).values()];
    if (unique.length === 0) return;
    const timeout = options.timeout ?? 0;
    const queue = new HostEventQueue();
    const push = queue.push;
    const sink: Pick<Pending, 'progress' | 'settle'> = {
      progress: (host, progress) => push({ kind: 'progress', host, progress }),
      settle: (host, r) => push({ kind: 'result', host, outcome: 'error' in r ? outcomeFromError(r.error, timeout) : ok(r.value) }),
    };
    const ids = broadcastGroups(unique).map((group) => this.begin(group, request, timeout, options.signal, sink));
    try {
      yield* queue.drain(unique.length);
    } finally {
      for (const id of ids) this.finish(id, (host) => ({ error: new TimeoutError(`call to ${host} cancelled`) }));
    }
  }

  followJobs(listener: (host: string, minionJobId: string, event: ProgressEvent) => void): () => void {
    this.jobListeners.add(listener);
    for (const events of this.jobEvents.values()) for (const [h, j, e] of events) listener(h, j, e);
    return () => { this.jobListeners.delete(listener); };
  }

  /** A pushed event of an async job: to the listeners now, and kept (bounded) for listeners still to come. */
  private jobEvent(key: string, host: string, event: ProgressEvent): void {
    const jobId = this.jobs.get(key)!;
    const kept = this.jobEvents.get(key) ?? [];
    if (kept.length < MAX_KEPT_JOB_EVENTS) kept.push([host, jobId, event]);
    this.jobEvents.set(key, kept);
    if (event.status === JOB_ENDED_STATUS) {
      this.jobs.delete(key);
      setTimeout(() => this.jobEvents.delete(key), KEEP_ENDED_JOB_EVENTS_MS).unref();
    }
    for (const l of this.jobListeners) l(host, jobId, event);
  }

  /** Remembers that request `id` started job `jobId` on `host`, whose events may follow the answer. */
  private jobStarted(id: string, host: string, jobId: string): void {
    if (this.jobs.size >= MAX_FOLLOWED_JOBS) {
      const oldest = this.jobs.keys().next().value!;
      this.jobs.delete(oldest);
      this.jobEvents.delete(oldest);
    }
    this.jobs.set(`${id} ${host}`, jobId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.pending.keys()]) this.finish(id, () => ({ error: new ConnectionError('the AMQP client was closed') }));
    const pub = this.pub;
    if (pub) await pub.deleteQueue(this.replyQueue).catch(() => {});
    await this.link?.close();
  }

  /**
   * Registers one request and has it signed and published: a broadcast at once; a call to one host at the end of
   * this turn, in one batch with the other calls to that host (at once when amqp_max_batch = 1). Returns its id;
   * outcomes arrive through `sink`.
   */
  private begin(hosts: string[], request: CallRequest, timeout: number, signal: AbortSignal | undefined,
    sink: Pick<Pending, 'progress' | 'settle'>): string {
    const id = randomBytes(16).toString('hex');
    const now = Date.now();
    const ttl = timeout > 0 ? timeout : this.init.options.amqp_request_ttl * 1000;
    const broadcast = hosts.length > 1;
    const envelope: RequestEnvelope = {
      kind: 'request', id, sent: now, expires: now + Math.max(1, Math.round(ttl)), replyTo: this.replyId,
      method: request.method, params: request.params, targets: broadcast ? TargetList.of(hosts) : null,
    };
    const p: Pending = { id, awaited: new Map(hosts.map((h) => [h.toLowerCase(), h])), envelope, json: '', bytes: 0, message: null, progress: sink.progress, settle: sink.settle };
    try {
      if (this.closed) throw new ConnectionError('the AMQP client is closed');
      const keys = hosts.map((h) => this.topo.minionKey(h.toLowerCase())); // minion queues are bound by lower-case name
      if (broadcast) {
        // one message, routed by the broker to each named minion's queue (BCC: sender-selected distribution); kept
        // on disk only when asked, as that is a write per targeted queue and its republishing already makes it safe
        p.message = this.sign([p], encodeEnvelope(envelope), envelope, { BCC: keys.slice(1), persistent: this.init.options.amqp_persistent_broadcasts }, keys[0]!);
      } else {
        p.json = encodeItem(envelope);
        p.bytes = Buffer.byteLength(p.json);
        this.checkSize(p.bytes);
      }
    } catch (err) {
      const error = err as FuncError;
      queueMicrotask(() => { for (const h of hosts) sink.settle(h, { error }); });
      return id;
    }
    this.pending.set(id, p);
    if (timeout > 0) {
      p.timer = setTimeout(() => this.finish(id, (host) => ({ error: new TimeoutError(`no answer from ${host} within ${timeout} ms`) })), timeout);
    }
    signal?.addEventListener('abort', () => this.finish(id, (host) => ({ error: new TimeoutError(`call to ${host} aborted`) })), { once: true });
    if (p.message) this.send(p.message);
    else if (this.settings.maxBatch <= 1) this.sendBatch(hosts[0]!.toLowerCase(), [p]);
    else this.unsent.add(hosts[0]!.toLowerCase(), p);
    return id;
  }

  /** One signed message carrying these calls to `host` (a batch when there are several). */
  private sendBatch(host: string, chunk: Pending[]): void {
    let batchId = '';
    const sent = Date.now();
    const body = encodeItems(chunk.map((p) => p.json), () => (batchId = randomBytes(16).toString('hex')), sent);
    const env: Envelope = chunk.length === 1 ? chunk[0]!.envelope : { kind: 'batch', id: batchId, sent, items: chunk.map((p) => p.envelope) };
    let message: Outgoing;
    try {
      message = this.sign(chunk, body, env, {}, this.topo.minionKey(host));
    } catch (err) {
      for (const p of chunk) this.finish(p.id, () => ({ error: err as FuncError }));
      return;
    }
    for (const p of chunk) p.message = message;
    this.send(message);
  }

  private checkSize(bytes: number): void {
    if (bytes > this.settings.maxBodyBytes) throw new PayloadTooLargeError(`the request of ${bytes} bytes exceeds amqp_max_body_bytes = ${this.settings.maxBodyBytes}`);
  }

  /** Checks the size, signs, and makes the message to publish (mandatory: a minion without a queue is returned). */
  private sign(requests: Pending[], body: Buffer, env: Envelope, extra: Options.Publish, key: string): Outgoing {
    this.checkSize(body.length);
    const headers = this.signer.sign(body);
    return {
      ids: requests.map((p) => p.id), exchange: this.topo.requestExchange, key, body,
      options: { ...publishOptions(env, headers, this.replyQueue), mandatory: true, ...extra },
    };
  }

  private send(message: Outgoing): void {
    void this.ensureConnected().then(() => this.publish(message),
      (err: FuncError) => { for (const id of message.ids) this.finish(id, () => ({ error: err })); });
  }

  /** Settles every host still awaited by request `id` with `why(host)` and forgets the request. */
  private finish(id: string, why: (host: string) => Settled): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    for (const host of p.awaited.values()) p.settle(host, why(host));
    p.awaited.clear();
  }

  private publish(m: Outgoing): void {
    const pub = this.pub;
    if (pub === null || !m.ids.some((id) => this.pending.has(id))) return; // republished after the reconnect, or all settled
    try {
      pub.publish(m.exchange, m.key, m.body, m.options, (err) => {
        if (err) this.init.log.warn(`AMQP: the broker did not confirm message ${m.options.messageId}: ${err.message ?? err}; it is sent again after a reconnect`);
      });
    } catch (err) { // amqplib cannot encode it (e.g. headers over its 64 KiB frame buffer): it never can
      const error = new ProtocolError(`AMQP: cannot publish message ${m.options.messageId}: ${(err as Error).message}`, { cause: err });
      for (const id of m.ids) this.finish(id, () => ({ error }));
    }
  }

  /** After a reconnect: every message that still carries a pending request, once, exactly as first signed. */
  private republish(): void {
    const messages = new Set<Outgoing>();
    for (const p of this.pending.values()) if (p.message) messages.add(p.message);
    for (const m of messages) this.publish(m);
  }

  private ensureConnected(): Promise<void> {
    if (this.link?.connected) return Promise.resolve();
    if (this.link !== null) return Promise.resolve(); // reconnecting: pending requests are republished when back
    this.connecting ??= (async () => {
      await this.verifier;
      const link = new BrokerLink({
        urls: this.settings.urls, auth: this.settings.auth, tls: this.loginTls, connectionName: `func overlord ${this.replyId}`, log: this.init.log,
        setup: (conn) => this.setup(conn),
        onLost: () => { this.pub = null; },
        onRestored: () => this.republish(),
      });
      await link.connect();
      this.link = link;
    })().finally(() => { this.connecting = null; });
    return this.connecting;
  }

  private async setup(conn: ChannelModel): Promise<void> {
    const probe = await conn.createChannel();
    probe.on('error', () => {});
    const exists = await probe.checkExchange(this.topo.replyExchange).then(() => true, () => false);
    if (exists) await probe.close().catch(() => {});
    const pub = await conn.createConfirmChannel();
    pub.on('error', (err: Error) => this.link?.reset(err));
    if (!exists) await declareExchanges(pub, this.topo, this.settings.queueType);
    await declareReplyQueue(pub, this.topo, this.replyId, this.settings.queueType);
    pub.on('return', (msg: Message) => this.onReturn(msg));
    await pub.consume(this.replyQueue, (msg) => this.onReply(pub, msg), { noAck: true });
    this.pub = pub;
  }

  /** A message the broker could not route: its minion has no queue. */
  private onReturn(msg: Message): void {
    let env: Envelope;
    try { env = decodeEnvelope(msg.content); } catch { return; }
    const ids = env.kind === 'batch' ? env.items.map((x) => x.id) : [env.id];
    for (const id of ids) {
      this.finish(id, (host) => ({ error: new ConnectionError(`${host} has no queue on the AMQP broker (${this.topo.minionQueue(host.toLowerCase())}): funcd never served AMQP there, or func-amqp-setup did not include it`) }));
    }
  }

  private onReply(pub: ConfirmChannel, msg: ConsumeMessage | null): void {
    if (msg === null) { if (!this.closed) this.link?.reset(new BrokerUnavailableError(`the broker cancelled the consumer of ${this.replyQueue}`)); return; }
    void this.accept(msg).catch((err: unknown) => {
      if (err instanceof MessageRejectedError) deadLetter(pub, this.topo, msg, err, this.init.log, 'overlord');
      else this.init.log.error(`AMQP: cannot handle a reply: ${(err as Error).message}`);
    });
  }

  /** Checks a reply (docs/amqp-protocol.md §5) and hands it to its pending request. */
  private async accept(msg: ConsumeMessage): Promise<void> {
    if (msg.properties.contentType !== CONTENT_TYPE) {
      throw new MessageRejectedError(RejectReasons.CONTENT_TYPE, `content type ${JSON.stringify(msg.properties.contentType ?? null)}, expected ${CONTENT_TYPE}`);
    }
    if (msg.content.length > this.settings.maxBodyBytes) throw new MessageRejectedError(RejectReasons.OVERSIZE, `body of ${msg.content.length} bytes`);
    const signer = (await this.verifier).verify(msg.content, msg.properties.headers);
    let env: Envelope;
    try {
      env = decodeEnvelope(msg.content, { maxBytes: this.settings.maxBodyBytes });
    } catch (err) {
      throw MessageRejectedError.from(err instanceof PayloadTooLargeError ? RejectReasons.OVERSIZE : RejectReasons.FORMAT, err as Error);
    }
    const answers = answersOf(env);
    if (answers === null) throw new MessageRejectedError(RejectReasons.UNEXPECTED, 'a request in a reply queue');
    const cn = signer.cn.toLowerCase();
    const foreign = answers.find((a) => a.host.toLowerCase() !== cn);
    if (foreign) throw new MessageRejectedError(RejectReasons.WRONG_SIGNER, `a reply for ${foreign.host} signed by ${signer.cn}`);
    for (const a of answers) this.take(a);
  }

  /** Hands an answer to its pending request; a late or second copy is dropped, job progress goes to followers. */
  private take(env: AnswerEnvelope): void {
    const host = env.host.toLowerCase();
    const p = this.pending.get(env.id);
    const name = p?.awaited.get(host);
    if (p === undefined || name === undefined) {
      const key = `${env.id} ${host}`;
      if (env.kind === 'progress' && this.jobs.has(key)) this.jobEvent(key, host, env.event);
      return; // otherwise late (after its deadline), or a second copy
    }
    if (env.kind === 'progress') { p.progress(name, env.event); return; }
    p.awaited.delete(host);
    if (env.kind === 'response' && typeof env.value === 'string' && p.envelope.method.startsWith('async.')) this.jobStarted(env.id, host, env.value);
    p.settle(name, env.kind === 'response' ? { value: env.value } : { error: errorFromFailure(env.error) });
    if (p.awaited.size === 0) { this.pending.delete(p.id); clearTimeout(p.timer); }
  }
}

/** The answers a reply message carries, or null when it carries requests. */
function answersOf(env: Envelope): AnswerEnvelope[] | null {
  if (env.kind === 'request') return null;
  if (env.kind !== 'batch') return [env];
  const items: Envelope[] = env.items;
  return items.every((x): x is AnswerEnvelope => x.kind !== 'request' && x.kind !== 'batch') ? items : null;
}

/**
 * A broadcast's hosts in groups whose BCC header stays well inside amqplib's 64 KiB properties buffer (each name
 * costs 5 bytes of framing plus its length); each group is one message of its own (docs/amqp-protocol.md §3).
 */
export function broadcastGroups(hosts: readonly string[], maxBccBytes = MAX_BCC_BYTES): string[][] {
  const groups: string[][] = [];
  let group: string[] = [];
  let bytes = 0;
  for (const h of hosts) {
    const cost = 5 + Buffer.byteLength(h);
    if (group.length > 0 && bytes + cost > maxBccBytes) { groups.push(group); group = []; bytes = 0; }
    group.push(h);
    bytes += cost;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
