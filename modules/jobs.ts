// func's `jobs` module: status, output tail, progress, listing and cancelling of this minion's async jobs
// (a thin layer over the daemon's job store, ctx.jobs); a caller only ever sees the jobs it started (the CA: all).
import { arg, defineModule, fromString, method, optional } from '../minion/module-api.js';

const jobId = arg.string('job_id', 'The minion job id an async call returned, e.g. 1382476364.234531-minion');
const example = (m: string): string => `func "*" call jobs ${m} 1382476364.234531-minion`;

export default defineModule({
  name: 'jobs',
  version: '0.1.0',
  apiVersion: '0.0.1',
  description: "Status, output and progress of this minion's async jobs",
  methods: {
    job_status: method({
      description: 'Returns [status, data]: [0, -1] running, [1, result] finished, [2, 0] unknown or expired',
      args: [jobId], example: example('job_status'),
      run: ([id], ctx) => ctx.jobs.status(id, ctx.caller),
    }),
    tail_output: method({
      description: "Returns [stdout, stderr]: the last lines of the job's log; with an offset, [page of the job's result as text, next offset or -1]",
      args: [
        jobId,
        optional(fromString(arg.int('offset', 'Character offset into the result text (a list result: its items one per line); -1 = the log tail')), -1),
        optional(fromString(arg.int('length', 'Most characters per page (1 MiB default, 16 MiB at most)', { min: 1 })), 1024 * 1024),
      ],
      example: 'func "*" call jobs tail_output 1382476364.234531-minion 0',
      run: ([id, offset, length], ctx) => ctx.jobs.tail(id, ctx.caller, offset, length),
    }),
    get_progress: method({
      description: 'Returns [current, total] from the last progress report of the job, [0, 0] when none',
      args: [jobId], example: example('get_progress'),
      run: ([id], ctx) => ctx.jobs.progress(id, ctx.caller),
    }),
    list: method({
      description: 'Lists the jobs the caller started on this minion (the CA identity: every job)', args: [], example: 'func "*" call jobs list',
      run: (_args, ctx) => ctx.jobs.list(ctx.caller),
    }),
    cancel: method({
      description: 'Cancels a running job; true when it was running', args: [jobId], example: example('cancel'),
      run: ([id], ctx) => ctx.jobs.cancel(id, ctx.caller),
    }),
  },
});
