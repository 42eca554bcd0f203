// `func [global options] <target> <subcommand> [options] [args…]`: global options may come anywhere before "--";
// the subcommand, found among the files of cli/commands/, parses the rest. Shell completion included.
import fs from 'node:fs';
import path from 'node:path';
import yargs, { type Argv } from 'yargs';
import { FuncError, TargetError } from '../../common/errors.js';
import { FuncPaths, funcRoot, rooted } from '../../common/paths.js';
import { CliContext, type CliIo, type GlobalOptions, type ParsedArgs, type Subcommand } from './context.js';
import { ExitStatus } from './exit-status.js';
import { addGlobalOptions, definedOptionNames, globalValues, splitCommandLine, type CommandLine } from './global-options.js';
import { loadSubcommand, loadSubcommands } from './subcommands.js';

const USAGE = 'func [options] <target> <subcommand> [options] [args..]';

/** The subcommands' list for --help, loaded only when help is shown. */
let helpList = '';

/** The top-level parser: global options, --help, --version and completion. */
export function globalParser(argv: string[]): Argv {
  return addGlobalOptions(yargs(argv).scriptName('func').usage(USAGE).version(false)
    .parserConfiguration({ 'halt-at-non-option': true, 'parse-positional-numbers': false }))
    .option('version', { type: 'boolean', describe: 'print the version and exit' })
    .epilogue(`Targets: globs separated by ";", @group, @group:glob, ~regex.\n\n${helpList ? `Subcommands:\n${helpList}\n\n` : ''}`
      + 'Global options may also follow the target or the subcommand. '
      + 'Run "func <target> <subcommand> --help" for a subcommand\'s options; "func completion [bash|zsh]" prints a shell completion script.')
    .help().alias('help', 'h').exitProcess(false).strict(false);
}

function printVersion(io: CliIo): void {
  let text = '';
  try { text = fs.readFileSync(rooted(FuncPaths.version, funcRoot()), 'utf8').trim(); } catch { /* no version file */ }
  io.out(`${text || '0.1.0'}\n`);
}

/** A subcommand's parser over `args`: its own options plus the global ones it does not define. */
export function subcommandParser(cmd: Subcommand, args: string[]): Argv {
  const own = cmd.options(yargs(args).scriptName(`func <target> ${cmd.name}`).usage(`$0 ${cmd.usage}`)
    .parserConfiguration({ 'parse-positional-numbers': false, 'populate--': true })
    .version(false).help().alias('help', 'h').exitProcess(false).strictOptions());
  return addGlobalOptions(own, definedOptionNames(own));
}

