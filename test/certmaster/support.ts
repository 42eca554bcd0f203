// Shared pieces of the certmaster tests: the openssl CLI, Python's xmlrpc.client as the enrolling peer,
// raw HTTP posts, a certmaster daemon process on an ephemeral port, and directory listings.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { writeIni } from '../helpers/pki.js';
import { spawnBin, waitForOutput, type BinProcess } from '../helpers/processes.js';

/** Runs a program to completion; rejects with its stderr when it fails (unless `allowFail`). */
export function run(cmd: string, args: string[], options: { allowFail?: boolean; input?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024, timeout: 15000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      if (err && !options.allowFail) reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${stderr}`));
      else resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    child.stdin?.on('error', () => undefined); // a program that exits without reading its input
    child.stdin?.end(options.input ?? '');
  });
}

/** The openssl CLI. */
export const openssl = (args: string[], options?: { allowFail?: boolean; input?: string }) => run('openssl', args, options);

/** Makes a key and CSR with `openssl req` (RSA-2048 or EC P-256) in `dir`; returns the CSR's PEM and path. */
export async function opensslCsr(dir: string, subject: string, type: 'rsa' | 'ec', extra: string[] = []): Promise<{ csrPem: string; csrFile: string; keyFile: string }> {
  const base = path.join(dir, `${type}-${Math.random().toString(36).slice(2, 8)}`);
  const newkey = type === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  await openssl(['req', '-new', ...newkey, '-nodes', '-keyout', `${base}.key`, '-subj', subject, '-out', `${base}.csr`, ...extra]);
  return { csrPem: await fs.readFile(`${base}.csr`, 'utf8'), csrFile: `${base}.csr`, keyFile: `${base}.key` };
}

/** The answer of one Python xmlrpc.client call: a value, a Fault, or another exception. */
export type PyAnswer = { ok: unknown } | { fault: number; string: string } | { error: string };

const PY_CALL = `
import sys, json, xmlrpc.client
url, method, arg = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
proxy = xmlrpc.client.ServerProxy(url)
try:
    print(json.dumps({'ok': getattr(proxy, method)(arg)}))
except xmlrpc.client.Fault as f:
    print(json.dumps({'fault': f.faultCode, 'string': f.faultString}))
except Exception as e:
    print(json.dumps({'error': repr(e)}))
`;

/** Calls `method(text)` on an XML-RPC URL with CPython's stdlib client. */
export async function pyCall(url: string, method: string, text: string, scratchDir: string): Promise<PyAnswer> {
  const file = path.join(scratchDir, `arg-${Math.random().toString(36).slice(2)}.txt`);
  await fs.writeFile(file, text);
  const { stdout } = await run('python3', ['-c', PY_CALL, url, method, file]);
  return JSON.parse(stdout) as PyAnswer;
}

/** POSTs a raw body to a URL; resolves with status and body text. */
export function postRaw(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'text/xml', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Streams `totalBytes` of junk as a chunked POST body over a raw socket, stopping as soon as the server
 * answers or drops the connection. Resolves with the HTTP status (null when the server closed first),
 * the socket error seen (if any) and how many bytes were written before that.
 */
export function postHuge(url: string, totalBytes: number): Promise<{ status: number | null; error?: string; sent: number }> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect({ host: u.hostname, port: Number(u.port) });
    let answer = '';
    let sent = 0;
    let error: string | undefined;
    const chunk = `${(64 * 1024).toString(16)}\r\n${'a'.repeat(64 * 1024)}\r\n`;
    const pump = () => {
      while (answer === '' && sent < totalBytes && !sock.destroyed) {
        sent += 64 * 1024;
        if (!sock.write(chunk)) return void sock.once('drain', pump);
      }
      if (answer === '' && !sock.destroyed) sock.write('0\r\n\r\n');
    };
    sock.on('connect', () => {
      sock.write(`POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n`);
      pump();
    });
    sock.on('data', (d: Buffer) => {
      answer += d.toString('latin1');
      if (/^HTTP\/1\.[01] \d{3}/.test(answer)) sock.destroy();
    });
    sock.on('error', (err: NodeJS.ErrnoException) => { error = err.code ?? err.message; });
    sock.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
      resolve({ status: m ? Number(m[1]) : null, error, sent });
    });
  });
}

/** A certmaster daemon process (bin/certmaster) and its URL. */
export interface DaemonProcess { proc: BinProcess; url: string; port: number }

/** Writes <root>/etc/certmaster/certmaster.conf (127.0.0.1, port 0, plus `conf`). */
export async function writeCertmasterConf(root: string, conf: Record<string, string | number | boolean> = {}): Promise<void> {
  await writeIni(path.join(root, 'etc/certmaster/certmaster.conf'), { listen_addr: '127.0.0.1', listen_port: 0, ...conf });
}

/** Starts bin/certmaster under FUNC_ROOT=root and waits for its "listening" line. */
export async function startDaemonProcess(root: string, args: string[] = []): Promise<DaemonProcess> {
  const proc = spawnBin('certmaster', args, { root });
  const m = await waitForOutput(proc, /listening on (http:\/\/127\.0\.0\.1:(\d+)\/)/, 15000);
  return { proc, url: m[1]!, port: Number(m[2]) };
}

/** Every file under dir (relative paths, sorted); a missing dir lists as empty. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name))).sort();
}
