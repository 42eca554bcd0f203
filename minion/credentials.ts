// Where a minion's TLS files are (func-compat.md §1.1): key_file/cert_file/ca_file overrides, else the first
// case-insensitive match of <cert_dir>/<name>.pem|.cert and <cert_dir>/ca.cert; the CRL; the CA's ACL key.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../common/errors.js';
import { peerIdentity } from '../common/tls.js';
import type { MinionConf } from '../common/config-files.js';

/** The TLS files of a minion; key and cert are null while the minion has none (not enrolled yet). */
export interface CredentialFiles {
  key: string | null;
  cert: string | null;
  ca: string;
  /** crl_location, else <cert_dir>/crl.pem; null when neither is configured nor present */
  crl: string | null;
  /** true when crl_location names the file (then it must exist) */
  crlConfigured: boolean;
}

/** func's find_files_by_hostname: the first file (by name) in `dir` equal to name+ext, ignoring case. */
export function findByHostName(dir: string, name: string, ext: string): string | null {
  let entries: string[];
  try { entries = fs.readdirSync(dir).sort(); } catch { return null; }
  const want = `${name}${ext}`.toLowerCase();
  const hit = entries.find((e) => e.toLowerCase() === want);
  return hit === undefined ? null : path.join(dir, hit);
}

/** Locates key, certificate, CA and CRL for minion `name`; `certDir` is certmaster's cert_dir (rooted). */
export function locateCredentials(conf: MinionConf, certDir: string, name: string): CredentialFiles {
  const defaultCrl = path.join(certDir, 'crl.pem');
  return {
    key: conf.key_file || findByHostName(certDir, name, '.pem'),
    cert: conf.cert_file || findByHostName(certDir, name, '.cert'),
    ca: conf.ca_file || path.join(certDir, 'ca.cert'),
    crl: conf.crl_location || (fs.existsSync(defaultCrl) ? defaultCrl : null),
    crlConfigured: conf.crl_location !== '',
  };
}

/** The CN, decimal subject hash and ACL key of the first certificate in a PEM text (as a caller with it would have). */
export function certificateIdentity(pem: string, what: string): { cn: string; hash: number; key: string } {
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  if (!block) throw new ConfigError(`${what} holds no PEM certificate`);
  let raw: Buffer;
  try {
    raw = new X509Certificate(block[0]).raw;
  } catch (err) {
    throw new ConfigError(`${what} cannot be parsed: ${(err as Error).message}`, { cause: err });
  }
  const id = peerIdentity({ raw }, '');
  return { cn: id.cn, hash: id.subjectHash, key: id.key };
}
