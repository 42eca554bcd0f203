// File writes for the modules: the atomic replace of common/atomic-write.ts with mode, owner and times, the
// "chown only when allowed" rule, and content copying between open files.
import type fs from 'node:fs/promises';
import { replaceFile } from '../../common/atomic-write.js';

export type FileHandle = fs.FileHandle;

export interface SafeWriteOptions {
  /** permission bits of the result */
  mode: number;
  /** owner to set; -1 (or absent) leaves that id as the writer's */
  uid?: number;
  gid?: number;
  /** access and modification times to set (a backup keeps the original's) */
  times?: { atime: Date; mtime: Date };
  /** told why an ownership change was skipped */
  warn?: (message: string) => void;
}

const uid = (): number => process.geteuid?.() ?? -1;
const gid = (): number => process.getegid?.() ?? -1;

/**
 * Changes the owner of an open file when we are root or when the change is a no-op; otherwise the file keeps
 * its owner and `warn` says why. -1 leaves that id unchanged.
 */
export async function applyOwner(fh: FileHandle, wantUid = -1, wantGid = -1, warn?: (m: string) => void): Promise<void> {
  if (wantUid === -1 && wantGid === -1) return;
  const st = await fh.stat();
  const noop = (wantUid === -1 || wantUid === st.uid) && (wantGid === -1 || wantGid === st.gid);
  if (noop) return;
  if (uid() !== 0) {
    warn?.(`not changing owner to ${wantUid}:${wantGid}: the minion does not run as root (uid ${uid()}, gid ${gid()})`);
    return;
  }
  await fh.chown(wantUid, wantGid);
}

/**
 * Replaces `target` with what `fill` writes into a new file (common/atomic-write.ts: never through a symlink,
 * fsynced, renamed), with the mode, owner and times asked for. Parent directories must exist.
 */
export function replaceOwnedFile(target: string, fill: (fh: FileHandle) => Promise<void>, opts: SafeWriteOptions): Promise<void> {
  return replaceFile(target, fill, {
    mode: opts.mode, mkdir: false,
    finish: async (fh) => {
      await applyOwner(fh, opts.uid, opts.gid, opts.warn);
      if (opts.times) await fh.utimes(opts.times.atime, opts.times.mtime);
    },
  });
}

/** Writes all of `data` to an open file (at its current position). */
export async function writeAll(fh: FileHandle, data: Uint8Array): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done);
    done += bytesWritten;
  }
}

/** replaceOwnedFile with a buffer as the content. */
export function replaceOwnedFileWith(target: string, data: Uint8Array, opts: SafeWriteOptions): Promise<void> {
  return replaceOwnedFile(target, (fh) => writeAll(fh, data), opts);
}

/** Copies an open file's content into another open file, 1 MiB at a time. */
export async function copyContent(from: FileHandle, to: FileHandle): Promise<void> {
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let pos = 0;
  for (;;) {
    const { bytesRead } = await from.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) return;
    await writeAll(to, buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
}
