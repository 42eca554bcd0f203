// AMQP benchmark (bounded, ~4 min): test.ping round trips/s over our AMQP transport (signed, journaled, dispatched)
// with 1 and 64 calls in flight beside a raw amqplib RPC loop on the same broker (the ceiling), CPU per call on
// each side; then cold broadcast fan-out to 100 and 1,000 loopback minions (250 per process) beside cold XML-RPC
// fan-out, bare TLS handshakes to the same minions and a raw amqplib broadcast to bare answerers (one connection
// and queue each, no signing, no dispatch: the floor), all in one run. Writes bench/results/amqp.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { readOverlordConf } from '../common/config-files.js';
import { silentLogger } from '../common/log.js';
import { loadCredentials } from '../overlord/credentials.js';
import { Overlord } from '../overlord/overlord.js';
import { amqpTransport } from '../transport/amqp/index.js';
import { CACHE_DIR, prepareFleet, writeSizeGroups, type BenchFleet } from './fanout-fleet.js';
import { timeTlsFloor } from './fanout-tls-floor.js';
import { startPrivateBroker, type PrivateBroker } from '../test/helpers/private-broker.js';
import { overlordSettings } from '../transport/amqp/settings.js';

/** the broker: FUNC_BENCH_AMQP_URL, else a node of the benchmark's own on port 5682 (see test/helpers/private-broker.ts) */
let URL_ = process.env.FUNC_BENCH_AMQP_URL ?? '';
const DURATION_MS = 3000;
const IN_FLIGHT = [1, 64] as const;
const SIZES = [100, 1000] as const;
const PER_PROCESS = 250;
/** the XML-RPC port of this benchmark's minions (not bench/fanout's 51234, so the two can run at once) */
const XMLRPC_PORT = 51334;
const REPS = 3;
const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (s: string): void => { process.stderr.write(`${s}\n`); };
/** `--only rates` or `--only fanout` runs one half (for profiling); the default runs both and writes the results */
const ONLY = ((i) => (i >= 0 ? process.argv[i + 1] : undefined))(process.argv.indexOf('--only'));

interface Host { child: ChildProcess; cpu(): Promise<number>; stop(): Promise<void> }

/** Starts bench/amqp-host.js with `args`; cpu() gives its user+system CPU in µs so far. */
async function startHost(args: Record<string, string>): Promise<Host> {
  const child = spawn(process.execPath, [path.join(top, 'dist/bench/amqp-host.js'), JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  const waiting: Array<{ resolve(line: string): void; reject(err: Error): void }> = [];
  lines.on('line', (l) => waiting.shift()?.resolve(l));
  child.once('exit', (code) => { for (const w of waiting.splice(0)) w.reject(new Error(`amqp-host exited (${code})`)); });
  const next = (): Promise<string> => new Promise((resolve, reject) => {
    if (child.exitCode !== null) reject(new Error(`amqp-host exited (${child.exitCode})`));
    else waiting.push({ resolve, reject });
  });
  const ready = await next();
  if (ready !== 'ready') throw new Error(`amqp-host said ${ready}`);
  return {
    child,
    async cpu() { child.stdin!.write('cpu\n'); const u = JSON.parse(await next()) as { user: number; system: number }; return u.user + u.system; },
    async stop() { child.kill('SIGTERM'); await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r))); },
  };
}

interface Rate { caller: string; inFlight: number; calls: number; seconds: number; perSecond: number; clientCpuUsPerCall: number; serverCpuUsPerCall: number }

/** Runs `call` from `inFlight` loops for DURATION_MS (after a 500 ms warm-up) and measures rate and CPU. */
async function measureRate(caller: string, inFlight: number, host: Host, call: () => Promise<unknown>): Promise<Rate> {
  const loop = async (until: number, counter: { n: number }): Promise<void> => { while (Date.now() < until) { await call(); counter.n++; } };
  await Promise.all(Array.from({ length: inFlight }, () => loop(Date.now() + 500, { n: 0 })));
  const counter = { n: 0 };
  const [c0, s0, t0] = [process.cpuUsage(), await host.cpu(), performance.now()];
  await Promise.all(Array.from({ length: inFlight }, () => loop(Date.now() + DURATION_MS, counter)));
  const seconds = (performance.now() - t0) / 1000;
  const c1 = process.cpuUsage(c0);
  const s1 = await host.cpu();
  const r: Rate = {
    caller, inFlight, calls: counter.n, seconds, perSecond: counter.n / seconds,
    clientCpuUsPerCall: (c1.user + c1.system) / counter.n, serverCpuUsPerCall: (s1 - s0) / counter.n,
  };
  log(`  ${caller.padEnd(28)} ${String(inFlight).padStart(2)} in flight: ${r.perSecond.toFixed(0).padStart(6)} calls/s; CPU per call: caller ${r.clientCpuUsPerCall.toFixed(0)} µs, server ${r.serverCpuUsPerCall.toFixed(0)} µs`);
  return r;
}

