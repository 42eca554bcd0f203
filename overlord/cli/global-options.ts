// func's global options (-t, -e, -c, --regex, --forks): their yargs definitions, their checks, and where they
// may go: before the target, between target and subcommand, or among the subcommand's own options.
import fs from 'node:fs';
import path from 'node:path';
import type { Argv, Options } from 'yargs';
import { ConfigError } from '../../common/errors.js';
import type { WireValue } from '../../transport/types.js';
import { combinedFactQuery } from '../fact-filter.js';
import { UsageError } from './usage-error.js';

/** The global options' definitions, shared by the parser, --help and the man page. */
export const GLOBAL_OPTIONS: Readonly<Record<string, Options>> = {
  timeout: { alias: 't', type: 'string', describe: 'seconds each host may take (default: overlord.conf socket_timeout when above 0, else 30; 0 = no limit)' },
  exclude: { alias: 'e', type: 'string', describe: 'hosts to leave out (same syntax as the target)' },
  conf: { alias: 'c', type: 'string', describe: 'an alternate overlord.conf, read as given (it must exist)' },
  forks: { alias: 'f', type: 'string', describe: 'calls in flight at once (default: overlord.conf forks = 64)' },
  regex: { type: 'boolean', describe: 'target elements are regular expressions (also: ~pattern)' },
  filter: { type: 'string', describe: 'only hosts whose facts satisfy every term: "fact=v,fact<v,fact>=v,v in fact,v ini fact" (func\'s fact filter)' },
  filteror: { type: 'string', describe: 'only hosts whose facts satisfy any of the terms (same syntax as --filter)' },
  batch: { type: 'string', describe: 'a sliding window of N hosts, or N% of them: a new host starts as soon as one returns' },
  'batch-wait': { type: 'string', describe: 'with --batch: seconds to wait after each return before the next host starts' },
};

/** The global options' values after checking. */
export interface GlobalValues {
  timeout?: number;
  exclude?: string;
  conf?: string;
  forks?: number;
  regex?: boolean;
  /** func's serialized fact query from --filter/--filteror */
  factQuery?: WireValue;
  batch?: number | string;
  batchWait?: number;
}

/** Adds the global options to a parser (those it does not define itself, when `skipDefined`). */
export function addGlobalOptions(y: Argv, skip: ReadonlySet<string> = new Set()): Argv {
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS)) {
    if (skip.has(name)) continue;
    const alias = typeof spec.alias === 'string' && !skip.has(spec.alias) ? spec.alias : undefined;
    y = y.option(name, { ...spec, alias });
  }
  return y;
}

/** What yargs knows of a parser's options (a public method its type definitions leave out). */
export interface YargsOptionTable {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
  boolean: string[];
  string: string[];
  number: string[];
  array: string[];
  hiddenOptions: string[];
  default: Record<string, unknown>;
}

/** The option table of a parser. */
export function yargsOptions(y: Argv): YargsOptionTable {
  return (y as unknown as { getOptions(): YargsOptionTable }).getOptions();
}

/** Every option name and alias a parser defines. */
export function definedOptionNames(y: Argv): Set<string> {
  const o = yargsOptions(y);
  const names = new Set<string>(Object.keys(o.key));
  for (const [k, aliases] of Object.entries(o.alias)) { names.add(k); for (const a of aliases) names.add(a); }
  return names;
}

/** A --timeout value: a finite number of seconds ≥ 0 (0 = no limit). */
export function checkTimeout(v: unknown, name = '--timeout'): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(String(v).trim() === '' ? NaN : v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} needs a number of seconds ≥ 0 (0 = no limit), not "${String(v)}"`);
  if (n > 2_000_000) throw new UsageError(`${name} ${String(v)} is too large (at most 2000000 seconds)`);
  return n;
}

/** A --forks value: a whole number ≥ 1. */
export function checkForks(v: unknown, name = '--forks'): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(String(v).trim() === '' ? NaN : v);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} needs a whole number ≥ 1, not "${String(v)}"`);
  return n;
}

