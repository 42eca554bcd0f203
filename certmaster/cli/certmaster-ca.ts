// certmaster-ca: the CA administrator's command (func-compat.md §7.3) — list, sign, clean, list signed
// hosts and their hashes — plus --revoke and --fingerprint; a thin yargs layer over CertStore.
import yargs from 'yargs';
import { readCertmasterConf } from '../../common/config-files.js';
import { FuncPaths, funcRoot, rooted } from '../../common/paths.js';
import { CertStore, type GlobResult } from '../cert-store.js';
import { certmasterLoggers } from '../logs.js';
import { requireConfigFile } from '../files.js';
import { packageVersion, reportError, ROOT_NOTE } from './cli-support.js';

const PROG = 'certmaster-ca';
const ACTIONS = ['list', 'sign', 'clean', 'list-signed', 'list-cert-hash', 'revoke', 'fingerprint'] as const;
type Action = (typeof ACTIONS)[number];

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/** Prints per-host errors of a glob result; true when there were any. */
function reportHostErrors<T>(results: GlobResult<T>[], verb: string): boolean {
  for (const r of results) for (const e of r.errors) err(`${PROG}: cannot ${verb} ${e.host}: ${e.error.message}`);
  return results.some((r) => r.errors.length > 0);
}

async function sign(store: CertStore, hosts: string[]): Promise<number> {
  if (hosts.length === 0) { err('Need hostnames to sign'); return 1; }
  for (const pattern of hosts) {
    const results = await store.sign([pattern]);
    const r = results[0]!;
    if (r.matches.length === 0 && r.errors.length === 0) { err(`No match for ${pattern} to sign`); return 1; }
    for (const m of r.matches) out(`${m.csrFile ?? store.csrPath(m.host)} signed - cert located at ${m.certFile}`);
    if (reportHostErrors(results, 'sign')) return 1;
  }
  return 0;
}

async function clean(store: CertStore, hosts: string[]): Promise<number> {
  if (hosts.length === 0) { err('Need hostname(s) to clean up'); return 1; }
  const results = await store.clean(hosts);
  for (const r of results) {
    if (r.matches.length === 0 && r.errors.length === 0) out(`No match for ${r.pattern} to clean up`);
    for (const m of r.matches) for (const f of m.files) out(`Cleaning out ${f} for host matching ${r.pattern}`);
  }
  return reportHostErrors(results, 'clean up') ? 1 : 0;
}

async function revoke(store: CertStore, hosts: string[]): Promise<number> {
  if (hosts.length === 0) { err('Need hostname(s) to revoke'); return 1; }
  const results = await store.revoke(hosts);
  let code = 0;
  for (const r of results) {
    if (r.matches.length === 0 && r.errors.length === 0) { err(`No match for ${r.pattern} to revoke`); code = 1; }
    for (const m of r.matches) out(`Revoked ${m.host} (serial ${m.serial}), removed ${m.certFile}; CRL ${store.ca.crlFile} updated`);
  }
  return reportHostErrors(results, 'revoke') ? 1 : code;
}

async function fingerprint(store: CertStore, hosts: string[]): Promise<number> {
  if (hosts.length === 0) { err('Need hostname(s) to fingerprint'); return 1; }
  let code = 0;
  for (const r of await store.fingerprints(hosts)) {
    if (r.matches.length === 0) { err(`No match for ${r.pattern}`); code = 1; }
    for (const m of r.matches) out(`${m.host} ${m.kind} SHA256 ${m.sha256}`);
  }
  return code;
}

async function run(action: Action, store: CertStore, hosts: string[]): Promise<number> {
  switch (action) {
    case 'list': {
      const names = await store.list();
      out(names.length ? names.join('\n') : 'No certificates to sign');
      return 0;
    }
    case 'sign': return sign(store, hosts);
    case 'clean': return clean(store, hosts);
    case 'list-signed': for (const h of await store.listSigned(hosts)) out(h); return 0;
    case 'list-cert-hash': for (const h of await store.certHashes(hosts)) out(h); return 0;
    case 'revoke': return revoke(store, hosts);
    case 'fingerprint': return fingerprint(store, hosts);
  }
}

/** The command's option parser (also read by tools/man-pages.ts). */
export function parser(argv: string[]) {
  const describe: Record<Action, string> = {
    list: 'list signing requests remaining',
    sign: 'sign requests of hosts specified (host globs)',
    clean: 'clean out all certs or csrs for the hosts specified',
    'list-signed': 'list all signed certs (optionally only those matching host globs)',
    'list-cert-hash': 'list the cert hash (<CN>-<decimal subject hash>) for signed certs',
    revoke: 'revoke the signed certs of the hosts specified: add them to the CRL, remove them',
    fingerprint: 'print SHA-256 fingerprints of the pending CSRs and signed certs of the hosts specified',
  };
  const alias: Partial<Record<Action, string>> = { list: 'l', sign: 's', clean: 'c' };
  let y = yargs(argv).scriptName(PROG).usage(`${PROG} <option> [hosts…]`);
  for (const a of ACTIONS) y = y.option(a, { type: 'boolean', describe: describe[a], default: false, alias: alias[a] });
  return y
    .option('config', { type: 'string', describe: 'certmaster.conf to use (default $FUNC_ROOT/etc/certmaster/certmaster.conf)' })
    .completion('completion', 'print a shell completion script (bash/zsh)')
    .version(packageVersion()).help().alias('h', 'help').strictOptions()
    .epilogue(`Only the first action given runs, in the order above. Unlike the original, root is not required. ${ROOT_NOTE}`);
}

/** Entry point of bin/certmaster-ca. */
export async function main(argv: string[]): Promise<void> {
  const y = parser(argv);
  const args = await y.parseAsync();
  const action = ACTIONS.find((a) => args[a] === true);
  if (!action) {
    y.showHelp();
    process.exitCode = 1;
    return;
  }
  try {
    requireConfigFile(args.config);
    const root = funcRoot();
    const conf = readCertmasterConf(root, args.config ?? rooted(FuncPaths.certmasterConf, root));
    const store = await CertStore.open({ root, conf, ...certmasterLoggers(root, conf.log_level) });
    process.exitCode = await run(action, store, args._.map(String));
  } catch (e) {
    reportError(PROG, e);
  }
}
