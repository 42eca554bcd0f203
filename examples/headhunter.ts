// headhunter: the job allocator a Copr-like build service writes against the overlord API. One build per builder
// at a time, live logs, one retry on another builder when the failure was the builder's, publish, page, summary.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Overlord, type WireStruct } from '../index.js';
import { BuilderFailure, buildFollowing, fetchRpms, publish, sendSrpm, valueOf, type BuildResult } from './headhunter/builder-calls.js';
import { parseHeadhunterArgs } from './headhunter/cli-args.js';
import { summaryTable } from './headhunter/summary.js';

/** Where things go on the machines (absolute paths as the minions see them). */
export interface HeadhunterPaths {
  /** the directory an SRPM is copied to on a builder (inside its mock srpm_roots) */
  srpmDir(builder: string): string;
  /** the directory RPMs are copied to on the repository host (inside its createrepo rpm_roots) */
  incomingDir: string;
  /** the repository the packages are published to */
  repodir: string;
  /** the directory webpage.update lists */
  reposRoot: string;
}

/** What one headhunter run needs. */
export interface HeadhunterOptions {
  builders: readonly string[];
  repoHost: string;
  /** local SRPM files */
  srpms: readonly string[];
  paths: HeadhunterPaths;
  /** mock.build options (chroot, timeout, define) */
  buildOptions?: WireStruct;
  /** URL prefix of the repositories for the page and .repo files */
  baseurl?: string;
  /** how to reach the minions: FUNC_ROOT of the overlord and transport name (defaults: func's own) */
  root?: string;
  transport?: string;
  /** live output: every build log line (prefixed with builder and package) and every decision */
  print?: (line: string) => void;
  /** told when a build starts on a builder */
  onBuildStart?: (builder: string, srpm: string) => void;
  pollMs?: number;
}

/** One attempt of one SRPM. */
export interface Attempt {
  builder: string;
  result: 'succeeded' | 'failed' | 'builder failure';
  detail: string;
  seconds: number;
  /** when the attempt started and ended (ms since the epoch) */
  start: number;
  end: number;
}

/** What happened to one SRPM. */
export interface BuildSummary {
  srpm: string;
  state: 'published' | 'failed';
  builder: string | null;
  attempts: Attempt[];
  packages: string[];
  buildId: string | null;
}

/** The run's outcome. */
export interface HeadhunterReport { builds: BuildSummary[]; page: string | null; seconds: number; table: string }

interface Queued { srpm: string; summary: BuildSummary }

