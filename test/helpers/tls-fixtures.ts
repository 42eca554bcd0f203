// Throwaway PKI for transport tests, made with the real `openssl` CLI (EC P-256): a CA, server and client
// certificates with SANs, another minion's certificate, a rogue CA, an expired and a revoked certificate plus a CRL.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TlsMaterial } from '../../transport/types.js';
import { makeTempRoot, removeTempRoot } from './temp-root.js';

const run = promisify(execFile);

/** A key pair as PEM text and as files. */
export interface Pem {
  key: string;
  cert: string;
  keyFile: string;
  certFile: string;
}

export interface TlsFixtures {
  dir: string;
  /** the CA (self-signed, CA:TRUE, keyUsage keyCertSign, cRLSign, digitalSignature) */
  ca: Pem;
  /** CN=localhost, SAN DNS:localhost, IP:127.0.0.1 */
  server: Pem;
  /** CN=client1.example.org */
  client: Pem;
  /** CN=other.example.org: a second minion */
  other: Pem;
  /** CN=expired.example.org, validity ended in 2020 */
  expired: Pem;
  /** CN=revoked.example.org, listed in `crl` */
  revoked: Pem;
  /** another CA, and CN=client1.example.org signed by it */
  rogueCa: Pem;
  rogue: Pem;
  /** the CA's CRL (PEM) revoking `revoked` */
  crl: string;
  crlFile: string;
  /** TLS material presenting `id`, trusting our CA (or `trust`), with the CRL when asked */
  material(id: Pem, options?: { crl?: boolean; trust?: Pem }): TlsMaterial;
  cleanup(): Promise<void>;
}

const CA_CONFIG = `
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $ENV::CA_DIR
database = $dir/index.txt
private_key = $dir/ca.key
certificate = $dir/ca.cert
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 30
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = supplied
[ leaf_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = $ENV::SAN
authorityKeyIdentifier = keyid
`;

async function openssl(args: string[], env: Record<string, string>): Promise<void> {
  await run('openssl', args, { env: { ...process.env, ...env } });
}

async function readPem(keyFile: string, certFile: string): Promise<Pem> {
  return { key: await fs.readFile(keyFile, 'utf8'), cert: await fs.readFile(certFile, 'utf8'), keyFile, certFile };
}

/** Makes a CA directory with its key, self-signed certificate and `openssl ca` database. */
async function makeCa(dir: string, cn: string, config: string): Promise<Pem> {
  await fs.mkdir(path.join(dir, 'newcerts'), { recursive: true });
  await fs.writeFile(path.join(dir, 'index.txt'), '');
  await fs.writeFile(path.join(dir, 'serial'), '1000\n');
  await fs.writeFile(path.join(dir, 'crlnumber'), '1000\n');
  const keyFile = path.join(dir, 'ca.key');
  const certFile = path.join(dir, 'ca.cert');
  await openssl(['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${cn}`, '-days', '30', '-config', config,
    '-extensions', 'ca_ext'], { CA_DIR: dir, SAN: 'DNS:unused' });
  return readPem(keyFile, certFile);
}

/** Makes a key and CSR for `cn` and signs it with the CA in caDir (extra args e.g. for dates). */
async function makeLeaf(caDir: string, config: string, name: string, cn: string, san: string, extra: string[] = []): Promise<Pem> {
  const keyFile = path.join(caDir, `${name}.pem`);
  const csrFile = path.join(caDir, `${name}.csr`);
  const certFile = path.join(caDir, `${name}.cert`);
  const env = { CA_DIR: caDir, SAN: san };
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyFile, '-out', csrFile, '-subj', `/CN=${cn}`, '-config', config], env);
  await openssl(['ca', '-batch', '-notext', '-config', config, '-in', csrFile, '-out', certFile,
    '-extensions', 'leaf_ext', ...extra], env);
  return readPem(keyFile, certFile);
}

/** Creates the whole PKI in a fresh temporary directory (about a second of openssl runs). */
export async function createTlsFixtures(): Promise<TlsFixtures> {
  const dir = await makeTempRoot('func-tls');
  try {
    return await buildPki(dir);
  } catch (err) {
    await removeTempRoot(dir);
    throw err;
  }
}

async function buildPki(dir: string): Promise<TlsFixtures> {
  const config = path.join(dir, 'ca.cnf');
  await fs.writeFile(config, CA_CONFIG);
  const caDir = path.join(dir, 'ca');
  const rogueDir = path.join(dir, 'rogue');
  const [ca, rogueCa] = await Promise.all([makeCa(caDir, 'func-test-CA', config), makeCa(rogueDir, 'rogue-CA', config)]);
  const leaf = (n: string, cn: string, extra: string[] = []) => makeLeaf(caDir, config, n, cn, `DNS:${cn}`, extra);
  // `openssl ca` updates one database: sign one after the other
  const server = await makeLeaf(caDir, config, 'localhost', 'localhost', 'DNS:localhost, IP:127.0.0.1');
  const client = await leaf('client1', 'client1.example.org');
  const other = await leaf('other', 'other.example.org');
  const expired = await leaf('expired', 'expired.example.org', ['-startdate', '20200101000000Z', '-enddate', '20200201000000Z']);
  const revoked = await leaf('revoked', 'revoked.example.org');
  const rogue = await makeLeaf(rogueDir, config, 'rogue', 'client1.example.org', 'DNS:client1.example.org');
  const crlFile = path.join(dir, 'ca.crl');
  await openssl(['ca', '-config', config, '-revoke', revoked.certFile], { CA_DIR: caDir, SAN: 'DNS:unused' });
  await openssl(['ca', '-config', config, '-gencrl', '-out', crlFile], { CA_DIR: caDir, SAN: 'DNS:unused' });
  const crl = await fs.readFile(crlFile, 'utf8');
  return {
    dir, ca, server, client, other, expired, revoked, rogueCa, rogue, crl, crlFile,
    material: (id, options = {}) => ({
      key: id.key, cert: id.cert, ca: (options.trust ?? ca).cert, ...(options.crl ? { crl } : {}),
    }),
    cleanup: () => removeTempRoot(dir),
  };
}
