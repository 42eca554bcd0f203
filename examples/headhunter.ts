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

/** One run of the allocator: the queue, the free and the broken builders, the overlords it calls through. */
class Allocator {
  private readonly print: (line: string) => void;
  private readonly overlords = new Map<string, Overlord>();
  private readonly queue: Queued[];
  private readonly free: Set<string>;
  private readonly broken = new Set<string>();
  private publishing = Promise.resolve();
  readonly builds: BuildSummary[];

  constructor(private readonly o: HeadhunterOptions, private readonly staging: string) {
    this.print = o.print ?? ((l: string) => process.stdout.write(`${l}\n`));
    this.queue = o.srpms.map((srpm) => ({ srpm, summary: { srpm: path.basename(srpm), state: 'failed', builder: null, attempts: [], packages: [], buildId: null } }));
    this.builds = this.queue.map((q) => q.summary);
    this.free = new Set(o.builders);
  }

  /** The overlord that calls one host (one per host, kept for the run). */
  private on(host: string): Overlord {
    let ov = this.overlords.get(host);
    if (!ov) { ov = new Overlord(host, { root: this.o.root, transport: this.o.transport, timeout: 30 }); this.overlords.set(host, ov); }
    return ov;
  }

  /** Gives each free builder the next SRPM it has not tried, until nothing is queued or running. */
  async dispatch(): Promise<void> {
    const running = new Set<Promise<void>>();
    for (;;) {
      for (const builder of [...this.free]) {
        if (this.broken.has(builder)) { this.free.delete(builder); continue; }
        const i = this.queue.findIndex((q) => !q.summary.attempts.some((a) => a.builder === builder));
        if (i < 0) continue;
        const [job] = this.queue.splice(i, 1);
        this.free.delete(builder);
        const p: Promise<void> = this.buildOn(builder, job!).finally(() => { running.delete(p); this.free.add(builder); });
        running.add(p);
      }
      if (running.size === 0) break;
      await Promise.race(running);
    }
    const now = Date.now();
    for (const q of this.queue) q.summary.attempts.push({ builder: '-', result: 'failed', detail: 'no usable builder left', seconds: 0, start: now, end: now });
    await this.publishing;
  }

  /** One attempt: send, build with the live log, fetch the RPMs, queue the publishing; a builder failure is retried once. */
  private async buildOn(builder: string, job: Queued): Promise<void> {
    const t0 = performance.now();
    const start = Date.now();
    const name = job.summary.srpm;
    const attempt = (result: Attempt['result'], detail: string): void => {
      job.summary.attempts.push({ builder, result, detail, seconds: Math.round(performance.now() - t0) / 1000, start, end: Date.now() });
    };
    try {
      this.o.onBuildStart?.(builder, job.srpm);
      this.print(`[${builder}] ${name}: sending the SRPM`);
      const remote = await sendSrpm(this.on(builder), builder, job.srpm, this.o.paths.srpmDir(builder));
      const result: BuildResult = await buildFollowing(this.on(builder), builder, remote, this.o.buildOptions ?? {}, {
        onLine: (line) => this.print(`[${builder}] ${name}: ${line}`), pollMs: this.o.pollMs ?? 200, maxMissedPolls: 3,
      });
      job.summary.buildId = result.build_id;
      if (!result.ok) { attempt('failed', `${result.state}, rc ${String(result.rc)}`); return; }
      const local = await fetchRpms(this.on(builder), builder, result.rpms, path.join(this.staging, builder, String(result.build_id)));
      attempt('succeeded', `${result.rpms.length} RPM(s)`);
      job.summary.builder = builder;
      this.publish(job, local);
    } catch (err) {
      if (!(err instanceof BuilderFailure)) { attempt('failed', (err as Error).message); return; }
      attempt('builder failure', err.message);
      this.retryElsewhere(builder, job, err.message);
    }
  }

  /** Marks the builder broken and queues the SRPM again when it has had no builder failure before and a builder is left. */
  private retryElsewhere(builder: string, job: Queued, why: string): void {
    this.broken.add(builder);
    const tried = new Set(job.summary.attempts.map((a) => a.builder));
    const firstFailure = job.summary.attempts.filter((a) => a.result === 'builder failure').length <= 1;
    const left = this.o.builders.some((b) => !tried.has(b) && !this.broken.has(b));
    this.print(`[${builder}] ${job.summary.srpm}: builder failure (${why}); ${firstFailure && left ? 'retrying on another builder' : 'no retry left'}`);
    if (firstFailure && left) this.queue.unshift(job);
  }

  /** Publishing runs one at a time, after the build, so the builder is free for its next build meanwhile. */
  private publish(job: Queued, rpms: string[]): void {
    const { repoHost, paths } = this.o;
    this.publishing = this.publishing.then(async () => {
      job.summary.packages = await publish(this.on(repoHost), repoHost, rpms, paths.incomingDir, paths.repodir);
      job.summary.state = 'published';
      this.print(`[${repoHost}] ${job.summary.srpm}: published ${job.summary.packages.join(' ')}`);
    }).catch((err: Error) => { this.print(`[${repoHost}] ${job.summary.srpm}: publishing failed: ${err.message}`); });
  }

  /** webpage.update on the repository host, recording the run's last build; the page's path, or null when it failed. */
  async updatePage(): Promise<string | null> {
    const { repoHost, paths, baseurl } = this.o;
    const last = this.builds.at(-1);
    const repoName = path.relative(paths.reposRoot, paths.repodir).split(path.sep).join('/');
    const builds: WireStruct = last
      ? { [repoName]: { ok: last.state === 'published', state: last.state, package: last.srpm, builder: last.builder ?? '-', finished: Date.now() / 1000 } }
      : {};
    try {
      const outcome = (await this.on(repoHost).call('webpage', 'update', paths.reposRoot, { ...(baseurl ? { baseurl } : {}), builds })).get(repoHost);
      const page = String((valueOf(repoHost, 'webpage.update', outcome) as WireStruct).path);
      this.print(`[${repoHost}] page updated: ${page}`);
      return page;
    } catch (err) {
      this.print(`[${repoHost}] webpage.update failed: ${(err as Error).message}`);
      return null;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.overlords.values()].map((ov) => ov.close()));
  }
}

/** Runs every SRPM through the builders and publishes what built; never throws for one build's failure. */
export async function headhunter(o: HeadhunterOptions): Promise<HeadhunterReport> {
  const started = performance.now();
  const staging = await fs.mkdtemp(path.join(os.tmpdir(), 'headhunter-'));
  const run = new Allocator(o, staging);
  try {
    await run.dispatch();
    const page = await run.updatePage();
    const seconds = Math.round(performance.now() - started) / 1000;
    return { builds: run.builds, page, seconds, table: summaryTable(run.builds, seconds) };
  } finally {
    await run.close();
    await fs.rm(staging, { recursive: true, force: true });
  }
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
