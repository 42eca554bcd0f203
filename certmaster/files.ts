// Small file helpers for the CA's directories: optional reads and removals (atomic writes: common/atomic-write.ts).
import fs from 'node:fs/promises';
import fsSync from 'node:fs';
import { ConfigError } from '../common/errors.js';

/** The file's text, or null when it does not exist. */
export async function readIfExists(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Deletes a file; true when it existed. */
export async function removeIfExists(file: string): Promise<boolean> {
  try {
    await fs.unlink(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Throws ConfigError when a config file named explicitly (--config FILE) does not exist. */
export function requireConfigFile(file: string | undefined): void {
  if (file !== undefined && !fsSync.existsSync(file)) throw new ConfigError(`config file ${file} does not exist`);
}
