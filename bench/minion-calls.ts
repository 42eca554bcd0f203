// Minion call throughput: test.ping calls/s against one funcd, kept-alive and a new TLS connection per call (1 and 8
// in flight), beside Python's SimpleXMLRPCServer (bench/py/ping_server.py) and a bare Node https ceiling over the same
// mutual TLS, in alternating rounds from one load process (bench/ping-load.ts); CPU per call and funcd's RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RoundRequest, RoundResult } from './ping-load.js';
import { createTestCa, issueMinionCert, writeMinionConfs } from '../test/helpers/pki.js';
import { makeTempRoot, removeTempRoot } from '../test/helpers/temp-root.js';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROUNDS = 6;
const ROUND_MS = 600;
const WARM_MS = 300;
const ROUND_MAX_CALLS = 40000;
/** USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux */
const CLOCK_TICKS = 100;

/** A server under test. */
interface Server { name: 'funcd' | 'python' | 'bare'; host: string; port: number; pid: number }
/** Totals of one server in one mode. */
interface Totals { calls: number; seconds: number; serverCpu: number; clientCpu: number; tls: string }
interface Row { mode: string; goal: number; funcd: Totals; python: Totals; bare: Totals }

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

/** The load process: runs one round at a time on request. */
class LoadDriver {
  private readonly child: ChildProcess;

