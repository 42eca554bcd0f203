// Shared pieces of the funcd end-to-end tests: a minion root with a signed certificate, a real bin/funcd on
// 127.0.3.x (a free port), and Python's xmlrpc.client (test/minion/py/func_client.py) as the calling overlord.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { issueMinionCert, writeMinionConfs, type TestCa } from '../helpers/pki.js';
import { freePort } from '../helpers/ports.js';
import { repoRoot, spawnBin, waitForOutput, type BinProcess } from '../helpers/processes.js';
import { makeTempRoot } from '../helpers/temp-root.js';

/** Key, certificate and trust anchor of a TLS end, as file paths. */
export interface Creds { key: string; cert: string; ca: string }

/** A minion root prepared for funcd. */
export interface TestMinion {
  root: string;
  name: string;
  host: string;
  port: number;
  /** the minion's own key pair (usable as a client identity that needs ACL entries) */
  creds: Creds;
}

/** One call for the Python client; params use the tags below for float/Binary/DateTime. */
export interface PyCall { method: string; params?: unknown[] }
/** What the Python client reports per call. */
export interface PyResult {
  value?: unknown;
  fault?: { code: number; string: string };
  error?: { type: string; message: string };
  status?: string;
  headers?: Record<string, string>;
}

export const pyFloat = (repr: string) => ({ $float: repr });
export const pyBinary = (text: string) => ({ $binary: Buffer.from(text).toString('base64') });
export const pyDateTime = (iso: string) => ({ $datetime: iso });

/** The overlord identity of the certmaster host: the CA's own key pair (whitelisted by certmaster_overrides_acls). */
export function caCreds(ca: TestCa): Creds {
  return { key: path.join(ca.caDir, 'certmaster.key'), cert: path.join(ca.caDir, 'certmaster.crt'), ca: path.join(ca.caDir, 'certmaster.crt') };
}

/** Makes a minion root signed by `ca`, with minion.conf listening on host:port (default a free port; plus `extra` keys). */
export async function makeMinion(ca: TestCa, o: { name: string; host: string; port?: number; extra?: Record<string, string> }): Promise<TestMinion> {
  const root = await makeTempRoot(`funcd-${o.name}`);
  const files = await issueMinionCert(ca, o.name, root);
  const port = o.port ?? await freePort(o.host);
  await writeMinionConfs(root, { name: o.name, listenAddr: o.host, port, extra: o.extra });
  return { root, name: o.name, host: o.host, port, creds: { key: files.keyPath, cert: files.certPath, ca: files.caPath } };
}

/** Starts bin/funcd for a minion and waits until it prints "serving...". */
export async function startFuncd(m: TestMinion, args: string[] = []): Promise<BinProcess> {
  const p = spawnBin('funcd', args, { root: m.root });
  await waitForOutput(p, /serving\.\.\./, 15000);
  return p;
}

/** Writes <root>/etc/func/minion-acl.d/<file>. */
export async function writeAcl(m: TestMinion, file: string, text: string): Promise<string> {
  const dir = path.join(m.root, 'etc/func/minion-acl.d');
  await fs.mkdir(dir, { recursive: true });
  const full = path.join(dir, file);
  await fs.writeFile(full, text);
  return full;
}

const PY_CLIENT = path.join(repoRoot, 'test/minion/py/func_client.py');

/**
 * Runs the Python client against host:port with the given identity (no key/cert: no client certificate).
 * mode "proxy" reuses one ServerProxy, "per_call" makes a new one per call (func's habit), "raw" speaks func's
 * certmaster SSL client habits and reports the response head.
 */
export async function pyCalls(
  target: { host: string; port: number }, creds: Partial<Creds> & { ca: string }, calls: PyCall[],
  options: { mode?: 'proxy' | 'per_call' | 'raw'; timeout?: number } = {},
): Promise<PyResult[]> {
  const doc = { host: target.host, port: target.port, ...creds, mode: options.mode ?? 'proxy', timeout: options.timeout ?? 10, calls };
  const child = spawn('python3', [PY_CLIENT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
  child.stdin.end(JSON.stringify(doc));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`func_client.py exited with ${code}: ${err}`);
  return (JSON.parse(out) as { results: PyResult[] }).results;
}

/** The value of a single Python call; throws with the fault/error when there is none. */
export async function pyValue(target: { host: string; port: number }, creds: Creds, method: string, params: unknown[] = []): Promise<unknown> {
  const [r] = await pyCalls(target, creds, [{ method, params }]);
  if (!r || !('value' in r)) throw new Error(`${method} gave no value: ${JSON.stringify(r)}`);
  return r.value;
}

/** Posts raw bytes to a minion over mutual TLS (Node https, no keep-alive); resolves with status and body. */
export async function rawPost(
  target: { host: string; port: number }, creds: { key: string; cert: string; ca: string },
  body: Buffer | string, headers: Record<string, string | number> = {},
): Promise<{ status: number; body: string }> {
  const [key, cert, ca] = await Promise.all([creds.key, creds.cert, creds.ca].map((f) => fs.readFile(f, 'utf8')));
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: target.host, port: target.port, path: '/RPC2', method: 'POST', key, cert, ca, rejectUnauthorized: true,
      checkServerIdentity: () => undefined, agent: false,
      headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body), ...headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Waits until `check` resolves true (polling every `everyMs`), or throws after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
