// The overlord trusts signatures, not the broker: a reply for host X that X's certificate did not sign is
// dead-lettered (wrong-signer) and ignored, the genuine reply is taken; quorum queues work as classic ones do.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { promisify } from 'node:util';
import amqp, { type ChannelModel } from 'amqplib';
import { silentLogger } from '../../../common/log.js';
import { removePrefix, TEST_AMQP_URL, uniquePrefix } from '../../helpers/broker.js';
import { createTestCa, issueMinionCert, type TestCa } from '../../helpers/pki.js';
import { makeTempRoot, removeTempRoot } from '../../helpers/temp-root.js';
import { AmqpClient } from '../../../transport/amqp/client.js';
import { declareExchanges, declareMinionQueue } from '../../../transport/amqp/declare.js';
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../../../transport/amqp/envelope.js';
import { publishOptions } from '../../../transport/amqp/message-properties.js';
import { Topology } from '../../../transport/amqp/naming.js';
import { MessageSigner } from '../../../transport/amqp/signing.js';
import { Overlord } from '../../../overlord/overlord.js';
import { stopAll } from '../../helpers/processes.js';
import { startAmqpFleet, type AmqpFleet } from './amqp-fleet.js';
import { overlordSettings } from '../../../transport/amqp/settings.js';

const run = promisify(execFile);

const HOST = 'fake.example';

describe('transport/amqp reply trust', function () {
  this.timeout(30_000);
  const prefix = uniquePrefix();
  const topo = new Topology(prefix);
  let ca: TestCa;
  let dir: string;
  let conn: ChannelModel;
  let client: AmqpClient;
  let genuine: MessageSigner;
  let impostor: MessageSigner;

  before(async () => {
    ca = await createTestCa();
    dir = await makeTempRoot('amqp-reply-trust');
    const load = async (f: { keyPath: string; certPath: string }) => new MessageSigner(await fs.readFile(f.keyPath, 'utf8'), await fs.readFile(f.certPath, 'utf8'));
    genuine = await load(await issueMinionCert(ca, HOST, dir));
    impostor = await load(await issueMinionCert(ca, 'other.example', dir));
    conn = await amqp.connect(TEST_AMQP_URL, { noDelay: true });
    const ch = await conn.createChannel();
    await declareExchanges(ch, topo, 'classic');
    await declareMinionQueue(ch, topo, HOST, 'classic');
    client = new AmqpClient({
      options: overlordSettings({ amqp_url: [TEST_AMQP_URL], amqp_prefix: prefix, amqp_max_body_bytes: 1 << 20, amqp_request_ttl: 60 }),
      tls: { key: ca.caKeyPem, cert: ca.caCertPem, ca: ca.caCertPem }, verifyHostName: true, log: silentLogger,
    });
  });
  after(async () => {
    await client?.close();
    await conn?.close().catch(() => {});
    await removePrefix(prefix, [topo.minionQueue(HOST)]);
    await removeTempRoot(dir);
    await removeTempRoot(ca.root);
  });

  it('dead-letters a reply for a host signed by another certificate, and takes the genuine one', async () => {
    // this test plays the minion: it takes the request from the minion's queue and answers twice
    const ch = await conn.createConfirmChannel();
    let deadReason: (reason: unknown) => void = () => {};
    const deadArrived = new Promise((resolve) => { deadReason = resolve; });
    await ch.consume(topo.deadQueue, (m) => { if (m) deadReason(m.properties.headers?.['x-func-reason']); }, { noAck: true });
    await ch.consume(topo.minionQueue(HOST), (m) => {
      if (!m) return;
      ch.ack(m);
      const req = decodeEnvelope(m.content);
      if (req.kind !== 'request') return;
      const answer = (signer: MessageSigner, value: number): void => {
        const env: Envelope = { kind: 'response', id: req.id, host: HOST, sent: Date.now(), value };
        const body = encodeEnvelope(env);
        ch.publish(topo.replyExchange, topo.replyKey(req.replyTo, HOST), body, publishOptions(env, signer.sign(body)));
      };
      answer(impostor, 666);
      answer(genuine, 42);
    });
    expect(await client.call(HOST, { method: 'test.ping', params: [] }, { timeout: 10_000 })).to.equal(42);
    expect(await deadArrived).to.equal('wrong-signer');
    await ch.close();
  });
});

describe('transport/amqp quorum queues', function () {
  this.timeout(30_000);
  const QHOST = '127.0.1.61';
  let fleet: AmqpFleet;
  before(async () => {
    fleet = await startAmqpFleet([QHOST], { minionConf: { amqp_queue_type: 'quorum' }, overlordConf: { amqp_queue_type: 'quorum' } });
  });
  after(async () => { await fleet?.close(); await stopAll(); });

  it('serves calls from a quorum queue when amqp_queue_type = quorum', async () => {
    const o = new Overlord(QHOST, { root: fleet.root });
    try {
      expect((await o.call('test', 'add', 20, 22)).get(QHOST)).to.deep.equal({ status: 'ok', value: 42 });
    } finally { await o.close(); }
    const { stdout } = await run('rabbitmqctl', ['-q', 'list_queues', 'name', 'type']);
    expect(stdout).to.match(new RegExp(`${fleet.prefix}\\.minion\\.127\\.0\\.1\\.61\\s+quorum`));
  });
});