  constructor(files: { key: string; cert: string; ca: string }) {
    this.child = spawn(process.execPath, [path.join(top, 'dist/bench/ping-load.js'), files.key, files.cert, files.ca],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }

  run(r: RoundRequest): Promise<RoundResult> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the load process exited (${code})`));
      this.child.once('exit', onExit);
      this.child.once('message', (m: RoundResult) => {
        this.child.off('exit', onExit);
        if (m.error) reject(new Error(`load process: ${m.error}`)); else resolve(m);
      });
      this.child.send(r);
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** One round against one server, with the server's CPU time over it. */
async function round(load: LoadDriver, s: Server, keepAlive: boolean, inFlight: number, ms: number): Promise<Totals> {
  const cpu = cpuSeconds(s.pid);
  const r = await load.run({ host: s.host, port: s.port, keepAlive, inFlight, ms, maxCalls: ROUND_MAX_CALLS });
  return { calls: r.calls, seconds: r.seconds, serverCpu: cpuSeconds(s.pid) - cpu, clientCpu: r.cpuMs / 1000, tls: r.tls };
}

function add(a: Totals, b: Totals): Totals {
  return { calls: a.calls + b.calls, seconds: a.seconds + b.seconds, serverCpu: a.serverCpu + b.serverCpu, clientCpu: a.clientCpu + b.clientCpu, tls: a.tls || b.tls };
}

/** Every server in one mode: a warm-up round each, then alternating rounds so that load from elsewhere hits all alike. */
async function measure(load: LoadDriver, servers: Server[], keepAlive: boolean, inFlight: number): Promise<Record<Server['name'], Totals>> {
  const zero: Totals = { calls: 0, seconds: 0, serverCpu: 0, clientCpu: 0, tls: '' };
  const sum: Record<Server['name'], Totals> = { funcd: zero, python: zero, bare: zero };
  for (const s of servers) await round(load, s, keepAlive, inFlight, WARM_MS);
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of servers) sum[s.name] = add(sum[s.name], await round(load, s, keepAlive, inFlight, ROUND_MS));
  }
  return sum;
}

const rate = (t: Totals): number => t.calls / t.seconds;
const usPerCall = (cpu: number, calls: number): string => (calls > 0 ? ((cpu * 1e6) / calls).toFixed(0) : '-').padStart(6);

function printTable(rows: Row[], idleRss: number, loadedRss: number): void {
  const out = (s: string): void => { process.stdout.write(`${s}\n`); };
  out(`\n${'test.ping over mutual TLS'.padEnd(36)}  funcd/s  python/s  bare-https/s  funcd/python goal       funcd/bare-https | CPU µs/call: funcd python bare | client µs/call: funcd python bare`);
  for (const r of rows) {
    const ratio = rate(r.funcd) / rate(r.python);
    const verdict = `${ratio.toFixed(2).padStart(5)}x  ≥${r.goal}x ${ratio >= r.goal ? 'met   ' : 'MISSED'}`;
    const ceiling = `${(rate(r.funcd) / rate(r.bare)).toFixed(2)}`.padStart(16);
    out(`${r.mode.padEnd(36)} ${rate(r.funcd).toFixed(0).padStart(8)} ${rate(r.python).toFixed(0).padStart(9)} ${rate(r.bare).toFixed(0).padStart(13)}        ${verdict} ${ceiling} |      ${usPerCall(r.funcd.serverCpu, r.funcd.calls)} ${usPerCall(r.python.serverCpu, r.python.calls)} ${usPerCall(r.bare.serverCpu, r.bare.calls)} |        ${usPerCall(r.funcd.clientCpu, r.funcd.calls)} ${usPerCall(r.python.clientCpu, r.python.calls)} ${usPerCall(r.bare.clientCpu, r.bare.calls)}`);
  }
  out(`\nTLS as negotiated: funcd ${rows[0]?.funcd.tls}; python ${rows[0]?.python.tls}; bare-https ${rows[0]?.bare.tls}`);
  out(`funcd RSS: idle ${idleRss.toFixed(1)} MB (goal < 60 MB: ${idleRss < 60 ? 'met' : 'MISSED'}), after the load ${loadedRss.toFixed(1)} MB`);
}

async function startServers(root: string, files: { keyPath: string; certPath: string; caPath: string }, children: ChildProcess[]): Promise<Server[]> {
  const funcd = await startChild(process.execPath, [path.join(top, 'bin/funcd')], { ...process.env, FUNC_ROOT: root }, /serving\.\.\./);
  children.push(funcd);
  const python = await startChild('python3', [path.join(top, 'bench/py/ping_server.py'), '127.0.3.201', '51234', files.keyPath, files.certPath, files.caPath], process.env, /ready/);
  children.push(python);
  const bare = await startChild(process.execPath, [path.join(top, 'dist/bench/bare-https-server.js'), '127.0.3.202', '51234', files.keyPath, files.certPath, files.caPath], process.env, /ready/);
  children.push(bare);
  return [
    { name: 'funcd', host: '127.0.3.200', port: 51234, pid: funcd.pid! },
    { name: 'python', host: '127.0.3.201', port: 51234, pid: python.pid! },
    { name: 'bare', host: '127.0.3.202', port: 51234, pid: bare.pid! },
  ];
}

async function runModes(load: LoadDriver, servers: Server[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const keepAlive of [true, false]) {
    for (const inFlight of [1, 8]) {
      const mode = `${keepAlive ? 'keep-alive' : 'new TLS connection/call'}, ${inFlight === 1 ? 'sequential' : '8 in flight'}`;
      const r = await measure(load, servers, keepAlive, inFlight);
      rows.push({ mode, goal: keepAlive ? 3 : 1.5, ...r });
      process.stderr.write(`${mode}: funcd ${rate(r.funcd).toFixed(0)}/s, python ${rate(r.python).toFixed(0)}/s, bare-https ${rate(r.bare).toFixed(0)}/s\n`);
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const ca = await createTestCa();
  const root = await makeTempRoot('bench-minion-calls');
  const children: ChildProcess[] = [];
  let load: LoadDriver | null = null;
  try {
    const files = await issueMinionCert(ca, 'bench.example.org', root);
    await writeMinionConfs(root, { name: 'bench.example.org', listenAddr: '127.0.3.200', port: 51234, extra: { log_level: 'INFO' } });
    const servers = await startServers(root, files, children);
    await new Promise((r) => setTimeout(r, 1000));
    const idleRss = rssMb(servers[0]!.pid);
    // the caller is certmaster's own key pair (as func's overlord on the CA host), the same for both servers
    load = new LoadDriver({ key: path.join(ca.caDir, 'certmaster.key'), cert: path.join(ca.caDir, 'certmaster.crt'), ca: files.caPath });
    const rows = await runModes(load, servers);
    printTable(rows, idleRss, rssMb(servers[0]!.pid));
  } finally {
    load?.stop();
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