async function runSubcommand(cmd: Subcommand, line: CommandLine, target: string, io: CliIo): Promise<number> {
  let failure: string | null = null;
  const parser = subcommandParser(cmd, [...line.forwarded, ...line.rest]).fail((msg, err) => { failure = msg ?? err?.message ?? 'invalid arguments'; });
  const args = await parser.parseAsync() as unknown as ParsedArgs;
  if (failure !== null) {
    const hint = cmd.name === 'call' && /Unknown argument/i.test(failure) ? '\nArguments that start with "-" go after "--", e.g. func "*" call test echo -- --verbose' : '';
    io.err(`func: ${failure}${hint}\n\n${await parser.getHelp()}\n`);
    return ExitStatus.USAGE;
  }
  if (args.help) return 0;
  // (a second yargs parser costs ~10 ms: only when global options came before the subcommand)
  const before = line.globals.length > 0 ? await globalParser(line.globals).parseAsync() as Record<string, unknown> : {};
  const global: GlobalOptions = { regex: false, ...stripUndefined(globalValues(before, args)) };
  const ctx = new CliContext(target, global, io);
  try {
    return await cmd.run(args, ctx);
  } finally {
    await ctx.close();
  }
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
  if (argv[0] === '__complete' || argv[0] === '__refresh-completion-cache' || argv[0] === 'completion') return completion(argv, io);
  let line = splitCommandLine(argv);
  // `func jobs` needs no target
  if (line.words.length === 1 && line.words[0] === 'jobs') line = { ...line, words: ['*', 'jobs'] };
  if (line.words.length < 2) {
    const parser = globalParser(argv);
    const g = await parser.parseAsync() as unknown as ParsedArgs & { version?: boolean };
    if (g.help) return 0;
    if (g.version) { printVersion(io); return 0; }
    io.err(`func: ${line.words.length === 0 ? 'no target given' : 'no subcommand given'}\nUsage: ${USAGE}\n`
      + 'Run "func --help" for the options and subcommands; see func(1).\n');
    return 2;
  }
  const [target, name] = line.words as [string, string];
  const cmd = await loadSubcommand(name);
  if (!cmd) {
    // `func --config FILE "*" ping`: an option func does not know takes no value before the target, so FILE became the target
    const stray = line.forwarded.length > 0
      ? `\n"${target}" was taken as the target: before it, only the global options take a value, not ${line.forwarded.join(' ')} (see "func --help")`
      : '';
    io.err(`func: unknown subcommand "${name}"; known: ${(await loadSubcommands()).map((c) => c.name).join(', ')}${stray}\n`);
    return 2;
  }
  try {
    return await runSubcommand(cmd, line, target, io);
  } catch (err) {
    return reportFailure(err, io, argv.some((a) => a === '-v' || a === '--verbose'));
  }
}

/**
 * An error that ended the command before or outside the per-host results: one line naming what and where
 * (the stack only with -v). func's "Can't find any minions matching …" keeps its exit status 1; the rest are 2.
 */
function reportFailure(err: unknown, io: CliIo, verbose: boolean): number {
  const detail = verbose && err instanceof Error && err.stack ? `${err.stack}\n` : '';
  if (err instanceof TargetError) {
    io.err(`ERROR: ${err.message}\n${detail}`);
    return ExitStatus.NO_MATCH;
  }
  const message = err instanceof Error ? err.message : String(err);
  const known = err instanceof FuncError || typeof (err as NodeJS.ErrnoException | null)?.code === 'string';
  io.err(`func: ${message.split('\n')[0]}${known || verbose ? '' : ' (run with -v for details)'}\n${detail}`);
  return ExitStatus.USAGE;
}

/** `func completion [bash|zsh]`, and the hidden words the scripts run: `__complete WORD…`, `__refresh-completion-cache`. */
async function completion(argv: string[], io: CliIo): Promise<number> {
  const { BASH_SCRIPT, ZSH_SCRIPT, completeWords } = await import('./completion.js');
  if (argv[0] === 'completion') {
    const shell = argv[1] ?? 'bash';
    if (shell !== 'bash' && shell !== 'zsh') { io.err(`func: no completion for "${shell}" (bash or zsh)\n`); return 2; }
    io.out(shell === 'zsh' ? ZSH_SCRIPT : BASH_SCRIPT);
    return 0;
  }
  const words = argv.slice(1);
  const confAt = words.findIndex((w) => w === '-c' || w === '--conf');
  const conf = confAt >= 0 && confAt + 1 < words.length - 1 ? path.resolve(words[confAt + 1]!) : undefined;
  if (argv[0] === '__refresh-completion-cache') {
    const { cacheFile, refreshCache } = await import('./completion-cache.js');
    await refreshCache(funcRoot(), conf, cacheFile(funcRoot(), conf));
    return 0;
  }
  const subcommands = await loadSubcommands();
  const found = completeWords(words.length ? words : [''], { root: funcRoot(), conf, subcommands, parserOf: (c) => subcommandParser(c, []) });
  io.out(found.map((w) => `${w}\n`).join(''));
  return 0;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function defaultIo(): CliIo {
  return {
    out: (s) => { process.stdout.write(s); },
    err: (s) => { process.stderr.write(s); },
    interactive: process.stderr.isTTY === true,
  };
}
