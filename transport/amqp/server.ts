// The minion side of func over AMQP: consumes <prefix>.minion.<name>, checks each message (content type, size,
// signature, CA/CRL, format, times, broadcast target), records its requests in the journal before acknowledging
// it, runs them through the minion's handler with live progress, and publishes the signed answers with publisher
// confirms; answers to a batch that finish in the same turn of the event loop go back as one signed batch.
import { createHash, randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { ConfigOf } from '../../common/config.js';
import { JobError, MarshalError, PayloadTooLargeError } from '../../common/errors.js';
import { failureOf } from '../../common/remote-failure.js';
import type { CallHandler, ProgressEvent, ServerInit, TlsMaterial, TransportServer, TransportServerStatus } from '../types.js';
import { BrokerLink } from './broker-link.js';
import { declareExchanges, declareMinionQueue } from './declare.js';
import { BATCH_HEAD_BYTES, CONTENT_TYPE, MAX_BATCH_BYTES, decodeEnvelope, encodeEnvelope, encodeItem, encodeItems, type AnswerEnvelope, type Envelope, type RequestEnvelope } from './envelope.js';
import { deadLetter, publishOptions } from './message-properties.js';
import { Topology } from './naming.js';
import { MessageRejectedError, RejectReasons } from './rejection.js';
import { RequestJournal } from './request-journal.js';
import { checkCommon, type AmqpCommon, type AmqpMinionSchema } from './settings.js';
import { MessageSigner, SignatureVerifier, checkFreshness, type VerifiedSigner } from './signing.js';
import { TurnBatcher } from './turn-batcher.js';

export type AmqpMinionSettings = ConfigOf<typeof AmqpMinionSchema>;

interface Outgoing { key: string; body: Buffer; options: Options.Publish }
/** A request as taken from a message: `batched` when that message was a batch (its answers may be batched too). */
interface Taken { request: RequestEnvelope; batched: boolean }
/** An encoded answer waiting for the end of this turn of the event loop, to leave with the others to its caller. */
interface QueuedAnswer { id: string; reply: AnswerEnvelope; json: string; bytes: number }
/** Answers kept while the broker is away (oldest dropped beyond this). */
const MAX_OUTBOX = 10_000;
const PRUNE_EVERY_MS = 60_000;

export class AmqpServer implements TransportServer {
  private readonly settings: AmqpCommon;
  private readonly topo: Topology;
  private readonly queue: string;
  private readonly name: string;
  private signer: MessageSigner;
  private verifier: SignatureVerifier | null = null;
  private journal: RequestJournal | null = null;
  private link: BrokerLink | null = null;
  private pub: ConfirmChannel | null = null;
  private sub: Channel | null = null;
  /** the signal every running call gets: aborted when funcd stops serving AMQP (a new one for the next start) */
  private lifetime = sharedAbortController();
  private outbox: Outgoing[] = [];
  /** answers to batched requests per reply id, sent together at the end of the turn */
  private readonly answers: TurnBatcher<QueuedAnswer>;
  private state: TransportServerStatus;
  private pruneTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly init: ServerInit<AmqpMinionSettings>, private readonly handler: CallHandler) {
    this.settings = checkCommon(init.options);
    this.topo = new Topology(this.settings.prefix);
    this.name = init.minionName.toLowerCase();
    this.queue = this.topo.minionQueue(this.name);
    this.signer = new MessageSigner(init.tls.key, init.tls.cert);
    this.answers = new TurnBatcher({ maxItems: this.settings.maxBatch, maxBytes: Math.min(this.settings.maxBodyBytes, MAX_BATCH_BYTES) }, (replyTo, chunk) => this.sendAnswers(replyTo, chunk));
    this.state = { state: 'starting', endpoint: this.endpoint() };
  }

  private endpoint(): string {
    return `${this.link?.endpoint ?? this.settings.urls[0]!.replace(/\/\/[^@/]*@/, '//')} queue ${this.queue}`;
  }

  status(): TransportServerStatus { return { ...this.state }; }

  /** Connects (each URL once); BrokerUnavailableError when none answers (the daemon retries). */
  async start(): Promise<void> {
    this.stopped = false;
    this.journal ??= RequestJournal.open(this.init.options.amqp_journal || null);
    this.verifier ??= await SignatureVerifier.create({ ca: this.init.tls.ca, crl: this.init.tls.crl });
    this.link ??= new BrokerLink({
      urls: this.settings.urls, auth: this.settings.auth, tls: this.init.tls, connectionName: `funcd ${this.name}`, log: this.init.log, holdProcess: true,
      setup: (conn) => this.setup(conn),
      onLost: (err) => { this.pub = this.sub = null; this.report({ state: 'retrying', endpoint: this.endpoint(), error: err.message }); },
      onRestored: () => this.report({ state: 'serving', endpoint: this.endpoint() }),
    });
    await this.link.connect();
    this.state = { state: 'serving', endpoint: this.endpoint() };
    this.pruneTimer ??= setInterval(() => this.journal?.prune(), PRUNE_EVERY_MS).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.lifetime.abort(new Error('funcd is stopping'));
    this.lifetime = sharedAbortController();
    clearInterval(this.pruneTimer);
    this.pruneTimer = undefined;
    const link = this.link;
    this.link = null;
    this.pub = this.sub = null;
    await link?.close();
    this.journal?.close();
    this.journal = null;
    this.state = { state: 'stopped', endpoint: this.endpoint() };
  }

  updateTls(material: TlsMaterial): void {
    const signer = new MessageSigner(material.key, material.cert);
    this.signer = signer;
    void this.verifier?.setTrust({ ca: material.ca, crl: material.crl })
      .catch((err: Error) => this.init.log.error(`AMQP: cannot apply the new CA/CRL: ${err.message}; keeping the previous one`));
  }

  private report(s: TransportServerStatus): void {
    this.state = s;
    if (!this.stopped) this.init.reportState(s);
  }

  /** On every (re)connect: make sure the queue exists, open the channels, consume, send what waited. */
  private async setup(conn: ChannelModel): Promise<void> {
    const probe = await conn.createChannel();
    probe.on('error', () => {});
    const exists = await probe.checkQueue(this.queue).then(() => true, () => false);
    if (exists) await probe.close().catch(() => {});
    else {
      const ch = await conn.createChannel();
      await declareExchanges(ch, this.topo, this.settings.queueType);
      await declareMinionQueue(ch, this.topo, this.name, this.settings.queueType);
      await ch.close();
    }
    const pub = await conn.createConfirmChannel();
    const sub = await conn.createChannel();
    for (const ch of [pub, sub]) ch.on('error', (err: Error) => this.link?.reset(err));
    await sub.prefetch(Math.max(1, this.init.options.amqp_prefetch));
    await sub.consume(this.queue, (msg) => this.onMessage(sub, msg), { noAck: false });
    this.pub = pub;
    this.sub = sub;
    const waiting = this.outbox;
    this.outbox = [];
    for (const o of waiting) this.send(o);
  }

  private onMessage(sub: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) { this.link?.reset(new Error(`the broker cancelled the consumer of ${this.queue}`)); return; }
    let checked: ReturnType<AmqpServer['check']>;
    try {
      checked = this.check(msg);
    } catch (err) {
      if (!(err instanceof MessageRejectedError)) throw err;
      this.reject(msg, err);
      sub.ack(msg);
      return;
    }
    if (checked === null) { sub.ack(msg); return; } // a broadcast meant for others
    this.take(sub, msg, checked.taken, checked.peer);
  }

  private reject(msg: ConsumeMessage, err: MessageRejectedError): void {
    if (this.pub) deadLetter(this.pub, this.topo, msg, err, this.init.log, `minion ${this.name}`);
  }

  /**
   * The checks of docs/amqp-protocol.md §5 and §7, in order; throws MessageRejectedError. A broadcast that does
   * not name this minion gives null before its signature is checked (it is ignored, so that costs nothing). In a
   * batch, items whose times fail are left out (logged); the message is rejected when no item is left.
   */
  private check(msg: ConsumeMessage): { taken: Taken[]; peer: VerifiedSigner } | null {
    if (msg.properties.contentType !== CONTENT_TYPE) {
      throw new MessageRejectedError(RejectReasons.CONTENT_TYPE, `content type ${JSON.stringify(msg.properties.contentType ?? null)}, expected ${CONTENT_TYPE}`);
    }
    if (msg.content.length > this.settings.maxBodyBytes) {
      throw new MessageRejectedError(RejectReasons.OVERSIZE, `body of ${msg.content.length} bytes exceeds amqp_max_body_bytes = ${this.settings.maxBodyBytes}`);
    }
    let env: Envelope;
    try {
      env = decodeEnvelope(msg.content, { maxBytes: this.settings.maxBodyBytes });
    } catch (err) {
      throw MessageRejectedError.from(err instanceof PayloadTooLargeError ? RejectReasons.OVERSIZE : RejectReasons.FORMAT, err as Error);
    }
    if (env.kind === 'request') {
      if (env.targets !== null && !env.targets.includes(this.name)) return null;
      const peer = this.verifier!.verify(msg.content, msg.properties.headers);
      checkFreshness(env.sent, env.expires);
      return { taken: [{ request: env, batched: false }], peer };
    }
    const requests = env.kind === 'batch' ? env.items.filter((x): x is RequestEnvelope => x.kind === 'request') : [];
    if (env.kind !== 'batch' || requests.length === 0) {
      throw new MessageRejectedError(RejectReasons.UNEXPECTED, `a ${env.kind === 'batch' ? 'batch of answers' : env.kind} in a minion queue`);
    }
    const peer = this.verifier!.verify(msg.content, msg.properties.headers);
    let firstFailure: MessageRejectedError | null = null;
    const taken: Taken[] = [];
    for (const request of requests) {
      try {
        checkFreshness(request.sent, request.expires);
        taken.push({ request, batched: true });
      } catch (err) {
        if (!(err instanceof MessageRejectedError)) throw err;
        firstFailure ??= err;
        this.init.log.warn(`AMQP: request ${request.id} (${request.method}) in batch ${env.id} from ${peer.cn} left out: ${err.message}`);
      }
    }
    if (taken.length === 0) throw firstFailure!;
    return { taken, peer };
  }

  /**
   * The journal decides per request: run it (recorded before the ack), answer again, or drop a duplicate. A
   * known id with another body is a forgery: the whole message is refused and nothing in it runs.
   */
  private take(sub: Channel, msg: ConsumeMessage, taken: Taken[], peer: VerifiedSigner): void {
    const journal = this.journal!;
    const digest = createHash('sha256').update(msg.content).digest('hex');
    const reused = taken.find(({ request }) => { const seen = journal.lookup(request.id); return seen !== undefined && seen.digest !== digest; });
    if (reused) {
      this.reject(msg, new MessageRejectedError(RejectReasons.ID_REUSED, `request id ${reused.request.id} was already used for another request`));
      sub.ack(msg);
      return;
    }
    const fresh: Taken[] = [];
    const resent = new Set<unknown>();
    for (const t of taken) {
      const seen = journal.lookup(t.request.id);
      if (seen === undefined) fresh.push(t);
      else if (seen.state === 'done' && seen.reply) {
        if (resent.has(seen.reply)) continue; // one answer message may answer several of these
        resent.add(seen.reply);
        this.init.log.info(`AMQP request ${t.request.id} (${t.request.method}) arrived again: sending its recorded answer`);
        this.send({ key: this.topo.replyKey(t.request.replyTo, this.name), body: seen.reply.body, options: this.replyOptions(seen.reply.body, seen.reply.headers) });
      } else if (seen.state === 'interrupted') {
        this.answer(t, { kind: 'command-complete', id: t.request.id, host: this.name, sent: Date.now(),
          error: failureOf(new JobError(`request ${t.request.id} (${t.request.method}) was interrupted: funcd restarted while it ran; it was not run again`)) });
      }
    }
    if (fresh.length > 0) journal.begin(fresh.map(({ request }) => request), digest);
    sub.ack(msg);
    for (const t of fresh) void this.run(t, peer);
  }

  private async run(t: Taken, signer: VerifiedSigner): Promise<void> {
    const req = t.request;
    let seq = 0;
    const onProgress = (event: ProgressEvent): void => { this.progress(req, ++seq, event); };
    let reply: AnswerEnvelope;
    try {
      const value = await this.handler({ method: req.method, params: req.params }, { peer: signer.peer, signal: this.lifetime.signal, onProgress });
      reply = { kind: 'response', id: req.id, host: this.name, sent: Date.now(), value };
    } catch (err) {
      reply = { kind: 'command-complete', id: req.id, host: this.name, sent: Date.now(), error: failureOf(err) };
    }
    this.answer(t, reply);
  }

  /**
   * Encodes an answer (one that cannot be carried becomes a command-complete), then signs, records and publishes
   * it: at once, or for a batched request at the end of this turn, with the other answers to the same caller.
   */
  private answer(t: Taken, reply: AnswerEnvelope): void {
    const req = t.request;
    let json: string;
    let bytes: number;
    try {
      json = encodeItem(reply);
      bytes = Buffer.byteLength(json);
      if (bytes + BATCH_HEAD_BYTES > this.settings.maxBodyBytes) throw new PayloadTooLargeError(`the answer of ${bytes} bytes exceeds amqp_max_body_bytes = ${this.settings.maxBodyBytes}`);
    } catch (err) {
      reply = { kind: 'command-complete', id: req.id, host: this.name, sent: Date.now(), error: failureOf(err instanceof PayloadTooLargeError ? err : new MarshalError(`cannot encode the answer: ${(err as Error).message}`)) };
      json = encodeItem(reply);
      bytes = Buffer.byteLength(json);
    }
    const queued: QueuedAnswer = { id: req.id, reply, json, bytes };
    if (t.batched && this.settings.maxBatch > 1) this.answers.add(req.replyTo, queued);
    else this.sendAnswers(req.replyTo, [queued]);
  }

  /** One signed message with these answers (a batch when there are several), recorded, then published. */
  private sendAnswers(replyTo: string, answers: QueuedAnswer[]): void {
    const sent = Date.now();
    let batchId = '';
    const body = encodeItems(answers.map((a) => a.json), () => (batchId = randomBytes(16).toString('hex')), sent);
    const headers = this.signer.sign(body);
    try {
      this.journal?.finish(answers.map((a) => a.id), { body, headers });
    } catch (err) { // a full disk must not stop the answers; a replay of these ids may then run again
      this.init.log.error(`AMQP: cannot record answers in the journal: ${(err as Error).message}`);
    }
    const env: Envelope = answers.length === 1 ? answers[0]!.reply : { kind: 'batch', id: batchId, sent, items: answers.map((a) => a.reply) };
    this.send({ key: this.topo.replyKey(replyTo, this.name), body, options: publishOptions(env, headers) });
  }

  private replyOptions(body: Buffer, headers: Record<string, string>): Options.Publish {
    return publishOptions(decodeEnvelope(body), headers);
  }

  private progress(req: RequestEnvelope, seq: number, event: ProgressEvent): void {
    const pub = this.pub;
    if (pub === null) return; // progress is best effort; the answer is not
    const env: Envelope = { kind: 'progress', id: req.id, host: this.name, sent: Date.now(), seq, event };
    const body = encodeEnvelope(env);
    pub.publish(this.topo.replyExchange, this.topo.replyKey(req.replyTo, this.name), body, publishOptions(env, this.signer.sign(body)));
  }

  /** Publishes with a confirm; anything not confirmed waits in the outbox for the next connection. */
  private send(o: Outgoing): void {
    const pub = this.pub;
    const keep = (): void => {
      if (this.outbox.length >= MAX_OUTBOX) this.outbox.shift();
      this.outbox.push(o);
    };
    if (pub === null) { keep(); return; }
    try {
      pub.publish(this.topo.replyExchange, o.key, o.body, o.options, (err) => { if (err) keep(); });
    } catch {
      keep();
    }
  }
}

/** An AbortController whose signal any number of running calls listen to at once (no listener-count warning). */
function sharedAbortController(): AbortController {
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  return ac;
}
