// `func <target> group --ag|--rg|--lg|--la|--ah|--rh|--lh [ARG]`: manages /etc/func/groups (func's group
// subcommand). Host arguments read "@group:host1,host2" or "@group:glob" (globs match signed certs).
import type { Argv } from 'yargs';
import { fnmatchToRegExp, hasGlobChars } from '../../../common/fnmatch.js';
import { FuncPaths, rooted } from '../../../common/paths.js';
import { GroupsFile, parseMemberList } from '../../groups.js';
import { pyRepr } from '../../../transport/python-repr.js';
import { positionals, strOpt, type CliContext, type ParsedArgs, type Subcommand } from '../context.js';

/** "@group:a,b" → { group, hosts: [a, b] } */
function parseHostArg(arg: string): { group: string; hosts: string[] } | null {
  const m = /^@?([^:]+):(.+)$/.exec(arg);
  return m ? { group: m[1]!.toLowerCase(), hosts: parseMemberList(m[2]!) } : null;
}

async function addHosts(g: GroupsFile, arg: string, exclude: string | undefined, ctx: CliContext): Promise<number> {
  const parsed = parseHostArg(arg);
  if (!parsed) { ctx.io.err('--add_host needs @group:host1,host2 (or @group:glob)\n'); return 2; }
  const overlord = ctx.overlord();
  const excluded = new Set(exclude ? await overlord.expand(exclude) : []);
  const names: string[] = [];
  for (const h of parsed.hosts) names.push(...(hasGlobChars(h) ? await overlord.expand(h) : [h]));
  const added = g.addHosts(parsed.group, names.filter((n) => !excluded.has(n)));
  g.save();
  ctx.io.out(`${added.length} host(s) added to ${parsed.group}\n`);
  return 0;
}

function removeHosts(g: GroupsFile, arg: string, ctx: CliContext): number {
  const parsed = parseHostArg(arg);
  if (!parsed) { ctx.io.err('--remove_host needs @group:host1,host2 (or @group:glob)\n'); return 2; }
  const res = parsed.hosts.map((p) => fnmatchToRegExp(p, { ignoreCase: true }));
  const removed = g.removeHosts(parsed.group, g.members(parsed.group).filter((m) => res.some((re) => re.test(m))));
  g.save();
  ctx.io.out(`${removed.length} host(s) removed from ${parsed.group}\n`);
  return 0;
}

function listAll(g: GroupsFile): string {
  return g.groups().map((name) => `Group : ${name}\n${g.members(name).map((h) => `\t Host : ${h} \n`).join('')}`).join('');
}

const ACTIONS = ['add_group', 'remove_group', 'list_group', 'list_all', 'add_host', 'remove_host', 'list_hosts'] as const;
type Action = (typeof ACTIONS)[number];
const NEEDS_ARG: ReadonlySet<Action> = new Set(['add_group', 'remove_group', 'add_host', 'remove_host', 'list_hosts']);

async function act(action: Action, g: GroupsFile, arg: string, args: ParsedArgs, ctx: CliContext): Promise<number> {
  const globRe = (): RegExp => fnmatchToRegExp(arg || '*', { ignoreCase: true });
  switch (action) {
    case 'add_group': {
      const made = parseMemberList(arg).filter((n) => g.addGroup(n));
      g.save();
      ctx.io.out(`${made.length} group(s) added\n`);
      return 0;
    }
    case 'remove_group': {
      const gone = g.groups().filter((n) => globRe().test(n) && g.removeGroup(n));
      g.save();
      ctx.io.out(`${gone.length} group(s) removed\n`);
      return 0;
    }
    case 'list_group': ctx.io.out(`GROUPS : ${pyRepr(g.groups().filter((n) => globRe().test(n)))}\n`); return 0;
    case 'list_all': ctx.io.out(listAll(g)); return 0;
    case 'add_host': return addHosts(g, arg, strOpt(args, 'exclude'), ctx);
    case 'remove_host': return removeHosts(g, arg, ctx);
    case 'list_hosts': ctx.io.out(`${pyRepr(g.members(arg.replace(/^@/, '')))}\n`); return 0;
  }
}

const group: Subcommand = {
  name: 'group',
  describe: 'manage host groups (/etc/func/groups)',
  usage: '--ag NAME | --rg GLOB | --lg [GLOB] | --la | --ah @G:HOSTS | --rh @G:HOSTS | --lh @G',
  options: (y: Argv) => y
    .option('add_group', { alias: 'ag', type: 'boolean', describe: 'add the groups named (comma list)' })
    .option('remove_group', { alias: 'rg', type: 'boolean', describe: 'remove the groups matching a glob' })
    .option('list_group', { alias: 'lg', type: 'boolean', describe: 'list group names (optionally matching a glob)' })
    .option('list_all', { alias: 'la', type: 'boolean', describe: 'list every group with its hosts' })
    .option('add_host', { alias: 'ah', type: 'boolean', describe: 'add hosts: @group:host1,host2 or @group:glob' })
    .option('remove_host', { alias: 'rh', type: 'boolean', describe: 'remove hosts: @group:host1,host2 or @group:glob' })
    .option('list_hosts', { alias: 'lh', type: 'boolean', describe: 'list the hosts of @group' })
    .option('exclude', { alias: 'e', type: 'string', describe: 'with --add_host: hosts not to add' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'accepted for func compatibility' }),
  async run(args: ParsedArgs, ctx: CliContext): Promise<number> {
    const action = ACTIONS.find((a) => args[a] === true);
    if (!action) { ctx.io.err('group needs one of --ag, --rg, --lg, --la, --ah, --rh, --lh\n'); return 2; }
    const arg = positionals(args)[0] ?? '';
    if (NEEDS_ARG.has(action) && arg === '') { ctx.io.err(`--${action} needs an argument\n`); return 2; }
    return act(action, GroupsFile.load(rooted(FuncPaths.groups, ctx.root)), arg, args, ctx);
  },
};

export default group;
