// Minion call throughput: test.ping calls/s against one funcd process, kept-alive and with a new TLS connection per
// call (sequential and 8 in flight), beside Python's SimpleXMLRPCServer + ThreadingMixIn over the same mutual TLS
// (bench/py/ping_server.py), in alternating rounds of the same run with the same thin client; plus funcd's RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTlsMaterial } from '../common/tls.js';
import { TlsPingClient, type PingCreds } from './tls-ping-client.js';
import { createTestCa, issueMinionCert, writeMinionConfs } from '../test/helpers/pki.js';
import { makeTempRoot, removeTempRoot } from '../test/helpers/temp-root.js';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FUNCD = { host: '127.0.3.200', port: 51234 };
const PYTHON = { host: '127.0.3.201', port: 51234 };
const ROUNDS = 6;
const ROUND_MS = 600;
const ROUND_MAX_CALLS = 20000;

/** Starts a child and resolves once its stdout shows `ready`. */
async function startChild(cmd: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += String(d); if (ready.test(out)) resolve(); });
    child.once('exit', (code) => reject(new Error(`${path.basename(args[0] ?? cmd)} exited (${code}) before it was ready`)));
  });
  return child;
}

type Target = { host: string; port: number };

/** Calls done by `inFlight` callers (one client each) during `ms`. */
async function round(target: Target, creds: PingCreds, keepAlive: boolean, inFlight: number, ms: number): Promise<number> {
  const clients = Array.from({ length: inFlight }, () => new TlsPingClient(target.host, target.port, creds, keepAlive));
  let done = 0;
  const deadline = performance.now() + ms;
  try {
    await Promise.all(clients.map(async (c) => {
      while (performance.now() < deadline && done < ROUND_MAX_CALLS) { await c.ping(); done++; }
    }));
  } finally {
    for (const c of clients) c.close();
  }
  return done;
}

/** calls/s of both servers for one mode, in alternating rounds so that load from elsewhere hits both alike. */
async function measure(creds: PingCreds, keepAlive: boolean, inFlight: number): Promise<{ funcd: number; python: number }> {
  await round(FUNCD, creds, keepAlive, inFlight, 200);
  await round(PYTHON, creds, keepAlive, inFlight, 200);
  const calls = { funcd: 0, python: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    calls.funcd += await round(FUNCD, creds, keepAlive, inFlight, ROUND_MS);
    calls.python += await round(PYTHON, creds, keepAlive, inFlight, ROUND_MS);
  }
  const secs = (ROUNDS * ROUND_MS) / 1000;
  return { funcd: calls.funcd / secs, python: calls.python / secs };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

interface Row { mode: string; funcd: number; python: number; goal: number }

function printTable(rows: Row[], idleRss: number, loadedRss: number): void {
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (x: number) => x.toFixed(0).padStart(8);
  process.stdout.write(`\n${pad('test.ping over mutual TLS', 36)}  funcd/s  python/s   ratio   goal\n`);
  for (const r of rows) {
    const ratio = r.funcd / r.python;
    process.stdout.write(`${pad(r.mode, 36)} ${num(r.funcd)} ${num(r.python)}  ${ratio.toFixed(2).padStart(5)}x  ≥${r.goal}x ${ratio >= r.goal ? 'met' : 'MISSED'}\n`);
  }
  process.stdout.write(`\nfuncd RSS: idle ${idleRss.toFixed(1)} MB (goal < 60 MB: ${idleRss < 60 ? 'met' : 'MISSED'}), after the load ${loadedRss.toFixed(1)} MB\n`);
}

async function main(): Promise<void> {
  const ca = await createTestCa();
  const root = await makeTempRoot('bench-minion-calls');
  const children: ChildProcess[] = [];
  try {
    const files = await issueMinionCert(ca, 'bench.example.org', root);
    await writeMinionConfs(root, { name: 'bench.example.org', listenAddr: FUNCD.host, port: FUNCD.port, extra: { log_level: 'INFO' } });
    const funcd = await startChild(process.execPath, [path.join(top, 'bin/funcd')], { ...process.env, FUNC_ROOT: root }, /serving\.\.\./);
    children.push(funcd);
    children.push(await startChild('python3', [path.join(top, 'bench/py/ping_server.py'), PYTHON.host, String(PYTHON.port), files.keyPath, files.certPath, files.caPath], process.env, /ready/));
    await new Promise((r) => setTimeout(r, 1000));
    const idleRss = rssMb(funcd.pid!);
    const creds: PingCreds = loadTlsMaterial({ key: path.join(ca.caDir, 'certmaster.key'), cert: path.join(ca.caDir, 'certmaster.crt'), ca: files.caPath });
    const rows: Row[] = [];
    for (const keepAlive of [true, false]) {
      for (const inFlight of [1, 8]) {
        const mode = `${keepAlive ? 'keep-alive' : 'new TLS connection/call'}, ${inFlight === 1 ? 'sequential' : '8 in flight'}`;
        const r = await measure(creds, keepAlive, inFlight);
        rows.push({ mode, ...r, goal: keepAlive ? 3 : 1.5 });
        process.stderr.write(`${mode}: funcd ${r.funcd.toFixed(0)}/s, python ${r.python.toFixed(0)}/s\n`);
      }
    }
    printTable(rows, idleRss, rssMb(funcd.pid!));
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await removeTempRoot(root);
    await removeTempRoot(ca.root);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`minion-calls: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
