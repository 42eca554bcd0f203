// Throwaway directories used as FUNC_ROOT (or scratch space) by tests: made under os.tmpdir(), removed after.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Creates a fresh empty directory under os.tmpdir() whose name starts with `prefix`. */
export async function makeTempRoot(prefix: string): Promise<string> {
  const safe = prefix.replace(/[^A-Za-z0-9._-]/g, '-');
  return fs.mkdtemp(path.join(os.tmpdir(), `${safe}-`));
}

/** Removes a directory made by makeTempRoot, with everything in it; a missing directory is fine. */
export async function removeTempRoot(dir: string): Promise<void> {
  if (!dir || path.resolve(dir) === '/' || !path.resolve(dir).startsWith(os.tmpdir())) {
    throw new Error(`refusing to remove ${JSON.stringify(dir)}: not a temporary directory`);
  }
  await fs.rm(dir, { recursive: true, force: true, maxRetries: 3 });
}
