// Rebuilds source RPMs with mock (or, where mock is not installed, rpmbuild --rebuild), streaming the live build
// log, with per-build timeouts, status and cancel. SRPM and result paths are confined to the option's roots.
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  arg, defineModule, fromString, method, ModuleError, opt, optional, type ModuleContext, type WireStruct,
} from '../minion/module-api.js';
import { AccessDeniedError } from '../common/errors.js';
import { allowedRoots, confinePath } from './lib/allowed-paths.js';
import { findTool } from './lib/run-command.js';
import { resolveBackend } from './mock/backends.js';
import { readBuildOptions } from './mock/build-options.js';
import { buildMark, stopTree } from './mock/build-process.js';
import { BuildRecords, checkBuildId, newBuildId, type BuildRecord } from './mock/build-record.js';
import { markedProcesses } from './lib/marked-processes.js';
import { buildResult, lastLines, LOG_TAIL_LINES, runBuild } from './mock/run-build.js';

/** The most log text one mock.status call returns. */
const MAX_LOG_CHUNK = 1024 * 1024;

const buildId = arg.string('build_id', 'The build id mock.build returned (for an async call: its job id)');

export default defineModule({
  version: '0.1.0',
  apiVersion: '0.0.1',
  description: 'Builds RPMs from source RPMs with mock (rpmbuild --rebuild where mock is not installed)',
  optionsFile: 'Mock',
  available: async () => (await findTool('mock')) !== null || (await findTool('rpmbuild')) !== null || 'neither mock nor rpmbuild found on PATH',
  options: {
    builds_dir: opt('path', '/var/lib/func/builds'),
    records_dir: opt('path', '/var/lib/func/mock-builds'),
    srpm_roots: opt('list', ['/var/lib/func/srpms', '/var/lib/func/builds']),
    resultdir_roots: opt('list', ['/var/lib/func/builds']),
    default_chroot: opt('string', 'default'),
    mock_command: opt('string', 'mock'),
    mock_config_dir: opt('string', '/etc/mock'),
    kill_grace: opt('float', 5),
  },
  methods: {
    build: method({
      description: 'Rebuilds an SRPM; returns {ok, state, rc, backend, build_id, resultdir, srpm, rpms, log, log_tail, duration}',
      args: [
        arg.string('srpm_path', 'Absolute path of the source RPM on the minion, inside the srpm_roots option'),
        optional(arg.hash('options', 'chroot (mock -r), resultdir, timeout (s), define {macro: value}, backend (auto|mock|rpmbuild)'), {}),
      ],
      example: 'func builder1 call mock build /var/lib/func/srpms/hello-1.0-1.src.rpm "{\'chroot\': \'fedora-40-x86_64\', \'timeout\': 3600}"',
      // the build's own timeout option bounds it, not the minion's call timeout
      timeout: 0,
      async run([srpmPath, options], ctx) {
        const o = readBuildOptions(options, String(ctx.options.default_chroot));
        const srpm = await confinePath(srpmPath, allowedRoots(ctx.options.srpm_roots, ctx.minion.root),
          { method: 'mock.build', arg: 'srpm_path', option: 'srpm_roots' });
        const st = await fs.stat(srpm).catch(() => null);
        if (!st?.isFile()) throw new ModuleError(`mock.build: no source RPM at ${srpm}`, 'exceptions.IOError');
        const id = ctx.jobId ?? newBuildId();
        const resultdir = o.resultdir === null ? path.join(String(ctx.options.builds_dir), id)
          : await confinePath(o.resultdir, allowedRoots(ctx.options.resultdir_roots, ctx.minion.root),
            { method: 'mock.build', arg: 'options.resultdir', option: 'resultdir_roots' });
        const chosen = await resolveBackend(o.backend, String(ctx.options.mock_command))
          .catch((err: Error) => { throw new ModuleError(`mock.build: ${err.message}`, 'exceptions.OSError'); });
        return runBuild({
          buildId: id, backend: chosen.backend, program: chosen.program, timeoutSec: o.timeout, records: records(ctx),
          killGraceMs: Number(ctx.options.kill_grace) * 1000, plan: { srpm, resultdir, chroot: o.chroot, define: o.define },
        }, ctx);
      },
    }),
    chroots: method({
      description: 'Lists the mock configs (chroots) available here; ["default"] where only rpmbuild builds (on the host itself)',
      args: [],
      example: 'func builder1 call mock chroots',
      async run(_args, ctx) {
        if (await findTool(String(ctx.options.mock_command)) === null) return ['default'];
        const names = await fs.readdir(String(ctx.options.mock_config_dir)).catch(() => [] as string[]);
        return names.filter((n) => n.endsWith('.cfg') && n !== 'site-defaults.cfg').map((n) => n.slice(0, -4)).sort();
      },
    }),
    status: method({
      description: 'A build\'s state and result so far; with log_offset ≥ 0 also the log text from that byte on (log_text, log_offset)',
      args: [buildId, optional(fromString(arg.int('log_offset', 'Byte offset in build.log to read from (-1: no log text)', { min: -1 })), -1)],
      example: 'func builder1 call mock status 1733200000.123456-builder1 0',
      async run([id, offset], ctx) {
        checkBuildId(id, 'mock.status');
        if (await startingJob(ctx, id)) return { ok: false, state: 'starting', build_id: id, job_id: id };
        const r = await owned(ctx, await existing(ctx, id, 'mock.status'), 'mock.status');
        const live = await reconcile(ctx, r);
        const text = await fs.readFile(live.log, 'utf8').catch(() => '');
        const result = buildResult(live, lastLines(text, LOG_TAIL_LINES));
        return offset < 0 ? result : { ...result, ...await logFrom(live.log, offset) };
      },
    }),
    cancel: method({
      description: 'Stops a running build and its whole process tree (TERM, then KILL); true when it was running',
      args: [buildId],
      example: 'func builder1 call mock cancel 1733200000.123456-builder1',
      async run([id], ctx) {
        checkBuildId(id, 'mock.cancel');
        if (await startingJob(ctx, id)) return ctx.jobs.cancel(id, ctx.caller);
        const r = await owned(ctx, await existing(ctx, id, 'mock.cancel'), 'mock.cancel');
        if (r.state !== 'running') return false;
        await records(ctx).write({ ...r, state: 'cancelled', finished: Date.now() / 1000 });
        if (r.job_id !== null) await Promise.resolve().then(() => ctx.jobs.cancel(r.job_id!, ctx.caller)).catch(() => false);
        const gone = await stopTree(buildMark(r.build_id), r.pid ?? undefined, Number(ctx.options.kill_grace) * 1000);
        await fs.appendFile(r.log, `[func] build ${r.build_id} cancelled${gone ? '' : '; some of its processes could not be killed'}\n`).catch(() => undefined);
        ctx.log.info(`mock.cancel ${r.build_id}: cancelled${gone ? '' : ' (processes left)'}`);
        return true;
      },
    }),
  },
});

