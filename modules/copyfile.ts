// Copies files onto the minion (whole or in chunks with open/append), with backups and SHA-1 checksums.
// Caveat: by default writes any path with any mode and owner the minion's user may set; allowed_paths in
// copyfile.conf narrows the paths it writes and checksums.
import crypto from 'node:crypto';
import { constants as C } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  accepting, arg, defineModule, fromString, method, ModuleError, optional, type Logger,
} from '../minion/module-api.js';
import { allowedPathsOption, checkAllowedPath } from './lib/file-access.js';
import { applyOwner, copyContent, replaceOwnedFile, replaceOwnedFileWith, writeAll, type FileHandle } from './lib/safe-write.js';

/** open() flags for reading a file that must be a regular file and never a symlink or a FIFO. */
const READ_FLAGS = C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK;

export default defineModule({
  version: '0.0.1',
  apiVersion: '0.0.2',
  description: 'Allows for smart copying of a file.',
  options: {
    // fnmatch globs of the real paths that may be written or checksummed (e.g. "/etc/motd, /srv/*"); empty = any path
    allowed_paths: allowedPathsOption,
  },
  methods: {
    copyfile: method({
      description: 'Writes a file (1), or leaves an identical one alone (0); -1 on error. A changed file is backed up first',
      args: [
        arg.string('filepath', 'Absolute path of the file to write; missing parent directories are made'),
        arg.base64('filebuf', 'The file content'),
        optional(accepting(arg.int('mode', 'Permission bits (420 = 0644); a string is read as octal when it starts with 0'), 'string'), 420),
        optional(fromString(arg.int('uid', 'Owner uid (-1 leaves it as the writer)')), 0),
        optional(fromString(arg.int('gid', 'Group gid (-1 leaves it as the writer)')), 0),
        optional(arg.any('force', 'Any value but nil writes even when the content is unchanged')),
      ],
      example: 'func "*" call copyfile copyfile /etc/motd "Welcome to this host"',
      async run([filepath, filebuf, mode, uid, gid, force], ctx) {
        const target = resolvePath(filepath, 'copyfile', ctx.log);
        await checkAllowedPath(target, ctx.options.allowed_paths, 'copyfile');
        try {
          return await copyInto(target, filebuf, { mode: parseMode(mode), uid, gid, force: force !== null }, ctx.log, ctx.signal);
        } catch (err) {
          ctx.log.error(`copyfile.copyfile ${target}: ${(err as Error).message}`);
          return -1;
        }
      },
    }),
    open: method({
      description: 'Creates or truncates a file (never through a symlink); returns the path, or -1 on error',
      args: [
        arg.string('filepath', 'Absolute path of the file; missing parent directories are made'),
        optional(accepting(arg.int('mode', 'Permission bits to set (nil leaves the default)'), 'string')),
        optional(fromString(arg.int('uid', 'Owner uid (-1 leaves it)')), -1),
        optional(fromString(arg.int('gid', 'Group gid (-1 leaves it)')), -1),
      ],
      example: 'func "*" call copyfile open /tmp/big.iso 420 0 0',
      async run([filepath, mode, uid, gid], ctx) {
        const target = resolvePath(filepath, 'open', ctx.log);
        await checkAllowedPath(target, ctx.options.allowed_paths, 'copyfile');
        try {
          await fs.mkdir(path.dirname(target), { recursive: true });
          await withRegularFile(target, C.O_WRONLY | C.O_CREAT | C.O_TRUNC | C.O_NOFOLLOW | C.O_NONBLOCK, async (fh) => {
            if (mode !== null) await fh.chmod(parseMode(mode));
            await applyOwner(fh, uid, gid, (m) => ctx.log.warn(`copyfile.open ${target}: ${m}`));
          });
          return filepath;
        } catch (err) {
          ctx.log.error(`copyfile.open ${target}: ${reason(err)}`);
          return -1;
        }
      },
    }),
    append: method({
      description: 'Appends data to an existing file (never through a symlink); 1, or -1 when the file is missing',
      args: [
        arg.string('filepath', 'Absolute path of an existing file'),
        arg.base64('filebuf', 'The data to append'),
      ],
      example: 'func "*" call copyfile append /tmp/notes.txt "one more line"',
      async run([filepath, filebuf], ctx) {
        const target = resolvePath(filepath, 'append', ctx.log);
        await checkAllowedPath(target, ctx.options.allowed_paths, 'copyfile');
        try {
          await withRegularFile(target, C.O_WRONLY | C.O_APPEND | C.O_NOFOLLOW | C.O_NONBLOCK, (fh) => writeAll(fh, filebuf));
          return 1;
        } catch (err) {
          ctx.log.error(`copyfile.append ${target}: ${reason(err)}`);
          return -1;
        }
      },
    }),
    checksum: method({
      description: 'SHA-1 hex digest of the file at that path, or of the text itself when no such path exists',
      args: [arg.string('thing', 'A file path, or any text')],
      example: 'func "*" call copyfile checksum /etc/hosts',
      async run([thing], ctx) {
        const st = await fs.stat(thing).catch(() => null);
        if (!st) return sha1(Buffer.from(thing, 'utf8'));
        const target = resolvePath(thing, 'checksum', ctx.log);
        await checkAllowedPath(target, ctx.options.allowed_paths, 'copyfile');
        if (st.isDirectory()) throw new ModuleError(`[Errno 21] Is a directory: '${thing}'`, 'exceptions.IOError');
        return await fileSha1(target, C.O_RDONLY | C.O_NONBLOCK, ctx.signal);
      },
    }),
  },
});

