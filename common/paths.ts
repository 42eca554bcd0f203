// Where func's files live: every absolute path of the original resolves under FUNC_ROOT (default "/"),
// so several minions, a certmaster and an overlord can share one machine unprivileged.
import path from 'node:path';

/** The root prefix from FUNC_ROOT, or "/" when unset or empty. */
export function funcRoot(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.FUNC_ROOT;
  return root && root.length > 0 ? path.resolve(root) : '/';
}

/**
 * Resolves one of func's absolute paths (for example "/etc/func/minion.conf") under the root prefix.
 * Relative paths are returned as given (resolved against the working directory by the caller).
 */
export function rooted(p: string, root: string = funcRoot()): string {
  if (!path.isAbsolute(p)) return p;
  if (root === '/') return p;
  // A path that already lies under the root (a config value written for this root) is kept as is.
  if (p === root || p.startsWith(root + path.sep)) return p;
  return path.join(root, p);
}

/** The well-known files and directories of func and certmaster, before rooting. */
export const FuncPaths = {
  minionConf: '/etc/func/minion.conf',
  overlordConf: '/etc/func/overlord.conf',
  asyncMethodsConf: '/etc/func/async_methods.conf',
  groups: '/etc/func/groups',
  version: '/etc/func/version',
  moduleConfDir: '/etc/func/modules',
  aclDir: '/etc/func/minion-acl.d',
  certmasterConf: '/etc/certmaster/certmaster.conf',
  certmasterMinionConf: '/etc/certmaster/minion.conf',
  certDir: '/etc/pki/certmaster',
  caDir: '/etc/pki/certmaster/ca',
  certmasterLib: '/var/lib/certmaster',
  triggersDir: '/var/lib/certmaster/triggers',
  funcLib: '/var/lib/func',
  funcLogDir: '/var/log/func',
  certmasterLogDir: '/var/log/certmaster',
  runDir: '/run',
} as const;
