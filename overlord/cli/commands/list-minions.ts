// `func <target> list_minions`: the names the target expands to, sorted, one per line.
import type { Argv } from 'yargs';
import type { CliContext, ParsedArgs, Subcommand } from '../context.js';
import { withJsonOption } from '../output-options.js';

const listMinions: Subcommand = {
  name: 'list_minions',
  describe: 'list the minions the target matches',
  usage: '[options]',
  options: (y: Argv) => withJsonOption(y, 'one JSON list of the host names', false).option('verbose', { alias: 'v', type: 'boolean', describe: 'accepted for func compatibility' }),
  async run(args: ParsedArgs, ctx: CliContext): Promise<number> {
    const hosts = await ctx.overlord().listMinions();
    ctx.io.out(args.json === true ? `${JSON.stringify(hosts)}\n` : hosts.map((h) => `${h}\n`).join(''));
    return 0;
  },
};

export default listMinions;
