// The minion's async job store (func-compat.md §3): submits jobs to a launcher (child processes), keeps their
// records on disk under /var/lib/func/jobs so they survive a restart, answers jobs.* and purges expired jobs.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { AccessDeniedError, JobError } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import type { JobsView } from './module-api.js';
import { JOB_ENDED_STATUS, type PeerIdentity, type ProgressEvent, type WireStruct, type WireValue } from '../transport/types.js';
import { JobIdClock, isJobId, jobIdTime } from './job-id.js';
import {
  listRecordIds, pushTail, readRecord, recordFile, removeTempFiles, writeRecord, type JobFailure, type JobRecord,
} from './job-record.js';
import type { JobEvents, JobLauncher, RunningJob } from './job-runner.js';
import { DEFAULT_PAGE_CHARS, pageOf, resultText } from './job-result-page.js';
import { MethodLog } from './method-log.js';
import { killJobProcesses } from './process-tree.js';

/** The type name reported for jobs the minion itself ended (cancelled, interrupted, runner died). */
export const JOB_FAILURE_TYPE = 'func.minion.codes.FuncException';

/** How a store is set up; every path is already rooted. */
export interface JobStoreOptions {
  /** where records live (/var/lib/func/jobs) */
  dir: string;
  /** func's method_log_dir: one log file per job */
  methodLogDir: string;
  /** seconds a job is kept after it started (job_retention) */
  retentionSec: number;
  /** starts jobs; absent for a read-only view (a job runner's own jobs.* calls) */
  launcher?: JobLauncher;
  /** turns a failure into the value job_status reports (the transport's REMOTE_ERROR list) */
  failureToWire: (failure: JobFailure) => WireValue;
  /** most jobs running at once (default 64) */
  maxRunning?: number;
  /** ACL keys that may see and cancel every job (the CA's own identity); everyone else sees only their own */
  adminKeys?: readonly string[];
  log?: Logger;
}

interface LiveJob {
  record: JobRecord; proc?: RunningJob; methodLog: MethodLog; writeTimer?: NodeJS.Timeout; writing: Promise<void>;
  /** who follows the job live (the submitting call's progress channel, on transports that push) */
  follow?: (event: ProgressEvent) => void;
}

const WRITE_DELAY_MS = 200;

