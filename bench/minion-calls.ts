// Minion call throughput: test.ping calls/s against one funcd process, with keep-alive and with a new TLS connection
// per call (sequential and 8 in flight), beside Python's SimpleXMLRPCServer + ThreadingMixIn over the same mutual TLS
// (bench/py/ping_server.py), measured in the same run with the same client; plus funcd's idle RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTlsMaterial } from '../common/tls.js';
import { XmlRpcClient } from '../transport/xmlrpc/client.js';
import { createTestCa, issueMinionCert, writeMinionConfs } from '../test/helpers/pki.js';
import { makeTempRoot, removeTempRoot } from '../test/helpers/temp-root.js';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FUNCD = { host: '127.0.3.200', port: 51234 };
const PYTHON = { host: '127.0.3.201', port: 51234 };
const CELL_MS = 4000;
const CELL_MAX_CALLS = 40000;
const WARMUP_CALLS = 200;

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

/** calls/s of test.ping with `inFlight` concurrent callers, for CELL_MS or CELL_MAX_CALLS calls. */
async function measure(client: XmlRpcClient, target: string, inFlight: number): Promise<number> {
  const call = async () => {
    const v = await client.call(target, { method: 'test.ping', params: [] });
    if (v !== 1) throw new Error(`test.ping on ${target} returned ${JSON.stringify(v)}`);
  };
  for (let i = 0; i < WARMUP_CALLS / inFlight; i++) await Promise.all(Array.from({ length: inFlight }, call));
  let done = 0;
  const started = performance.now();
  const deadline = started + CELL_MS;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < deadline && done < CELL_MAX_CALLS) { await call(); done++; }
  }));
  return done / ((performance.now() - started) / 1000);
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

interface Row { mode: string; funcd: number; python: number; goal: number }

function printTable(rows: Row[], idleRss: number, loadedRss: number): void {
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (x: number) => x.toFixed(0).padStart(8);
  process.stdout.write(`\n${pad('test.ping over mutual TLS', 30)}  funcd/s  python/s   ratio   goal\n`);
  for (const r of rows) {
    const ratio = r.funcd / r.python;
    process.stdout.write(`${pad(r.mode, 30)} ${num(r.funcd)} ${num(r.python)}  ${ratio.toFixed(2).padStart(5)}x  ≥${r.goal}x ${ratio >= r.goal ? 'met' : 'MISSED'}\n`);
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
    const caDir = ca.caDir;
    const tls = loadTlsMaterial({ key: path.join(caDir, 'certmaster.key'), cert: path.join(caDir, 'certmaster.crt'), ca: files.caPath });
    const rows: Row[] = [];
    for (const keepAlive of [true, false]) {
      const client = new XmlRpcClient({ tls, verifyHostName: false, keepAlive, maxSockets: 8 });
      for (const inFlight of [1, 8]) {
        const mode = `${keepAlive ? 'keep-alive' : 'new connection per call'}, ${inFlight === 1 ? 'sequential' : '8 in flight'}`;
        const f = await measure(client, `${FUNCD.host}:${FUNCD.port}`, inFlight);
        const p = await measure(client, `${PYTHON.host}:${PYTHON.port}`, inFlight);
        rows.push({ mode, funcd: f, python: p, goal: keepAlive ? 3 : 1.5 });
        process.stderr.write(`${mode}: funcd ${f.toFixed(0)}/s, python ${p.toFixed(0)}/s\n`);
      }
      await client.close();
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
