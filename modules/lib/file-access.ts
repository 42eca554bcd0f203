// Guards for the file modules: the optional allow-list of path globs from a module's options (allowed_paths, matched
// against the real path, symlinks resolved), and reading that refuses non-regular files and stops on abort.
import { constants as C } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fnmatchToRegExp } from '../../common/fnmatch.js';
import { ModuleError, opt, type OptionValue } from '../../minion/module-api.js';

/** The option schema entry of an allow-list: empty = any path (func's behaviour: the ACL is the only barrier). */
export const allowedPathsOption = opt('list', [] as string[]);

/** The real path of `p`, or of its nearest existing ancestor joined with the rest (for files not written yet). */
export async function realPathOf(p: string): Promise<string> {
  const abs = path.resolve('/', p);
  const rest: string[] = [];
  for (let dir = abs; ; dir = path.dirname(dir)) {
    try {
      return path.join(await fs.realpath(dir), ...rest.reverse());
    } catch {
      if (dir === '/') return abs;
      rest.push(path.basename(dir));
    }
  }
}

/**
 * Refuses `p` unless it (its real path, symlinks resolved) matches one of the `allowed_paths` globs (fnmatch: `*`
 * also crosses "/"); an empty list allows every path. The error names the option and the options file.
 */
export async function checkAllowedPath(p: string, allowed: OptionValue | undefined, module: string): Promise<void> {
  const globs = Array.isArray(allowed) ? allowed.filter((g) => g !== '') : [];
  if (globs.length === 0) return;
  const real = await realPathOf(p);
  if (globs.some((g) => fnmatchToRegExp(g).test(real))) return;
  throw new ModuleError(`${module}: ${JSON.stringify(p)}${real !== p ? ` (really ${real})` : ''} is not allowed: it matches none of `
    + `allowed_paths in /etc/func/modules/${module}.conf (${globs.join(', ')})`, 'exceptions.IOError');
}

/** Opens a file for reading, refusing anything but a regular file (devices, FIFOs, sockets, directories). */
export async function openRegularFile(file: string, module: string): Promise<fs.FileHandle> {
  const fh = await fs.open(file, C.O_RDONLY | C.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      const kind = st.isDirectory() ? 'a directory' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device'
        : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'not a regular file';
      throw new ModuleError(`${module}: ${file} is ${kind}; only regular files are read`, 'exceptions.IOError');
    }
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * Reads a whole regular file as UTF-8 text, refusing one larger than `maxBytes` (as reported, and as actually read:
 * /proc files report 0) and stopping when `signal` aborts.
 */
export async function readBoundedText(file: string, maxBytes: number, signal: AbortSignal, module: string): Promise<string> {
  const fh = await openRegularFile(file, module);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      signal.throwIfAborted();
      const { bytesRead } = await fh.read(buf, 0, buf.length, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw new ModuleError(`${module}: ${file} is larger than ${maxBytes} bytes; not read`, 'exceptions.IOError');
      chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    await fh.close();
  }
}
