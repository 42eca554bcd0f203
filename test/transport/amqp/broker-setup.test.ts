// func-amqp-setup against the real broker: a minion user reads its own queue and publishes replies, and the
// broker refuses it everything else — above all, publishing into another minion's queue.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqp, { type ChannelModel } from 'amqplib';
import { runBin } from '../../helpers/processes.js';
import { teardownBroker } from '../../../transport/amqp/broker-setup.js';

const run = promisify(execFile);

/** Runs one action on a fresh confirm channel; resolves "ok" or the broker's refusal text. */
async function attempt(conn: ChannelModel, action: (ch: amqp.ConfirmChannel) => Promise<unknown>): Promise<string> {
  const ch = await conn.createConfirmChannel();
  const closed = new Promise<string>((resolve) => ch.on('error', (err: Error) => resolve(err.message)));
  try {
    const result = await Promise.race([action(ch).then(() => ch.waitForConfirms()).then(() => 'ok'), closed]);
    if (result === 'ok') await ch.close();
    return result;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('transport/amqp func-amqp-setup', function () {
  this.timeout(60_000);
  const tag = randomBytes(3).toString('hex');
  const vhost = `func-test-${tag}`;
  const m1 = `m1-${tag}.example.com`;
  const m2 = `m2-${tag}.example.com`;
  const m3 = `m3-${tag}.example.com`;
  const ov = `ov-${tag}`;
  const urls = new Map<string, string>();
  let conn: ChannelModel | undefined;

  before(async () => {
    const r = await runBin('func-amqp-setup', ['--vhost', vhost, '--prefix', 'func', '--minion', m1, '--minion', `${m2}:secret2`, '--minion', `${m3}:-dash3`, '--overlord', ov], { timeoutMs: 50_000 });
    expect(r.code, r.stderr).to.equal(0);
    for (const line of r.stdout.trim().split('\n')) {
      const [, name, url] = line.split(' ');
      urls.set(name!, url!);
    }
    conn = await amqp.connect(urls.get(m1)!, { noDelay: true });
  });
  after(async () => {
    await conn?.close().catch(() => {});
    await teardownBroker(vhost, [m1, m2, m3, ov]);
  });

  it('prints one amqp_url per user, in the vhost, with the given password where one was given', () => {
    expect([...urls.keys()]).to.have.members([m1, m2, m3, ov]);
    expect(urls.get(m2)).to.equal(`amqp://${encodeURIComponent(m2)}:secret2@127.0.0.1:5672/${vhost}`);
  });

  it('sets a password starting with "-" (which rabbitmqctl once took for an option)', async () => {
    expect(urls.get(m3)).to.equal(`amqp://${encodeURIComponent(m3)}:-dash3@127.0.0.1:5672/${vhost}`);
    const c = await amqp.connect(urls.get(m3)!, { noDelay: true });
    await c.close();
  });

  it('lets a minion consume its own queue and publish a reply with its own name', async () => {
    expect(await attempt(conn!, (ch) => ch.checkQueue(`func.minion.${m1}`).then(() => ch.consume(`func.minion.${m1}`, () => {})))).to.equal('ok');
    expect(await attempt(conn!, async (ch) => ch.publish('func.replies', `ov1.${m1}`, Buffer.from('{}')))).to.equal('ok');
  });

  it('refuses a minion publishing into another minion\'s queue, by any route', async () => {
    expect(await attempt(conn!, async (ch) => ch.sendToQueue(`func.minion.${m2}`, Buffer.from('{}')))).to.match(/ACCESS_REFUSED|access to exchange 'amq.default'/);
    expect(await attempt(conn!, async (ch) => ch.publish('func.requests', m2, Buffer.from('{}')))).to.match(/ACCESS_REFUSED.*func\.requests/);
    expect(await attempt(conn!, async (ch) => ch.publish('func.requests', m1, Buffer.from('{}'), { BCC: [m2] }))).to.match(/ACCESS_REFUSED.*func\.requests/);
    // a reply it may send, with another minion's name added as a BCC routing key: the broker takes it (it does not
    // check BCC keys against topic permissions) but the reply exchange cannot route into a minion's queue
    expect(await attempt(conn!, async (ch) => ch.publish('func.replies', `ov1.${m1}`, Buffer.from('{}'), { BCC: [m2, `func.minion.${m2}`] }))).to.equal('ok');
    const { stdout } = await run('rabbitmqctl', ['-q', 'list_queues', '-p', vhost, 'name', 'messages']);
    expect(stdout).to.match(new RegExp(`func\\.minion\\.${m2.replace(/\./g, '\\.')}\\s+0\\b`));
  });

  it('refuses a minion reading another minion\'s queue or replying under another name', async () => {
    expect(await attempt(conn!, (ch) => ch.consume(`func.minion.${m2}`, () => {}))).to.match(/ACCESS_REFUSED/);
    expect(await attempt(conn!, async (ch) => ch.publish('func.replies', `ov1.${m2}`, Buffer.from('{}')))).to.match(/ACCESS_REFUSED.*topic/);
    expect(await attempt(conn!, (ch) => ch.assertQueue('func.minion.extra', { durable: true }))).to.match(/ACCESS_REFUSED/);
  });

  it('lets the overlord user declare its reply queue and publish requests and broadcasts', async () => {
    const oc = await amqp.connect(urls.get(ov)!, { noDelay: true });
    try {
      expect(await attempt(oc, async (ch) => {
        await ch.assertQueue('func.reply.r1', { durable: true, arguments: { 'x-queue-type': 'classic', 'x-expires': 60_000 } });
        await ch.bindQueue('func.reply.r1', 'func.replies', 'r1.#');
        ch.publish('func.requests', m1, Buffer.from('{}'));
        ch.publish('func.requests', m1, Buffer.from('{}'), { BCC: [m2] });
      })).to.equal('ok');
      expect(await attempt(oc, (ch) => ch.consume(`func.minion.${m1}`, () => {}))).to.match(/ACCESS_REFUSED/);
    } finally {
      await oc.close();
    }
  });
});
