// What headhunter asks of one builder, through the overlord API: copy an SRPM over, run mock.build as an async
// job while following its live log (mock.status with a byte offset), and fetch the RPMs it built.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fetchFile, sendFile, type HostOutcome, type Overlord, type WireStruct, type WireValue } from '../../index.js';

/** A failure that is the builder's (it went away or stopped answering), so the build may be retried elsewhere. */
export class BuilderFailure extends Error {}

/** A finished mock.build result, as mock.status reports it. */
export type BuildResult = WireStruct & { ok: boolean; state: string; rc: number | null; rpms: string[]; build_id: string; log_tail: string };

/** The value of an ok outcome; BuilderFailure for unreachable and timeout, Error for a remote error. */
export function valueOf(host: string, what: string, o: HostOutcome | undefined): WireValue {
  if (o === undefined) throw new BuilderFailure(`${host}: ${what}: no answer`);
  if (o.status === 'ok') return o.value;
  if (o.status === 'unreachable' || o.status === 'timeout') throw new BuilderFailure(`${host}: ${what}: ${o.status}: ${o.message}`);
  throw new Error(`${host}: ${what}: ${o.message}`);
}

/** How to follow a build. */
export interface FollowOptions {
  /** each new log line */
  onLine(line: string): void;
  /** time between polls of mock.status (ms) */
  pollMs: number;
  /** polls in a row that may fail (unreachable, timeout) before the builder is given up */
  maxMissedPolls: number;
}

async function call(o: Overlord, host: string, module: string, method: string, ...args: WireValue[]): Promise<WireValue> {
  return valueOf(host, `${module}.${method}`, (await o.call(module, method, ...args)).get(host));
}

/** Copies a local SRPM to `remoteDir` on the builder; returns its remote path. */
export async function sendSrpm(o: Overlord, host: string, local: string, remoteDir: string): Promise<string> {
  const remote = path.join(remoteDir, path.basename(local));
  valueOf(host, `copyfile ${remote}`, (await sendFile(o, [host], local, remote)).get(host));
  return remote;
}

/** Starts mock.build as an async job and follows its log until it ends; resolves with the build's result. */
export async function buildFollowing(o: Overlord, host: string, srpm: string, buildOptions: WireStruct, f: FollowOptions): Promise<BuildResult> {
  const jobId = await call(o, host, 'async.mock', 'build', srpm, buildOptions);
  if (typeof jobId !== 'string') throw new Error(`${host}: async mock.build answered ${JSON.stringify(jobId)}, not a job id`);
  let offset = 0;
  let missed = 0;
  for (;;) {
    let status: WireStruct;
    try {
      status = await call(o, host, 'mock', 'status', jobId, offset) as WireStruct;
      missed = 0;
    } catch (err) {
      if (!(err instanceof BuilderFailure) || ++missed > f.maxMissedPolls) throw err;
      await new Promise((r) => setTimeout(r, f.pollMs));
      continue;
    }
    const text = typeof status.log_text === 'string' ? status.log_text : '';
    for (const line of text.split('\n').slice(0, -1)) f.onLine(line);
    if (typeof status.log_offset === 'number') offset = status.log_offset;
    if (status.state === 'lost') throw new BuilderFailure(`${host}: build ${jobId} was lost (its job was interrupted)`);
    if (status.state !== 'running' && status.state !== 'starting') return status as BuildResult;
    await new Promise((r) => setTimeout(r, f.pollMs));
  }
}

/** Fetches the built RPMs from the builder into `localDir`; returns their local paths. */
export async function fetchRpms(o: Overlord, host: string, rpms: readonly string[], localDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const rpm of rpms) {
    out.push(valueOf(host, `getfile ${rpm}`, (await fetchFile(o, [host], rpm, localDir)).get(host)) as string);
  }
  await fs.mkdir(localDir, { recursive: true });
  return out;
}

/** Copies local RPMs to the repository host's incoming directory, then createrepo.add; returns the packages added. */
export async function publish(o: Overlord, host: string, rpms: readonly string[], incomingDir: string, repodir: string): Promise<string[]> {
  const remote: string[] = [];
  for (const rpm of rpms) remote.push(await sendSrpm(o, host, rpm, incomingDir));
  const r = await call(o, host, 'createrepo', 'add', repodir, remote) as WireStruct;
  if (r.ok !== true) throw new Error(`${host}: createrepo.add ${repodir}: rc ${String(r.rc)}: ${String(r.output ?? '')}`);
  return (r.added as string[] | undefined) ?? [];
}
