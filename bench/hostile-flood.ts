// Hostile load against one real funcd (issue 8): RSS of funcd under 300 concurrent 15 MB bodies (from a caller
// with no ACL entry, then from an allowed one), peak and settled against its idle RSS in the same run; and the
// latency of test.ping while a 40 MiB reply full of '<' is sent, against idle test.ping latency. Bounded (~2 min).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { XmlRpcClient } from '../transport/xmlrpc/client.js';
import { encodeCall } from '../transport/xmlrpc/codec.js';
import { createTestCa, issueMinionCert, writeMinionConfs } from '../test/helpers/pki.js';
import { makeTempRoot, removeTempRoot } from '../test/helpers/temp-root.js';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const HOST = '127.0.0.9';
const CONNECTIONS = 300;
const BODY_BYTES = 15_000_000;
const PHASE_LIMIT_MS = 20_000;
const SETTLE_MS = 10000;
const MiB = 1024 * 1024;

interface Pem { key: string; cert: string; ca: string }

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Samples funcd's RSS every 20 ms while `work` runs; returns the peak. */
async function peakDuring(pid: number, work: Promise<unknown>): Promise<number> {
  let peak = rssMb(pid);
  const timer = setInterval(() => { peak = Math.max(peak, rssMb(pid)); }, 20);
  try { await work; } finally { clearInterval(timer); }
  return Math.max(peak, rssMb(pid));
}

/** One flooding connection: sends the head and as much of a 15 MB body as funcd takes; resolves with what it got. */
function floodOne(port: number, creds: Pem, method: string): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    let settled = false;
    const done = (what: string): void => { if (!settled) { settled = true; socket.destroy(); resolve(what); } };
    const socket = tls.connect({ host: HOST, port, ...creds, rejectUnauthorized: false }, () => {
      const head = `<?xml version="1.0"?>\n<methodCall>\n<methodName>${method}</methodName>\n<params><param><value><string>`;
      socket.write(`POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: ${BODY_BYTES}\r\n\r\n${head}`);
      const piece = Buffer.alloc(256 * 1024, 0x61);
      let sent = head.length;
      const pump = (): void => {
        while (sent < BODY_BYTES && !socket.destroyed) {
          const part = piece.subarray(0, Math.min(piece.length, BODY_BYTES - sent)); // exactly Content-Length bytes
          sent += part.length;
          if (!socket.write(part)) { socket.once('drain', pump); return; }
        }
      };
      pump();
    });
    socket.setTimeout(PHASE_LIMIT_MS, () => done('timeout'));
    socket.on('data', (d: Buffer) => { if (answer.length < 4096) answer += d.toString('latin1', 0, 4096); });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      const fault = /AccessToMethodDenied/.test(answer) ? ' denied' : '';
      done(status ? `${status}${fault}` : 'closed');
    });
  });
}

async function flood(pid: number, port: number, creds: Pem, method: string, label: string, idle: number): Promise<void> {
  const started = Date.now();
  const outcomes: Promise<string>[] = [];
  for (let i = 0; i < CONNECTIONS; i++) outcomes.push(floodOne(port, creds, method));
  const all = Promise.all(outcomes);
  const peak = await peakDuring(pid, all);
  const counts = new Map<string, number>();
  for (const o of await all) counts.set(o, (counts.get(o) ?? 0) + 1);
  const seconds = (Date.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const settled = rssMb(pid);
  console.log(`${label}: ${CONNECTIONS} × ${BODY_BYTES / 1e6} MB in ${seconds.toFixed(1)} s — peak RSS ${peak.toFixed(0)} MB `
    + `(${(peak / idle).toFixed(2)}× idle), settled ${settled.toFixed(0)} MB after ${SETTLE_MS / 1000} s (${(settled / idle).toFixed(2)}× idle); `
    + `answers: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}`);
}

async function pingLatencies(client: XmlRpcClient, until: () => boolean, max = 2000): Promise<number[]> {
  const out: number[] = [];
  while (!until() && out.length < max) {
    const t0 = performance.now();
    await client.call(HOST, { method: 'test.ping', params: [] });
    out.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 5));
  }
  return out;
}

/** A child process that posts BODY to HOST:PORT over mutual TLS and reads (and drops) the whole reply. */
const DOWNLOADER = `
const https = require('node:https');
const e = process.env;
let bytes = 0;
const req = https.request({ host: e.HOST, port: Number(e.PORT), path: '/RPC2', method: 'POST', key: e.KEY, cert: e.CERT, ca: e.CA,
  rejectUnauthorized: false, agent: false }, (res) => {
  console.log('started');
  res.on('data', (d) => { bytes += d.length; }).on('end', () => { console.log('bytes ' + bytes); });
});
req.on('error', (err) => { console.error(err.message); process.exitCode = 1; });
req.end(e.BODY);
`;

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;

