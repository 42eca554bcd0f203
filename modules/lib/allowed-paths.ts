// Confines the paths a caller names (SRPMs, result and repository directories) to the directories a module's
// options allow: no `..` segment, absolute only, and the real path (symlinks resolved) inside an allowed root.
import path from 'node:path';
import { rooted } from '../../common/paths.js';
import { InvalidArgumentsError } from '../../minion/module-api.js';
import { realPathOf } from './file-access.js';

/** The allowed roots from a module option (a list of absolute paths), each placed under the minion's root. */
export function allowedRoots(option: unknown, minionRoot: string): string[] {
  const list = Array.isArray(option) ? option : typeof option === 'string' ? option.split(/[\s,]+/) : [];
  return list.filter((p): p is string => typeof p === 'string' && path.isAbsolute(p)).map((p) => path.resolve(rooted(p, minionRoot)));
}

function inside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
}

/** Where a refused path is reported: the method and argument, for the error message. */
export interface PathUse { method: string; arg: string; option: string }

/**
 * Checks a caller's path and returns it resolved: it must be absolute, have no `..` segment, and (after
 * resolving symlinks of whatever part exists) lie inside one of `roots`. Otherwise InvalidArgumentsError
 * naming the method, the argument, the path and the allowed roots.
 */
export async function confinePath(p: string, roots: readonly string[], use: PathUse): Promise<string> {
  const refuse = (why: string): never => {
    throw new InvalidArgumentsError(
      `${use.method}: ${use.arg} ${JSON.stringify(p)} ${why}; allowed roots (option ${use.option}): ${roots.join(', ') || '(none)'}`,
      [{ name: use.arg, expected: `an absolute path inside ${roots.join(' or ') || 'an allowed root'}`, got: p }]);
  };
  if (p.length === 0 || p.includes('\0')) refuse('is empty or contains NUL');
  if (!path.isAbsolute(p)) refuse('is not an absolute path');
  if (p.split(/[\\/]+/).includes('..')) refuse("contains a '..' segment");
  const resolved = path.resolve(p);
  const real = await realPathOf(resolved);
  for (const root of roots) {
    const realRoot = await realPathOf(root);
    if (inside(resolved, root) && inside(real, realRoot)) return resolved;
  }
  return refuse('is outside the allowed roots');
}
