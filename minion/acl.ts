// The minion's method ACLs (func-compat.md §2): <acl_dir>/*.acl lines "<hostkey> = <method globs>", matched with
// fnmatch on both sides; reloaded when the directory or a file changes; certmaster's CA may call everything.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../common/errors.js';
import { fnmatchToRegExp } from '../common/fnmatch.js';

/** How a minion's ACL is set up. */
export interface AclOptions {
  /** the acl_dir of minion.conf (already rooted); a missing directory means "no entries" */
  dir: string;
  /** `<CA CN>-<CA subject hash>` added with `*` (certmaster_overrides_acls), or null for none */
  overrideKey?: string | null;
  /** look for changed files at most this often (ms, default 1000); 0 = on every check */
  checkIntervalMs?: number;
}

interface CompiledEntry { hostKey: string; hostRe: RegExp; methods: string[]; methodRes: RegExp[] }

/** ACL rules as loaded: host key → method patterns, in file order. */
export type AclTable = ReadonlyMap<string, readonly string[]>;

/** Parses the text of one .acl file into `table` (accumulating); a malformed line throws ConfigError. */
export function parseAclText(text: string, file: string, table: Map<string, string[]> = new Map()): Map<string, string[]> {
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split('=');
    if (parts.length !== 2) {
      const why = parts.length === 1 ? 'no "="' : `${parts.length - 1} "=" signs`;
      throw new ConfigError(`${file}:${index + 1}: malformed ACL line (${why}; expected "<CN>-<hash> = <method pattern>[, ...]"): ${JSON.stringify(line)}`);
    }
    const hostKey = parts[0]!.trim().toLowerCase();
    if (hostKey === '') throw new ConfigError(`${file}:${index + 1}: malformed ACL line (empty host key before "="): ${JSON.stringify(line)}`);
    const methods = parts[1]!.replace(/,/g, ' ').split(/\s+/).filter((m) => m !== '');
    const list = table.get(hostKey) ?? [];
    list.push(...methods);
    table.set(hostKey, list);
  });
  return table;
}

/** The .acl files of a directory in name order, with a signature of their state (names, mtimes, sizes). */
function scanDir(dir: string): { files: string[]; signature: string } {
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { files: [], signature: 'absent' };
    throw new ConfigError(`cannot read ACL directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const names = fs.readdirSync(dir).filter((n) => n.endsWith('.acl')).sort();
  const parts = [`${dirStat.mtimeMs}`];
  const files: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const st = fs.statSync(file);
      if (!st.isFile()) continue;
      parts.push(`${name}:${st.mtimeMs}:${st.size}`);
      files.push(file);
    } catch { /* removed while scanning: the next check sees the directory change */ }
  }
  return { files, signature: parts.join('|') };
}

/** Reads every .acl file of a directory into one table; throws ConfigError naming the file and line. */
export function readAclDir(dir: string): { table: Map<string, string[]>; signature: string } {
  const { files, signature } = scanDir(dir);
  const table = new Map<string, string[]>();
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read ACL file ${file}: ${(err as Error).message}`, { cause: err });
    }
    parseAclText(text, file, table);
  }
  return { table, signature };
}

/** Bounds of the decision cache (callers choose method names, so it must not grow without limit). */
const MAX_CACHED_PEERS = 1024;
const MAX_CACHED_METHODS = 1024;

function compile(table: AclTable): CompiledEntry[] {
  return [...table].map(([hostKey, methods]) => ({
    hostKey, hostRe: fnmatchToRegExp(hostKey), methods: [...methods], methodRes: methods.map((m) => fnmatchToRegExp(m)),
  }));
}

/**
 * One minion's ACL. `load()` reads the directory (throws ConfigError on a malformed line); `allows()` re-reads
 * it when something changed (at most once per checkIntervalMs) and, while a file is malformed, throws that error.
 * Decisions are remembered per (peer key, method) until the next load.
 */
export class MinionAcl {
  private readonly dir: string;
  private readonly overrideKey: string | null;
  private readonly intervalMs: number;
  private entries: CompiledEntry[] = [];
  private signature = '';
  private lastCheck = 0;
  private failure: ConfigError | null = null;
  private decisions = new Map<string, Map<string, boolean>>();

  constructor(options: AclOptions) {
    this.dir = options.dir;
    this.overrideKey = options.overrideKey ?? null;
    this.intervalMs = options.checkIntervalMs ?? 1000;
  }

  /** Reads the ACL files now; throws ConfigError when one is malformed (funcd then refuses to start). */
  load(): void {
    this.lastCheck = Date.now();
    this.decisions = new Map();
    try {
      const { table, signature } = readAclDir(this.dir);
      if (this.overrideKey !== null) table.set(this.overrideKey, ['*', ...(table.get(this.overrideKey) ?? [])]);
      this.entries = compile(table);
      this.signature = signature;
      this.failure = null;
    } catch (err) {
      this.failure = err instanceof ConfigError ? err : new ConfigError(String(err), { cause: err });
      this.signature = '';
      throw this.failure;
    }
  }

  /** Re-reads the files when the directory or any .acl file changed since the last load. */
  refresh(): void {
    const now = Date.now();
    if (now - this.lastCheck < this.intervalMs) return;
    this.lastCheck = now;
    let signature: string;
    try {
      signature = scanDir(this.dir).signature;
    } catch (err) {
      this.failure = err as ConfigError;
      return;
    }
    if (signature === this.signature && this.failure === null) return;
    try { this.load(); } catch { /* kept in this.failure; allows() reports it */ }
  }

  /**
   * True when the caller with ACL key `<CN>-<hash>` may call `method` (without "async.").
   * Throws the ConfigError of a malformed ACL file until that file is fixed.
   */
  allows(peerKey: string, method: string): boolean {
    this.refresh();
    if (this.failure) throw this.failure;
    let byMethod = this.decisions.get(peerKey);
    if (byMethod === undefined) {
      if (this.decisions.size >= MAX_CACHED_PEERS) this.decisions.clear();
      byMethod = new Map();
      this.decisions.set(peerKey, byMethod);
    }
    let allowed = byMethod.get(method);
    if (allowed === undefined) {
      allowed = this.match(peerKey, method);
      if (byMethod.size >= MAX_CACHED_METHODS) byMethod.clear();
      byMethod.set(method, allowed);
    }
    return allowed;
  }

  /** True when some rule names this caller at all (whatever methods it allows); a broken ACL file throws. */
  hasEntry(peerKey: string): boolean {
    this.refresh();
    if (this.failure) throw this.failure;
    return this.entries.some((e) => e.hostRe.test(peerKey));
  }

  /** The ACL directory (rooted), named in denial messages. */
  get directory(): string {
    return this.dir;
  }

  private match(peerKey: string, method: string): boolean {
    for (const entry of this.entries) {
      if (!entry.hostRe.test(peerKey)) continue;
      if (entry.methodRes.some((re) => re.test(method))) return true;
    }
    return false;
  }

  /** The rules in effect (host key → method patterns), including the certmaster override. */
  table(): AclTable {
    return new Map(this.entries.map((e) => [e.hostKey, e.methods]));
  }
}
