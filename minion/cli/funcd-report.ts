// What `funcd --list-modules` and `funcd --info` print (func-compat.md §1.9): the loaded modules (and, beyond
// func, the left-out ones with their reasons); the config, listen address, TLS files, certificate identity and ACLs.
import fs from 'node:fs';
import { readMinionConf } from '../../common/config-files.js';
import { FuncPaths, rooted } from '../../common/paths.js';
import '../../transport/index.js';
import { pyRepr } from '../../transport/python-repr.js';
import { getTransport } from '../../transport/registry.js';
import { minionSettings } from '../../transport/settings.js';
import { TRANSPORT_STATES_FILE, transportStateLines } from '../transport-states.js';
import { MinionAcl } from '../acl.js';
import { certificateIdentity, locateCredentials } from '../credentials.js';
import { loadModules } from '../loader.js';
import { readMinionBasics } from '../minion-setup.js';
import { ModuleRegistry } from '../registry.js';

function moduleLines(registry: ModuleRegistry): string[] {
  const lines = ['loaded modules:', ...registry.moduleNames().map((m) => `\t${m}`)];
  const left = registry.unavailableModules();
  if (left.length) lines.push('unavailable modules:', ...left.map(([m, why]) => `\t${m}: ${why}`));
  return lines;
}

/** `funcd --list-modules`: "loaded modules:", one tab-indented name per line, then the unavailable ones. */
export async function listModulesText(root: string, configFile?: string): Promise<string> {
  const conf = readMinionConf(root, configFile ?? rooted(FuncPaths.minionConf, root));
  const registry = new ModuleRegistry(await loadModules({ moduleList: conf.module_list }));
  return `${moduleLines(registry).join('\n')}\n`;
}


/** The identity lines of a certificate file, or why they cannot be shown. */
function certLines(certFile: string | null): string[] {
  if (!certFile || !fs.existsSync(certFile)) return ['cert dn: (no certificate yet)'];
  try {
    const id = certificateIdentity(fs.readFileSync(certFile, 'utf8'), `certificate ${certFile}`);
    return [`cert dn: ${id.cn}`, `certificate hash: ${id.hash}`];
  } catch (err) {
    return [`cert dn: (unreadable: ${(err as Error).message})`];
  }
}

/** The ACL lines (with the certmaster override when the CA file can be read), or the ACL error. */
function aclLines(aclDir: string, caFile: string, overrides: boolean): string[] {
  let overrideKey: string | null = null;
  if (overrides && fs.existsSync(caFile)) {
    try { overrideKey = certificateIdentity(fs.readFileSync(caFile, 'utf8'), `CA certificate ${caFile}`).key; } catch { /* shown without it */ }
  }
  const acl = new MinionAcl({ dir: aclDir, overrideKey });
  try {
    acl.load();
  } catch (err) {
    return ['acls:', `\tERROR: ${(err as Error).message}`];
  }
  return ['acls:', ...[...acl.table()].map(([host, methods]) => `\t${host} : ${pyRepr([...methods])}`)];
}

/** A setting's value for people: passwords in URLs (amqp://user:password@host) become `***`, as in func.log. */
function shownValue(v: unknown): string {
  return (Array.isArray(v) ? v.join(', ') : String(v)).replace(/(\/\/[^/@\s:]*:)[^/@\s]*@/g, '$1***@');
}

/** "server listen addr" (func's line: the first transport that names an endpoint) and each transport with its settings. */
function transportLines(b: Awaited<ReturnType<typeof readMinionBasics>>): string[] {
  const endpoints: string[] = [];
  const lines = b.conf.transports.map((name) => {
    try {
      const factory = getTransport(name);
      const settings = minionSettings(factory, b.raw);
      const endpoint = factory.describeEndpoint?.(settings);
      if (endpoint) endpoints.push(endpoint);
      const keys = Object.entries(settings).map(([k, v]) => `${k} = ${shownValue(v)}`).join('; ');
      return `\t${name}: ${endpoint ? `${endpoint} (${keys})` : keys}`;
    } catch (err) {
      return `\t${name}: ERROR: ${(err as Error).message}`;
    }
  });
  return [`server listen addr: ${endpoints[0] ?? '(none)'}`, 'transports:', ...lines];
}

/** `funcd --info`: config, name, listen address, key/cert/CA/CRL paths, certificate CN and hash, modules, ACLs. */
export async function infoText(root: string, configFile?: string): Promise<string> {
  const b = await readMinionBasics({ root, configFile });
  const files = locateCredentials(b.conf, b.certDir, b.name);
  const lines = [
    'config:',
    `\tfile = ${b.configFile}`,
    ...Object.entries(b.conf).map(([k, v]) => `\t${k} = ${Array.isArray(v) ? v.join(', ') : String(v)}`),
    `server name: ${b.name}`,
    ...transportLines(b),
    ...transportStateLines(rooted(TRANSPORT_STATES_FILE, b.root)),
    `key file:  ${files.key ?? '(none)'}`,
    `cert file: ${files.cert ?? '(none)'}`,
    `ca file: ${files.ca}`,
    `crl file: ${files.crl ?? '(none)'}`,
    ...certLines(files.cert),
    ...moduleLines(b.registry),
    ...aclLines(b.conf.acl_dir, files.ca, b.conf.certmaster_overrides_acls),
  ];
  return `${lines.join('\n')}\n`;
}
