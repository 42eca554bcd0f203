// Writes a file atomically (temp file in the same directory, fsync, rename), so readers in other
// processes see either the old or the new content, never a half-written file.
import fs from 'node:fs';
import path from 'node:path';

let counter = 0;

/** Replaces `file` with `data`, creating its directory when needed. */
export function writeFileAtomic(file: string, data: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${++counter}.tmp`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
