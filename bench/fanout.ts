// Fan-out benchmark: test.ping to N = 10, 100, 1,000 real minions (4 processes × 250 on loopback) from our CLI and
// API (cold, and warm over keep-alive), beside a func-style Python caller (new TLS connection per host; serial and
// 8 forks) and bare TLS handshakes, all in one run. Writes bench/results/fanout.json and fanout.png.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readOverlordConf } from '../common/config-files.js';
import { chooseCredentials } from '../overlord/credentials.js';
import { Overlord } from '../overlord/overlord.js';
import { CACHE_DIR, prepareFleet, writeSizeGroups, type BenchFleet } from './fanout-fleet.js';
import { plotFanout } from './fanout-plot.js';
import { timeTlsFloor } from './fanout-tls-floor.js';

const SIZES = [10, 100, 1000] as const;
const PER_PROCESS = 250;
const REPS: Record<number, number> = { 10: 5, 100: 3, 1000: 3 };
/** a concurrency above the default 64, to see whether cold fan-out (CPU-bound handshakes on both ends) gains */
const WIDE = 256;
const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (s: string): void => { process.stderr.write(`${s}\n`); };

/** One caller's timings at one size. */
export interface Measurement { caller: string; n: number; seconds: number[]; median: number; ok: number }

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function startHosts(fleet: BenchFleet): Promise<ChildProcess[]> {
  const procs: ChildProcess[] = [];
  for (let i = 0; i < fleet.minions.length; i += PER_PROCESS) {
    const list = path.join(CACHE_DIR, `host-${i / PER_PROCESS}.json`);
    await fs.writeFile(list, JSON.stringify(fleet.minions.slice(i, i + PER_PROCESS)));
    const child = spawn(process.execPath, [path.join(top, 'dist/bench/minion-host.js'), list], { stdio: ['ignore', 'pipe', 'inherit'] });
    procs.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => { if (String(d).startsWith('ready')) resolve(); });
      child.once('exit', (code) => reject(new Error(`minion host ${i / PER_PROCESS} exited (${code})`)));
    });
  }
  return procs;
}

/** A cold Overlord (no connection open yet) at its default concurrency (overlord.conf forks = 64) or `concurrency`. */
async function timeApi(fleet: BenchFleet, n: number, concurrency?: number): Promise<[number, number]> {
  const started = performance.now();
  const o = new Overlord(`@n${n}`, { root: fleet.caRoot, timeout: 60, ...(concurrency ? { concurrency } : {}) });
  const results = await o.call('test', 'ping');
  const seconds = (performance.now() - started) / 1000;
  await o.close();
  return [seconds, [...results.values()].filter((r) => r.status === 'ok' && r.value === 1).length];
}

/** A warm Overlord: its keep-alive connections to every host are open (one untimed call first), all hosts at once. */
async function timeApiWarm(fleet: BenchFleet, n: number, reps: number): Promise<Measurement> {
  const o = new Overlord(`@n${n}`, { root: fleet.caRoot, timeout: 60, concurrency: n });
  try {
    await o.call('test', 'ping');
    return await measure('api warm', n, reps, async () => {
      const started = performance.now();
      const results = await o.call('test', 'ping');
      return [(performance.now() - started) / 1000, [...results.values()].filter((r) => r.status === 'ok' && r.value === 1).length];
    });
  } finally {
    await o.close();
  }
}

function timeCli(fleet: BenchFleet, n: number): [number, number] {
  const started = performance.now();
  const r = spawnSync(process.execPath, [path.join(top, 'bin/func'), '-t', '60', `@n${n}`, 'call', '--json', 'test', 'ping'],
    { env: { ...process.env, FUNC_ROOT: fleet.caRoot }, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - started) / 1000;
  const doc = JSON.parse(r.stdout || '{}') as Record<string, unknown>;
  return [seconds, Object.values(doc).filter((v) => v === 1).length];
}

async function timePython(fleet: BenchFleet, n: number, forks: number): Promise<[number, number]> {
  const hostsFile = path.join(CACHE_DIR, `hosts-${n}.txt`);
  await fs.writeFile(hostsFile, fleet.minions.slice(0, n).map((m) => m.name).join('\n'));
  const { files } = await chooseCredentials(fleet.caRoot, readOverlordConf(fleet.caRoot));
  const r = spawnSync('python3', [path.join(top, 'bench/py/func_style.py'), '--hosts', hostsFile, '--cert', files.cert,
    '--key', files.key, '--ca', files.ca, '--forks', String(forks)], { encoding: 'utf8' });
  if (r.error || !r.stdout) throw new Error(`python3 func-style caller failed: ${r.error?.message ?? r.stderr}`);
  const out = JSON.parse(r.stdout) as { elapsed: number; ok: number };
  return [out.elapsed, out.ok];
}

type Timer = (n: number) => Promise<[number, number]> | [number, number];

async function measure(caller: string, n: number, reps: number, timer: Timer): Promise<Measurement> {
  const seconds: number[] = [];
  let ok = 0;
  for (let i = 0; i < reps; i++) {
    const [s, good] = await timer(n);
    seconds.push(s);
    ok = good;
  }
  const m = { caller, n, seconds, median: median(seconds), ok };
  log(`  ${caller.padEnd(18)} N=${String(n).padStart(4)}  median ${m.median.toFixed(3)} s  (${ok}/${n} ok; runs ${seconds.map((x) => x.toFixed(3)).join(', ')})`);
  return m;
}

async function runAll(fleet: BenchFleet): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (const n of SIZES) {
    out.push(await measure('tls handshakes only', n, REPS[n]!, (k) => timeTlsFloor(fleet.caRoot, fleet.minions.slice(0, k).map((m) => m.name))));
    out.push(await measure('api', n, REPS[n]!, (k) => timeApi(fleet, k)));
    out.push(await measure(`api, ${WIDE} in flight`, n, REPS[n]!, (k) => timeApi(fleet, k, WIDE)));
    out.push(await timeApiWarm(fleet, n, REPS[n]!));
    out.push(await measure('cli', n, REPS[n]!, (k) => timeCli(fleet, k)));
    out.push(await measure('func-style forks 8', n, n >= 1000 ? 1 : 3, (k) => timePython(fleet, k, 8)));
    out.push(await measure('func-style serial', n, n >= 1000 ? 1 : 3, (k) => timePython(fleet, k, 1)));
  }
  return out;
}