/** The raw amqplib RPC ceiling: a bare server process and a bare client (reply queue, correlation ids). */
async function rawRates(): Promise<Rate[]> {
  const queue = `bench-raw-${randomBytes(4).toString('hex')}`;
  const host = await startHost({ mode: 'raw', queue, url: URL_, prefix: '' });
  const conn = await amqp.connect(URL_, { noDelay: true });
  try {
    const ch = await conn.createChannel();
    const { queue: replyQueue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    const waiting = new Map<string, () => void>();
    await ch.consume(replyQueue, (m) => { if (m) waiting.get(m.properties.correlationId as string)?.(); }, { noAck: true });
    let seq = 0;
    const call = (): Promise<void> => new Promise((resolve) => {
      const id = String(++seq);
      waiting.set(id, () => { waiting.delete(id); resolve(); });
      ch.sendToQueue(queue, Buffer.from('{"method":"test.ping","params":[]}'), { correlationId: id, replyTo: replyQueue });
    });
    const out: Rate[] = [];
    for (const k of IN_FLIGHT) out.push(await measureRate('raw amqplib RPC', k, host, call));
    return out;
  } finally {
    await conn.close();
    await host.stop();
  }
}

/**
 * Our transport: one minion in its own process (journal on disk, as funcd's default), the AMQP client of the
 * overlord here; `maxBatch` = amqp_max_batch on both sides (1: one call per message).
 */
async function ourRates(fleet: BenchFleet, maxBatch: number): Promise<Rate[]> {
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const m = fleet.minions[0]!;
  const list = path.join(CACHE_DIR, 'amqp-rate-host.json');
  await fs.writeFile(list, JSON.stringify([m]));
  const journal = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'func-bench-journal-')), 'amqp-requests.jsonl');
  const host = await startHost({ mode: 'minions', list, prefix, url: URL_, transports: 'amqp', journal, maxBatch: String(maxBatch) });
  const client = amqpTransport.createClient({
    options: overlordSettings({ amqp_url: [URL_], amqp_prefix: prefix, amqp_max_body_bytes: 16 << 20, amqp_max_batch: maxBatch, amqp_request_ttl: 3600 }),
    tls: await loadCredentials(fleet.caRoot, readOverlordConf(fleet.caRoot)), verifyHostName: true, log: silentLogger,
  });
  try {
    const call = () => client.call(m.name, { method: 'test.ping', params: [] }, { timeout: 10_000 });
    const out: Rate[] = [];
    const label = maxBatch > 1 ? 'func over AMQP (signed)' : 'func over AMQP, no batches';
    for (const k of IN_FLIGHT) out.push(await measureRate(label, k, host, call));
    return out;
  } finally {
    await client.close();
    await host.stop();
    await fs.rm(path.dirname(journal), { recursive: true, force: true });
    await deleteQueues([`${prefix}.minion.${m.name}`, `${prefix}.dead`]);
  }
}

async function deleteQueues(queues: string[]): Promise<void> {
  const conn = await amqp.connect(URL_, { noDelay: true });
  const ch = await conn.createChannel();
  for (const q of queues) await ch.deleteQueue(q).catch(() => {});
  await conn.close().catch(() => {});
}

interface FanoutTime { caller: string; n: number; seconds: number[]; median: number; ok: number; callerCpuUsPerHost?: number; minionCpuUsPerHost?: number; brokerCpuUsPerHost?: number }

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeCold(fleet: BenchFleet, n: number, transport: 'amqp' | 'xmlrpc', prefix: string, settings: Record<string, string> = {}): Promise<[number, number]> {
  const started = performance.now();
  const o = new Overlord(`@n${n}`, { root: fleet.caRoot, timeout: 60, transport, settings: { amqp_prefix: prefix, amqp_url: URL_, listen_port: String(XMLRPC_PORT), ...settings } });
  const results = await o.call('test', 'ping');
  const seconds = (performance.now() - started) / 1000;
  await o.close();
  return [seconds, [...results.values()].filter((r) => r.status === 'ok' && r.value === 1).length];
}