interface CopyOptions { mode: number; uid: number; gid: number; force: boolean }

/** The copyfile algorithm: compare, back up, replace. Throws on any failure (the caller returns -1). */
async function copyInto(target: string, data: Uint8Array, opts: CopyOptions, log: Logger, signal: AbortSignal): Promise<number> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const st = await fs.lstat(target).catch(() => null);
  if (st && !st.isFile() && !st.isSymbolicLink()) throw new Error('the path exists and is not a regular file');
  if (st?.isFile() && !opts.force && await fileSha1(target, READ_FLAGS, signal) === sha1(data)) return 0;
  if (st?.isSymbolicLink()) log.warn(`copyfile.copyfile ${target}: is a symlink; replacing the link itself with a regular file`);
  if (st) await backup(target, st.isSymbolicLink());
  const warn = (m: string): void => log.warn(`copyfile.copyfile ${target}: ${m}`);
  await replaceOwnedFileWith(target, data, { mode: opts.mode, uid: opts.uid, gid: opts.gid, warn });
  return 1;
}

/** Backs up `fn` to `fn.YYYY-MM-DD@HH:MM~` (content, mode and times; a symlink is backed up as a symlink). */
async function backup(fn: string, isLink: boolean): Promise<void> {
  const dest = `${fn}.${backupStamp(new Date())}`;
  if (isLink) {
    const temp = `${dest}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    await fs.symlink(await fs.readlink(fn), temp);
    await fs.rename(temp, dest);
    return;
  }
  await withRegularFile(fn, READ_FLAGS, async (src) => {
    const st = await src.stat();
    await replaceOwnedFile(dest, (to) => copyContent(src, to), { mode: st.mode, times: { atime: st.atime, mtime: st.mtime } });
  });
}

/** func's backup suffix, local time: 2024-05-01@13:07~ */
function backupStamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}@${p(d.getHours())}:${p(d.getMinutes())}~`;
}

/** Opens `file` with `flags`, insists it is a regular file, runs `use`, closes. */
async function withRegularFile<T>(file: string, flags: number, use: (fh: FileHandle) => Promise<T>): Promise<T> {
  const fh = await fs.open(file, flags, 0o666);
  try {
    if (!(await fh.stat()).isFile()) throw new Error('not a regular file');
    return await use(fh);
  } finally {
    await fh.close();
  }
}

function sha1(data: Uint8Array): string {
  return crypto.createHash('sha1').update(data).digest('hex');
}

/** SHA-1 of a regular file's content, read in 64 KiB pieces; stops (throws) when `signal` aborts. */
async function fileSha1(file: string, flags: number, signal: AbortSignal): Promise<string> {
  return withRegularFile(file, flags, async (fh) => {
    const hash = crypto.createHash('sha1');
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (let pos = 0; ;) {
      signal.throwIfAborted();
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return hash.digest('hex');
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  });
}

/**
 * The absolute path a write goes to. A path with ".." is honoured exactly as the absolute path it resolves
 * to (the ACL, not this module, decides what may be written) and logged; a relative path is taken from "/".
 */
function resolvePath(p: string, what: string, log: Logger): string {
  const resolved = path.resolve('/', p);
  if (p.split('/').includes('..')) log.warn(`copyfile.${what}: path ${JSON.stringify(p)} contains '..'; using ${resolved}`);
  else if (!path.isAbsolute(p)) log.warn(`copyfile.${what}: relative path ${JSON.stringify(p)} taken from /: ${resolved}`);
  return resolved;
}

/** A mode from the wire: an int, or a string ("0644" octal, "420" decimal, "0o644"). */
function parseMode(mode: number | string): number {
  if (typeof mode === 'number') return mode & 0o7777;
  const t = mode.trim();
  const n = /^0o?[0-7]+$/i.test(t) ? Number.parseInt(t.replace(/^0o?/i, '') || '0', 8) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (Number.isNaN(n)) throw new ModuleError(`invalid mode ${JSON.stringify(mode)}: expected an integer or an octal string like "0644"`, 'exceptions.ValueError');
  return n & 0o7777;
}

/** A readable reason, naming the symlink case. */
function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return 'the path is a symlink; refusing to follow it';
  if (code === 'ENOENT') return 'no such file';
  return (err as Error).message;
}
