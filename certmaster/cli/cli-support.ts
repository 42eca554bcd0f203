// What the three certmaster commands share: the package version, the FUNC_ROOT note for --help, and
// turning an error into a one-line message on stderr with a non-zero exit code.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FuncError } from '../../common/errors.js';

/** The version in the checkout's package.json (this file runs from dist/certmaster/cli/). */
export function packageVersion(): string {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'package.json');
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Help text about FUNC_ROOT, shown by every certmaster command. */
export const ROOT_NOTE =
  'All of func\'s absolute paths (/etc/certmaster, /etc/pki/certmaster, /var/lib/certmaster, /var/log/certmaster) ' +
  'are resolved under $FUNC_ROOT when it is set, so these commands need no root privileges; ' +
  'they only need write access to those directories.';

/** Prints "<prog>: <message>" on stderr and sets exit code 1; unexpected errors also get their stack. */
export function reportError(prog: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${prog}: ${message}\n`);
  if (!(err instanceof FuncError) && err instanceof Error && err.stack && process.env.FUNC_DEBUG) {
    process.stderr.write(`${err.stack}\n`);
  }
  process.exitCode = 1;
}
