// The overlord side of copying a file to minions (func's local.copyfile.send): copyfile.open with the local
// file's mode and owner, then copyfile.append of each 60000-byte chunk, to every host at once per chunk.
import fs from 'node:fs/promises';
import type { Overlord } from '../overlord.js';
import { ok, type HostOutcome } from '../outcome.js';
import { callEach, failOnMinusOne } from './collect.js';

/** func's chunk size for copyfile.append. */
export const COPY_CHUNK_BYTES = 60000;

/** Options of sendFile. */
export interface SendFileOptions {
  readonly chunkBytes?: number;
  /** after each chunk: bytes sent so far and the file size */
  readonly onProgress?: (sent: number, total: number) => void;
}

/**
 * Copies `localPath` to `remotePath` on every host; resolves with host → outcome (ok value: bytes written).
 * A host that fails a step is left out of the later steps.
 */
export async function sendFile(overlord: Overlord, hosts: readonly string[], localPath: string, remotePath: string, options: SendFileOptions = {}): Promise<Map<string, HostOutcome>> {
  const fh = await fs.open(localPath, 'r');
  try {
    const st = await fh.stat();
    const done = new Map<string, HostOutcome>();
    let alive = [...hosts];
    const settle = (step: Map<string, HostOutcome>, what: string): void => {
      for (const [h, o] of step) {
        const checked = failOnMinusOne(o, what);
        if (checked.status !== 'ok') done.set(h, checked);
      }
      alive = alive.filter((h) => !done.has(h));
    };
    settle(await callEach(overlord, alive, 'copyfile.open', [remotePath, st.mode & 0o7777, st.uid, st.gid]), `copyfile.open ${remotePath}`);
    const size = options.chunkBytes ?? COPY_CHUNK_BYTES;
    const buf = Buffer.alloc(size);
    for (let sent = 0; sent < st.size && alive.length > 0;) {
      const { bytesRead } = await fh.read(buf, 0, size, sent);
      if (bytesRead === 0) break;
      const chunk = new Uint8Array(buf.subarray(0, bytesRead));
      settle(await callEach(overlord, alive, 'copyfile.append', [remotePath, chunk]), `copyfile.append ${remotePath}`);
      sent += bytesRead;
      options.onProgress?.(sent, st.size);
    }
    for (const h of alive) done.set(h, ok(st.size));
    return done;
  } finally {
    await fh.close();
  }
}
