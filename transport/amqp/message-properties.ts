// The AMQP properties of func's messages (docs/amqp-protocol.md §3), and the dead-letter copy of a rejected
// message: original body and properties plus the reason headers, published to <prefix>.dead.
import type { Channel, Message, Options } from 'amqplib';
import type { Logger } from '../../common/log.js';
import { CONTENT_TYPE, type Envelope } from './envelope.js';
import type { Topology } from './naming.js';
import type { MessageRejectedError } from './rejection.js';

/** Publish options of an envelope with its signature headers. */
export function publishOptions(e: Envelope, headers: Record<string, string>, replyQueue?: string): Options.Publish {
  const request = e.kind === 'request';
  return {
    contentType: CONTENT_TYPE,
    type: e.kind,
    messageId: request ? e.id : `${e.id}.${e.kind === 'progress' ? e.seq : 'r'}`,
    ...(request ? { expiration: String(Math.max(1, e.expires - Date.now())) } : { correlationId: e.id }),
    ...(replyQueue !== undefined ? { replyTo: replyQueue } : {}),
    timestamp: Math.floor(e.sent / 1000),
    persistent: e.kind !== 'progress',
    appId: 'func-ts',
    headers,
  };
}

/** Reason headers added to a dead-lettered copy. */
export const DeadLetterHeaders = {
  REASON: 'x-func-reason',
  DETAIL: 'x-func-detail',
  EXCHANGE: 'x-func-exchange',
  ROUTING_KEY: 'x-func-routing-key',
} as const;

/** Publishes a copy of `msg` with the reason to the dead-letter exchange and logs it; never throws. */
export function deadLetter(ch: Channel, topo: Topology, msg: Message, err: MessageRejectedError, log: Logger, who: string): void {
  log.warn(`${who}: rejected a message from ${msg.fields.exchange || '(default exchange)'} key ${JSON.stringify(msg.fields.routingKey)}: ${err.message}`);
  const p = msg.properties;
  try {
    ch.publish(topo.deadExchange, '', msg.content, {
      contentType: p.contentType, type: p.type, messageId: p.messageId, correlationId: p.correlationId,
      timestamp: p.timestamp, appId: p.appId, persistent: true,
      headers: {
        ...(p.headers ?? {}),
        [DeadLetterHeaders.REASON]: err.reason,
        [DeadLetterHeaders.DETAIL]: err.message,
        [DeadLetterHeaders.EXCHANGE]: msg.fields.exchange,
        [DeadLetterHeaders.ROUTING_KEY]: msg.fields.routingKey,
      },
    });
  } catch (e) {
    log.error(`${who}: cannot dead-letter a rejected message: ${(e as Error).message}`);
  }
}
