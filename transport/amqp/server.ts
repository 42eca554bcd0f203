// The minion side of func over AMQP: consumes <prefix>.minion.<name>, checks each request (content type, size,
// signature, CA/CRL, format, times, broadcast target), records it in the journal before acknowledging it, runs it
// through the minion's handler with live progress, and publishes the signed answer with publisher confirms.
import { createHash } from 'node:crypto';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { ConfigOf } from '../../common/config.js';
import { JobError, MarshalError, PayloadTooLargeError } from '../../common/errors.js';
import { failureOf } from '../../common/remote-failure.js';
import type { CallHandler, ProgressEvent, ServerInit, TlsMaterial, TransportServer, TransportServerStatus } from '../types.js';
import { BrokerLink } from './broker-link.js';
import { declareExchanges, declareMinionQueue } from './declare.js';
import { CONTENT_TYPE, decodeEnvelope, encodeEnvelope, type Envelope, type RequestEnvelope } from './envelope.js';
import { deadLetter, publishOptions } from './message-properties.js';
import { Topology } from './naming.js';
import { MessageRejectedError, RejectReasons } from './rejection.js';
import { RequestJournal } from './request-journal.js';
import { checkCommon, type AmqpCommon, type AmqpMinionSchema } from './settings.js';
import { MessageSigner, SignatureVerifier, checkFreshness, type VerifiedSigner } from './signing.js';

export type AmqpMinionSettings = ConfigOf<typeof AmqpMinionSchema>;

interface Outgoing { key: string; body: Buffer; options: Options.Publish }
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
  private readonly running = new Map<string, AbortController>();
  private outbox: Outgoing[] = [];
  private state: TransportServerStatus;
  private pruneTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly init: ServerInit<AmqpMinionSettings>, private readonly handler: CallHandler) {
    this.settings = checkCommon(init.options);
    this.topo = new Topology(this.settings.prefix);
    this.name = init.minionName.toLowerCase();
    this.queue = this.topo.minionQueue(this.name);
    this.signer = new MessageSigner(init.tls.key, init.tls.cert);
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
    for (const ac of this.running.values()) ac.abort(new Error('funcd is stopping'));
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
      if (this.pub) deadLetter(this.pub, this.topo, msg, err, this.init.log, `minion ${this.name}`);
      sub.ack(msg);
      return;
    }
    if (checked === null) { sub.ack(msg); return; } // a broadcast meant for others
    this.take(sub, msg, checked.request, checked.peer);
  }

  /**
   * The checks of docs/amqp-protocol.md §5 and §7, in order; throws MessageRejectedError. A broadcast that does
   * not name this minion gives null before its signature is checked (it is ignored, so that costs nothing).
   */
  private check(msg: ConsumeMessage): { request: RequestEnvelope; peer: VerifiedSigner } | null {
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
    if (env.kind !== 'request') throw new MessageRejectedError(RejectReasons.UNEXPECTED, `a ${env.kind} in a minion queue`);
    if (env.targets !== null && !env.targets.some((t) => t === this.name || (t.length === this.name.length && t.toLowerCase() === this.name))) return null;
    const peer = this.verifier!.verify(msg.content, msg.properties.headers);
    checkFreshness(env.sent, env.expires);
    return { request: env, peer };
  }

  /** The journal decides: run it (recorded before the ack), answer again, drop a duplicate, or refuse a reused id. */
  private take(sub: Channel, msg: ConsumeMessage, req: RequestEnvelope, peer: VerifiedSigner): void {
    const journal = this.journal!;
    const digest = createHash('sha256').update(msg.content).digest('hex');
    const seen = journal.lookup(req.id);
    if (seen === undefined) {
      journal.begin(req.id, req.expires, digest);
      sub.ack(msg);
      void this.run(req, peer);
      return;
    }
    if (seen.digest !== digest) {
      if (this.pub) deadLetter(this.pub, this.topo, msg, new MessageRejectedError(RejectReasons.ID_REUSED, `request id ${req.id} was already used for another request`), this.init.log, `minion ${this.name}`);
    } else if (seen.state === 'done' && seen.reply) {
      this.init.log.info(`AMQP request ${req.id} (${req.method}) arrived again: sending its recorded answer`);
      this.send({ key: this.topo.replyKey(req.replyTo, this.name), body: seen.reply.body, options: this.replyOptions(seen.reply.body, seen.reply.headers) });
    } else if (seen.state === 'interrupted') {
      this.answer(req, { kind: 'command-complete', id: req.id, host: this.name, sent: Date.now(),
        error: failureOf(new JobError(`request ${req.id} (${req.method}) was interrupted: funcd restarted while it ran; it was not run again`)) });
    }
    sub.ack(msg);
  }

  private async run(req: RequestEnvelope, signer: VerifiedSigner): Promise<void> {
    const ac = new AbortController();
    this.running.set(req.id, ac);
    let seq = 0;
    const onProgress = (event: ProgressEvent): void => { this.progress(req, ++seq, event); };
    let reply: Envelope;
    try {
      const value = await this.handler({ method: req.method, params: req.params }, { peer: { ...signer.identity, address: 'amqp' }, signal: ac.signal, onProgress });
      reply = { kind: 'response', id: req.id, host: this.name, sent: Date.now(), value };
    } catch (err) {
      reply = { kind: 'command-complete', id: req.id, host: this.name, sent: Date.now(), error: failureOf(err) };
    } finally {
      this.running.delete(req.id);
    }
    this.answer(req, reply);
  }

  /** Signs, records and publishes an answer (a value that cannot be carried becomes a command-complete). */
  private answer(req: RequestEnvelope, reply: Envelope): void {
    let body: Buffer;
    try {
      body = encodeEnvelope(reply);
      if (body.length > this.settings.maxBodyBytes) throw new PayloadTooLargeError(`the answer of ${body.length} bytes exceeds amqp_max_body_bytes = ${this.settings.maxBodyBytes}`);
    } catch (err) {
      reply = { kind: 'command-complete', id: req.id, host: this.name, sent: Date.now(), error: failureOf(err instanceof PayloadTooLargeError ? err : new MarshalError(`cannot encode the answer: ${(err as Error).message}`)) };
      body = encodeEnvelope(reply);
    }
    const headers = this.signer.sign(body);
    this.journal?.finish(req.id, { body, headers });
    this.send({ key: this.topo.replyKey(req.replyTo, this.name), body, options: publishOptions(reply, headers) });
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
