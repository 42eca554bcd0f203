// Everything a minion is before it listens, read from its root: minion.conf, its name, its TLS files (enrolling
// with certmaster first when use_certmaster is on and there is no certificate), its ACL and its modules.
import fs from 'node:fs';
import type { RawSection } from '../common/config.js';
import { readCertmasterMinionConf, readMinionConfig, type MinionConf } from '../common/config-files.js';
import { ConfigError } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import { resolveMinionName } from '../common/minion-name.js';
import { FuncPaths, rooted } from '../common/paths.js';
import { loadTlsMaterial } from '../common/tls.js';
import type { TlsMaterial } from '../common/tls.js';
import { MinionAcl } from './acl.js';
import { certificateIdentity, locateCredentials, type CredentialFiles } from './credentials.js';
import { loadModules } from './loader.js';
import { ModuleRegistry } from './registry.js';

/** Where a minion's configuration comes from. */
export interface MinionSource {
  /** the minion's file root (its FUNC_ROOT) */
  root: string;
  /** minion.conf to read instead of <root>/etc/func/minion.conf */
  configFile?: string;
  /** the minion's name, instead of minion_name / the name resolution of §7.5 */
  name?: string;
  log?: Logger;
  /** enroll with certmaster when use_certmaster is on and there is no certificate (default true) */
  enroll?: boolean;
  /** told (once) why the minion is about to wait for certmaster, with what the administrator should do */
  onEnrollmentWait?: (hint: string) => void;
  /** minion.conf [main] values (raw strings) that replace the file's */
  settings?: Record<string, string>;
}

/** A minion's name, configuration and modules (what --list-modules needs). */
export interface MinionBasics {
  root: string;
  configFile: string;
  conf: MinionConf;
  /** minion.conf's raw [main] section (overrides applied): the transports read their own keys from it */
  raw: RawSection;
  name: string;
  certDir: string;
  registry: ModuleRegistry;
}

/** A minion ready to listen: basics plus TLS material, identities and ACL. */
export interface MinionSetup extends MinionBasics {
  files: CredentialFiles & { key: string; cert: string };
  tls: TlsMaterial;
  /** the minion's own certificate and its CA: CN, decimal subject hash and ACL key */
  certIdentity: { cn: string; hash: number; key: string };
  caIdentity: { cn: string; hash: number; key: string };
  acl: MinionAcl;
}

/** Reads minion.conf, resolves the name and loads the modules (no TLS, no network beyond the name lookup). */
export async function readMinionBasics(source: MinionSource): Promise<MinionBasics> {
  const root = source.root;
  const configFile = source.configFile ?? rooted(FuncPaths.minionConf, root);
  if (source.configFile !== undefined && !fs.existsSync(configFile)) throw new ConfigError(`config file ${configFile} does not exist`);
  const { conf, raw } = readMinionConfig(root, configFile, source.settings);
  const cm = readCertmasterMinionConf(root);
  const name = source.name?.toLowerCase()
    ?? (conf.minion_name.trim() ? conf.minion_name.trim().toLowerCase()
      : await resolveMinionName(root, { certmaster: cm.certmaster, certmasterPort: cm.certmaster_port }));
  const registry = new ModuleRegistry(await loadModules({ moduleList: conf.module_list }));
  return { root, configFile, conf, raw, name, certDir: cm.cert_dir, registry };
}

/** Finds the TLS files; enrolls with certmaster first when they are missing and use_certmaster is on. */
async function credentials(b: MinionBasics, log: Logger, enroll: boolean, onWait?: (hint: string) => void): Promise<CredentialFiles & { key: string; cert: string }> {
  let files = locateCredentials(b.conf, b.certDir, b.name);
  const missing = (f: CredentialFiles) => !f.key || !f.cert || !fs.existsSync(f.ca);
  if (missing(files) && b.conf.use_certmaster && enroll) {
    const cm = readCertmasterMinionConf(b.root);
    const hint = `no certificate for ${b.name} in ${b.certDir} yet: requesting one from certmaster ${cm.certmaster}:${cm.certmaster_port}; `
      + `funcd waits until it is signed (on the certmaster host: certmaster-ca --sign ${b.name})`;
    log.info(hint);
    onWait?.(hint);
    // loaded only when needed: a minion that has its certificate never pays for the enrollment code
    const { requestCertificate } = await import('../certmaster/request.js');
    await requestCertificate({ root: b.root, hostname: b.name, log });
    files = locateCredentials(b.conf, b.certDir, b.name);
  }
  if (!files.key || !files.cert) {
    throw new ConfigError(`no ${files.key ? 'certificate' : 'key'} for minion '${b.name}': expected ${b.certDir}/${b.name}.${files.key ? 'cert' : 'pem'} `
      + `(or key_file/cert_file in ${b.configFile}); run certmaster-request, or set use_certmaster = yes`);
  }
  if (files.crlConfigured && !fs.existsSync(files.crl!)) throw new ConfigError(`crl_location ${files.crl} does not exist`);
  return { ...files, key: files.key, cert: files.cert };
}

/**
 * Prepares a minion from its root: basics, TLS files (enrolling if needed), TLS material with the CRL, and the
 * ACL (loaded now, so a malformed ACL file fails here with its name and line).
 */
export async function prepareMinion(source: MinionSource): Promise<MinionSetup> {
  const log = source.log ?? silentLogger;
  const basics = await readMinionBasics(source);
  const files = await credentials(basics, log, source.enroll ?? true, source.onEnrollmentWait);
  const tls = loadTlsMaterial({ key: files.key, cert: files.cert, ca: files.ca, ...(files.crl ? { crl: files.crl } : {}) });
  const certIdentity = certificateIdentity(tls.cert, `certificate ${files.cert}`);
  const caIdentity = certificateIdentity(tls.ca, `CA certificate ${files.ca}`);
  const acl = new MinionAcl({ dir: basics.conf.acl_dir, overrideKey: basics.conf.certmaster_overrides_acls ? caIdentity.key : null });
  acl.load();
  return { ...basics, files, tls, certIdentity, caIdentity, acl };
}
