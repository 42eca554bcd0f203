// One mock.build from checked inputs to its result: the record, the result directory, the backend's process
// with every log line reported live, the packages it left, and the final record status and result can read.
import fs from 'node:fs/promises';
import path from 'node:path';
import { ModuleError, type ModuleContext, type WireStruct } from '../../minion/module-api.js';
import { backendArgv, collectResults, type Backend, type BuildPlan } from './backends.js';
import { runBuildProcess } from './build-process.js';
import { findTool } from '../lib/run-command.js';
import { BuildRecords, type BuildRecord, type BuildState } from './build-record.js';

/** Lines of the log kept in the result (`log_tail`). */
export const LOG_TAIL_LINES = 40;

/** Everything one build needs, checked by the method. */
export interface BuildJob {
  buildId: string;
  plan: BuildPlan;
  backend: Backend;
  program: string;
  timeoutSec: number;
  killGraceMs: number;
  records: BuildRecords;
}

/** The last `n` lines of a text. */
export function lastLines(text: string, n: number): string {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-n).join('\n');
}

function stateOf(rc: number, end: { timedOut: boolean; aborted: boolean }): BuildState {
  if (end.timedOut) return 'timeout';
  if (end.aborted) return 'cancelled';
  return rc === 0 ? 'succeeded' : 'failed';
}

/** The wire result of a finished build (also what mock.status reports for it). */
export function buildResult(r: BuildRecord, logTail: string): WireStruct {
  return {
    ok: r.state === 'succeeded', state: r.state, rc: r.rc, backend: r.backend, build_id: r.build_id, job_id: r.job_id,
    chroot: r.chroot, resultdir: r.resultdir, srpm: r.srpm, rpms: r.rpms, log: r.log, log_tail: logTail,
    started: r.started, finished: r.finished,
    duration: r.finished === null ? Date.now() / 1000 - r.started : Math.round((r.finished - r.started) * 1000) / 1000,
  };
}

/** Runs the build; a failing, timed-out or cancelled build is a result with ok false, never a throw. */
export async function runBuild(job: BuildJob, ctx: ModuleContext): Promise<WireStruct> {
  const { plan } = job;
  await fs.mkdir(plan.resultdir, { recursive: true });
  const logFile = path.join(plan.resultdir, job.backend === 'mock' ? 'builder-live.log' : 'build.log');
  const argv = backendArgv(job.backend, job.program, plan);
  const note = job.backend === 'rpmbuild' && plan.chroot !== 'default' ? ` (rpmbuild builds on this host: chroot ${plan.chroot} is not used)` : '';
  const header = `[func] build ${job.buildId}: ${argv.join(' ')}${note}`;
  await fs.writeFile(logFile, `${header}\n`);
  const record: BuildRecord = {
    build_id: job.buildId, job_id: ctx.jobId, caller: ctx.caller.key, state: 'running', backend: job.backend, chroot: plan.chroot, srpm: plan.srpm,
    resultdir: plan.resultdir, log: logFile, started: Date.now() / 1000, finished: null, rc: null, pid: null, rpms: [],
  };
  await job.records.write(record);
  let startWrite: Promise<unknown> = Promise.resolve();
  let lineCount = 0;
  const onLine = (line: string): void => {
    lineCount++;
    ctx.progress({ status: 'building', message: line, current: lineCount, total: 0 });
  };
  onLine(header);
  const end = await runBuildProcess({
    argv, buildId: job.buildId, cwd: plan.resultdir, logFile, onLine, signal: ctx.signal,
    timeoutMs: job.timeoutSec * 1000, killGraceMs: job.killGraceMs, stdbuf: await findTool('stdbuf'),
    onStart: (pid) => { startWrite = job.records.finish({ ...record, pid }).catch(() => record); },
  }).catch(async (err: Error) => {
    await job.records.finish({ ...record, state: 'failed', finished: Date.now() / 1000 });
    throw new ModuleError(`mock.build: ${err.message}`, 'exceptions.OSError', { cause: err });
  });
  await startWrite;
  // mock.cancel (another call) marks the record before it kills the tree
  const cancelled = (await job.records.read(job.buildId))?.state === 'cancelled';
  const state = cancelled ? 'cancelled' : stateOf(end.rc, end);
  const found = state === 'succeeded' ? await collectResults(job.backend, plan.resultdir) : { rpms: [] };
  const ok = state === 'succeeded' && found.rpms.length > 0;
  const summary = ok ? `[func] build ${job.buildId} succeeded: ${found.rpms.map((p) => path.basename(p)).join(' ')}`
    : state === 'succeeded' ? `[func] build ${job.buildId} failed: rc 0 but no binary RPM was written`
      : `[func] build ${job.buildId} ${state} (rc ${end.rc})${end.treeGone ? '' : '; some of its processes could not be killed'}`;
  onLine(summary);
  await fs.appendFile(logFile, `${summary}\n`);
  const final = await job.records.finish({
    ...record, state: ok || state !== 'succeeded' ? state : 'failed', rc: end.rc, finished: Date.now() / 1000, pid: null, rpms: found.rpms,
  });
  const text = await fs.readFile(logFile, 'utf8');
  ctx.log.info(`mock.build ${job.buildId}: ${final.state}, rc ${end.rc}, ${found.rpms.length} RPM(s) in ${plan.resultdir}`);
  return buildResult(final, lastLines(text, LOG_TAIL_LINES));
}
