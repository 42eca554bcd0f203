// Build step: writes the man pages (func(1), func-transmit(1), funcd(8), certmaster(8), certmaster-ca(8),
// certmaster-request(8)) into dist/man/ from the commands' own yargs parsers. Run by `npm run build`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parser as certmasterCaParser } from '../certmaster/cli/certmaster-ca.js';
import { parser as certmasterRequestParser } from '../certmaster/cli/certmaster-request.js';
import { parser as certmasterParser } from '../certmaster/cli/certmaster.js';
import { parser as funcdParser } from '../minion/cli/funcd.js';
import { EXIT_STATUS_TABLE } from '../overlord/cli/exit-status.js';
import yargs from 'yargs';
import { globalParser } from '../overlord/cli/func.js';
import { parser as transmitParser } from '../overlord/cli/func-transmit.js';
import { loadSubcommands } from '../overlord/cli/subcommands.js';
import { optionsRoff, renderManPage, roffEscape, usageAndEpilogue, type ManPageSpec, type ManSection } from './man-page.js';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const version = (JSON.parse(fs.readFileSync(path.join(top, 'package.json'), 'utf8')) as { version: string }).version;

const ENVIRONMENT: ManSection = {
  title: 'Environment',
  items: [['FUNC_ROOT', 'a directory under which every absolute path of func and certmaster (/etc/func, /etc/certmaster, '
    + '/etc/pki/certmaster, /var/lib/func, /var/lib/certmaster, /var/log/func, /run) is resolved; default /.']],
};

async function subcommandSections(): Promise<ManSection> {
  const sub = [];
  for (const cmd of await loadSubcommands()) {
    // the subcommand's own options only: the global ones are listed once, under OPTIONS
    const own = cmd.options(yargs([]).version(false));
    const usage = `func <target> ${cmd.name} ${cmd.usage}`.trim();
    sub.push({ title: cmd.name, body: ['.nf', roffEscape(usage), '.fi', '.PP', roffEscape(cmd.describe), optionsRoff(own)].join('\n') });
  }
  return { title: 'Subcommands', paragraphs: ['Each subcommand takes its own options (after the subcommand name) as well as the global options above.'], sub };
}

async function pages(): Promise<ManPageSpec[]> {
  const helpList = (await loadSubcommands()).map((c) => c.name).join(', ');
  return [
    {
      name: 'func', section: 1, version, summary: 'run methods on func minions: the overlord\'s command line', parser: globalParser([]),
      description: [
        'func calls module methods on the minions (funcd) a target names, over XML-RPC with mutual TLS (or, with '
          + 'transport = amqp in overlord.conf, through a RabbitMQ broker), and prints '
          + 'each host\'s result. The target is a ";"-separated list of host globs matched against the signed '
          + 'certificates, @group and @group:glob (groups from /etc/func/groups), or ~regex.',
        `Subcommands: ${helpList}. Global options may be given before the target, between the target and the `
          + 'subcommand, or among the subcommand\'s options. An unknown option is a usage error (exit status 2).',
      ],
      sections: [
        await subcommandSections(),
        { title: 'Exit status', items: EXIT_STATUS_TABLE.map(([code, text]) => [String(code), text] as const) },
        {
          title: 'Files',
          items: [['/etc/func/overlord.conf', 'the overlord\'s configuration (-c gives another, read as given)'],
            ['/etc/func/groups', 'host groups'], ['/etc/func/async_methods.conf', 'methods always run as async jobs'],
            ['/var/lib/certmaster/certmaster/certs', 'the signed minion certificates: the hosts a target can name'],
            ['/var/lib/func/overlord-jobs', 'the overlord\'s job records']],
        },
        ENVIRONMENT,
      ],
      seeAlso: ['func-transmit(1)', 'funcd(8)', 'certmaster(8)', 'certmaster-ca(8)', 'certmaster-request(8)'],
    },
    {
      name: 'func-transmit', section: 1, version, summary: 'one func request from stdin, its answer on stdout', parser: transmitParser([]),
      description: ['Reads one request document ({"clients", "module", "method", "parameters", "async", "nforks"}) in JSON '
        + '(or YAML) on stdin, runs it as the func overlord would, and writes func\'s answer shapes on stdout: '
        + '{"host": value}, a job id, or a [code, data] pair for job_status. A request that cannot be run gives '
        + 'func\'s error object and exit status 1.'],
      sections: [ENVIRONMENT], seeAlso: ['func(1)'],
    },
    {
      name: 'funcd', section: 8, version, summary: 'the func minion daemon', parser: await funcdParser([]),
      description: ['funcd enrolls with certmaster (certmaster-request), then serves the methods of its modules to '
        + 'overlords whose certificates certmaster signed, as allowed by /etc/func/minion-acl.d.'],
      sections: [{ title: 'Files', items: [['/etc/func/minion.conf', 'the daemon\'s configuration'],
        ['/etc/func/minion-acl.d', 'ACLs: which certificate may call which methods'], ['/etc/func/modules', 'module options'],
        ['/var/log/func/func.log', 'the log']] }, ENVIRONMENT],
      seeAlso: ['func(1)', 'certmaster-request(8)', 'certmaster(8)'],
    },
    {
      name: 'certmaster', section: 8, version, summary: 'the certificate authority daemon of func', parser: certmasterParser([]),
      description: ['certmaster receives certificate signing requests from minions (wait_for_cert) and signs them, '
        + 'automatically when autosign is set in certmaster.conf, else when an administrator runs certmaster-ca --sign.'],
      sections: [{ title: 'Files', items: [['/etc/certmaster/certmaster.conf', 'the daemon\'s configuration'],
        ['/var/lib/certmaster/certmaster', 'the CA\'s requests and signed certificates']] }, ENVIRONMENT],
      seeAlso: ['certmaster-ca(8)', 'certmaster-request(8)', 'funcd(8)'],
    },
    {
      name: 'certmaster-ca', section: 8, version, summary: 'list, sign, clean and revoke func certificates', parser: certmasterCaParser([]),
      description: ['certmaster-ca is the CA administrator\'s command: it lists pending signing requests and signed '
        + 'certificates, signs or cleans them by host glob, revokes certificates (adding them to the CRL) and prints fingerprints.'],
      sections: [ENVIRONMENT], seeAlso: ['certmaster(8)', 'certmaster-request(8)'],
    },
    {
      name: 'certmaster-request', section: 8, version, summary: 'request a certificate from certmaster and wait for it', parser: certmasterRequestParser([]),
      description: ['certmaster-request makes this host\'s key and signing request, sends it to certmaster and waits '
        + 'until the certificate is signed (funcd does the same when it starts without a certificate).'],
      sections: [ENVIRONMENT], seeAlso: ['certmaster(8)', 'funcd(8)'],
    },
  ];
}

async function main(): Promise<void> {
  const outDir = path.join(top, 'dist', 'man');
  for (const spec of await pages()) {
    const dir = path.join(outDir, `man${spec.section}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${spec.name}.${spec.section}`), await renderManPage(spec));
  }
}

await main();
