// Hosts minions for bench/amqp in one process: `minions` mode runs startMinion for each {name, root} with the
// given transports (AMQP under a prefix, XML-RPC on port 51234); `raw` mode is a bare amqplib RPC server (the
// ceiling); `raw-fleet` gives each listed name a bare amqplib answerer of its own (connection, queue bound to
// <prefix>.raw with its name; the broadcast floor). Prints "ready N"; on a "cpu" line on stdin prints {"user","system"} µs used so far; stops on SIGTERM.
import fs from 'node:fs';
import readline from 'node:readline';
import amqp from 'amqplib';
import { silentLogger } from '../common/log.js';
import { startMinion, type MinionHandle } from '../minion/daemon.js';
import { BENCH_PORT } from './fanout-fleet.js';

interface HostArgs { mode: 'minions' | 'raw' | 'raw-fleet'; list?: string; prefix: string; url: string; transports?: string; queue?: string; queueType?: string; port?: string; journal?: string; maxBatch?: string }

async function startMinions(a: HostArgs): Promise<() => Promise<unknown>> {
  const list = JSON.parse(fs.readFileSync(a.list!, 'utf8')) as Array<{ name: string; root: string }>;
  const handles: MinionHandle[] = [];
  for (const m of list) {
    handles.push(await startMinion({
      root: m.root, name: m.name, log: silentLogger, crlPollMs: 600000,
      settings: {
        transports: a.transports ?? 'amqp', listen_addr: m.name, listen_port: a.port ?? String(BENCH_PORT),
        amqp_prefix: a.prefix, amqp_url: a.url, amqp_journal: a.journal ?? '', amqp_queue_type: a.queueType ?? 'classic', amqp_max_batch: a.maxBatch ?? '256',
      },
    }));
  }
  return () => Promise.allSettled(handles.map((h) => h.stop()));
}

/** The ceiling: consume a queue, answer each message to its reply_to with the same body; no signing, no dispatch. */
async function startRaw(a: HostArgs): Promise<() => Promise<unknown>> {
  const conn = await amqp.connect(a.url, { noDelay: true });
  const ch = await conn.createChannel();
  await ch.assertQueue(a.queue!, { durable: false, autoDelete: true });
  await ch.prefetch(256);
  await ch.consume(a.queue!, (m) => {
    if (!m) return;
    ch.sendToQueue(m.properties.replyTo as string, m.content, { correlationId: m.properties.correlationId as string });
    ch.ack(m);
  });
  return () => conn.close();
}

/** The broadcast floor: per name a connection and a queue that answers every message to its reply_to, as is. */
async function startRawFleet(a: HostArgs): Promise<() => Promise<unknown>> {
  const list = JSON.parse(fs.readFileSync(a.list!, 'utf8')) as Array<{ name: string }>;
  const conns: amqp.ChannelModel[] = [];
  for (const { name } of list) {
    const conn = await amqp.connect(a.url, { noDelay: true });
    conns.push(conn);
    const ch = await conn.createChannel();
    await ch.assertExchange(`${a.prefix}.raw`, 'direct', { durable: false, autoDelete: true });
    const { queue } = await ch.assertQueue(`${a.prefix}.raw.${name}`, { durable: false, autoDelete: true });
    await ch.bindQueue(queue, `${a.prefix}.raw`, name);
    await ch.consume(queue, (m) => {
      if (!m) return;
      ch.sendToQueue(m.properties.replyTo as string, Buffer.from(name), { correlationId: m.properties.correlationId as string });
      ch.ack(m);
    });
  }
  return () => Promise.allSettled(conns.map((c) => c.close()));
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2]!) as HostArgs;
  const stop = a.mode === 'raw' ? await startRaw(a) : a.mode === 'raw-fleet' ? await startRawFleet(a) : await startMinions(a);
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => { if (line.trim() === 'cpu') process.stdout.write(`${JSON.stringify(process.cpuUsage())}\n`); });
  const end = (): void => { void stop().then(() => process.exit(0)); };
  process.once('SIGTERM', end);
  process.stdout.write('ready\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`amqp-host: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
