// The AMQP properties of func's messages (docs/amqp-protocol.md §3), and the dead-letter copy of a rejected
// message: original body and properties plus the reason headers, published to <prefix>.dead.
import type { Channel, Message, Options } from 'amqplib';
import type { Logger } from '../../common/log.js';
import { CONTENT_TYPE, type Envelope } from './envelope.js';
import type { Topology } from './naming.js';
import type { MessageRejectedError } from './rejection.js';

/** Publish options of an envelope with its signature headers. */
export function publishOptions(e: Envelope, headers: Record<string, string>, replyQueue?: string): Options.Publish {
  return {
    contentType: CONTENT_TYPE,
    type: e.kind,
    ...identity(e),
    ...(replyQueue !== undefined ? { replyTo: replyQueue } : {}),
    timestamp: Math.floor(e.sent / 1000),
    // requests survive a broker restart (the overlord makes a broadcast transient unless amqp_persistent_broadcasts);
    // an answer lost with one is sent again from the minion's journal when the overlord republishes (§6)
    persistent: e.kind === 'request' || (e.kind === 'batch' && e.items[0]?.kind === 'request'),
    appId: 'func-ts',
    headers,
  };
}

/** message_id, and correlation_id (answers) or expiration (requests: until the last item expires). */
function identity(e: Envelope): Pick<Options.Publish, 'messageId' | 'correlationId' | 'expiration'> {
  const until = (expires: number): string => String(Math.max(1, expires - Date.now()));
  switch (e.kind) {
    case 'request': return { messageId: e.id, expiration: until(e.expires) };
    case 'batch': {
      const last = Math.max(...e.items.map((x) => (x.kind === 'request' ? x.expires : 0)));
      return last > 0 ? { messageId: e.id, expiration: until(last) } : { messageId: e.id };
    }
    default: return { messageId: `${e.id}.${e.kind === 'progress' ? e.seq : 'r'}`, correlationId: e.id };
  }
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
