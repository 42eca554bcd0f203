// The minion trusts signatures, not the broker: forged, tampered, unsigned, stale, revoked, oversized and
// wrongly typed requests are dead-lettered with their reason and never run; a replay gets the recorded answer
// (byte for byte) without running again; ACLs apply to the signer's CN-hash; answers are signed by the minion.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ConsumeMessage } from 'amqplib';
import { createTestCa, issueMinionCert, openTestStore, type TestCa } from '../../helpers/pki.js';
import { stopAll } from '../../helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../../helpers/temp-root.js';
import { decodeEnvelope, encodeEnvelope } from '../../../transport/amqp/envelope.js';
import { MessageSigner, SignatureHeaders, SignatureVerifier } from '../../../transport/amqp/signing.js';
import { startAmqpFleet, type AmqpFleet } from './amqp-fleet.js';
import { RawPeer } from './raw-peer.js';

const HOST = '127.0.1.11';
const reason = (m: ConsumeMessage): unknown => m.properties.headers?.['x-func-reason'];
const isDead = (id: string) => (m: ConsumeMessage): boolean => m.fields.exchange.endsWith('.dead') && m.properties.messageId === id;
const isReply = (id: string) => (m: ConsumeMessage): boolean => m.fields.exchange.endsWith('.replies') && m.properties.correlationId === id && m.properties.type !== 'progress';

