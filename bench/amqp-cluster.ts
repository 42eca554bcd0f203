// Three-node RabbitMQ cluster benchmark (bounded, ~1.5 min): three nodes of our own on this machine (ports
// 5691-5693, joined into one cluster), quorum queues, three minions and an overlord that list all three URLs.
// test.ping calls run round-robin while the node leading the first minion's queue is stopped and started again;
// prints what callers saw (answers, timeouts, errors, the slowest answer). Writes bench/results/amqp-cluster.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { readOverlordConf } from '../common/config-files.js';
import { silentLogger } from '../common/log.js';
import { loadCredentials } from '../overlord/credentials.js';
import { AmqpClient } from '../transport/amqp/client.js';
import { CACHE_DIR, prepareFleet } from './fanout-fleet.js';
import { startPrivateBroker, type PrivateBroker } from '../test/helpers/private-broker.js';
import { overlordSettings } from '../transport/amqp/settings.js';

const PORTS = [5691, 5692, 5693];
const RUN_MS = 40_000;
const STOP_AT_MS = 8_000;
const START_AT_MS = 22_000;
const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (s: string): void => { process.stderr.write(`${s}\n`); };

interface Sample { at: number; host: string; ms: number; status: 'ok' | 'timeout' | 'error'; error?: string }

async function startCluster(): Promise<PrivateBroker[]> {
  const cookie = randomBytes(16).toString('hex').toUpperCase();
  const nodes: PrivateBroker[] = [];
  try {
    for (const [i, port] of PORTS.entries()) nodes.push(await startPrivateBroker(`func-c${i + 1}`, port, { cookie }));
    for (const n of nodes.slice(1)) {
      await n.ctl('stop_app');
      await n.ctl('reset');
      await n.ctl('join_cluster', nodes[0]!.node);
      await n.ctl('start_app');
    }
  } catch (err) {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    throw err;
  }
  return nodes;
}

async function startMinions(list: string, urls: string, prefix: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(top, 'dist/bench/amqp-host.js'), JSON.stringify({ mode: 'minions', list, prefix, url: urls, transports: 'amqp', queueType: 'quorum' })], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`minion host exited (${code})`)));
  });
  return child;
}

/** The node holding the leader of a quorum queue (rabbitmqctl list_queues name leader). */
async function leaderOf(nodes: PrivateBroker[], queue: string): Promise<PrivateBroker> {
  const out = await nodes[0]!.ctl('list_queues', 'name', 'leader');
  const line = out.split('\n').find((l) => l.startsWith(`${queue}\t`));
  const leader = line?.split('\t')[1]?.trim();
  const node = nodes.find((n) => n.node === leader);
  if (!node) throw new Error(`no leader found for ${queue} in: ${out}`);
  return node;
}

async function main(): Promise<void> {
  const fleet = await prepareFleet(1000, log);
  const minions = fleet.minions.slice(0, 3);
  const prefix = `cl${randomBytes(3).toString('hex')}`;
  log('starting three RabbitMQ nodes and joining them into one cluster');
  const nodes = await startCluster();
  const urls = nodes.map((n) => n.url);
  let host: ChildProcess | null = null;
  let client: AmqpClient | null = null;
  try {
    const list = path.join(CACHE_DIR, 'amqp-cluster-host.json');
    await fs.writeFile(list, JSON.stringify(minions));
    host = await startMinions(list, urls.join(', '), prefix);
    client = new AmqpClient({
      options: overlordSettings({ amqp_url: urls, amqp_prefix: prefix, amqp_queue_type: 'quorum', amqp_max_body_bytes: 1 << 20, amqp_request_ttl: 60 }),
      tls: await loadCredentials(fleet.caRoot, readOverlordConf(fleet.caRoot)), verifyHostName: true, log: silentLogger,
    });
    const queue = `${prefix}.minion.${minions[0]!.name}`;
    const leader = await leaderOf(nodes, queue);
    log(`leader of ${queue}: ${leader.node}; calling for ${RUN_MS / 1000} s, stopping it at ${STOP_AT_MS / 1000} s, starting it at ${START_AT_MS / 1000} s`);
    const samples: Sample[] = [];
    const t0 = Date.now();
    const chaos = (async () => {
      await new Promise((r) => setTimeout(r, STOP_AT_MS));
      await leader.ctl('stop_app');
      log(`  ${((Date.now() - t0) / 1000).toFixed(1)} s: ${leader.node} stopped`);
      await new Promise((r) => setTimeout(r, Math.max(0, START_AT_MS - (Date.now() - t0))));
      await leader.ctl('start_app');
      log(`  ${((Date.now() - t0) / 1000).toFixed(1)} s: ${leader.node} started again`);
    })();
    for (let i = 0; Date.now() - t0 < RUN_MS; i++) {
      const m = minions[i % minions.length]!;
      const started = Date.now();
      try {
        await client.call(m.name, { method: 'test.ping', params: [] }, { timeout: 5000 });
        samples.push({ at: started - t0, host: m.name, ms: Date.now() - started, status: 'ok' });
      } catch (err) {
        const e = err as Error;
        samples.push({ at: started - t0, host: m.name, ms: Date.now() - started, status: e.name === 'TimeoutError' ? 'timeout' : 'error', error: e.message });
      }
    }
    await chaos;
    const phases = report(samples, leader.node);
    const dir = path.join(top, 'bench/results');
    await fs.mkdir(dir, { recursive: true });
    const doc = { when: new Date().toISOString(), cpus: os.cpus().length, leader: leader.node, stopAtMs: STOP_AT_MS, startAtMs: START_AT_MS, phases, failures: samples.filter((x) => x.status !== 'ok') };
    await fs.writeFile(path.join(dir, 'amqp-cluster.json'), `${JSON.stringify(doc, null, 2)}\n`);
  } finally {
    await client?.close();
    if (host) { host.kill('SIGTERM'); await new Promise((r) => (host!.exitCode !== null ? r(null) : host!.once('exit', r))); }
    await Promise.allSettled(nodes.map((n) => n.stop()));
  }
}

interface Phase { phase: string; calls: number; ok: number; timeouts: number; errors: number; slowestMs: number }

/** Prints and returns what callers saw before, during and after the outage. */
function report(samples: Sample[], leader: string): Phase[] {
  const out: Phase[] = [];
  const phases: Array<[string, (s: Sample) => boolean]> = [
    ['before the stop', (s) => s.at < STOP_AT_MS],
    [`while ${leader} was down`, (s) => s.at >= STOP_AT_MS && s.at < START_AT_MS],
    ['after it came back', (s) => s.at >= START_AT_MS],
  ];
  for (const [what, inPhase] of phases) {
    const ss = samples.filter(inPhase);
    const count = (st: Sample['status']): number => ss.filter((s) => s.status === st).length;
    const slowest = ss.reduce((m, s) => Math.max(m, s.ms), 0);
    log(`  ${what}: ${ss.length} calls, ${count('ok')} ok, ${count('timeout')} timeouts, ${count('error')} errors; slowest ${slowest} ms`);
    for (const e of ss.filter((s) => s.status !== 'ok').slice(0, 3)) log(`    ${e.host} at ${(e.at / 1000).toFixed(1)} s: ${e.status} ${e.error ?? ''}`);
    out.push({ phase: what, calls: ss.length, ok: count('ok'), timeouts: count('timeout'), errors: count('error'), slowestMs: slowest });
  }
  return out;
}

main().catch((err: unknown) => {
  log(`amqp cluster benchmark failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
});
