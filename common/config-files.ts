// The schemas and defaults of func's and certmaster's config files (func-compat.md §6), and their readers.
// minion.conf and overlord.conf hold only transport-neutral keys here: each transport declares its own.
import { applySection, loadConfig, opt, readSection, type ConfigOf, type RawSection } from './config.js';
import { FuncPaths, funcRoot, rooted } from './paths.js';

export const MinionConfSchema = {
  log_level: opt('string', 'INFO'),
  acl_dir: opt('path', FuncPaths.aclDir),
  certmaster_overrides_acls: opt('bool', true),
  minion_name: opt('string', ''),
  method_log_dir: opt('path', '/var/log/func/methods/'),
  use_certmaster: opt('bool', true),
  ca_file: opt('path', ''),
  cert_file: opt('path', ''),
  key_file: opt('path', ''),
  crl_location: opt('path', ''),
  module_list: opt('list', [] as string[]),
  // beyond func
  job_retention: opt('int', 3600),
  call_timeout: opt('float', 0),
  transports: opt('list', ['xmlrpc']),
};
export type MinionConf = ConfigOf<typeof MinionConfSchema>;

export const OverlordConfSchema = {
  socket_timeout: opt('float', 0),
  backend: opt('string', 'conf'),
  group_db: opt('path', ''),
  key_file: opt('path', ''),
  cert_file: opt('path', ''),
  ca_file: opt('path', ''),
  delegate: opt('bool', false),
  host_down_list: opt('path', '/var/lib/func/hosts_down.lst'),
  allow_unknown_minions: opt('bool', false),
  // beyond func
  forks: opt('int', 64),
  transport: opt('string', 'xmlrpc'),
};
export type OverlordConf = ConfigOf<typeof OverlordConfSchema>;

export const CertmasterConfSchema = {
  log_level: opt('string', 'INFO'),
  listen_addr: opt('string', ''),
  listen_port: opt('int', 51235),
  cadir: opt('path', FuncPaths.caDir),
  cert_dir: opt('path', FuncPaths.certDir),
  certroot: opt('path', '/var/lib/certmaster/certmaster/certs'),
  csrroot: opt('path', '/var/lib/certmaster/certmaster/csrs'),
  cert_extension: opt('string', 'cert'),
  autosign: opt('bool', false),
  sync_certs: opt('bool', false),
  peering: opt('bool', true),
  peerroot: opt('path', '/var/lib/certmaster/peers'),
  // beyond certmaster
  key_type: opt('string', 'ec'),
  max_csr_bytes: opt('int', 64 * 1024),
  allow_weak_keys: opt('bool', false),
  max_connections_per_peer: opt('int', 64),
};
export type CertmasterConf = ConfigOf<typeof CertmasterConfSchema>;

/** /etc/certmaster/minion.conf: how a minion finds its CA. */
export const CertmasterMinionConfSchema = {
  log_level: opt('string', 'INFO'),
  certmaster: opt('string', 'certmaster'),
  certmaster_port: opt('int', 51235),
  cert_dir: opt('path', FuncPaths.certDir),
  // beyond certmaster: enrollment retry interval (s) and its back-off ceiling
  retry_interval: opt('float', 10),
  retry_max_interval: opt('float', 60),
  key_type: opt('string', 'ec'),
};
export type CertmasterMinionConf = ConfigOf<typeof CertmasterMinionConfSchema>;

export const AsyncMethodsConfSchema = {
  // func's shipped list plus mock.build: a build outlives a call's deadline, and the CLI follows its log from the job
  force_async: opt('list', ['command.run', 'yumcmd.update', 'virt.install', 'mock.build']),
};
export type AsyncMethodsConf = ConfigOf<typeof AsyncMethodsConfSchema>;

export const readMinionConf = (root = funcRoot(), file = rooted(FuncPaths.minionConf, root)): MinionConf =>
  loadConfig(MinionConfSchema, file, root);
/** minion.conf: its neutral keys typed, and its raw [main] section for the transports' own keys. */
export function readMinionConfig(root = funcRoot(), file = rooted(FuncPaths.minionConf, root), overrides: Record<string, string> = {}): { conf: MinionConf; raw: RawSection } {
  const raw = readSection(file, root, overrides);
  return { conf: applySection(MinionConfSchema, raw), raw };
}
/** overlord.conf: its neutral keys typed, and its raw [main] section for the transport's own keys. */
export function readOverlordConfig(root = funcRoot(), file = rooted(FuncPaths.overlordConf, root), overrides: Record<string, string> = {}): { conf: OverlordConf; raw: RawSection } {
  const raw = readSection(file, root, overrides);
  return { conf: applySection(OverlordConfSchema, raw), raw };
}
export const readOverlordConf = (root = funcRoot(), file = rooted(FuncPaths.overlordConf, root)): OverlordConf =>
  loadConfig(OverlordConfSchema, file, root);
export const readCertmasterConf = (root = funcRoot(), file = rooted(FuncPaths.certmasterConf, root)): CertmasterConf =>
  loadConfig(CertmasterConfSchema, file, root);
export const readCertmasterMinionConf = (root = funcRoot(), file = rooted(FuncPaths.certmasterMinionConf, root)): CertmasterMinionConf =>
  loadConfig(CertmasterMinionConfSchema, file, root);
export const readAsyncMethodsConf = (root = funcRoot(), file = rooted(FuncPaths.asyncMethodsConf, root)): AsyncMethodsConf =>
  loadConfig(AsyncMethodsConfSchema, file, root);
