// The AMQP topology of func (docs/amqp-protocol.md §2): exchange, queue and routing-key names under one prefix,
// and the broker permission patterns that confine a minion to its own queue and an overlord to its reply queues.

/** The default name prefix of every exchange and queue. */
export const DEFAULT_PREFIX = 'func';

/** A reply id: the name part of an overlord's reply queue (no dots, so it is one topic word). */
const REPLY_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A prefix: one or more dot-free words separated by dots is allowed, but keep it simple and safe in regexes. */
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
/** Longest minion name that still gives a queue name within AMQP's 255-byte short string. */
export const MAX_MINION_NAME = 200;

/** Escapes a literal for use inside a RabbitMQ (Erlang PCRE) permission regex. */
export function regexLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** Checks a prefix; throws TypeError naming the bad value. */
export function checkPrefix(prefix: string): string {
  if (!PREFIX.test(prefix)) throw new TypeError(`amqp_prefix ${JSON.stringify(prefix)}: expected 1-32 of [A-Za-z0-9_-], starting with a letter or digit`);
  return prefix;
}

/** Checks a minion name as a queue-name part; throws TypeError naming the bad value. */
export function checkMinionName(name: string): string {
  if (name.length === 0 || Buffer.byteLength(name) > MAX_MINION_NAME || /[\s\x00-\x1f#*]/.test(name)) {
    throw new TypeError(`minion name ${JSON.stringify(name)} cannot be used on AMQP: 1-${MAX_MINION_NAME} bytes, no spaces, control characters, '#' or '*'`);
  }
  return name;
}

/** Checks a reply id; throws TypeError naming the bad value. */
export function checkReplyId(id: string): string {
  if (!REPLY_ID.test(id)) throw new TypeError(`reply id ${JSON.stringify(id)}: expected 1-64 of [A-Za-z0-9_-]`);
  return id;
}

/** All names of one func deployment on a broker (one prefix in one vhost). */
export class Topology {
  constructor(readonly prefix: string = DEFAULT_PREFIX) { checkPrefix(prefix); }

  /** direct exchange; a minion's queue is bound with its name as the key */
  get requestExchange(): string { return `${this.prefix}.requests`; }
  /** topic exchange; replies are routed by `<reply id>.<minion name>` */
  get replyExchange(): string { return `${this.prefix}.replies`; }
  /** fanout exchange and queue of rejected messages (each with an x-func-reason header) */
  get deadExchange(): string { return `${this.prefix}.dead`; }
  get deadQueue(): string { return `${this.prefix}.dead`; }

  /** the queue a minion consumes */
  minionQueue(minion: string): string { return `${this.prefix}.minion.${checkMinionName(minion)}`; }
  /** the request exchange's routing key of a minion */
  minionKey(minion: string): string { return checkMinionName(minion); }
  /** an overlord's reply queue */
  replyQueue(replyId: string): string { return `${this.prefix}.reply.${checkReplyId(replyId)}`; }
  /** the binding key of an overlord's reply queue: every minion's replies for that reply id */
  replyBinding(replyId: string): string { return `${checkReplyId(replyId)}.#`; }
  /** the routing key a minion publishes a reply with */
  replyKey(replyId: string, minion: string): string { return `${checkReplyId(replyId)}.${checkMinionName(minion)}`; }

  /** Broker permissions (configure, write, read) of a minion's user: consume its queue, publish replies only. */
  minionPermissions(minion: string): BrokerPermissions {
    const p = regexLiteral(this.prefix);
    return {
      configure: '^$',
      write: `^${p}\\.(replies|dead)$`,
      read: `^${regexLiteral(this.minionQueue(minion))}$`,
      topic: { exchange: this.replyExchange, write: `^[A-Za-z0-9_-]+\\.${regexLiteral(minion)}$`, read: '^$' },
    };
  }

  /** Broker permissions of an overlord's user: publish requests, declare and consume its own reply queues. */
  overlordPermissions(): BrokerPermissions {
    const p = regexLiteral(this.prefix);
    return {
      configure: `^${p}\\.reply\\..+$`,
      write: `^${p}\\.(requests|dead|reply\\..+)$`,
      read: `^${p}\\.(replies|reply\\..+)$`,
      topic: { exchange: this.replyExchange, write: '^$', read: '^[A-Za-z0-9_-]+\\.#$' },
    };
  }
}

/** rabbitmqctl set_permissions / set_topic_permissions arguments. */
export interface BrokerPermissions {
  configure: string;
  write: string;
  read: string;
  topic: { exchange: string; write: string; read: string };
}
