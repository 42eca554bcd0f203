// The output options subcommands share: --json (one JSON document, the shape of `call --json`:
// {"host": value}, a failed host as {"host": {"error": {status, type, message, trace}}}) and --out txt.
import type { Argv } from 'yargs';
import type { OutputFormat } from '../output.js';
import type { ParsedArgs } from './context.js';

/** Adds --json/-j (and, for per-host results, --out txt). */
export function withJsonOption(y: Argv, describe = 'one JSON document: {"host": value}, a failed host as {"host": {"error": {status, type, message, trace}}}', perHost = true): Argv {
  const withJson = y.option('json', { alias: 'j', type: 'boolean', describe });
  return perHost ? withJson.option('out', { type: 'string', choices: ['txt'], describe: 'txt: one line per host ("host: value" as compact JSON), for grep' }) : withJson;
}

/** The format asked for: json, txt (--out txt) or text. */
export function jsonOrText(args: ParsedArgs): OutputFormat {
  return args.json === true ? 'json' : args.out === 'txt' ? 'txt' : 'text';
}
