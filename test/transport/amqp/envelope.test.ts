// transport/amqp/envelope: every message kind round-trips (table of known encodings); malformed, oversized and
// too-deep bodies fail with the right error class, and a good body decodes right after.
import { expect } from 'chai';
import { PayloadTooLargeError, ProtocolError } from '../../../common/errors.js';
import { decodeEnvelope, encodeEnvelope, TargetList, type Envelope } from '../../../transport/amqp/envelope.js';

const T = 1_764_745_200_000;
const good: Array<[string, Envelope, string]> = [
  ['a direct request', { kind: 'request', id: 'r1', sent: T, expires: T + 30_000, replyTo: 'ov-1', method: 'test.add', params: [1, 2], targets: null },
    `{"v":1,"kind":"request","id":"r1","sent":${T},"expires":${T + 30000},"reply_to":"ov-1","method":"test.add","params":[1,2],"targets":null}`],
  ['a broadcast request', { kind: 'request', id: 'r2', sent: T, expires: T + 1, replyTo: 'ov-1', method: 'test.ping', params: [], targets: TargetList.of(['a.example', 'B']) },
    `{"v":1,"kind":"request","id":"r2","sent":${T},"expires":${T + 1},"reply_to":"ov-1","method":"test.ping","params":[],"targets":"a.example b"}`],
  ['a response with a big integer', { kind: 'response', id: 'r1', host: 'm1', sent: T, value: 2n ** 70n },
    `{"v":1,"kind":"response","id":"r1","sent":${T},"host":"m1","value":{"$wire":"bigint","v":"1180591620717411303424"}}`],
  ['a response with bytes and a date', { kind: 'response', id: 'r1', host: 'm1', sent: T, value: [new Uint8Array([1, 2]), new Date(T)] },
    `{"v":1,"kind":"response","id":"r1","sent":${T},"host":"m1","value":[{"$wire":"base64","v":"AQI="},{"$wire":"date","v":"2025-12-03T07:00:00.000Z"}]}`],
  ['a command-complete', { kind: 'command-complete', id: 'r1', host: 'm1', sent: T, error: { code: 'FUNC_ERR_ACCESS_DENIED', type: 'func.minion.codes.AccessToMethodDenied', message: 'no', trace: '' } },
    `{"v":1,"kind":"command-complete","id":"r1","sent":${T},"host":"m1","error":{"code":"FUNC_ERR_ACCESS_DENIED","type":"func.minion.codes.AccessToMethodDenied","message":"no","trace":""}}`],
  ['a progress line', { kind: 'progress', id: 'r1', host: 'm1', sent: T, seq: 3, event: { message: 'compiling foo.c' } },
    `{"v":1,"kind":"progress","id":"r1","sent":${T},"host":"m1","seq":3,"event":{"message":"compiling foo.c"}}`],
  ['a batch of requests', { kind: 'batch', id: 'b1', sent: T, items: [
    { kind: 'request', id: 'r1', sent: T, expires: T + 5, replyTo: 'ov-1', method: 'test.ping', params: [], targets: null },
    { kind: 'request', id: 'r2', sent: T, expires: T + 9, replyTo: 'ov-1', method: 'test.add', params: [1, 2], targets: null }] },
    `{"v":1,"kind":"batch","id":"b1","sent":${T},"items":[{"kind":"request","id":"r1","sent":${T},"expires":${T + 5},"reply_to":"ov-1","method":"test.ping","params":[],"targets":null},`
    + `{"kind":"request","id":"r2","sent":${T},"expires":${T + 9},"reply_to":"ov-1","method":"test.add","params":[1,2],"targets":null}]}`],
  ['a batch of answers', { kind: 'batch', id: 'b2', sent: T, items: [
    { kind: 'response', id: 'r1', host: 'm1', sent: T, value: 1 },
    { kind: 'command-complete', id: 'r2', host: 'm1', sent: T, error: { type: 'exceptions.TypeError', message: 'no', trace: '' } }] },
    `{"v":1,"kind":"batch","id":"b2","sent":${T},"items":[{"kind":"response","id":"r1","sent":${T},"host":"m1","value":1},`
    + `{"kind":"command-complete","id":"r2","sent":${T},"host":"m1","error":{"type":"exceptions.TypeError","message":"no","trace":""}}]}`],
];

