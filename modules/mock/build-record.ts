// The on-disk record of each build (<records dir>/<build id>.json), written atomically, which mock.status and
// mock.cancel read — from the daemon or any job process — and the build ids they accept.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentsError } from '../../minion/module-api.js';
import { writeFileAtomic } from '../../common/atomic-write.js';

/** A build's state: running, or how it ended. */
export type BuildState = 'running' | 'succeeded' | 'failed' | 'timeout' | 'cancelled' | 'lost';

/** What is recorded of one build. */
export interface BuildRecord {
  build_id: string;
  /** the async job running the build, or null for a direct call */
  job_id: string | null;
  /** the key of the identity that started the build (mock.status and mock.cancel are for it only) */
  caller?: string;
  state: BuildState;
  backend: string;
  chroot: string;
  srpm: string;
  resultdir: string;
  /** the build log (<resultdir>/build.log) */
  log: string;
  /** epoch seconds */
  started: number;
  finished: number | null;
  rc: number | null;
  /** the build process (its process group) while it runs */
  pid: number | null;
  rpms: string[];
}

const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** Checks a caller's build id (it names a file): letters, digits, `.`, `_`, `:`, `-`. */
export function checkBuildId(id: string, method: string): string {
  if (!BUILD_ID.test(id)) {
    throw new InvalidArgumentsError(`${method}: build_id ${JSON.stringify(id)} is not a build id (letters, digits, '.', '_', ':', '-'; up to 200)`,
      [{ name: 'build_id', expected: 'a build id returned by mock.build', got: id }]);
  }
  return id;
}

/** A new build id for a direct call: the time and a random suffix (a job's build id is its job id). */
export function newBuildId(): string {
  return `${(Date.now() / 1000).toFixed(6)}-${crypto.randomBytes(4).toString('hex')}`;
}

/** Reads and writes build records in one directory. */
export class BuildRecords {
  constructor(readonly dir: string) {}

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  async write(record: BuildRecord): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.file(record.build_id), JSON.stringify(record, null, 1), { mode: 0o644 });
  }

  async read(id: string): Promise<BuildRecord | null> {
    try {
      return JSON.parse(await fs.readFile(this.file(id), 'utf8')) as BuildRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Writes the end of a build unless it was already marked cancelled (cancel wins over the build's own end). */
  async finish(record: BuildRecord): Promise<BuildRecord> {
    const now = await this.read(record.build_id);
    const final = now?.state === 'cancelled' ? { ...record, state: 'cancelled' as const } : record;
    await this.write(final);
    return final;
  }
}