/** A --batch value: a whole number ≥ 1, or a percentage in (0, 100] written "N%". */
export function checkBatch(v: unknown): number | string | undefined {
  if (v === undefined) return undefined;
  const text = String(v).trim();
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (pct && Number(pct[1]) > 0 && Number(pct[1]) <= 100) return text;
  const n = Number(text);
  if (!pct && text !== '' && Number.isSafeInteger(n) && n >= 1) return n;
  throw new UsageError(`--batch needs a number of hosts ≥ 1 or a percentage like 25%, not "${text}"`);
}

/** -c FILE: the file as given (relative to the working directory); ConfigError when it cannot be read. */
export function checkConf(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const file = path.resolve(String(v));
  try {
    fs.accessSync(file, fs.constants.R_OK);
    if (!fs.statSync(file).isFile()) throw new Error('not a regular file');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(`cannot read the overlord config given with -c: ${file} (${why})`);
  }
  return file;
}

/** Checks and converts parsed global options; later sources win (e.g. after the subcommand over before the target). */
export function globalValues(...sources: ReadonlyArray<Record<string, unknown>>): GlobalValues {
  const pick = (name: string): unknown => {
    let v: unknown;
    for (const s of sources) if (s[name] !== undefined) v = s[name];
    return v;
  };
  const exclude = pick('exclude');
  const filter = pick('filter');
  const filteror = pick('filteror');
  let factQuery: WireValue | undefined;
  try {
    factQuery = combinedFactQuery(filter === undefined ? undefined : String(filter), filteror === undefined ? undefined : String(filteror));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    factQuery,
    batch: checkBatch(pick('batch')),
    batchWait: pick('batch-wait') === undefined ? undefined : checkTimeout(pick('batch-wait'), '--batch-wait'),
    timeout: checkTimeout(pick('timeout')),
    forks: checkForks(pick('forks')),
    exclude: exclude === undefined ? undefined : String(exclude),
    conf: checkConf(pick('conf')),
    regex: pick('regex') === true ? true : undefined,
  };
}

/** The global option a word names (--timeout, -t, --timeout=3, --no-regex), or null. */
function globalOptionOf(word: string): { name: string; spec: Options } | null {
  const name = word.replace(/^--?/, '').replace(/=.*$/s, '').replace(/^no-/, '');
  for (const [key, spec] of Object.entries(GLOBAL_OPTIONS)) {
    if (name === key || name === spec.alias) return { name: key, spec };
  }
  return null;
}

/** func's command line cut up: see splitCommandLine. */
export interface CommandLine {
  /** global options given before the subcommand (with their values) */
  readonly globals: string[];
  /** other options given before the subcommand: handed to the subcommand (--json, --name=value) */
  readonly forwarded: string[];
  /** the target and the subcommand name (fewer when missing) */
  readonly words: string[];
  /** everything after the subcommand name */
  readonly rest: string[];
}

/**
 * Splits `func` argv into global options, other options (for the subcommand), the target, the subcommand and
 * what follows. Before the subcommand, a global option takes its value from the next word when it needs one.
 */
export function splitCommandLine(argv: readonly string[]): CommandLine {
  const globals: string[] = [];
  const forwarded: string[] = [];
  const words: string[] = [];
  let i = 0;
  for (; i < argv.length && words.length < 2; i++) {
    const a = argv[i]!;
    if (a === '--') { i++; break; }
    if (!a.startsWith('-') || a === '-') { words.push(a); continue; }
    const g = globalOptionOf(a);
    if (!g) { forwarded.push(a); continue; }
    globals.push(a);
    if (g.spec.type !== 'boolean' && !a.includes('=') && i + 1 < argv.length) globals.push(argv[++i]!);
  }
  return { globals, forwarded, words, rest: argv.slice(i) };
}
