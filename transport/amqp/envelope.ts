// The AMQP message bodies of func (docs/amqp-protocol.md §4): request, response, command-complete and progress,
// and a batch carrying several of them under one signature, encoded as UTF-8 JSON with wire values in the shared
// lossless encoding; strict decoding with hard limits.
import { PayloadTooLargeError, ProtocolError } from '../../common/errors.js';
import type { RemoteFailure } from '../../common/remote-failure.js';
import type { ProgressEvent, WireValue } from '../types.js';
import { wireFromJson, wireToJson } from '../wire-json.js';

/** The content type every func message carries; anything else is rejected. */
export const CONTENT_TYPE = 'application/vnd.func.v1+json';
/** The envelope format version (the `v` field). */
export const ENVELOPE_VERSION = 1;

export const MessageKinds = {
  REQUEST: 'request',
  RESPONSE: 'response',
  COMMAND_COMPLETE: 'command-complete',
  PROGRESS: 'progress',
  BATCH: 'batch',
} as const;
export type MessageKind = (typeof MessageKinds)[keyof typeof MessageKinds];

/**
 * The minions a broadcast is meant for. On the wire one string: their names in lower case, separated by single
 * spaces (names hold no white space), so a minion finds its own without parsing a thousand strings.
 */
export class TargetList {
  private constructor(readonly text: string) {}

  static of(names: readonly string[]): TargetList { return new TargetList(names.map((n) => n.toLowerCase()).join(' ')); }
  static fromWire(text: string): TargetList { return new TargetList(text); }

  /** Whether `name` (lower case) is one of the names. */
  includes(name: string): boolean {
    const t = this.text;
    if (name === '' || name.includes(' ')) return false;
    for (let at = t.indexOf(name); at >= 0; at = t.indexOf(name, at + 1)) {
      const end = at + name.length;
      if ((at === 0 || t.charCodeAt(at - 1) === 32) && (end === t.length || t.charCodeAt(end) === 32)) return true;
    }
    return false;
  }

  get names(): string[] { return this.text.split(' '); }
}

/** An overlord's call: to one minion (targets null) or a broadcast to the listed minions. */
export interface RequestEnvelope {
  kind: 'request';
  id: string;
  /** ms since the epoch when signed, and when the request stops being valid */
  sent: number;
  expires: number;
  /** the caller's reply id: replies go to the reply exchange with key `<replyTo>.<minion>` */
  replyTo: string;
  method: string;
  params: WireValue[];
  targets: TargetList | null;
}

/** A minion's answer: the method's value. */
export interface ResponseEnvelope { kind: 'response'; id: string; host: string; sent: number; value: WireValue }

/** A minion's answer when the call failed (the QMF "command complete" with an error): func's type/message/trace + code. */
export interface CompleteEnvelope { kind: 'command-complete'; id: string; host: string; sent: number; error: RemoteFailure }

/** Progress of a running call; `seq` counts from 1 per request. */
export interface ProgressEnvelope { kind: 'progress'; id: string; host: string; sent: number; seq: number; event: ProgressEvent }

/** One call's message: what a batch carries, or a message of its own. */
export type ItemEnvelope = RequestEnvelope | ResponseEnvelope | CompleteEnvelope | ProgressEnvelope;
/** Answers: what a minion sends back. */
export type AnswerEnvelope = ResponseEnvelope | CompleteEnvelope | ProgressEnvelope;

/**
 * Several requests to one minion, or several answers to one reply id, in one message with one signature (§4.1):
 * the items of a batch are all requests (each with `targets` null) or all answers, never batches.
 */
export type BatchEnvelope =
  | { kind: 'batch'; id: string; sent: number; items: RequestEnvelope[] }
  | { kind: 'batch'; id: string; sent: number; items: AnswerEnvelope[] };

export type Envelope = ItemEnvelope | BatchEnvelope;

/** Hard limits applied while decoding; breaking one gives PayloadTooLargeError. */
export interface EnvelopeLimits {
  maxBytes: number;
  /** nesting depth of wire values (a top-level param is depth 1) */
  maxDepth: number;
  /** items in one batch */
  maxItems: number;
}
export const DEFAULT_ENVELOPE_LIMITS: Readonly<EnvelopeLimits> = Object.freeze({
  maxBytes: 16 * 1024 * 1024, maxDepth: 64, maxItems: 1024,
});

/** Request ids, reply ids: 1-64 of [A-Za-z0-9_-]. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const METHOD = /^[A-Za-z0-9_.]{1,256}$/;
const MAX_HOST_BYTES = 255;

/** Serialises an envelope to its body bytes. */
export function encodeEnvelope(e: Envelope): Buffer {
  if (e.kind === 'batch') return encodeBatch(e.id, e.sent, (e.items as ItemEnvelope[]).map(encodeItem));
  return encodeItems([encodeItem(e)], () => e.id, e.sent);
}