/** The floor of a broadcast: connect, one message with BCC to the first `n` raw answerers, wait for their n answers. */
async function timeRawBroadcast(fleet: BenchFleet, n: number, prefix: string): Promise<[number, number]> {
  const started = performance.now();
  const conn = await amqp.connect(URL_, { noDelay: true });
  try {
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    let got = 0;
    const all = new Promise<void>((resolve) => {
      void ch.consume(queue, () => { if (++got === n) resolve(); }, { noAck: true });
    });
    const names = fleet.minions.slice(0, n).map((m) => m.name);
    ch.publish(`${prefix}.raw`, names[0]!, Buffer.from('{"method":"test.ping","params":[]}'), { replyTo: queue, correlationId: '1', BCC: names.slice(1) });
    await all;
    return [(performance.now() - started) / 1000, got];
  } finally {
    await conn.close();
  }
}

/** Times REPS cold fan-outs; with `hosts`, also the CPU each side spent per answering host. */
async function measureFanout(caller: string, n: number, timer: () => Promise<[number, number]>, hosts: Host[] = []): Promise<FanoutTime> {
  const seconds: number[] = [];
  let ok = 0;
  const cpu0 = process.cpuUsage();
  const minions0 = await Promise.all(hosts.map((h) => h.cpu()));
  const broker0 = await broker?.cpu();
  for (let i = 0; i < REPS; i++) { const [s, good] = await timer(); seconds.push(s); ok = good; }
  const t: FanoutTime = { caller, n, seconds, median: median(seconds), ok };
  let cpuNote = '';
  if (hosts.length > 0) {
    const c = process.cpuUsage(cpu0);
    const minions1 = await Promise.all(hosts.map((h) => h.cpu()));
    t.callerCpuUsPerHost = (c.user + c.system) / (REPS * n);
    t.minionCpuUsPerHost = minions1.reduce((a, x, i) => a + x - minions0[i]!, 0) / (REPS * n);
    cpuNote = `; CPU per host: caller ${t.callerCpuUsPerHost.toFixed(0)} µs, minions ${t.minionCpuUsPerHost.toFixed(0)} µs`;
    if (broker && broker0 !== undefined) {
      t.brokerCpuUsPerHost = (await broker.cpu() - broker0) / (REPS * n);
      cpuNote += `, broker ${t.brokerCpuUsPerHost.toFixed(0)} µs`;
    }
  }
  log(`  ${caller.padEnd(28)} N=${String(n).padStart(4)}: median ${t.median.toFixed(3)} s (${ok}/${n} ok; runs ${seconds.map((x) => x.toFixed(3)).join(', ')})${cpuNote}`);
  return t;
}

async function fanouts(fleet: BenchFleet): Promise<FanoutTime[]> {
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  await writeSizeGroups(fleet, SIZES);
  log(`starting ${fleet.minions.length} minions (XML-RPC and AMQP) in ${fleet.minions.length / PER_PROCESS} processes`);
  const hosts: Host[] = [];
  let rawHosts: Host[] = [];
  try {
    const lists: string[] = [];
    for (let i = 0; i < fleet.minions.length; i += PER_PROCESS) {
      const list = path.join(CACHE_DIR, `amqp-host-${i / PER_PROCESS}.json`);
      await fs.writeFile(list, JSON.stringify(fleet.minions.slice(i, i + PER_PROCESS)));
      lists.push(list);
    }
    const started = await Promise.allSettled([
      ...lists.map((list) => startHost({ mode: 'minions', list, prefix, url: URL_, transports: 'xmlrpc, amqp', port: String(XMLRPC_PORT) })),
      ...lists.map((list) => startHost({ mode: 'raw-fleet', list, prefix, url: URL_ })),
    ]);
    for (const s of started) if (s.status === 'fulfilled') hosts.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    rawHosts = hosts.splice(lists.length);
    log(`  minions ready`);
    await timeCold(fleet, 1000, 'amqp', prefix); // warm the minions' code paths once, for both transports alike
    await timeCold(fleet, 1000, 'xmlrpc', prefix);
    const out: FanoutTime[] = [];
    for (const n of SIZES) {
      out.push(await measureFanout('raw amqplib broadcast', n, () => timeRawBroadcast(fleet, n, prefix), rawHosts));
      out.push(await measureFanout('tls handshakes only', n, () => timeTlsFloor(fleet.caRoot, fleet.minions.slice(0, n).map((m) => m.name), XMLRPC_PORT)));
      out.push(await measureFanout('xml-rpc cold (api)', n, () => timeCold(fleet, n, 'xmlrpc', prefix), hosts));
      out.push(await measureFanout('amqp broadcast cold (api)', n, () => timeCold(fleet, n, 'amqp', prefix), hosts));
      out.push(await measureFanout('amqp persistent broadcast', n, () => timeCold(fleet, n, 'amqp', prefix, { amqp_persistent_broadcasts: 'yes' }), hosts));
    }
    return out;
  } finally {
    await Promise.all([...hosts, ...rawHosts].map((h) => h.stop()));
    await deleteQueues([...fleet.minions.map((m) => `${prefix}.minion.${m.name}`), `${prefix}.dead`]);
  }
}

