// func's `jobs` module: status, output tail, progress, listing and cancelling of this minion's async jobs
// (a thin layer over the daemon's job store, which the dispatcher hands in as ctx.jobs).
import { arg, defineModule, method } from '../minion/module-api.js';

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
      run: ([id], ctx) => ctx.jobs.status(id),
    }),
    tail_output: method({
      description: "Returns [stdout, stderr]: the last lines of the job's log",
      args: [jobId], example: example('tail_output'),
      run: ([id], ctx) => ctx.jobs.tail(id),
    }),
    get_progress: method({
      description: 'Returns [current, total] from the last progress report of the job, [0, 0] when none',
      args: [jobId], example: example('get_progress'),
      run: ([id], ctx) => ctx.jobs.progress(id),
    }),
    list: method({
      description: 'Lists the jobs this minion knows about', args: [], example: 'func "*" call jobs list',
      run: (_args, ctx) => ctx.jobs.list(),
    }),
    cancel: method({
      description: 'Cancels a running job; true when it was running', args: [jobId], example: example('cancel'),
      run: ([id], ctx) => ctx.jobs.cancel(id),
    }),
  },
});
