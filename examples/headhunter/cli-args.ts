// headhunter's command line (yargs): builders, the repository host, where things go on the machines, build
// options, and the SRPM files; turned into HeadhunterOptions.
import path from 'node:path';
import yargs from 'yargs';
import type { HeadhunterOptions } from '../headhunter.js';

/** Parses `headhunter --builders b1,b2 --repohost r [options] SRPM…`. */
export function parseHeadhunterArgs(argv: string[]): HeadhunterOptions {
  const a = yargs(argv).scriptName('headhunter').usage('$0 --builders H1,H2 --repohost H [options] SRPM...')
    .option('builders', { type: 'string', demandOption: true, describe: 'builder minions, comma-separated' })
    .option('repohost', { type: 'string', demandOption: true, describe: 'the minion that serves the repositories' })
    .option('srpm-dir', { type: 'string', default: '/var/lib/func/srpms', describe: 'where SRPMs go on the builders' })
    .option('incoming-dir', { type: 'string', default: '/var/lib/func/incoming', describe: 'where RPMs go on the repository host' })
    .option('repos-root', { type: 'string', default: '/var/lib/func/repos', describe: 'the directory the web page lists' })
    .option('repo', { type: 'string', default: 'default', describe: 'the repository (a directory under --repos-root)' })
    .option('chroot', { type: 'string', describe: 'mock chroot (mock -r)' })
    .option('timeout', { type: 'number', describe: 'seconds each build may take' })
    .option('baseurl', { type: 'string', describe: 'URL prefix of the repositories on the page' })
    .option('transport', { type: 'string', describe: 'transport name (default: overlord.conf)' })
    .demandCommand(1, 'name at least one SRPM')
    .strict().help().parseSync();
  const srpmDir = a['srpm-dir'];
  return {
    builders: a.builders.split(',').map((s) => s.trim()).filter(Boolean),
    repoHost: a.repohost,
    srpms: a._.map(String).map((p) => path.resolve(p)),
    paths: { srpmDir: () => srpmDir, incomingDir: a['incoming-dir'], reposRoot: a['repos-root'], repodir: path.join(a['repos-root'], a.repo) },
    buildOptions: { ...(a.chroot ? { chroot: a.chroot } : {}), ...(a.timeout ? { timeout: a.timeout } : {}) },
    baseurl: a.baseurl,
    transport: a.transport,
  };
}
