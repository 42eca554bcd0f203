// Module and method names for shell completion, cached per overlord (FUNC_ROOT + overlord.conf) in the user's
// cache directory, from system.list_methods on the signed minions; refreshed by a detached background process.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Overlord } from '../overlord.js';

/** How old a cache may be before a completion starts a background refresh. */
export const REFRESH_AFTER_MS = 10 * 60 * 1000;

/** The cached names: module → its methods. */
export interface CompletionCache {
  readonly updated: number;
  readonly modules: Record<string, string[]>;
}

/** The cache file of the overlord at `root` with config `conf` ($XDG_CACHE_HOME or ~/.cache, func-ts/). */
export function cacheFile(root: string, conf?: string): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const key = crypto.createHash('sha256').update(`${path.resolve(root)}\0${conf ?? ''}`).digest('hex').slice(0, 16);
  return path.join(base, 'func-ts', `completion-${key}.json`);
}

/** The cache, or null when there is none (or it cannot be read). */
export function readCache(file: string): CompletionCache | null {
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as CompletionCache;
    return typeof c.updated === 'number' && c.modules && typeof c.modules === 'object' ? c : null;
  } catch {
    return null;
  }
}

/** Asks every signed minion for system.list_methods (5 s each) and writes the union to the cache file. */
export async function refreshCache(root: string, conf: string | undefined, file: string): Promise<CompletionCache> {
  const o = new Overlord('*', { root, configPath: conf, timeout: 5 });
  const modules: Record<string, Set<string>> = {};
  try {
    for await (const e of o.stream('system', 'list_methods')) {
      if (e.kind !== 'result') continue;
      const outcome = e.outcome;
      if (outcome.status !== 'ok' || !Array.isArray(outcome.value)) continue;
      for (const full of outcome.value) {
        if (typeof full !== 'string') continue;
        const dot = full.lastIndexOf('.');
        if (dot <= 0) continue;
        (modules[full.slice(0, dot)] ??= new Set()).add(full.slice(dot + 1));
      }
    }
  } finally {
    await o.close();
  }
  const cache: CompletionCache = { updated: Date.now(), modules: Object.fromEntries(Object.entries(modules).map(([m, s]) => [m, [...s].sort()])) };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(cache), { mode: 0o600 });
  fs.renameSync(tmp, file);
  fs.rmSync(`${file}.refreshing`, { force: true });
  return cache;
}

/** Starts `func __refresh-completion-cache` detached (output discarded) when the cache is missing or old. */
export function refreshInBackground(cache: CompletionCache | null, file: string, env: NodeJS.ProcessEnv, conf?: string): boolean {
  if (cache && Date.now() - cache.updated < REFRESH_AFTER_MS) return false;
  const script = process.argv[1];
  if (!script) return false;
  // one refresh at a time: a marker younger than 30 s means one is under way
  const marker = `${file}.refreshing`;
  try {
    if (Date.now() - fs.statSync(marker).mtimeMs < 30_000) return false;
  } catch { /* no refresh under way */ }
  try {
    fs.mkdirSync(path.dirname(marker), { recursive: true, mode: 0o700 });
    fs.writeFileSync(marker, String(process.pid), { mode: 0o600 });
  } catch {
    return false;
  }
  const child = spawn(process.execPath, [script, '__refresh-completion-cache', ...(conf ? ['-c', conf] : [])], { detached: true, stdio: 'ignore', env });
  child.unref();
  return true;
}
