// The overlord's async job records (func-compat.md §3.2–3.3): one JSON file per job under
// /var/lib/func/overlord-jobs/, written atomically, readable by any later process, purged after an hour.
import fs from 'node:fs';
import path from 'node:path';
import { FuncPaths, rooted } from '../common/paths.js';
import { writeFileAtomicSync } from '../common/atomic-write.js';
import type { Json } from './stored-value.js';

/** func's job status codes (func/jobthing.py). */
export const JobCodes = { RUNNING: 0, FINISHED: 1, LOST_IN_SPACE: 2, PARTIAL: 3, REMOTE_ERROR: 4 } as const;
/** One of JobCodes. */
export type JobCode = (typeof JobCodes)[keyof typeof JobCodes];

/** func's RETAIN_INTERVAL: records older than this many seconds are deleted. */
export const RETAIN_SECONDS = 3600;

/** One host of a job: still running on the minion, or finished with a stored outcome. */
export type HostJobState =
  | { readonly state: 'pending'; readonly minionJobId: string }
  | { readonly state: 'done'; readonly outcome: Json };

/** What the store keeps for one overlord job. */
export interface OverlordJobRecord {
  readonly id: string;
  readonly spec: string;
  readonly module: string;
  readonly method: string;
  /** epoch seconds */
  readonly created: number;
  readonly code: typeof JobCodes.RUNNING | typeof JobCodes.FINISHED | typeof JobCodes.PARTIAL;
  readonly hosts: Readonly<Record<string, HostJobState>>;
}

/** The store's default directory under a FUNC_ROOT. */
export function defaultJobDir(root: string): string {
  return rooted(path.join(FuncPaths.funcLib, 'overlord-jobs'), root);
}

/** func's overlord job id: `<spec>-<module>-<method>-<epoch>` with "-" inside components replaced by "_". */
export function formatJobId(spec: string, module: string, method: string, epochSeconds: number): string {
  const clean = (s: string): string => s.replace(/-/g, '_');
  return `${clean(spec)}-${clean(module)}-${clean(method)}-${epochSeconds.toFixed(6)}`;
}

/** The time a job id was made (last component of an overlord id, first of a `<ts>-minion` id), or null. */
export function overlordJobIdTime(id: string): number | null {
  const parts = id.split('-');
  const text = parts.length >= 4 ? parts[parts.length - 1] : parts.length === 2 ? parts[0] : undefined;
  const t = Number(text);
  return text !== undefined && text !== '' && Number.isFinite(t) ? t : null;
}

/** Files of the store, one per job. */
export class OverlordJobStore {
  constructor(readonly dir: string, private readonly now: () => number = () => Date.now() / 1000) {}

  private file(id: string): string {
    return path.join(this.dir, `${encodeURIComponent(id)}.json`);
  }

  /** Writes a record and purges expired ones. */
  save(record: OverlordJobRecord): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomicSync(this.file(record.id), JSON.stringify(record), { mode: 0o600 });
    this.purge();
  }

  /** A record, or null when unknown, expired or unreadable. */
  load(id: string): OverlordJobRecord | null {
    let text: string;
    try { text = fs.readFileSync(this.file(id), 'utf8'); } catch { return null; }
    try {
      const rec = JSON.parse(text) as OverlordJobRecord;
      return this.expired(rec.created) ? null : rec;
    } catch {
      return null;
    }
  }

  /** Ids of every stored, unexpired job with its code, oldest first. */
  list(): Array<{ id: string; code: OverlordJobRecord['code'] }> {
    return this.ids().map((id) => this.load(id)).filter((r): r is OverlordJobRecord => r !== null)
      .sort((a, b) => a.created - b.created).map((r) => ({ id: r.id, code: r.code }));
  }

  /** Deletes records older than RETAIN_SECONDS; returns the ids removed. */
  purge(): string[] {
    const removed: string[] = [];
    for (const id of this.ids()) {
      const t = overlordJobIdTime(id);
      if (t !== null && this.expired(t)) {
        fs.rmSync(this.file(id), { force: true });
        removed.push(id);
      }
    }
    return removed;
  }

  private expired(created: number): boolean {
    return this.now() - created > RETAIN_SECONDS;
  }

  private ids(): string[] {
    let names: string[];
    try { names = fs.readdirSync(this.dir); } catch { return []; }
    return names.filter((n) => n.endsWith('.json')).map((n) => decodeURIComponent(n.slice(0, -5)));
  }
}

/** host → minion job id of every unfinished host. */
export function pendingIds(hosts: Readonly<Record<string, HostJobState>>): Map<string, string> {
  return new Map(Object.entries(hosts).flatMap(([h, s]) => (s.state === 'pending' ? [[h, s.minionJobId] as const] : [])));
}