function ratios(ms: Measurement[]): Array<Record<string, number | string>> {
  return SIZES.map((n) => {
    const at = (c: string): number => ms.find((m) => m.caller === c && m.n === n)!.median;
    return {
      n, 'api/tls-floor': at('api') / at('tls handshakes only'), 'serial/api': at('func-style serial') / at('api'),
      'serial/api-warm': at('func-style serial') / at('api warm'), 'forks8/api-warm': at('func-style forks 8') / at('api warm'), 'serial/cli': at('func-style serial') / at('cli'),
      'forks8/api': at('func-style forks 8') / at('api'), 'forks8/cli': at('func-style forks 8') / at('cli'),
    };
  });
}

async function main(): Promise<void> {
  if (spawnSync('python3', ['--version']).error) throw new Error('python3 is needed for the func-style baseline (bench/py/func_style.py)');
  const fleet = await prepareFleet(Math.max(...SIZES), log);
  await writeSizeGroups(fleet, SIZES);
  log(`starting ${fleet.minions.length} minions in ${Math.ceil(fleet.minions.length / PER_PROCESS)} processes`);
  const hosts = await startHosts(fleet);
  try {
    await timeApi(fleet, Math.max(...SIZES)); // warm the minions' code paths once, for every caller alike
    const ms = await runAll(fleet);
    const table = ratios(ms);
    for (const r of table) log(`  N=${r.n}: ours / bare TLS handshakes = ${Number(r['api/tls-floor']).toFixed(1)}× (API); func-style serial / warm API = ${Number(r['serial/api-warm']).toFixed(1)}×, forks 8 / warm API = ${Number(r['forks8/api-warm']).toFixed(1)}×; func-style serial / ours = ${Number(r['serial/api']).toFixed(1)}× (API), ${Number(r['serial/cli']).toFixed(1)}× (CLI); forks 8 / ours = ${Number(r['forks8/api']).toFixed(1)}× (API), ${Number(r['forks8/cli']).toFixed(1)}× (CLI)`);
    const api1000 = ms.find((m) => m.caller === 'api' && m.n === 1000)!.median;
    const warm1000 = ms.find((m) => m.caller === 'api warm' && m.n === 1000)!.median;
    const resultsDir = path.join(top, 'bench/results');
    await fs.mkdir(resultsDir, { recursive: true });
    const doc = {
      when: new Date().toISOString(), cpus: os.cpus().length, node: process.version, loadavgAfter: os.loadavg(),
      goal: { coldApi1000Under1s: api1000 < 1, api1000, warmApi1000Under1s: warm1000 < 1, warm1000 }, measurements: ms, ratios: table,
    };
    await fs.writeFile(path.join(resultsDir, 'fanout.json'), `${JSON.stringify(doc, null, 2)}\n`);
    log(`wrote ${path.join(resultsDir, 'fanout.json')}`);
    // no gnuplot: the figures above are the result, the plot is extra (exit 0); a gnuplot that fails is a bug
    if (plotFanout(ms, path.join(resultsDir, 'fanout.png'), log) === 'failed') process.exitCode = 1;
  } finally {
    for (const h of hosts) h.kill('SIGTERM');
    await Promise.all(hosts.map((h) => new Promise((r) => (h.exitCode !== null ? r(null) : h.once('exit', r)))));
  }
}

main().catch((err: unknown) => {
  log(`fanout benchmark failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
});
