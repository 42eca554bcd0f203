// The overlord side of fetching a file from minions (func's local.getfile.get): getfile.chunkslen, then
// getfile.getchunk n for every host at once; each chunk's SHA-1 (of its base64 text) is checked before writing
// it to <localdir>/<minion>/<basename>.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Overlord } from '../overlord.js';
import { ok, remoteFailure, type HostOutcome } from '../outcome.js';
import { callEach, failOnMinusOne } from './collect.js';

/** Checks one getchunk reply; returns the bytes, or an error outcome. */
function chunkBytes(o: HostOutcome, n: number, source: string): Buffer | HostOutcome {
  if (o.status !== 'ok') return o;
  const v = o.value;
  if (!Array.isArray(v) || v.length !== 2 || typeof v[1] !== 'string') {
    return remoteFailure('func.overlord.LocalModuleError', `getfile.getchunk ${n} ${source}: unexpected reply`);
  }
  if (v[0] === -1) return remoteFailure('func.overlord.LocalModuleError', `getfile.getchunk ${source}: the minion cannot open the file`);
  const sha = crypto.createHash('sha1').update(v[1], 'latin1').digest('hex');
  if (sha !== v[0]) return remoteFailure('func.overlord.ChecksumError', `chunk ${n} of ${source}: SHA-1 ${sha} differs from the minion's ${String(v[0])}`);
  return Buffer.from(v[1], 'base64');
}

/**
 * Fetches `source` from every host into `<localDir>/<host>/<basename>`; resolves with host → outcome (ok value:
 * the local path). A file whose chunk fails its checksum is deleted and reported as an error.
 */
export async function fetchFile(overlord: Overlord, hosts: readonly string[], source: string, localDir: string): Promise<Map<string, HostOutcome>> {
  const done = new Map<string, HostOutcome>();
  const counts = new Map<string, number>();
  for (const [h, o] of await callEach(overlord, hosts, 'getfile.chunkslen', [source])) {
    if (h === '.' || h === '..' || h.includes('/')) {
      done.set(h, remoteFailure('func.overlord.LocalModuleError', `host name ${JSON.stringify(h)} cannot be a directory name`));
      continue;
    }
    const checked = failOnMinusOne(o, `getfile.chunkslen ${source} (cannot open the file)`);
    if (checked.status === 'ok' && typeof checked.value === 'number') counts.set(h, checked.value);
    else done.set(h, checked.status === 'ok' ? remoteFailure('func.overlord.LocalModuleError', 'getfile.chunkslen: unexpected reply') : checked);
  }
  const target = (h: string): string => path.join(localDir, h, path.basename(source));
  for (const h of counts.keys()) {
    await fs.mkdir(path.dirname(target(h)), { recursive: true });
    await fs.writeFile(target(h), '');
  }
  const max = Math.max(0, ...counts.values());
  for (let n = 0; n < max; n++) {
    const alive = [...counts].filter(([h, c]) => c > n && !done.has(h)).map(([h]) => h);
    for (const [h, o] of await callEach(overlord, alive, 'getfile.getchunk', [n, source])) {
      const bytes = chunkBytes(o, n, source);
      if (Buffer.isBuffer(bytes)) await fs.appendFile(target(h), bytes);
      else { done.set(h, bytes); await fs.rm(target(h), { force: true }); }
    }
  }
  for (const h of counts.keys()) if (!done.has(h)) done.set(h, ok(target(h)));
  return done;
}
