// Throwaway PKI for tests, made with the project's real certmaster code in a temporary FUNC_ROOT:
// a CA as certmaster creates it, minion certificates signed as `certmaster-ca --sign` signs them, minion confs.
import fs from 'node:fs/promises';
import path from 'node:path';
import { CertStore } from '../../certmaster/cert-store.js';
import { createCsr } from '../../certmaster/csr.js';
import { generatePrivateKey, type KeyType } from '../../certmaster/keys.js';
import { makeTempRoot } from './temp-root.js';

/** A CA living in a temporary FUNC_ROOT (`root`), with its directories and PEM material. */
export interface TestCa {
  root: string;
  caDir: string;
  certroot: string;
  csrroot: string;
  caCertPem: string;
  caKeyPem: string;
}

/** The CertStore of a TestCa (reads the CA's certmaster.conf). */
export async function openTestStore(ca: TestCa): Promise<CertStore> {
  return CertStore.open({ root: ca.root });
}

/** Writes an INI file with a [main] section (creating its directory). */
export async function writeIni(file: string, values: Record<string, string | number | boolean>): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const lines = Object.entries(values).map(([k, v]) => `${k} = ${typeof v === 'boolean' ? (v ? 'yes' : 'no') : v}`);
  await fs.writeFile(file, `[main]\n${lines.join('\n')}\n`);
}

/**
 * Creates a CA the way certmaster does on first start, in `options.root` (default: a new temp dir), after
 * writing <root>/etc/certmaster/certmaster.conf (listen 127.0.0.1, port 0 = ephemeral, autosign off).
 */
export async function createTestCa(options: { keyType?: KeyType; root?: string } = {}): Promise<TestCa> {
  const root = options.root ?? await makeTempRoot('func-test-ca');
  await writeIni(path.join(root, 'etc/certmaster/certmaster.conf'), {
    listen_addr: '127.0.0.1', listen_port: 0, autosign: false, key_type: options.keyType ?? 'ec',
  });
  const store = await CertStore.open({ root });
  const { keyPem, certPem } = await store.ca.read();
  return {
    root, caDir: store.conf.cadir, certroot: store.conf.certroot, csrroot: store.conf.csrroot,
    caCertPem: certPem, caKeyPem: keyPem,
  };
}

/**
 * Makes a key + CSR for `name`, signs it with the CA (so `<ca.certroot>/<name>.cert` exists) and writes the
 * minion's files: `<minionRoot>/etc/pki/certmaster/<name>.pem` (0600), `<name>.cert` and `ca.cert`.
 */
export async function issueMinionCert(
  ca: TestCa, name: string, minionRoot: string, keyType: KeyType = 'ec',
): Promise<{ keyPath: string; certPath: string; caPath: string }> {
  const store = await openTestStore(ca);
  const keyPem = await generatePrivateKey(keyType);
  const csr = await store.checkCsr(await createCsr(keyPem, name));
  const { certPem } = await store.signRequest(csr, { withTriggers: false });
  const dir = path.join(minionRoot, 'etc/pki/certmaster');
  await fs.mkdir(dir, { recursive: true });
  const keyPath = path.join(dir, `${name}.pem`);
  const certPath = path.join(dir, `${name}.cert`);
  const caPath = path.join(dir, 'ca.cert');
  await fs.writeFile(keyPath, keyPem, { mode: 0o600 });
  await fs.writeFile(certPath, certPem, { mode: 0o644 });
  await fs.writeFile(caPath, ca.caCertPem, { mode: 0o644 });
  return { keyPath, certPath, caPath };
}

/**
 * Writes a minion's two config files in func's INI format:
 * - <minionRoot>/etc/func/minion.conf: minion_name = name, listen_addr (default 127.0.0.1), listen_port
 *   (default 0 = ephemeral), use_certmaster (default false: tests usually issue certs with issueMinionCert),
 *   log_level DEBUG, plus every `extra` key;
 * - <minionRoot>/etc/certmaster/minion.conf: certmaster = 127.0.0.1, certmaster_port (default 51235),
 *   retry_interval 0.2 s and retry_max_interval 1 s (fast enrollment retries for tests).
 */
export async function writeMinionConfs(minionRoot: string, conf: {
  name: string; listenAddr?: string; port?: number; certmasterPort?: number; useCertmaster?: boolean;
  extra?: Record<string, string>;
}): Promise<void> {
  await writeIni(path.join(minionRoot, 'etc/func/minion.conf'), {
    log_level: 'DEBUG', minion_name: conf.name, listen_addr: conf.listenAddr ?? '127.0.0.1',
    listen_port: conf.port ?? 0, use_certmaster: conf.useCertmaster ?? false, ...conf.extra,
  });
  await writeIni(path.join(minionRoot, 'etc/certmaster/minion.conf'), {
    log_level: 'DEBUG', certmaster: '127.0.0.1', certmaster_port: conf.certmasterPort ?? 51235,
    retry_interval: 0.2, retry_max_interval: 1,
  });
}
