// The output options subcommands share: --json (one JSON document, the shape of `call --json`:
// {"host": value}, a failed host as {"host": {"error": {status, type, message, trace}}}).
import type { Argv } from 'yargs';
import type { OutputFormat } from '../output.js';
import type { ParsedArgs } from './context.js';

/** Adds --json/-j. */
export function withJsonOption(y: Argv, describe = 'one JSON document: {"host": value}, a failed host as {"host": {"error": {status, type, message, trace}}}'): Argv {
  return y.option('json', { alias: 'j', type: 'boolean', describe });
}

/** The format asked for: json or text. */
export function jsonOrText(args: ParsedArgs): OutputFormat {
  return args.json === true ? 'json' : 'text';
}
