// The TLS identity the overlord presents, chosen as func's setup_ssl does (func-compat.md §4.2): overlord.conf
// key/cert/ca files, else the CA's own key pair (certmaster host), else the local minion's pair; plus the CRL.
import fs from 'node:fs';
import path from 'node:path';
import { readCertmasterConf, readCertmasterMinionConf, readMinionConf, type OverlordConf } from '../common/config-files.js';
import { ConfigError } from '../common/errors.js';
import { resolveMinionName } from '../common/minion-name.js';
import type { TlsFiles } from '../common/tls.js';
import type { TlsMaterial } from '../transport/types.js';

/** The files picked, and where they came from. */
export interface CredentialChoice {
  readonly files: TlsFiles;
  readonly source: 'overlord.conf' | 'certmaster CA' | 'local minion';
}

const readable = (file: string): boolean => {
  try { fs.accessSync(file, fs.constants.R_OK); return fs.statSync(file).isFile(); } catch { return false; }
};

/** The local minion's key/cert pair, with func's minion.conf overrides. */
async function minionPair(root: string, certDir: string): Promise<{ key: string; cert: string }> {
  const mc = readMinionConf(root);
  const name = mc.key_file && mc.cert_file ? '' : await resolveMinionName(root);
  return {
    key: mc.key_file || path.join(certDir, `${name}.pem`),
    cert: mc.cert_file || path.join(certDir, `${name}.cert`),
  };
}

/** The first CRL that exists: `<cadir>/certmaster.crl`, then `<cert_dir>/crl.pem`. */
function findCrl(caDir: string, certDir: string): string | undefined {
  return [path.join(caDir, 'certmaster.crl'), path.join(certDir, 'crl.pem')].find(readable);
}

/** Picks the credential files in func's order; throws ConfigError (func's message) when none are readable. */
export async function chooseCredentials(root: string, conf: OverlordConf): Promise<CredentialChoice> {
  const caDir = readCertmasterConf(root).cadir;
  const certDir = readCertmasterMinionConf(root).cert_dir;
  const caCrt = path.join(caDir, 'certmaster.crt');
  const trust = conf.ca_file || (readable(caCrt) ? caCrt : path.join(certDir, 'ca.cert'));
  const crl = findCrl(caDir, certDir);
  const withCrl = (key: string, cert: string): TlsFiles => ({ key, cert, ca: trust, ...(crl ? { crl } : {}) });
  if (conf.key_file && conf.cert_file && conf.ca_file) {
    return { files: withCrl(conf.key_file, conf.cert_file), source: 'overlord.conf' };
  }
  const caKey = path.join(caDir, 'certmaster.key');
  if (readable(caKey) && readable(caCrt)) return { files: withCrl(caKey, caCrt), source: 'certmaster CA' };
  const pair = await minionPair(root, certDir);
  if (readable(pair.key) && readable(pair.cert) && readable(trust)) {
    return { files: withCrl(pair.key, pair.cert), source: 'local minion' };
  }
  throw new ConfigError(
    `Cannot read ssl credentials: ssl, cert, ca. Ensure you have permission to read files in ${certDir} directory. `
    + `(tried overlord.conf key_file/cert_file/ca_file, ${caKey} + ${caCrt}, ${pair.key} + ${pair.cert})`,
  );
}

/** Loads the chosen credential files as PEM text. */
export async function loadCredentials(root: string, conf: OverlordConf, choice?: CredentialChoice): Promise<TlsMaterial> {
  // imported when needed: common/tls.js pulls in the X.509 parser, which costs a CLI run ~0.2 s at start-up
  const { loadTlsMaterial } = await import('../common/tls.js');
  return loadTlsMaterial((choice ?? await chooseCredentials(root, conf)).files);
}
