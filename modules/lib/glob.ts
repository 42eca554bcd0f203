// Python's glob.glob for the modules: * ? [seq] [!seq] shell patterns (common/fnmatch) expanded against the
// file system; a leading "*" does not match dot-files, as in Python.
import fs from 'node:fs/promises';
import { fnmatchToRegExp, hasGlobChars } from '../../common/fnmatch.js';

async function lexists(p: string): Promise<boolean> {
  return fs.lstat(p).then(() => true, () => false);
}

/** Python's os.path.split: ("/etc", "hosts"); the head keeps a lone "/" and loses other trailing slashes. */
function split(p: string): [string, string] {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return [head, p.slice(i)];
}

/** Names in `dir` matching a one-level pattern; hidden names only when the pattern starts with ".". */
async function matchIn(dir: string, pattern: string): Promise<string[]> {
  let names: string[];
  try { names = await fs.readdir(dir || '.'); } catch { return []; }
  const re = fnmatchToRegExp(pattern);
  return names.filter((n) => (pattern.startsWith('.') || !n.startsWith('.')) && re.test(n));
}

function join(dir: string, name: string): string {
  return dir === '' ? name : dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/** Python's glob.glob: every existing path matching the pattern (sorted; [] when none). */
export async function glob(pattern: string): Promise<string[]> {
  if (!hasGlobChars(pattern)) return (await lexists(pattern)) ? [pattern] : [];
  const [dir, base] = split(pattern);
  const dirs = dir !== '' && dir !== pattern && hasGlobChars(dir) ? await glob(dir) : [dir];
  const out: string[] = [];
  for (const d of dirs) {
    if (hasGlobChars(base)) out.push(...(await matchIn(d, base)).map((n) => join(d, n)));
    else if (await lexists(join(d, base))) out.push(join(d, base));
  }
  return out.sort();
}
