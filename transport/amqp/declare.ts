// Declares func's AMQP topology on a channel (docs/amqp-protocol.md §2): the three exchanges, the dead-letter
// queue, a minion's queue and its binding, an overlord's reply queue. Durable throughout; idempotent.
import type { Channel } from 'amqplib';
import type { Topology } from './naming.js';

export type QueueType = 'classic' | 'quorum';

/** An unused reply queue is deleted by the broker after this long (ms). */
export const REPLY_QUEUE_EXPIRES_MS = 30 * 60_000;
/** The dead-letter queue keeps at most this many messages (oldest dropped). */
export const DEAD_QUEUE_MAX_LENGTH = 10_000;

/** The exchanges and the dead-letter queue. */
export async function declareExchanges(ch: Channel, topo: Topology, queueType: QueueType): Promise<void> {
  await ch.assertExchange(topo.requestExchange, 'direct', { durable: true });
  await ch.assertExchange(topo.replyExchange, 'topic', { durable: true });
  await ch.assertExchange(topo.deadExchange, 'fanout', { durable: true });
  await ch.assertQueue(topo.deadQueue, { durable: true, arguments: { 'x-queue-type': queueType, 'x-max-length': DEAD_QUEUE_MAX_LENGTH } });
  await ch.bindQueue(topo.deadQueue, topo.deadExchange, '');
}

/** A minion's queue, bound to the request exchange with its name as the key. */
export async function declareMinionQueue(ch: Channel, topo: Topology, minion: string, queueType: QueueType): Promise<string> {
  const queue = topo.minionQueue(minion);
  await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': queueType, 'x-dead-letter-exchange': topo.deadExchange } });
  await ch.bindQueue(queue, topo.requestExchange, topo.minionKey(minion));
  return queue;
}

/** An overlord's reply queue, bound to the reply exchange with `<replyId>.#`; it expires when unused. */
export async function declareReplyQueue(ch: Channel, topo: Topology, replyId: string, queueType: QueueType): Promise<string> {
  const queue = topo.replyQueue(replyId);
  await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': queueType, 'x-expires': REPLY_QUEUE_EXPIRES_MS } });
  await ch.bindQueue(queue, topo.replyExchange, topo.replyBinding(replyId));
  return queue;
}