function records(ctx: ModuleContext): BuildRecords {
  return new BuildRecords(String(ctx.options.records_dir));
}

async function existing(ctx: ModuleContext, id: string, what: string): Promise<BuildRecord> {
  const r = await records(ctx).read(id);
  if (r === null) throw new ModuleError(`${what}: no build ${id} on this minion`, 'exceptions.KeyError');
  return r;
}

/**
 * The record when the caller may see it: a build run as a job belongs to whoever the job store says owns the job
 * (its starter, or the CA); a direct build to the identity that started it. Otherwise AccessDeniedError.
 */
async function owned(ctx: ModuleContext, r: BuildRecord, what: string): Promise<BuildRecord> {
  if (r.job_id !== null) {
    try {
      const [code] = await ctx.jobs.status(r.job_id, ctx.caller);
      if (code !== 2) return r; // a job the store no longer knows: the record's caller decides
    } catch (err) {
      if (err instanceof AccessDeniedError) throw err;
    }
  }
  if (r.caller !== undefined && r.caller !== ctx.caller.key) {
    throw new AccessDeniedError(`${what}: build ${r.build_id} belongs to another caller: only the identity that started it may use it`);
  }
  return r;
}

/** The job store's [code, data] for a job; [2, null] (unknown) where this process has no job store or the job is not ours. */
async function jobStatus(ctx: ModuleContext, id: string): Promise<readonly [number, unknown]> {
  try { return await ctx.jobs.status(id, ctx.caller); } catch { return [2, null]; }
}

/** True when `id` is an async job still running here that has not recorded its build yet. */
async function startingJob(ctx: ModuleContext, id: string): Promise<boolean> {
  if (await records(ctx).read(id) !== null) return false;
  const [code] = await jobStatus(ctx, id);
  return code === 0;
}

/** A record that says running although nothing of the build is left (its job was killed) is reported as lost. */
async function reconcile(ctx: ModuleContext, r: BuildRecord): Promise<BuildRecord> {
  if (r.state !== 'running') return r;
  let why: BuildRecord['state'] = 'lost';
  if (r.job_id !== null) {
    const [code, data] = await jobStatus(ctx, r.job_id);
    if (code === 0) return r;
    if (JSON.stringify(data).includes('job cancelled')) why = 'cancelled';
  } else if (r.pid === null || markedProcesses(buildMark(r.build_id), r.pid).length > 0) {
    return r;
  }
  const again = await records(ctx).read(r.build_id);
  return again && again.state !== 'running' ? again : { ...r, state: why };
}

/** The log from a byte offset up to the last complete line (at most MAX_LOG_CHUNK bytes), and the next offset. */
async function logFrom(file: string, offset: number): Promise<WireStruct> {
  const fh = await fs.open(file, 'r').catch(() => null);
  if (fh === null) return { log_text: '', log_offset: offset };
  try {
    const buf = Buffer.alloc(MAX_LOG_CHUNK);
    const { bytesRead } = await fh.read(buf, 0, MAX_LOG_CHUNK, offset);
    const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
    return { log_text: buf.subarray(0, end).toString('utf8'), log_offset: offset + end };
  } finally {
    await fh.close();
  }
}