describe('transport/amqp message security', function () {
  this.timeout(30_000);
  let fleet: AmqpFleet;
  let peer: RawPeer;
  let overlord: MessageSigner;
  let rogue: MessageSigner;
  let plainMinion: MessageSigner;
  let stranger: MessageSigner;
  let otherCa: TestCa;
  let scratch: string;

  const signerFrom = async (files: { keyPath: string; certPath: string }): Promise<MessageSigner> =>
    new MessageSigner(await fs.readFile(files.keyPath, 'utf8'), await fs.readFile(files.certPath, 'utf8'));

  before(async () => {
    fleet = await startAmqpFleet([HOST], { running: [], minionConf: { amqp_max_body_bytes: '65536' } });
    scratch = await makeTempRoot('amqp-security');
    overlord = new MessageSigner(fleet.ca.caKeyPem, fleet.ca.caCertPem);
    rogue = await signerFrom(await issueMinionCert(fleet.ca, 'rogue.example', scratch));
    plainMinion = await signerFrom(await issueMinionCert(fleet.ca, 'plain.example', scratch));
    otherCa = await createTestCa();
    stranger = await signerFrom(await issueMinionCert(otherCa, 'stranger.example', scratch));
    await (await openTestStore(fleet.ca)).revoke(['rogue.example']);
    const minionRoot = fleet.minions[0]!.root;
    await fs.copyFile(path.join(fleet.ca.caDir, 'certmaster.crl'), path.join(minionRoot, 'etc/pki/certmaster/crl.pem'));
    await fleet.start(HOST);
    peer = await RawPeer.open(fleet.prefix);
  });
  after(async () => {
    await peer?.close();
    await fleet?.close();
    await stopAll();
    if (otherCa) await removeTempRoot(otherCa.root);
    if (scratch) await removeTempRoot(scratch);
  });

  it('answers a signed request with a response signed by the minion itself', async () => {
    const { env } = await peer.send(overlord, HOST, 'test.add', [1, 2]);
    const [reply] = await peer.waitFor(isReply(env.id));
    const verifier = await SignatureVerifier.create({ ca: fleet.ca.caCertPem });
    expect(verifier.verify(reply!.content, reply!.properties.headers).cn).to.equal(HOST);
    expect(decodeEnvelope(reply!.content)).to.include({ kind: 'response', id: env.id, host: HOST, value: 3 });
  });

  const refusals: Array<[string, string, (p: RawPeer) => Promise<{ env: { id: string } }>]> = [
    ['a tampered body', 'bad-signature', (p) => p.send(overlord, HOST, 'test.add', [1, 2], { tamper: (b) => Buffer.from(b.toString().replace('[1,2]', '[1,9]')) })],
    ['a signature made with another certificate\'s key', 'bad-signature', (p) => p.send(overlord, HOST, 'test.ping', [], { headers: { [SignatureHeaders.CERT]: plainMinion.sign(Buffer.from('x'))[SignatureHeaders.CERT]! } })],
    ['a certificate from another CA', 'untrusted-certificate', (p) => p.send(stranger, HOST, 'test.ping', [])],
    ['a revoked certificate', 'revoked-certificate', (p) => p.send(rogue, HOST, 'test.ping', [])],
    ['no signature', 'unsigned', (p) => p.send(overlord, HOST, 'test.ping', [], { headers: { [SignatureHeaders.SIGNATURE]: '' } })],
    ['an expired request', 'expired', (p) => p.send(overlord, HOST, 'test.ping', [], { sent: Date.now() - 60_000, expires: Date.now() - 1000 })],
    ['a request from the future', 'future-dated', (p) => p.send(overlord, HOST, 'test.ping', [], { sent: Date.now() + 3_600_000, expires: Date.now() + 3_700_000 })],
    ['a signed body that is not JSON', 'bad-format', (p) => p.send(overlord, HOST, 'test.ping', [], { rawBody: Buffer.from('{"v":1,"kind":') })],
    ['another content type', 'bad-content-type', (p) => p.send(overlord, HOST, 'test.ping', [], { contentType: 'application/json' })],
    ['a body over amqp_max_body_bytes', 'oversize', (p) => p.send(overlord, HOST, 'test.echo', ['x'.repeat(70_000)])],
  ];
  for (const [what, why, send] of refusals) {
    it(`dead-letters ${what} with reason ${why} and runs nothing`, async () => {
      const { env } = await send(peer);
      const [dead] = await peer.waitFor(isDead(env.id));
      expect(reason(dead!)).to.equal(why);
      expect(dead!.properties.headers?.['x-func-detail']).to.be.a('string');
      const { env: after } = await peer.send(overlord, HOST, 'test.ping', []);
      await peer.waitFor(isReply(after.id));
      expect(peer.received(isReply(env.id))).to.have.length(0);
    });
  }

  it('runs a replayed request once and sends the recorded answer again, byte for byte', async () => {
    const sent = await peer.send(overlord, HOST, 'test.sleep', [0]);
    const [first] = await peer.waitFor(isReply(sent.env.id));
    await peer.publish(HOST, sent.env, sent.body, sent.headers);
    const [, second] = await peer.waitFor(isReply(sent.env.id), 2);
    expect(second!.content.equals(first!.content)).to.equal(true);
  });

  it('dead-letters a known request id that comes back with another body', async () => {
    const sent = await peer.send(overlord, HOST, 'test.ping', []);
    await peer.waitFor(isReply(sent.env.id));
    const again = { ...sent.env, method: 'test.add', params: [5, 5] };
    const body = encodeEnvelope(again);
    await peer.publish(HOST, again, body, overlord.sign(body));
    const [dead] = await peer.waitFor(isDead(sent.env.id));
    expect(reason(dead!)).to.equal('id-reused');
  });

  it('applies the ACLs to the signer: a minion certificate without an ACL entry is denied', async () => {
    const { env } = await peer.send(plainMinion, HOST, 'test.ping', []);
    const [reply] = await peer.waitFor(isReply(env.id));
    const e = decodeEnvelope(reply!.content);
    expect(e.kind).to.equal('command-complete');
    expect(e.kind === 'command-complete' && e.error.type).to.equal('func.minion.codes.AccessToMethodDenied');
  });

  describe('batches', () => {
    const answering = (ids: string[]) => (m: ConsumeMessage): boolean =>
      m.fields.exchange.endsWith('.replies') && m.properties.type !== 'progress' && RawPeer.answers(m).some((id) => ids.includes(id));
    /** the answer items to `ids`, from every reply message received so far, checked against the minion's certificate */
    const answerItems = async (ids: string[]): Promise<Map<string, unknown>> => {
      const verifier = await SignatureVerifier.create({ ca: fleet.ca.caCertPem });
      const out = new Map<string, unknown>();
      for (const m of peer.received(answering(ids))) {
        expect(verifier.verify(m.content, m.properties.headers).cn).to.equal(HOST);
        const env = decodeEnvelope(m.content);
        for (const item of env.kind === 'batch' ? env.items : [env]) {
          if (ids.includes(item.id) && item.kind === 'response') out.set(item.id, item.value);
        }
      }
      return out;
    };
    const waitAnswered = async (ids: string[]): Promise<Map<string, unknown>> => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const got = await answerItems(ids);
        if (got.size === ids.length || Date.now() > deadline) return got;
        await peer.waitFor(() => true, peer.received(() => true).length + 1, Math.max(1, deadline - Date.now())).catch(() => {});
      }
    };

    it('runs each request of a signed batch once and answers each, signed by the minion', async () => {
      const sent = await peer.sendBatch(overlord, HOST, [{ method: 'test.add', params: [1, 2] }, { method: 'test.add', params: [3, 4] }, { method: 'test.echo', params: ['x'] }]);
      const ids = sent.env.items.map((x) => x.id);
      const got = await waitAnswered(ids);
      expect(ids.map((id) => got.get(id))).to.deep.equal([3, 7, 'x']);
    });

    it('dead-letters a tampered batch and runs none of it', async () => {
      const sent = await peer.sendBatch(overlord, HOST, [{ method: 'test.add', params: [1, 2] }, { method: 'test.ping', params: [] }],
        { tamper: (b) => Buffer.from(b.toString().replace('[1,2]', '[1,9]')) });
      const [dead] = await peer.waitFor(isDead(sent.env.id));
      expect(reason(dead!)).to.equal('bad-signature');
      const { env: after } = await peer.send(overlord, HOST, 'test.ping', []);
      await peer.waitFor(isReply(after.id));
      expect(peer.received(answering(sent.env.items.map((x) => x.id)))).to.have.length(0);
    });

    it('runs nothing of a replayed batch twice and sends the recorded answers again, byte for byte', async () => {
      const sent = await peer.sendBatch(overlord, HOST, [{ method: 'test.sleep', params: [0] }, { method: 'test.add', params: [2, 2] }]);
      const ids = sent.env.items.map((x) => x.id);
      await waitAnswered(ids);
      const first = peer.received(answering(ids)).map((m) => m.content.toString('base64'));
      await peer.publish(HOST, sent.env, sent.body, sent.headers);
      const again = await peer.waitFor(answering(ids), first.length * 2);
      expect(again.slice(first.length).map((m) => m.content.toString('base64'))).to.have.members(first);
    });

    it('leaves out an expired item of a batch and runs the rest; dead-letters a batch with nothing left', async () => {
      const now = Date.now();
      const mixed = await peer.sendBatch(overlord, HOST, [{ method: 'test.add', params: [5, 5] }, { method: 'test.add', params: [6, 6], sent: now - 60_000, expires: now - 1000 }]);
      const [live, stale] = mixed.env.items.map((x) => x.id);
      expect((await waitAnswered([live!])).get(live!)).to.equal(10);
      expect(peer.received(answering([stale!]))).to.have.length(0);
      const allStale = await peer.sendBatch(overlord, HOST, [{ method: 'test.ping', params: [], sent: now - 60_000, expires: now - 1000 }]);
      const [dead] = await peer.waitFor(isDead(allStale.env.id));
      expect(reason(dead!)).to.equal('expired');
    });

    it('dead-letters a batch of answers sent to a minion', async () => {
      const body = encodeEnvelope({ kind: 'batch', id: 'answers1', sent: Date.now(), items: [{ kind: 'response', id: 'x1', host: HOST, sent: Date.now(), value: 1 }] });
      await peer.ch.publish(peer.topo.requestExchange, HOST, body, { contentType: 'application/vnd.func.v1+json', messageId: 'answers1', headers: overlord.sign(body) });
      const [dead] = await peer.waitFor(isDead('answers1'));
      expect(reason(dead!)).to.equal('unexpected-kind');
    });
  });

  it('ignores a broadcast whose target list does not name it', async () => {
    const { env } = await peer.send(overlord, HOST, 'test.ping', [], { targets: ['someone.else', 'another.one'] });
    const { env: named } = await peer.send(overlord, HOST, 'test.ping', [], { targets: ['someone.else', HOST] });
    await peer.waitFor(isReply(named.id));
    expect(peer.received(isReply(env.id))).to.have.length(0);
    expect(peer.received(isDead(env.id))).to.have.length(0);
  });
});