/** Disk-backed async jobs of one minion; implements the JobsView the jobs module reads. */
export class JobStore implements JobsView {
  /** identifies this run of the daemon in the records it writes */
  readonly bootId = `${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly opts: JobStoreOptions;
  private readonly log: Logger;
  private readonly clock = new JobIdClock();
  private readonly live = new Map<string, LiveJob>();
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(options: JobStoreOptions) {
    this.opts = options;
    this.log = options.log ?? silentLogger;
  }

  /** Creates the directory, ends jobs a previous run left "running" (killing their leftovers) and purges. */
  async open(): Promise<void> {
    await fs.mkdir(this.opts.dir, { recursive: true, mode: 0o700 });
    await removeTempFiles(this.opts.dir);
    for (const id of await listRecordIds(this.opts.dir)) {
      this.clock.observe(id);
      const record = await readRecord(this.opts.dir, id);
      if (record?.state !== 'running' || record.boot === this.bootId) continue;
      killJobProcesses(id, record.pid);
      this.end(record, 'interrupted', { type: JOB_FAILURE_TYPE, message: 'job was interrupted: funcd restarted while it ran', trace: '' });
      await writeRecord(this.opts.dir, record);
      this.log.warn(`job ${id} (${record.method}) was running when funcd stopped; marked interrupted`);
    }
    await this.purge();
    const every = Math.max(1, Math.min(this.opts.retentionSec, 60)) * 1000;
    this.purgeTimer = setInterval(() => { void this.purge().catch(() => undefined); }, every);
    this.purgeTimer.unref();
  }

  /**
   * Starts `method` as a job for `peer`; resolves with the job id once its record is on disk. `follow`, when given,
   * hears the job's progress and log lines as they come and, last, `{status: JOB_ENDED_STATUS}`.
   */
  async submit(method: string, params: WireValue[], peer: PeerIdentity, follow?: (event: ProgressEvent) => void): Promise<string> {
    const launcher = this.opts.launcher;
    if (!launcher) throw new JobError('this job store cannot start jobs');
    const running = [...this.live.values()].filter((j) => j.record.state === 'running').length;
    const max = this.opts.maxRunning ?? 64;
    if (running >= max) throw new JobError(`too many async jobs running (${running}, the limit is ${max}); try again later`);
    const id = this.clock.next();
    const record: JobRecord = {
      id, method, state: 'running', started: jobIdTime(id), boot: this.bootId, caller: peer.key,
      progress: { current: 0, total: 0 }, log: [], stderr: [],
    };
    const job: LiveJob = { record, methodLog: new MethodLog(this.opts.methodLogDir, id), writing: Promise.resolve(), ...(follow ? { follow } : {}) };
    try {
      await writeRecord(this.opts.dir, record);
    } catch (err) {
      throw new JobError(`cannot record job ${id} in ${this.opts.dir}: ${(err as Error).message}`, { cause: err });
    }
    this.live.set(id, job);
    try {
      job.proc = launcher.launch({ id, method, params, peer }, this.eventsFor(job));
    } catch (err) {
      this.end(record, 'failed', { type: JOB_FAILURE_TYPE, message: `cannot start the job runner: ${(err as Error).message}`, trace: '' });
      await this.write(job);
      this.live.delete(id);
      throw new JobError(`cannot start job ${id}: ${(err as Error).message}`, { cause: err });
    }
    record.pid = job.proc.pid;
    this.scheduleWrite(job);
    void this.purge().catch(() => undefined);
    return id;
  }

  private eventsFor(job: LiveJob): JobEvents {
    const r = job.record;
    return {
      onProgress: (current, total) => { r.progress = { current, total }; this.scheduleWrite(job); tell(job, { current, total }); },
      onLog: (line) => { pushTail(r.log, line); job.methodLog.line(line); this.scheduleWrite(job); tell(job, { message: line }); },
      onStderr: (line) => { pushTail(r.stderr, line); this.scheduleWrite(job); },
      onResult: (value) => { if (r.state === 'running') { r.result = value; this.end(r, 'finished'); void this.write(job); tellEnd(job); } },
      onError: (failure) => { if (r.state === 'running') { this.end(r, 'failed', failure); void this.write(job); tellEnd(job); } },
      onRelaunch: (pid, why) => {
        r.pid = pid;
        job.methodLog.line(`funcd: ${why}`);
        this.log.warn(`job ${r.id} (${r.method}): ${why}`);
        this.scheduleWrite(job);
      },
      onExit: (how) => this.exited(job, how),
    };
  }

  private exited(job: LiveJob, how: string): void {
    if (job.record.state === 'running') {
      this.end(job.record, 'failed', { type: JOB_FAILURE_TYPE, message: `job runner ended without a result (${how})`, trace: job.record.stderr.join('\n') });
    }
    tellEnd(job);
    job.methodLog.close();
    void this.write(job).finally(() => { if (this.live.get(job.record.id) === job) this.live.delete(job.record.id); });
  }

  private end(record: JobRecord, state: JobRecord['state'], error?: JobFailure): void {
    record.state = state;
    record.finished = Date.now() / 1000;
    if (error) record.error = error;
  }

  private scheduleWrite(job: LiveJob): void {
    if (job.writeTimer) return;
    job.writeTimer = setTimeout(() => { job.writeTimer = undefined; void this.write(job); }, WRITE_DELAY_MS);
    job.writeTimer.unref();
  }

  /** Writes the record now (after any write in progress), cancelling a scheduled one. */
  private write(job: LiveJob): Promise<void> {
    if (job.writeTimer) { clearTimeout(job.writeTimer); job.writeTimer = undefined; }
    const snapshot: JobRecord = { ...job.record, log: [...job.record.log], stderr: [...job.record.stderr] };
    job.writing = job.writing.then(() => writeRecord(this.opts.dir, snapshot)).catch((err: Error) => {
      this.log.error(`cannot write job record ${job.record.id}: ${err.message}`);
    });
    return job.writing;
  }

  private async get(id: unknown): Promise<JobRecord | null> {
    if (!isJobId(id)) return null;
    return this.live.get(id)?.record ?? readRecord(this.opts.dir, id);
  }

  /** Whether `caller` may see and cancel the job: the identity that started it, or an admin key (the CA's). */
  private owns(record: JobRecord, caller: PeerIdentity): boolean {
    return (record.caller !== '' && record.caller === caller.key) || (this.opts.adminKeys ?? []).includes(caller.key);
  }

  /** The record of a job `caller` may use; null when there is none; AccessDeniedError when it is someone else's. */
  private async own(id: unknown, caller: PeerIdentity): Promise<JobRecord | null> {
    const r = await this.get(id);
    if (r !== null && !this.owns(r, caller)) {
      throw new AccessDeniedError(`job ${r.id} belongs to another caller: only the identity that started it and the CA may use it (you are ${caller.key || 'a caller without a certificate'})`);
    }
    return r;
  }

  /** func's [code, data]: [0, -1] running, [1, result or REMOTE_ERROR] ended, [2, 0] unknown or expired. */
  async status(jobId: string, caller: PeerIdentity): Promise<[number, WireValue]> {
    const r = await this.own(jobId, caller);
    if (!r) return [2, 0];
    if (r.state === 'running') return [0, -1];
    if (r.state === 'finished') return [1, r.result ?? null];
    return [1, this.opts.failureToWire(r.error ?? { type: JOB_FAILURE_TYPE, message: r.state, trace: '' })];
  }

  /**
   * [stdout, stderr]: the job's last log lines and the runner's last stderr lines. With an offset (≥ 0): a page of
   * the job's result as text (see resultText) from that character, and the offset of the next page (-1 at the end).
   */
  async tail(jobId: string, caller: PeerIdentity, offset = -1, length = DEFAULT_PAGE_CHARS): Promise<[string, string] | [string, number]> {
    const r = await this.own(jobId, caller);
    if (offset >= 0) return pageOf(r ? resultText(r.result) : '', offset, length);
    if (!r) return ['', ''];
    const text = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '');
    return [text(r.log), text(r.stderr)];
  }

  /** [current, total] of the last progress report; [0, 0] when none. */
  async progress(jobId: string, caller: PeerIdentity): Promise<[number, number]> {
    const r = await this.own(jobId, caller);
    return r ? [r.progress.current, r.progress.total] : [0, 0];
  }

  /** The caller's jobs (an admin key: every job): {id, method, state, started, finished?, pid?}, oldest first. */
  async list(caller: PeerIdentity): Promise<WireStruct[]> {
    const ids = new Set([...await listRecordIds(this.opts.dir), ...this.live.keys()]);
    const records = await Promise.all([...ids].map((id) => this.get(id)));
    return records.filter((r): r is JobRecord => r !== null && this.owns(r, caller))
      .sort((a, b) => a.started - b.started)
      .map(summary);
  }

  /** Kills a running job's whole process tree; it then reports "job cancelled". False when not running here. */
  async cancel(jobId: string, caller: PeerIdentity): Promise<boolean> {
    const job = isJobId(jobId) ? this.live.get(jobId) : undefined;
    if (!job || job.record.state !== 'running') return false;
    await this.own(jobId, caller);
    this.end(job.record, 'cancelled', { type: JOB_FAILURE_TYPE, message: 'job cancelled', trace: '' });
    job.proc?.kill();
    await this.write(job);
    tellEnd(job);
    return true;
  }

  /** Removes jobs (records and method logs) older than the retention time; running jobs are kept. */
  async purge(now = Date.now() / 1000): Promise<number> {
    let removed = 0;
    for (const id of await listRecordIds(this.opts.dir)) {
      if (this.live.has(id) || now - jobIdTime(id) <= this.opts.retentionSec) continue;
      const record = await readRecord(this.opts.dir, id);
      if (record?.state === 'running') continue;
      await fs.rm(recordFile(this.opts.dir, id), { force: true });
      await MethodLog.remove(this.opts.methodLogDir, id);
      removed++;
    }
    return removed;
  }

  /** Stops the purge timer; jobs still running are killed and recorded as interrupted. */
  async close(): Promise<void> {
    clearInterval(this.purgeTimer);
    for (const job of this.live.values()) {
      if (job.record.state !== 'running') continue;
      this.end(job.record, 'interrupted', { type: JOB_FAILURE_TYPE, message: 'job was interrupted: funcd stopped while it ran', trace: '' });
      job.proc?.kill();
      void this.write(job);
    }
    await Promise.all([...this.live.values()].map((j) => j.writing));
  }
}

/** Passes an event to the job's follower; a failing follower never disturbs the job. */
function tell(job: LiveJob, event: ProgressEvent): void {
  try { job.follow?.(event); } catch { /* the follower's transport reports its own trouble */ }
}

/** Tells the follower the job ended (once), then forgets it. */
function tellEnd(job: LiveJob): void {
  tell(job, { status: JOB_ENDED_STATUS });
  delete job.follow;
}

function summary(r: JobRecord): WireStruct {
  const out: WireStruct = { id: r.id, method: r.method, state: r.state, started: r.started };
  if (r.finished !== undefined) out.finished = r.finished;
  if (r.state === 'running' && r.pid !== undefined) out.pid = r.pid;
  return out;
}