/**
 * One item as JSON text without the version field: what a batch lists. Encoding each item once lets a sender
 * measure it, and fail it alone, before it joins a batch.
 */
export function encodeItem(e: ItemEnvelope): string {
  const head = { kind: e.kind, id: e.id, sent: e.sent };
  switch (e.kind) {
    case 'request':
      return JSON.stringify({ ...head, expires: e.expires, reply_to: e.replyTo, method: e.method, params: e.params.map(wireToJson), targets: e.targets?.text ?? null });
    case 'response': return JSON.stringify({ ...head, host: e.host, value: wireToJson(e.value) });
    case 'command-complete': return JSON.stringify({ ...head, host: e.host, error: e.error });
    case 'progress': return JSON.stringify({ ...head, host: e.host, seq: e.seq, event: e.event });
  }
}

/** What a batch adds around its items (version, kind, id, time): an upper bound, for sizing batches. */
export const BATCH_HEAD_BYTES = 128;
/**
 * The largest batch either side makes, whatever its own amqp_max_body_bytes: a peer whose limit is at least this
 * never refuses a batch whose items it would have taken one by one (a larger item travels alone).
 */
export const MAX_BATCH_BYTES = 64 * 1024;

/** The body of one message carrying already encoded items: the item alone when there is one, else a batch `id`. */
export function encodeItems(items: readonly string[], batchId: () => string, sent: number): Buffer {
  return items.length === 1 ? Buffer.from(`{"v":${ENVELOPE_VERSION},${items[0]!.slice(1)}`, 'utf8') : encodeBatch(batchId(), sent, items);
}

/** The body of a batch whose items are already encoded (encodeItem). */
export function encodeBatch(id: string, sent: number, items: readonly string[]): Buffer {
  return Buffer.from(`{"v":${ENVELOPE_VERSION},"kind":"batch","id":${JSON.stringify(id)},"sent":${sent},"items":[${items.join(',')}]}`, 'utf8');
}

