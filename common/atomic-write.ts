// The one way to replace a file atomically: a fresh temp file beside it (exclusive, never through a symlink),
// fill, chmod, fsync, rename, so readers in any process see the old content or the new, never a part.
import crypto from 'node:crypto';
import fsSync, { constants as C } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** How the new file is made. */
export interface AtomicWriteOptions {
  /** permission bits of the new file (default 0644); applied after creation, so the umask cannot narrow them */
  mode?: number;
  /** create the parent directory when it is missing (default true) */
  mkdir?: boolean;
}

const TEMP_FLAGS = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;

/**
 * A fresh temp-file name beside `target`, never longer than about 130 bytes whatever the target's length (a CA
 * file named after a 250-character host name must not overflow NAME_MAX here).
 */
function tempName(target: string): string {
  const base = path.basename(target).slice(0, 100);
  return path.join(path.dirname(target), `.${base}.${process.pid}-${crypto.randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Replaces `target` with what `fill` writes into a new file (then `finish` may set owner/times before the
 * fsync): a symlink at `target` is replaced, never followed; a failure leaves `target` as it was.
 */
export async function replaceFile(
  target: string, fill: (fh: FileHandle) => Promise<void>,
  options: AtomicWriteOptions & { finish?: (fh: FileHandle) => Promise<void> } = {},
): Promise<void> {
  if (options.mkdir ?? true) await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = tempName(target);
  const fh = await fs.open(temp, TEMP_FLAGS, 0o600);
  let renamed = false;
  try {
    await fill(fh);
    await fh.chmod((options.mode ?? 0o644) & 0o7777);
    await options.finish?.(fh);
    await fh.sync();
    await fh.close();
    await fs.rename(temp, target);
    renamed = true;
  } finally {
    if (!renamed) {
      await fh.close().catch(() => { /* already closed */ });
      await fs.unlink(temp).catch(() => { /* never created or already gone */ });
    }
  }
}

/** Replaces `file` with `data` atomically (async). */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  await replaceFile(file, async (fh) => { await fh.writeFile(data); }, options);
}

/** Replaces `file` with `data` atomically, synchronously (for callers that cannot await, e.g. small state files). */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  if (options.mkdir ?? true) fsSync.mkdirSync(path.dirname(file), { recursive: true });
  const temp = tempName(file);
  const fd = fsSync.openSync(temp, TEMP_FLAGS, 0o600);
  let renamed = false;
  try {
    fsSync.writeFileSync(fd, data);
    fsSync.fchmodSync(fd, (options.mode ?? 0o644) & 0o7777);
    fsSync.fsyncSync(fd);
    fsSync.closeSync(fd);
    fsSync.renameSync(temp, file);
    renamed = true;
  } finally {
    if (!renamed) {
      try { fsSync.closeSync(fd); } catch { /* already closed */ }
      fsSync.rmSync(temp, { force: true });
    }
  }
}
