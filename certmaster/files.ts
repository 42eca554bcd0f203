// Small file helpers for the CA's directories: atomic writes with an explicit mode, optional reads.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import fsSync from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../common/errors.js';

/**
 * Writes `data` to `file` through a temporary file in the same directory and a rename, so that readers
 * never see half a file; the file gets `mode` (0600 for private keys, 0644 for certificates and CSRs).
 */
export async function writeFileAtomic(file: string, data: string, mode: number): Promise<void> {
  // a short temporary name, whatever the length of the final one (a long host name must not overflow NAME_MAX here)
  const tmp = path.join(path.dirname(file), `.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  try {
    await fs.writeFile(tmp, data, { mode, flag: 'wx' });
    await fs.chmod(tmp, mode); // the umask may have narrowed it
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

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
