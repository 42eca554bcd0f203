// Serialises changes to a CA directory (serial.txt, revoked.txt, the CRL): an in-process queue per
// directory plus a lock file, so a running daemon and a certmaster-ca process never hand out one serial twice.
import fs from 'node:fs/promises';
import path from 'node:path';
import { CaError } from '../common/errors.js';

const queues = new Map<string, Promise<unknown>>();
const LOCK_NAME = '.certmaster.lock';
const WAIT_MS = 20;
const GIVE_UP_MS = 15000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes a lock file left by a process that no longer runs; true when it did. */
async function breakStaleLock(file: string): Promise<boolean> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) return false;
  if (!text) {
    // being written right now, or empty forever: only an old empty file is stale
    const st = await fs.stat(file).catch(() => null);
    if (st && Date.now() - st.mtimeMs < 5000) return false;
  }
  await fs.rm(file, { force: true });
  return true;
}

async function acquireFileLock(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, LOCK_NAME);
  const deadline = Date.now() + GIVE_UP_MS;
  for (;;) {
    try {
      const fh = await fs.open(file, 'wx', 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => fs.rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new CaError(`cannot lock ${dir}: ${(err as Error).message}`, { cause: err });
    }
    if (await breakStaleLock(file)) continue;
    if (Date.now() > deadline) throw new CaError(`${file} is held by another process for more than ${GIVE_UP_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, WAIT_MS));
  }
}

/** Runs `fn` while holding the CA directory's lock (in this process and against other processes). */
export async function withCaLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const key = path.resolve(dir);
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(async () => {
    const release = await acquireFileLock(key);
    try {
      return await fn();
    } finally {
      await release();
    }
  });
  const tail = run.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => { if (queues.get(key) === tail) queues.delete(key); });
  return run;
}
