// The benchmark's fleet: a certmaster CA and up to 1,000 minion roots (each with its own signed key pair and
// minion.conf) on 127.0.1.x, 127.0.2.x, 127.0.4.x, 127.0.5.x port 51234. Kept in a cache directory between runs.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCsr } from '../certmaster/csr.js';
import { generatePrivateKey } from '../certmaster/keys.js';
import { createTestCa, openTestStore, writeMinionConfs } from '../test/helpers/pki.js';

/** The port every benchmark minion listens on. */
export const BENCH_PORT = 51234;

/** Where the fleet is kept (delete it to start afresh). */
export const CACHE_DIR = path.join(os.tmpdir(), 'func-bench-fanout-v1');

/** A prepared fleet. */
export interface BenchFleet {
  /** the overlord's FUNC_ROOT: the CA (its key pair is the overlord's identity) and the signed certs */
  readonly caRoot: string;
  readonly minions: ReadonlyArray<{ readonly name: string; readonly root: string }>;
}

/** 1,000 addresses, 250 per /24, avoiding 127.0.0.x and 127.0.3.x (used by the test suites). */
export function benchNames(n: number): string[] {
  const nets = [1, 2, 4, 5];
  return Array.from({ length: n }, (_, i) => `127.0.${nets[Math.floor(i / 250)]}.${(i % 250) + 1}`);
}

async function issue(store: Awaited<ReturnType<typeof openTestStore>>, caPem: string, name: string, root: string): Promise<void> {
  const keyPem = await generatePrivateKey('ec');
  const { certPem } = await store.signRequest(await store.checkCsr(await createCsr(keyPem, name)), { withTriggers: false });
  const dir = path.join(root, 'etc/pki/certmaster');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, `${name}.pem`), keyPem, { mode: 0o600 });
  await fs.writeFile(path.join(dir, `${name}.cert`), certPem);
  await fs.writeFile(path.join(dir, 'ca.cert'), caPem);
  await writeMinionConfs(root, { name, listenAddr: name, port: BENCH_PORT, extra: { log_level: 'WARNING' } });
}

/** Loads the cached fleet, or makes it (about 45 ms per minion: one CA signature each). */
export async function prepareFleet(n: number, log: (s: string) => void, cacheDir: string = CACHE_DIR): Promise<BenchFleet> {
  const CACHE_DIR = cacheDir;
  const marker = path.join(CACHE_DIR, `fleet-${n}.json`);
  try {
    return JSON.parse(await fs.readFile(marker, 'utf8')) as BenchFleet;
  } catch { /* not made yet */ }
  await fs.rm(CACHE_DIR, { recursive: true, force: true });
  const caRoot = path.join(CACHE_DIR, 'ca');
  await fs.mkdir(caRoot, { recursive: true });
  const ca = await createTestCa({ root: caRoot });
  const store = await openTestStore(ca);
  const minions = benchNames(n).map((name) => ({ name, root: path.join(CACHE_DIR, 'minions', name) }));
  log(`making ${n} minion roots with signed certificates in ${CACHE_DIR} (once; reused by later runs)`);
  for (const [i, m] of minions.entries()) {
    await issue(store, ca.caCertPem, m.name, m.root);
    if ((i + 1) % 100 === 0) log(`  ${i + 1} of ${n}`);
  }
  const fleet: BenchFleet = { caRoot, minions };
  await fs.writeFile(marker, JSON.stringify(fleet));
  return fleet;
}

/** Writes the overlord's groups file with one group per size: @n10 = the first 10 minions, and so on. */
export async function writeSizeGroups(fleet: BenchFleet, sizes: readonly number[]): Promise<void> {
  const text = sizes.map((s) => `[n${s}]\nhost = ${fleet.minions.slice(0, s).map((m) => m.name).join(',')}\n`).join('\n');
  await fs.mkdir(path.join(fleet.caRoot, 'etc/func'), { recursive: true });
  await fs.writeFile(path.join(fleet.caRoot, 'etc/func/groups'), text);
}

/** Starts the fleet's minions, `perProcess` to a process (bench/minion-host.ts); resolves when all answer. */
export async function startMinionHosts(fleet: BenchFleet, perProcess: number, cacheDir: string = CACHE_DIR): Promise<ChildProcess[]> {
  const hostScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'minion-host.js');
  const procs: ChildProcess[] = [];
  for (let i = 0; i < fleet.minions.length; i += perProcess) {
    const list = path.join(cacheDir, `host-${i / perProcess}.json`);
    await fs.writeFile(list, JSON.stringify(fleet.minions.slice(i, i + perProcess)));
    const child = spawn(process.execPath, [hostScript, list], { stdio: ['ignore', 'pipe', 'inherit'] });
    procs.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => { if (String(d).startsWith('ready')) resolve(); });
      child.once('exit', (code) => reject(new Error(`minion host ${i / perProcess} exited (${code})`)));
    });
  }
  return procs;
}

/** Stops what startMinionHosts started. */
export async function stopMinionHosts(procs: readonly ChildProcess[]): Promise<void> {
  for (const h of procs) h.kill('SIGTERM');
  await Promise.all(procs.map((h) => new Promise((r) => (h.exitCode !== null ? r(null) : h.once('exit', r)))));
}