const bad: Array<[string, string, typeof ProtocolError]> = [
  ['not JSON', '{"v":1,', ProtocolError],
  ['a JSON array', '[1]', ProtocolError],
  ['another version', `{"v":2,"kind":"response","id":"a","sent":${T},"host":"m","value":1}`, ProtocolError],
  ['an unknown kind', `{"v":1,"kind":"hello","id":"a","sent":${T}}`, ProtocolError],
  ['an id with a dot', `{"v":1,"kind":"response","id":"a.b","sent":${T},"host":"m","value":1}`, ProtocolError],
  ['a missing value', `{"v":1,"kind":"response","id":"a","sent":${T},"host":"m"}`, ProtocolError],
  ['a string time', `{"v":1,"kind":"response","id":"a","sent":"now","host":"m","value":1}`, ProtocolError],
  ['a method with a space', `{"v":1,"kind":"request","id":"a","sent":${T},"expires":${T},"reply_to":"o","method":"test ping","params":[],"targets":null}`, ProtocolError],
  ['params that are not a list', `{"v":1,"kind":"request","id":"a","sent":${T},"expires":${T},"reply_to":"o","method":"t.p","params":{},"targets":null}`, ProtocolError],
  ['targets as a list', `{"v":1,"kind":"request","id":"a","sent":${T},"expires":${T},"reply_to":"o","method":"t.p","params":[],"targets":["m"]}`, ProtocolError],
  ['empty targets', `{"v":1,"kind":"request","id":"a","sent":${T},"expires":${T},"reply_to":"o","method":"t.p","params":[],"targets":""}`, ProtocolError],
  ['a progress seq of 0', `{"v":1,"kind":"progress","id":"a","sent":${T},"host":"m","seq":0,"event":{}}`, ProtocolError],
  ['a progress status that is a number', `{"v":1,"kind":"progress","id":"a","sent":${T},"host":"m","seq":1,"event":{"status":5}}`, ProtocolError],
  ['an error without a type', `{"v":1,"kind":"command-complete","id":"a","sent":${T},"host":"m","error":{"code":"x"}}`, ProtocolError],
  ['an empty batch', `{"v":1,"kind":"batch","id":"b","sent":${T},"items":[]}`, ProtocolError],
  ['a batch in a batch', `{"v":1,"kind":"batch","id":"b","sent":${T},"items":[{"kind":"batch","id":"c","sent":${T},"items":[]}]}`, ProtocolError],
  ['a batch mixing a request and an answer', `{"v":1,"kind":"batch","id":"b","sent":${T},"items":[{"kind":"request","id":"a","sent":${T},"expires":${T},"reply_to":"o","method":"t.p","params":[],"targets":null},{"kind":"response","id":"a","sent":${T},"host":"m","value":1}]}`, ProtocolError],
  ['a broadcast in a batch', `{"v":1,"kind":"batch","id":"b","sent":${T},"items":[{"kind":"request","id":"a","sent":${T},"expires":${T},"reply_to":"o","method":"t.p","params":[],"targets":"m"}]}`, ProtocolError],
  ['a request id twice in a batch', `{"v":1,"kind":"batch","id":"b","sent":${T},"items":[{"kind":"request","id":"a","sent":${T},"expires":${T},"reply_to":"o","method":"t.p","params":[],"targets":null},{"kind":"request","id":"a","sent":${T},"expires":${T},"reply_to":"o","method":"t.q","params":[],"targets":null}]}`, ProtocolError],
  ['a malformed item in a batch', `{"v":1,"kind":"batch","id":"b","sent":${T},"items":[{"kind":"response","id":"a","sent":${T},"host":"m"}]}`, ProtocolError],
  ['a value nested 100 deep', `{"v":1,"kind":"response","id":"a","sent":${T},"host":"m","value":${'['.repeat(100)}${']'.repeat(100)}}`, PayloadTooLargeError],
];

describe('transport/amqp/envelope', () => {
  for (const [what, envelope, json] of good) {
    it(`encodes ${what} as the documented JSON and decodes it back`, () => {
      const body = encodeEnvelope(envelope);
      expect(body.toString('utf8')).to.equal(json);
      expect(decodeEnvelope(body)).to.deep.equal(envelope);
    });
  }

  for (const [what, json, errorClass] of bad) {
    it(`refuses ${what} with ${errorClass.name}, then decodes a good body`, () => {
      expect(() => decodeEnvelope(Buffer.from(json))).to.throw(errorClass);
      expect(decodeEnvelope(encodeEnvelope(good[0]![1])).kind).to.equal('request');
    });
  }

  it('refuses a body over the byte limit before parsing it', () => {
    const body = encodeEnvelope({ kind: 'response', id: 'a', host: 'm', sent: T, value: 'x'.repeat(2000) });
    expect(() => decodeEnvelope(body, { maxBytes: 1000 })).to.throw(PayloadTooLargeError, /exceeds the limit of 1000 bytes/);
  });

  it('finds a name in a target list only as a whole name', () => {
    const list = TargetList.of(['web1.example.com', 'Web10.example.com', 'db.example.com']);
    expect(['web1.example.com', 'web10.example.com', 'db.example.com'].map((n) => list.includes(n))).to.deep.equal([true, true, true]);
    expect(['web1', 'example.com', 'eb1.example.com', 'db.example.co', 'web1.example.com web10.example.com', ''].map((n) => list.includes(n))).to.deep.equal([false, false, false, false, false, false]);
    expect(list.names).to.deep.equal(['web1.example.com', 'web10.example.com', 'db.example.com']);
  });

  it('refuses a batch of more items than the item limit', () => {
    const item = { kind: 'response' as const, id: 'a', host: 'm', sent: T, value: 1 };
    const body = encodeEnvelope({ kind: 'batch', id: 'b', sent: T, items: [item, item, item] });
    expect(() => decodeEnvelope(body, { maxItems: 2 })).to.throw(PayloadTooLargeError, /3 items/);
  });

  it('decodes a body delivered as a slice of a larger buffer', () => {
    const body = encodeEnvelope(good[5]![1]);
    const big = Buffer.concat([Buffer.from('xxxx'), body, Buffer.from('yyyy')]);
    expect(decodeEnvelope(big.subarray(4, 4 + body.length))).to.deep.equal(good[5]![1]);
  });
});