/** the benchmark's own RabbitMQ node (null with FUNC_BENCH_AMQP_URL): its CPU is measured too */
let broker: PrivateBroker | null = null;

async function main(): Promise<void> {
  const fleet = await prepareFleet(1000, log);
  if (!URL_) {
    log('starting a RabbitMQ node of our own on 127.0.0.1:5682');
    broker = await startPrivateBroker('func-bench-amqp', 5682);
    URL_ = broker.url;
  }
  try {
    await runAll(fleet);
  } finally {
    await broker?.stop();
  }
}

async function runAll(fleet: BenchFleet): Promise<void> {
  if (ONLY === 'fanout') { await fanouts(fleet); return; }
  log('test.ping round trips');
  const rates = [...await rawRates(), ...await ourRates(fleet, 256), ...await ourRates(fleet, 1)];
  if (ONLY === 'rates') return;
  const rate = (caller: string, k: number): number => rates.find((r) => r.caller === caller && r.inFlight === k)!.perSecond;
  const ratio = (k: number, ours = 'func over AMQP (signed)'): number => rate(ours, k) / rate('raw amqplib RPC', k);
  for (const k of IN_FLIGHT) {
    log(`  ${k} in flight: ours / raw amqplib = ${(ratio(k) * 100).toFixed(0)} % (goal >= 80 %); one call per message: ${(ratio(k, 'func over AMQP, no batches') * 100).toFixed(0)} %`);
  }
  log('cold fan-out of test.ping');
  const fan = await fanouts(fleet);
  const at = (c: string, n: number): number => fan.find((f) => f.caller === c && f.n === n)!.median;
  for (const n of SIZES) {
    log(`  N=${n}: xml-rpc / amqp broadcast = ${(at('xml-rpc cold (api)', n) / at('amqp broadcast cold (api)', n)).toFixed(2)}x; amqp / bare TLS handshakes = ${(at('amqp broadcast cold (api)', n) / at('tls handshakes only', n)).toFixed(2)}x; amqp / raw amqplib broadcast = ${(at('amqp broadcast cold (api)', n) / at('raw amqplib broadcast', n)).toFixed(2)}x`);
  }
  const doc = {
    when: new Date().toISOString(), cpus: os.cpus().length, node: process.version, loadavgAfter: os.loadavg(),
    goals: {
      ratio1: ratio(1), ratio64: ratio(64), ratio1Unbatched: ratio(1, 'func over AMQP, no batches'), ratio64Unbatched: ratio(64, 'func over AMQP, no batches'), amqp1000: at('amqp broadcast cold (api)', 1000),
      amqp1000Under1s: at('amqp broadcast cold (api)', 1000) < 1,
      xmlrpcOverAmqp1000: at('xml-rpc cold (api)', 1000) / at('amqp broadcast cold (api)', 1000),
      rawBroadcast1000: at('raw amqplib broadcast', 1000),
      persistentBroadcast1000: at('amqp persistent broadcast', 1000),
    },
    rates, fanout: fan,
  };
  const dir = path.join(top, 'bench/results');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'amqp.json'), `${JSON.stringify(doc, null, 2)}\n`);
  log(`wrote ${path.join(dir, 'amqp.json')}`);
}

main().catch((err: unknown) => {
  log(`amqp benchmark failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
});