async function bigReplyLatency(port: number, admin: Pem): Promise<void> {
  const client = new XmlRpcClient({ tls: admin, port, verifyHostName: false });
  await client.call(HOST, { method: 'test.ping', params: [] });
  let n = 0;
  const idle = await pingLatencies(client, () => ++n > 100);
  let received = 0;
  let done = false;
  const started = Date.now();
  // the 40 MiB reply is read by a separate process, so this process only measures test.ping
  const download = new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', DOWNLOADER], {
      env: { ...process.env, HOST, PORT: String(port), KEY: admin.key, CERT: admin.cert, CA: admin.ca, BODY: encodeCall('command.run', ["head -c 41943040 /dev/zero | tr '\\0' '<'"]) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += String(d); if (/^started/m.test(out)) received = 1; });
    child.once('exit', (code) => {
      received = Number(/bytes (\d+)/.exec(out)?.[1] ?? 0);
      if (code === 0) resolve(); else reject(new Error(`downloader exited (${code})`));
    });
  }).finally(() => { done = true; });
  const during = (await pingLatencies(client, () => done || Date.now() - started > PHASE_LIMIT_MS));
  await download;
  await client.close();
  console.log(`test.ping while a 40 MiB '<' reply (${(received / MiB).toFixed(0)} MiB on the wire) is sent: median ${pct(during, 0.5).toFixed(1)} ms, `
    + `p99 ${pct(during, 0.99).toFixed(1)} ms, max ${Math.max(...during).toFixed(1)} ms over ${during.length} calls `
    + `(idle baseline: median ${pct(idle, 0.5).toFixed(1)} ms, max ${Math.max(...idle).toFixed(1)} ms; max ratio ${(Math.max(...during) / Math.max(...idle)).toFixed(1)}×)`);
}

async function main(): Promise<void> {
  const ca = await createTestCa();
  const root = await makeTempRoot('bench-hostile');
  let funcd: ChildProcess | null = null;
  try {
    const minion = await issueMinionCert(ca, 'bench-hostile.example.org', root);
    await writeMinionConfs(root, { name: 'bench-hostile.example.org', listenAddr: HOST, port: 0, extra: { log_level: 'INFO' } });
    const stranger = await issueMinionCert(ca, 'stranger.example.org', path.join(root, 'clients/stranger'));
    const allowed = await issueMinionCert(ca, 'allowed.example.org', path.join(root, 'clients/allowed'));
    fs.mkdirSync(path.join(root, 'etc/func/minion-acl.d'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/func/minion-acl.d/bench.acl'), `allowed.example.org-* = test.*\n`);
    const pem = (f: { keyPath: string; certPath: string; caPath: string }): Pem => ({
      key: fs.readFileSync(f.keyPath, 'utf8'), cert: fs.readFileSync(f.certPath, 'utf8'), ca: fs.readFileSync(f.caPath, 'utf8'),
    });
    const admin: Pem = { key: ca.caKeyPem, cert: ca.caCertPem, ca: ca.caCertPem };
    void minion;
    funcd = spawn(path.join(top, 'bin/funcd'), [], { env: { ...process.env, FUNC_ROOT: root }, stdio: ['ignore', 'pipe', 'ignore'] });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      funcd!.stdout!.on('data', (d: Buffer) => { out += String(d); if (out.includes('serving...')) resolve(0); });
      funcd!.once('exit', (code) => reject(new Error(`funcd exited (${code})`)));
    }).then(() => {
      const log = fs.readFileSync(path.join(root, 'var/log/func/func.log'), 'utf8');
      return Number(/serving on [\d.]+:(\d+)/.exec(log)![1]);
    });
    const pid = funcd.pid!;
    const warm = new XmlRpcClient({ tls: admin, port, verifyHostName: false });
    for (let i = 0; i < 50; i++) await warm.call(HOST, { method: 'test.ping', params: [] });
    await warm.close();
    const idle = rssMb(pid);
    console.log(`funcd idle RSS ${idle.toFixed(0)} MB (baseline of this run)`);
    const only = process.argv[2]; // "flood" or "reply" runs one part only
    if (only !== 'reply') {
      await flood(pid, port, pem(stranger), 'test.ping', 'flood, caller without an ACL entry', idle);
      await flood(pid, port, pem(allowed), 'command.run', 'flood, allowed caller calling a method it may not call', idle);
      await flood(pid, port, pem(allowed), 'test.echo', 'flood, allowed caller calling an allowed method', idle);
    }
    if (only !== 'flood') await bigReplyLatency(port, admin);
  } finally {
    funcd?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await removeTempRoot(root);
    await removeTempRoot(ca.root);
  }
}

main().catch((err: unknown) => { console.error(err); process.exitCode = 1; });
