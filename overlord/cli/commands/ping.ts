// `func <target> ping`: test.ping on every target, printed as func does ("[ ok ... ] host" / "[ FAILED ] host");
// exits 0 only when every host answered (func always exited 1).
import type { Argv } from 'yargs';
import { renderHostText } from '../../text-render.js';
import type { HostOutcome } from '../../outcome.js';
import { numOpt, type CliContext, type ParsedArgs, type Subcommand } from '../context.js';
import { ResultReporter } from '../report.js';

function pingLine(host: string, o: HostOutcome, verbose: boolean): string {
  if (o.status === 'ok' && o.value === 1) return `[ ok ... ] ${host}\n`;
  const why = verbose ? `  (${renderHostText(host, o).trim()})` : '';
  return `[ FAILED ] ${host}${why}\n`;
}

const ping: Subcommand = {
  name: 'ping',
  describe: 'check that the targets answer (test.ping)',
  usage: '[options]',
  options: (y: Argv) => y
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'say why a host failed' })
    .option('forks', { alias: 'f', type: 'number', describe: 'calls in flight at once' })
    .option('timeout', { alias: 't', type: 'number', describe: 'seconds each host may take' }),
  async run(args: ParsedArgs, ctx: CliContext): Promise<number> {
    const overlord = ctx.overlord({ concurrency: numOpt(args, 'forks'), timeout: numOpt(args, 'timeout') });
    const hosts = await overlord.hosts();
    const reporter = new ResultReporter({ format: 'text', verbose: args.verbose === true, io: ctx.io, hosts, render: pingLine });
    for await (const e of overlord.streamHosts(hosts, 'test', 'ping', [])) reporter.event(e);
    return reporter.finish(overlord.timeoutMs / 1000);
  },
};

export default ping;
