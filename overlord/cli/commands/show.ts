// `func <target> show hardware [key…]`: hardware.info of every target, whole or only the keys asked for.
import type { Argv } from 'yargs';
import type { WireStruct } from '../../../transport/types.js';
import { renderHostText, renderValueText } from '../../text-render.js';
import type { HostOutcome } from '../../outcome.js';
import { positionals, type CliContext, type ParsedArgs, type Subcommand } from '../context.js';
import { ResultReporter } from '../report.js';

function picker(keys: readonly string[]) {
  return (host: string, o: HostOutcome, verbose: boolean): string => {
    if (o.status !== 'ok' || keys.length === 0 || o.value === null || typeof o.value !== 'object' || Array.isArray(o.value)) {
      return renderHostText(host, o, verbose);
    }
    const info = o.value as WireStruct;
    return renderValueText(host, Object.fromEntries(keys.map((k) => [k, info[k] ?? null])));
  };
}

const show: Subcommand = {
  name: 'show',
  describe: 'show hardware facts: show hardware [key..]',
  usage: 'hardware [key..]',
  options: (y: Argv) => y.option('verbose', { alias: 'v', type: 'boolean', describe: 'show remote tracebacks' }),
  async run(args: ParsedArgs, ctx: CliContext): Promise<number> {
    const [what, ...keys] = positionals(args);
    if (what !== 'hardware') {
      ctx.io.err('usage: func <target> show hardware [key..]\n');
      return 2;
    }
    const overlord = ctx.overlord();
    const hosts = await overlord.hosts();
    const reporter = new ResultReporter({ format: 'text', verbose: args.verbose === true, io: ctx.io, hosts, render: picker(keys) });
    for await (const e of overlord.streamHosts(hosts, 'hardware', 'info', [])) reporter.event(e);
    return reporter.finish(overlord.timeoutMs / 1000);
  },
};

export default show;
