// func-amqp-setup: prepares a RabbitMQ broker for func over AMQP: vhost, exchanges, minion queues and one
// confined broker user per minion and overlord (rabbitmqctl); prints each user's amqp_url.
import fs from 'node:fs';
import yargs from 'yargs';
import { readCertmasterConf } from '../../../common/config-files.js';
import { FuncError } from '../../../common/errors.js';
import { funcRoot } from '../../../common/paths.js';
import { setupBroker, type BrokerAccount } from '../broker-setup.js';
import { DEFAULT_PREFIX } from '../naming.js';

const PROG = 'func-amqp-setup';

/** The host names of the signed certificates in certmaster's certroot. */
function signedHosts(root: string): string[] {
  const cm = readCertmasterConf(root);
  const ext = `.${cm.cert_extension}`;
  let files: string[] = [];
  try { files = fs.readdirSync(cm.certroot); } catch { /* no CA here */ }
  return files.filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length)).sort();
}

/** NAME or NAME:PASSWORD */
function account(spec: string): BrokerAccount {
  const i = spec.indexOf(':');
  return i < 0 ? { name: spec } : { name: spec.slice(0, i), password: spec.slice(i + 1) };
}

export async function main(argv: string[]): Promise<void> {
  const args = await yargs(argv).scriptName(PROG)
    .usage('$0 [options]\n\nCreates (or updates) the vhost, exchanges, minion queues and broker users func needs on RabbitMQ. '
      + 'Each minion user may read only its own queue and publish only replies; each overlord user may publish requests '
      + 'and consume its own reply queues. Prints "<role> <name> <amqp_url>" for every user (the URLs hold passwords).')
    .option('vhost', { type: 'string', default: 'func', describe: 'virtual host to create and use' })
    .option('prefix', { type: 'string', default: DEFAULT_PREFIX, describe: 'name prefix of exchanges and queues (amqp_prefix)' })
    .option('queue-type', { choices: ['classic', 'quorum'] as const, default: 'classic' as const, describe: 'amqp_queue_type of the queues' })
    .option('admin-url', { type: 'string', default: 'amqp://guest:guest@127.0.0.1:5672', describe: 'a broker user allowed to declare things (no vhost)' })
    .option('minion', { type: 'string', array: true, default: [] as string[], describe: 'a minion user NAME or NAME:PASSWORD (repeatable)' })
    .option('from-certs', { type: 'boolean', default: false, describe: 'also every minion with a signed certificate in certmaster\'s certroot (except names given as --overlord)' })
    .option('overlord', { type: 'string', array: true, default: [] as string[], describe: 'an overlord user NAME or NAME:PASSWORD (repeatable)' })
    .option('rabbitmqctl', { type: 'string', default: 'rabbitmqctl', describe: 'the rabbitmqctl command (words split on spaces)' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false })
    .strict().help().parseAsync();
  const minions = args.minion.map(account);
  const overlords = args.overlord.map(account);
  // an overlord's own login certificate (amqps://, docs/amqp-protocol.md §9) is signed too, but is not a minion
  const taken = new Set([...minions, ...overlords].map((a) => a.name));
  if (args['from-certs']) for (const h of signedHosts(funcRoot())) if (!taken.has(h)) minions.push({ name: h });
  if (minions.length === 0 && args.overlord.length === 0) process.stderr.write(`${PROG}: no --minion, --from-certs or --overlord: only the vhost and exchanges are set up\n`);
  try {
    const created = await setupBroker({
      vhost: args.vhost, prefix: args.prefix, queueType: args['queue-type'], adminUrl: args['admin-url'],
      minions, overlords, rabbitmqctl: args.rabbitmqctl.split(' ').filter(Boolean),
      log: args.quiet ? undefined : (line) => process.stderr.write(`${PROG}: ${line}\n`),
    });
    for (const c of created) process.stdout.write(`${c.role} ${c.name} ${c.url}\n`);
  } catch (err) {
    process.stderr.write(`${PROG}: ${err instanceof Error ? err.message : String(err)}\n`);
    if (!(err instanceof FuncError) && err instanceof Error && process.env.FUNC_DEBUG) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  }
}