/** Runs every SRPM through the builders and publishes what built; never throws for one build's failure. */
export async function headhunter(o: HeadhunterOptions): Promise<HeadhunterReport> {
  const started = performance.now();
  const print = o.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const overlords = new Map<string, Overlord>();
  const on = (host: string): Overlord => {
    let ov = overlords.get(host);
    if (!ov) { ov = new Overlord(host, { root: o.root, transport: o.transport, timeout: 30 }); overlords.set(host, ov); }
    return ov;
  };
  const staging = await fs.mkdtemp(path.join(os.tmpdir(), 'headhunter-'));
  const queue: Queued[] = o.srpms.map((srpm) => ({ srpm, summary: { srpm: path.basename(srpm), state: 'failed', builder: null, attempts: [], packages: [], buildId: null } }));
  const all = queue.map((q) => q.summary);
  const free = new Set(o.builders);
  const broken = new Set<string>();
  let publishing = Promise.resolve();

  const buildOn = async (builder: string, job: Queued): Promise<void> => {
    const t0 = performance.now();
    const start = Date.now();
    const name = job.summary.srpm;
    const attempt = (result: Attempt['result'], detail: string): void => {
      job.summary.attempts.push({ builder, result, detail, seconds: Math.round(performance.now() - t0) / 1000, start, end: Date.now() });
    };
    try {
      o.onBuildStart?.(builder, job.srpm);
      print(`[${builder}] ${name}: sending the SRPM`);
      const remote = await sendSrpm(on(builder), builder, job.srpm, o.paths.srpmDir(builder));
      const result: BuildResult = await buildFollowing(on(builder), builder, remote, o.buildOptions ?? {}, {
        onLine: (line) => print(`[${builder}] ${name}: ${line}`), pollMs: o.pollMs ?? 200, maxMissedPolls: 3,
      });
      job.summary.buildId = result.build_id;
      if (!result.ok) { attempt('failed', `${result.state}, rc ${String(result.rc)}`); return; }
      const local = await fetchRpms(on(builder), builder, result.rpms, path.join(staging, builder, String(result.build_id)));
      attempt('succeeded', `${result.rpms.length} RPM(s)`);
      job.summary.builder = builder;
      // publishing runs one at a time (createrepo would coalesce anyway), so the builder is free for the next build
      publishing = publishing.then(async () => {
        job.summary.packages = await publish(on(o.repoHost), o.repoHost, local, o.paths.incomingDir, o.paths.repodir);
        job.summary.state = 'published';
        print(`[${o.repoHost}] ${name}: published ${job.summary.packages.join(' ')}`);
      }).catch((err: Error) => { print(`[${o.repoHost}] ${name}: publishing failed: ${err.message}`); });
    } catch (err) {
      if (!(err instanceof BuilderFailure)) { attempt('failed', (err as Error).message); return; }
      attempt('builder failure', err.message);
      broken.add(builder);
      const tried = new Set(job.summary.attempts.map((a) => a.builder));
      if (job.summary.attempts.filter((a) => a.result === 'builder failure').length <= 1 && o.builders.some((b) => !tried.has(b) && !broken.has(b))) {
        print(`[${builder}] ${name}: builder failure (${err.message}); retrying on another builder`);
        queue.unshift(job);
      } else {
        print(`[${builder}] ${name}: builder failure (${err.message}); no retry left`);
      }
    }
  };

  const running = new Set<Promise<void>>();
  for (;;) {
    for (const builder of [...free]) {
      if (broken.has(builder)) { free.delete(builder); continue; }
      const i = queue.findIndex((q) => !q.summary.attempts.some((a) => a.builder === builder));
      if (i < 0) continue;
      const [job] = queue.splice(i, 1);
      free.delete(builder);
      const p: Promise<void> = buildOn(builder, job!).finally(() => { running.delete(p); free.add(builder); });
      running.add(p);
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  for (const q of queue) q.summary.attempts.push({ builder: '-', result: 'failed', detail: 'no usable builder left', seconds: 0, start: Date.now(), end: Date.now() });
  await publishing;

  let page: string | null = null;
  try {
    const builds: WireStruct = {};
    const repoName = path.relative(o.paths.reposRoot, o.paths.repodir).split(path.sep).join('/');
    const last = all.at(-1);
    if (last) builds[repoName] = { ok: last.state === 'published', state: last.state, package: last.srpm, builder: last.builder ?? '-', finished: Date.now() / 1000 };
    const r = valueOf(o.repoHost, 'webpage.update', (await on(o.repoHost).call('webpage', 'update', o.paths.reposRoot, { ...(o.baseurl ? { baseurl: o.baseurl } : {}), builds })).get(o.repoHost)) as WireStruct;
    page = String(r.path);
    print(`[${o.repoHost}] page updated: ${page}`);
  } catch (err) {
    print(`[${o.repoHost}] webpage.update failed: ${(err as Error).message}`);
  }
  await Promise.all([...overlords.values()].map((ov) => ov.close()));
  await fs.rm(staging, { recursive: true, force: true });
  const seconds = Math.round(performance.now() - started) / 1000;
  return { builds: all, page, seconds, table: summaryTable(all, seconds) };
}

async function main(): Promise<number> {
  const args = parseHeadhunterArgs(process.argv.slice(2));
  const report = await headhunter(args);
  process.stdout.write(report.table);
  return report.builds.every((b) => b.state === 'published') ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => { process.exitCode = code; }, (err: Error) => { process.stderr.write(`headhunter: ${err.message}\n`); process.exitCode = 2; });
}
