// certmaster-request: enrolls this minion with certmaster (func-compat.md §7.4/7.5) and waits until its
// certificate is signed; a thin yargs layer over requestCertificate().
import yargs from 'yargs';
import { createLogger } from '../../common/log.js';
import { requestCertificate } from '../request.js';
import { packageVersion, reportError, ROOT_NOTE } from './cli-support.js';

const PROG = 'certmaster-request';

/** The command's option parser (also read by tools/man-pages.ts). */
export function parser(argv: string[]) {
  return yargs(argv).scriptName(PROG).usage(`${PROG} [--hostname NAME] [--wait SECONDS]`)
    .option('hostname', { type: 'string', describe: 'the name to request a certificate for (default: minion_name, else found by route)' })
    .option('wait', { type: 'number', describe: 'give up after this many seconds (0 = one attempt; default: wait forever)' })
    .option('log-level', { type: 'string', default: 'INFO', describe: 'DEBUG, INFO, WARNING or ERROR (messages go to stderr)' })
    .version(packageVersion()).help().alias('h', 'help').strict()
    .check((a) => {
      if (a.wait !== undefined && (!Number.isFinite(a.wait) || a.wait < 0)) throw new Error('--wait must be a number of seconds ≥ 0');
      return true;
    })
    .epilogue(`Reads $FUNC_ROOT/etc/certmaster/minion.conf (certmaster, certmaster_port, cert_dir, retry_interval, ` +
      `retry_max_interval, key_type) and minion_name of $FUNC_ROOT/etc/func/minion.conf. ${ROOT_NOTE}`);
}

/** Entry point of bin/certmaster-request. */
export async function main(argv: string[]): Promise<void> {
  const args = await parser(argv).parseAsync();
  const log = createLogger({ stderr: true, level: args['log-level'] });
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await requestCertificate({
      hostname: args.hostname, log, signal: abort.signal,
      ...(args.wait !== undefined ? { timeoutMs: args.wait * 1000 } : {}),
    });
    process.stdout.write(`certificate for ${result.host}: ${result.certFile} (CA ${result.caFile})\n`);
  } catch (e) {
    reportError(PROG, e);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
