// What every `func` subcommand gets: the target, the global options, output streams, and Overlord instances
// made from them (tracked, so the CLI closes every client and the process ends).
import type { Argv } from 'yargs';
import type { WireValue } from '../../transport/types.js';
import { funcRoot, rooted } from '../../common/paths.js';
import { Overlord, type OverlordOptions } from '../overlord.js';
import { TLS_SESSION_DIR } from '../tls-session-store.js';

/** The global options (given before the target, after it, or among the subcommand's options), checked. */
export interface GlobalOptions {
  readonly timeout?: number;
  readonly exclude?: string;
  /** an overlord.conf path, absolute, known to be readable */
  readonly conf?: string;
  readonly forks?: number;
  readonly regex: boolean;
  /** func's fact query (--filter/--filteror) */
  readonly factQuery?: WireValue;
  /** --batch N or "N%" */
  readonly batch?: number | string;
  /** --batch-wait seconds */
  readonly batchWait?: number;
}

/** Where the CLI writes. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** stderr is a terminal: progress lines are drawn there */
  readonly interactive: boolean;
}

/** A subcommand's parsed arguments: yargs' result (positionals in `_`, words after "--" in `--`). */
export type ParsedArgs = { readonly _: readonly (string | number)[]; readonly '--'?: readonly (string | number)[]; readonly [option: string]: unknown };

/** One `func <target> <name> …` subcommand; a file in cli/commands/ whose default export is this. */
export interface Subcommand {
  readonly name: string;
  readonly describe: string;
  /** what follows "func <target> <name>" in the usage line */
  readonly usage: string;
  options(y: Argv): Argv;
  /** runs the subcommand; resolves with the exit status */
  run(args: ParsedArgs, ctx: CliContext): Promise<number>;
}

/** State shared by the subcommands of one CLI run. */
export class CliContext {
  private readonly made: Overlord[] = [];

  constructor(readonly target: string, readonly global: GlobalOptions, readonly io: CliIo, readonly root: string = funcRoot()) {}

  /** A new Overlord for the target (or `spec`), with the global options and `extra` applied. */
  overlord(extra: OverlordOptions = {}, spec: string = this.target): Overlord {
    const o = new Overlord(spec, {
      root: this.root, configPath: this.global.conf, timeout: this.global.timeout, exclude: this.global.exclude, concurrency: this.global.forks,
      factQuery: this.global.factQuery, batch: this.global.batch, batchWait: this.global.batchWait,
      regex: this.global.regex, warn: (m) => this.io.err(`${m}\n`), tlsSessionDir: rooted(TLS_SESSION_DIR, this.root),
      ...stripUndefined(extra),
    });
    this.made.push(o);
    return o;
  }

  /** The progress line's note for a batch ("[batch window 5 of 20, wait 2 s]"), or undefined without --batch. */
  batchNote(overlord: Overlord, hostCount: number): string | undefined {
    if (this.global.batch === undefined) return undefined;
    const wait = this.global.batchWait ? `, wait ${this.global.batchWait} s` : '';
    return `[batch window ${overlord.concurrencyFor(hostCount)} of ${hostCount}${wait}]`;
  }

  /** Closes every Overlord made. */
  async close(): Promise<void> {
    await Promise.all(this.made.splice(0).map((o) => o.close()));
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A string option, or undefined. */
export function strOpt(args: ParsedArgs, name: string): string | undefined {
  const v = args[name];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** A number option, or undefined (NaN counts as absent). */
export function numOpt(args: ParsedArgs, name: string): number | undefined {
  const v = args[name];
  return typeof v === 'number' && !Number.isNaN(v) ? v : undefined;
}

/** The positional words, including those after "--", as strings. */
export function positionals(args: ParsedArgs): string[] {
  return [...args._, ...(args['--'] ?? [])].map(String);
}