/** Decodes and checks a body; throws ProtocolError (bad format) or PayloadTooLargeError (a limit). */
export function decodeEnvelope(body: Uint8Array, limits: Partial<EnvelopeLimits> = {}): Envelope {
  const lim = { ...DEFAULT_ENVELOPE_LIMITS, ...limits };
  if (body.byteLength > lim.maxBytes) throw new PayloadTooLargeError(`AMQP body of ${body.byteLength} bytes exceeds the limit of ${lim.maxBytes} bytes`);
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (err) {
    throw new ProtocolError(`AMQP body is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isObject(data)) throw new ProtocolError('AMQP body: expected a JSON object');
  if (data.v !== ENVELOPE_VERSION) throw new ProtocolError(`AMQP body: unsupported envelope version ${JSON.stringify(data.v)} (expected ${ENVELOPE_VERSION})`);
  if (data.kind === 'batch') return decodeBatch(data, lim);
  return decodeItem(data, lim);
}

function decodeBatch(data: Record<string, unknown>, lim: EnvelopeLimits): BatchEnvelope {
  const id = field(data, 'id', isId, 'an id of 1-64 [A-Za-z0-9_-]');
  const sent = field(data, 'sent', isTime, 'a time in ms since the epoch');
  const raw = field(data, 'items', (v): v is unknown[] => Array.isArray(v) && v.length > 0, 'a non-empty array');
  if (raw.length > lim.maxItems) throw new PayloadTooLargeError(`AMQP batch: ${raw.length} items exceed the limit of ${lim.maxItems}`);
  const items = raw.map((x, i) => {
    if (!isObject(x)) throw new ProtocolError(`AMQP batch: items[${i}] must be an object`);
    if (x.kind === 'batch') throw new ProtocolError(`AMQP batch: items[${i}] is a batch (batches do not nest)`);
    if (x.v !== undefined && x.v !== ENVELOPE_VERSION) throw new ProtocolError(`AMQP batch: items[${i}] has version ${JSON.stringify(x.v)}`);
    return decodeItem(x, lim);
  });
  const once = items.filter((x) => x.kind !== 'progress'); // a request, or a call's one answer
  if (new Set(once.map((x) => x.id)).size < once.length) throw new ProtocolError('AMQP batch: a request id appears twice');
  const requests = items.filter((x): x is RequestEnvelope => x.kind === 'request');
  if (requests.length === items.length) {
    if (requests.some((r) => r.targets !== null)) throw new ProtocolError('AMQP batch: a request in a batch must have "targets": null (broadcasts are not batched)');
    return { kind: 'batch', id, sent, items: requests };
  }
  if (requests.length > 0) throw new ProtocolError('AMQP batch: the items mix requests and answers');
  return { kind: 'batch', id, sent, items: items as AnswerEnvelope[] };
}

function decodeItem(data: Record<string, unknown>, lim: EnvelopeLimits): ItemEnvelope {
  const id = field(data, 'id', isId, 'an id of 1-64 [A-Za-z0-9_-]');
  const sent = field(data, 'sent', isTime, 'a time in ms since the epoch');
  switch (data.kind) {
    case 'request': return decodeRequest(data, id, sent, lim);
    case 'response':
      return { kind: 'response', id, host: field(data, 'host', isHost, 'a host name'), sent, value: wireValue(data.value, 'value', lim.maxDepth) };
    case 'command-complete':
      return { kind: 'command-complete', id, host: field(data, 'host', isHost, 'a host name'), sent, error: failure(data.error) };
    case 'progress':
      return {
        kind: 'progress', id, host: field(data, 'host', isHost, 'a host name'), sent,
        seq: field(data, 'seq', (v): v is number => Number.isSafeInteger(v) && (v as number) >= 1, 'an integer >= 1'),
        event: progressEvent(data.event),
      };
    default:
      throw new ProtocolError(`AMQP body: unknown kind ${JSON.stringify(data.kind)} (expected request, response, command-complete, progress or batch)`);
  }
}

function decodeRequest(data: Record<string, unknown>, id: string, sent: number, lim: EnvelopeLimits): RequestEnvelope {
  const expires = field(data, 'expires', isTime, 'a time in ms since the epoch');
  const replyTo = field(data, 'reply_to', isId, 'a reply id of 1-64 [A-Za-z0-9_-]');
  const method = field(data, 'method', (v): v is string => typeof v === 'string' && METHOD.test(v), 'a method name "module.method"');
  const params = field(data, 'params', Array.isArray, 'an array');
  const targets = data.targets ?? null;
  if (targets !== null && (typeof targets !== 'string' || targets === '')) {
    throw new ProtocolError('AMQP request: "targets" must be null or a string of host names separated by spaces');
  }
  return {
    kind: 'request', id, sent, expires, replyTo, method,
    params: params.map((p, i) => wireValue(p, `params[${i}]`, lim.maxDepth - 1)), targets: targets === null ? null : TargetList.fromWire(targets),
  };
}

function failure(v: unknown): RemoteFailure {
  if (!isObject(v)) throw new ProtocolError('AMQP command-complete: "error" must be an object');
  const text = (k: string, required: boolean): string => {
    const x = v[k];
    if (typeof x === 'string') return x;
    if (!required && (x === undefined || x === null)) return '';
    throw new ProtocolError(`AMQP command-complete: "error.${k}" must be a string`);
  };
  const code = text('code', false);
  return { type: text('type', true), message: text('message', false), trace: text('trace', false), ...(code ? { code: code as RemoteFailure['code'] & string } : {}) };
}

function progressEvent(v: unknown): ProgressEvent {
  if (!isObject(v)) throw new ProtocolError('AMQP progress: "event" must be an object');
  const out: ProgressEvent = {};
  for (const k of ['current', 'total'] as const) {
    if (v[k] === undefined || v[k] === null) continue;
    if (typeof v[k] !== 'number' || !Number.isFinite(v[k])) throw new ProtocolError(`AMQP progress: "event.${k}" must be a number`);
    out[k] = v[k];
  }
  for (const k of ['status', 'message'] as const) {
    if (v[k] === undefined || v[k] === null) continue;
    if (typeof v[k] !== 'string') throw new ProtocolError(`AMQP progress: "event.${k}" must be a string`);
    out[k] = v[k];
  }
  return out;
}

/** Checks nesting depth without recursion, then decodes the lossless JSON form. */
function wireValue(v: unknown, where: string, maxDepth: number): WireValue {
  if (v === undefined) throw new ProtocolError(`AMQP body: "${where}" is missing`);
  const stack: Array<[unknown, number]> = [[v, 1]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (d > maxDepth) throw new PayloadTooLargeError(`AMQP body: "${where}" nests deeper than ${maxDepth} levels`);
    for (const y of Array.isArray(x) ? x : Object.values(x)) stack.push([y, d + 1]);
  }
  try {
    return wireFromJson(v);
  } catch (err) {
    throw new ProtocolError(`AMQP body: "${where}" is not a wire value: ${(err as Error).message}`, { cause: err });
  }
}

function field<T>(data: Record<string, unknown>, key: string, ok: (v: unknown) => v is T, expected: string): T {
  const v = data[key];
  if (!ok(v)) throw new ProtocolError(`AMQP ${String(data.kind)}: "${key}" must be ${expected}, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is string => typeof v === 'string' && ID.test(v);
const isTime = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
// a UTF-16 length within the limit/3 cannot exceed it in UTF-8; only longer names are measured
const isHost = (v: unknown): v is string => typeof v === 'string' && v.length > 0
  && (v.length * 3 <= MAX_HOST_BYTES || Buffer.byteLength(v) <= MAX_HOST_BYTES);
