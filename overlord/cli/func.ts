// `func [global options] <target> <subcommand> [options] [args…]`: global options end at the target (as in
// func); the subcommand, found among the files of cli/commands/, parses the rest. Shell completion included.
import fs from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { FuncError } from '../../common/errors.js';
import { FuncPaths, funcRoot, rooted } from '../../common/paths.js';
import { CliContext, type CliIo, type GlobalOptions, type ParsedArgs, type Subcommand } from './context.js';
import { loadSubcommand, loadSubcommands } from './subcommands.js';

const USAGE = 'func [options] <target> <subcommand> [options] [args..]';

/** The subcommands' list for --help, loaded only when help is shown. */
let helpList = '';

function globalParser(argv: string[]): Argv {
  return yargs(argv).scriptName('func').usage(USAGE).version(false)
    .parserConfiguration({ 'halt-at-non-option': true, 'parse-positional-numbers': false })
    .option('timeout', { alias: 't', type: 'number', describe: 'seconds each host may take (default: overlord.conf socket_timeout, else 30)' })
    .option('exclude', { alias: 'e', type: 'string', describe: 'hosts to leave out (same syntax as the target)' })
    .option('conf', { alias: 'c', type: 'string', describe: 'an alternate overlord.conf' })
    .option('regex', { type: 'boolean', default: false, describe: 'target elements are regular expressions (also: ~pattern)' })
    .option('version', { type: 'boolean', describe: 'print the version and exit' })
    .epilogue(`Targets: globs separated by ";", @group, @group:glob, ~regex.\n\nSubcommands:\n${helpList}\n\n`
      + 'Run "func <target> <subcommand> --help" for a subcommand\'s options; "func completion" prints a bash completion script.')
    .completion('completion', async (_current, argv) => completions(argv as ParsedArgs, await loadSubcommands()))
    .help().alias('help', 'h').exitProcess(false).strict(false);
}

/** Completion words: subcommand names once a target is typed, else nothing. */
function completions(argv: ParsedArgs, commands: readonly Subcommand[]): string[] {
  const words = argv._.slice(1).map(String); // argv._ = ['func', …words typed so far]
  return words.length === 2 ? commands.map((c) => c.name) : [];
}

function printVersion(io: CliIo): void {
  let text = '';
  try { text = fs.readFileSync(rooted(FuncPaths.version, funcRoot()), 'utf8').trim(); } catch { /* no version file */ }
  io.out(`${text || '0.1.0'}\n`);
}

async function runSubcommand(cmd: Subcommand, rest: string[], ctx: CliContext): Promise<number> {
  let failure: string | null = null;
  const parser = cmd.options(yargs(rest).scriptName(`func <target> ${cmd.name}`).usage(`$0 ${cmd.usage}`)
    .parserConfiguration({ 'parse-positional-numbers': false, 'populate--': true })
    .version(false).help().alias('help', 'h').exitProcess(false).strictOptions()
    .fail((msg, err) => { failure = msg ?? err?.message ?? 'invalid arguments'; }));
  const args = await parser.parseAsync() as unknown as ParsedArgs;
  if (failure !== null) {
    const hint = /Unknown argument/i.test(failure) ? `\nArguments that start with "-" go after "--", e.g. func "*" call test echo -- --verbose` : '';
    ctx.io.err(`${failure}${hint}\nRun "func <target> ${cmd.name} --help" for usage.\n`);
    return 2;
  }
  if (args.help) return 0;
  return cmd.run(args, ctx);
}

/** Runs the func CLI with `argv` (without node and script); sets process.exitCode. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<void> {
  process.exitCode = await run(argv, io);
}

/** The CLI as a function: returns the exit status. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  if (argv.some((a) => a === '--help' || a === '-h') && !argv.some((a) => !a.startsWith('-'))) {
    helpList = (await loadSubcommands()).map((c) => `  ${c.name.padEnd(14)}${c.describe}`).join('\n');
  }
  const parser = globalParser(argv);
  const g = await parser.parseAsync() as unknown as ParsedArgs & { timeout?: number; exclude?: string; conf?: string; regex: boolean; version?: boolean };
  if (g.help || g['get-yargs-completions'] !== undefined) return 0;
  if (g.version) { printVersion(io); return 0; }
  const words = g._.map(String);
  if (words[0] === 'completion') { parser.showCompletionScript(); return 0; }
  if (words.length < 2) {
    io.err('see the func manpage for usage\n');
    return 411;
  }
  const [target, name, ...rest] = words as [string, string, ...string[]];
  const cmd = await loadSubcommand(name);
  if (!cmd) {
    io.err(`ERROR: unknown subcommand "${name}"; known: ${(await loadSubcommands()).map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  const global: GlobalOptions = { timeout: g.timeout, exclude: g.exclude, conf: g.conf, regex: g.regex };
  const ctx = new CliContext(target, global, io);
  try {
    return await runSubcommand(cmd, rest, ctx);
  } catch (err) {
    if (!(err instanceof FuncError)) throw err;
    io.err(`ERROR: ${err.message}\n`);
    return 1;
  } finally {
    await ctx.close();
  }
}

function defaultIo(): CliIo {
  return {
    out: (s) => { process.stdout.write(s); },
    err: (s) => { process.stderr.write(s); },
    interactive: process.stderr.isTTY === true,
  };
}
