// `func <target> getfile --remotesource PATH --localdir DIR`: fetches a file from every target into
// DIR/<minion>/<basename>, checking each chunk's SHA-1.
import type { Argv } from 'yargs';
import { fetchFile } from '../../local/getfile.js';
import { renderHostText } from '../../text-render.js';
import type { HostOutcome } from '../../outcome.js';
import { strOpt, type CliContext, type ParsedArgs, type Subcommand } from '../context.js';
import { ResultReporter } from '../report.js';
import { jsonOrText, withJsonOption } from '../output-options.js';

const line = (host: string, o: HostOutcome, verbose: boolean): string =>
  (o.status === 'ok' ? `${host}: ${String(o.value)}\n` : renderHostText(host, o, verbose));

const getfile: Subcommand = {
  name: 'getfile',
  describe: 'fetch a file from the targets into DIR/<minion>/',
  usage: '--remotesource PATH --localdir DIR',
  options: (y: Argv) => withJsonOption(y, 'one JSON document: {"host": local path}, a failed host as {"host": {"error": {…}}}')
    .option('remotesource', { alias: 'r', type: 'string', describe: 'the file on the minions' })
    .option('localdir', { alias: 'l', type: 'string', describe: 'where the copies go (one folder per minion)' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'show remote tracebacks' }),
  async run(args: ParsedArgs, ctx: CliContext): Promise<number> {
    const source = strOpt(args, 'remotesource');
    const dir = strOpt(args, 'localdir');
    if (!source || !dir) {
      ctx.io.err('getfile needs --remotesource PATH and --localdir DIR\n');
      return 2;
    }
    const overlord = ctx.overlord();
    const hosts = await overlord.hosts();
    const reporter = new ResultReporter({ format: jsonOrText(args), verbose: args.verbose === true, io: ctx.io, hosts, render: line });
    const results = await fetchFile(overlord, hosts, source, dir);
    reporter.add([...results].map(([host, outcome]) => ({ host, outcome })));
    return reporter.finish();
  },
};

export default getfile;
