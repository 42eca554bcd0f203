// The AMQP transport's own config keys (docs/amqp-protocol.md §1) for minion.conf and overlord.conf, and their
// checks beyond type (queue type, login, prefix, URLs) with errors naming the key.
import { applySchema, opt, type ConfigOf } from '../../common/config.js';
import { ConfigError } from '../../common/errors.js';
import type { QueueType } from './declare.js';
import { DEFAULT_ENVELOPE_LIMITS } from './envelope.js';
import { checkPrefix } from './naming.js';

export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672/';

const common = {
  amqp_url: opt('list', [DEFAULT_AMQP_URL]),
  amqp_prefix: opt('string', 'func'),
  amqp_queue_type: opt('string', 'classic'),
  amqp_auth: opt('string', 'plain'),
  amqp_max_body_bytes: opt('int', 16 * 1024 * 1024),
  amqp_max_batch: opt('int', 256),
};

export const AmqpMinionSchema = {
  ...common,
  amqp_prefetch: opt('int', 64),
  amqp_journal: opt('path', '/var/lib/func/amqp-requests.jsonl'),
};

export const AmqpOverlordSchema = {
  ...common,
  amqp_request_ttl: opt('float', 3600),
  /** broadcasts kept on disk by the broker, like calls to one minion (costs a disk write per targeted queue) */
  amqp_persistent_broadcasts: opt('bool', false),
  /** the key pair presented to the broker on amqps:// (empty: the signing pair; see login-pair.ts) */
  amqp_key_file: opt('path', ''),
  amqp_cert_file: opt('path', ''),
};

/** An overlord's AMQP settings for code that makes a client without overlord.conf: the defaults, then `values`. */
export function overlordSettings(values: Partial<ConfigOf<typeof AmqpOverlordSchema>>): ConfigOf<typeof AmqpOverlordSchema> {
  return { ...applySchema(AmqpOverlordSchema, undefined, 'overlord settings'), ...values };
}

/** The checked settings both sides share. */
export interface AmqpCommon {
  urls: string[];
  prefix: string;
  queueType: QueueType;
  auth: 'plain' | 'external';
  maxBodyBytes: number;
  /** calls (overlord) or answers (minion) one message may carry; 1 = one per message */
  maxBatch: number;
}

interface RawCommon { amqp_url: string[]; amqp_prefix: string; amqp_queue_type: string; amqp_auth: string; amqp_max_body_bytes: number; amqp_max_batch: number }

/** Checks the keys both sides share; ConfigError names the key and what it expects. */
export function checkCommon(raw: RawCommon): AmqpCommon {
  const urls = raw.amqp_url.map((u) => u.trim()).filter(Boolean);
  if (urls.length === 0) throw new ConfigError('amqp_url: expected at least one amqp:// or amqps:// URL');
  for (const u of urls) {
    if (!/^amqps?:\/\//.test(u)) throw new ConfigError(`amqp_url: ${JSON.stringify(u.replace(/\/\/[^@/]*@/, '//***@'))} is not an amqp:// or amqps:// URL`);
  }
  if (raw.amqp_queue_type !== 'classic' && raw.amqp_queue_type !== 'quorum') {
    throw new ConfigError(`amqp_queue_type: expected "classic" or "quorum", got ${JSON.stringify(raw.amqp_queue_type)}`);
  }
  if (raw.amqp_auth !== 'plain' && raw.amqp_auth !== 'external') {
    throw new ConfigError(`amqp_auth: expected "plain" or "external", got ${JSON.stringify(raw.amqp_auth)}`);
  }
  if (!(raw.amqp_max_body_bytes >= 1024)) throw new ConfigError(`amqp_max_body_bytes: expected at least 1024, got ${raw.amqp_max_body_bytes}`);
  const maxBatch = raw.amqp_max_batch;
  if (!(Number.isSafeInteger(maxBatch) && maxBatch >= 1 && maxBatch <= DEFAULT_ENVELOPE_LIMITS.maxItems)) {
    throw new ConfigError(`amqp_max_batch: expected 1 to ${DEFAULT_ENVELOPE_LIMITS.maxItems} (1 = one call per message), got ${maxBatch}`);
  }
  try { checkPrefix(raw.amqp_prefix); } catch (err) { throw new ConfigError((err as Error).message); }
  return { urls, prefix: raw.amqp_prefix, queueType: raw.amqp_queue_type, auth: raw.amqp_auth, maxBodyBytes: raw.amqp_max_body_bytes, maxBatch };
}
