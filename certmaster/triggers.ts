// certmaster's trigger scripts: executables in <triggers>/{request,sign,remove}/{pre,post}/, run in sorted
// order with the host name as argv[1]; names containing ".rpm" are skipped; a failure is a CaError.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CaError } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';

/** The events that have trigger directories. */
export type TriggerEvent = 'request' | 'sign' | 'remove';
/** Before or after the event. */
export type TriggerPhase = 'pre' | 'post';

/** Longest a trigger may run. */
export const TRIGGER_TIMEOUT_MS = 60000;

async function triggerFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files: string[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.') || name.includes('.rpm')) continue;
    const st = await fs.stat(path.join(dir, name)).catch(() => null);
    if (st?.isFile()) files.push(path.join(dir, name));
  }
  return files;
}

function runOne(file: string, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, [host], { timeout: TRIGGER_TIMEOUT_MS, maxBuffer: 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const how = err.killed ? `was stopped after ${TRIGGER_TIMEOUT_MS / 1000} s` : `failed (${err.code ?? err.message})`;
      reject(new CaError(`trigger ${file} ${how}${stderr ? `: ${String(stderr).trim().slice(0, 500)}` : ''}`, { cause: err }));
    });
  });
}

/** Runs the triggers of one event and phase for a host, stopping at the first failure. */
export async function runTriggers(
  triggersDir: string, event: TriggerEvent, phase: TriggerPhase, host: string, log: Logger = silentLogger,
): Promise<void> {
  for (const file of await triggerFiles(path.join(triggersDir, event, phase))) {
    log.debug(`running trigger ${file} ${host}`);
    await runOne(file, host);
  }
}
