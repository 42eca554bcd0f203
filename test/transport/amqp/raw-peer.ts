// A bare overlord for the AMQP security tests: publishes hand-made (signed, forged, tampered, replayed) requests
// with amqplib, collects what arrives in its reply queue and in the dead-letter queue, and waits on them by id.
import { randomBytes } from 'node:crypto';
import amqp, { type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { TEST_AMQP_URL } from '../../helpers/broker.js';
import { decodeEnvelope, encodeEnvelope, TargetList, type BatchEnvelope, type RequestEnvelope } from '../../../transport/amqp/envelope.js';
import { publishOptions } from '../../../transport/amqp/message-properties.js';
import { Topology } from '../../../transport/amqp/naming.js';
import type { MessageSigner } from '../../../transport/amqp/signing.js';
import type { WireValue } from '../../../transport/types.js';

/** What to do to a request before it is published. */
export interface Craft {
  targets?: string[] | null;
  sent?: number;
  expires?: number;
  /** changes the body after signing (a tampered message) */
  tamper?: (body: Buffer) => Buffer;
  /** replaces headers or properties */
  headers?: Record<string, string>;
  contentType?: string;
  /** a body used instead of the encoded envelope (signed all the same) */
  rawBody?: Buffer;
}

export class RawPeer {
  readonly replyId = `raw${randomBytes(6).toString('hex')}`;
  private readonly got: ConsumeMessage[] = [];
  private readonly waiters: Array<() => void> = [];

  private constructor(readonly topo: Topology, private readonly conn: ChannelModel, readonly ch: ConfirmChannel) {}

  static async open(prefix: string): Promise<RawPeer> {
    const topo = new Topology(prefix);
    const conn = await amqp.connect(TEST_AMQP_URL, { noDelay: true });
    const ch = await conn.createConfirmChannel();
    const peer = new RawPeer(topo, conn, ch);
    const q = topo.replyQueue(peer.replyId);
    await ch.assertQueue(q, { durable: true, arguments: { 'x-queue-type': 'classic', 'x-expires': 600_000 } });
    await ch.bindQueue(q, topo.replyExchange, topo.replyBinding(peer.replyId));
    await ch.consume(q, (m) => m && peer.arrived(m), { noAck: true });
    await ch.consume(topo.deadQueue, (m) => m && peer.arrived(m), { noAck: true });
    return peer;
  }

  private arrived(m: ConsumeMessage): void {
    this.got.push(m);
    for (const w of this.waiters.splice(0)) w();
  }

  /** Signs and publishes one request (to one host, or a broadcast when targets are given); returns it. */
  async send(signer: MessageSigner, host: string, method: string, params: WireValue[], craft: Craft = {}): Promise<{ env: RequestEnvelope; body: Buffer; headers: Record<string, string> }> {
    const now = Date.now();
    const env: RequestEnvelope = {
      kind: 'request', id: randomBytes(16).toString('hex'), sent: craft.sent ?? now, expires: craft.expires ?? now + 30_000,
      replyTo: this.replyId, method, params, targets: craft.targets ? TargetList.of(craft.targets) : null,
    };
    const signed = craft.rawBody ?? encodeEnvelope(env);
    const headers = { ...signer.sign(signed), ...craft.headers };
    const body = craft.tamper ? craft.tamper(signed) : signed;
    await this.publish(host, env, body, headers, craft.contentType);
    return { env, body, headers };
  }

  /** Signs and publishes one batch of requests to `host` (each item as `items` says); returns it. */
  async sendBatch(signer: MessageSigner, host: string, items: Array<{ method: string; params: WireValue[]; sent?: number; expires?: number }>,
    craft: Pick<Craft, 'tamper'> = {}): Promise<{ env: BatchEnvelope; body: Buffer; headers: Record<string, string> }> {
    const now = Date.now();
    const env: BatchEnvelope = {
      kind: 'batch', id: randomBytes(16).toString('hex'), sent: now,
      items: items.map((x) => ({ kind: 'request', id: randomBytes(16).toString('hex'), sent: x.sent ?? now, expires: x.expires ?? now + 30_000, replyTo: this.replyId, method: x.method, params: x.params, targets: null })),
    };
    const signed = encodeEnvelope(env);
    const headers = signer.sign(signed);
    const body = craft.tamper ? craft.tamper(signed) : signed;
    await this.publish(host, env, body, headers);
    return { env, body, headers };
  }

  /** Publishes exactly these bytes and headers again (a replay). */
  async publish(host: string, env: RequestEnvelope | BatchEnvelope, body: Buffer, headers: Record<string, string>, contentType?: string): Promise<void> {
    const options = { ...publishOptions(env, headers), expiration: '30000', ...(contentType ? { contentType } : {}) };
    this.ch.publish(this.topo.requestExchange, host, body, options); // a broadcast too: the body's targets decide
    await this.ch.waitForConfirms();
  }

  /** The ids a received message answers (several for a batch of answers); none when it does not decode. */
  static answers(m: ConsumeMessage): string[] {
    try {
      const env = decodeEnvelope(m.content);
      return env.kind === 'batch' ? env.items.map((x) => x.id) : [env.id];
    } catch {
      return [];
    }
  }

  /** Messages received so far that match. */
  received(match: (m: ConsumeMessage) => boolean): ConsumeMessage[] {
    return this.got.filter(match);
  }

  /** Waits until `count` messages match (rejects after timeoutMs). */
  async waitFor(match: (m: ConsumeMessage) => boolean, count = 1, timeoutMs = 10_000): Promise<ConsumeMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hits = this.received(match);
      if (hits.length >= count) return hits;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${count} message(s); have ${hits.length}`);
      await new Promise<void>((resolve) => { const t = setTimeout(resolve, left); this.waiters.push(() => { clearTimeout(t); resolve(); }); });
    }
  }

  async close(): Promise<void> {
    await this.ch.deleteQueue(this.topo.replyQueue(this.replyId)).catch(() => {});
    await this.conn.close().catch(() => {});
  }
}
