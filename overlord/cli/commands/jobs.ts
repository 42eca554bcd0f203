// `func jobs` (or `func <target> jobs`): the overlord's stored jobs, oldest first: id, target, method, when it
// started, its state and how many hosts have finished, as a table or (--json) one JSON list. Reads the job
// records only (no minion is called): a job's state is as of its last poll (`call --jobstatus ID` polls).
import type { Argv } from 'yargs';
import { JobCodes, OverlordJobStore, defaultJobDir, type OverlordJobRecord } from '../../job-store.js';
import type { CliContext, ParsedArgs, Subcommand } from '../context.js';

/** One job as `func jobs --json` shows it. */
export interface JobSummary {
  id: string;
  target: string;
  method: string;
  /** ISO 8601 */
  started: string;
  state: 'submitting' | 'running' | 'finished' | 'cancelled';
  done: number;
  total: number;
}

function summary(rec: OverlordJobRecord): JobSummary {
  const states = Object.values(rec.hosts);
  const done = states.filter((s) => s.state !== 'pending').length;
  const cancelled = rec.cancelled !== undefined;
  const state = cancelled ? 'cancelled' : rec.code === JobCodes.FINISHED ? 'finished' : rec.code === JobCodes.RUNNING ? 'submitting' : 'running';
  return {
    id: rec.id, target: rec.spec, method: `${rec.module}.${rec.method}`, started: new Date(rec.created * 1000).toISOString(),
    state, done, total: states.length,
  };
}

function table(rows: readonly JobSummary[]): string {
  const head = ['ID', 'TARGET', 'METHOD', 'STARTED', 'STATE', 'HOSTS'];
  const cells = rows.map((r) => [r.id, r.target, r.method, r.started.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), r.state, `${r.done}/${r.total}`]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]): string => `${c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!))).join('  ')}\n`;
  return line(head) + cells.map(line).join('');
}

/** Every stored job's summary, oldest first. */
export function jobSummaries(root: string): JobSummary[] {
  const store = new OverlordJobStore(defaultJobDir(root));
  return store.list().map(({ id }) => store.load(id)).filter((r): r is OverlordJobRecord => r !== null).map(summary);
}

const jobs: Subcommand = {
  name: 'jobs',
  describe: "list the overlord's jobs (id, target, method, started, state, hosts done/total)",
  usage: '[--json]',
  options: (y: Argv) => y.option('json', { alias: 'j', type: 'boolean', describe: 'one JSON list of {id, target, method, started, state, done, total}' }),
  async run(args: ParsedArgs, ctx: CliContext): Promise<number> {
    const rows = jobSummaries(ctx.root);
    if (args.json === true) ctx.io.out(`${JSON.stringify(rows)}\n`);
    else if (rows.length === 0) ctx.io.err('no jobs (jobs are kept for an hour)\n');
    else ctx.io.out(table(rows));
    return 0;
  },
};

export default jobs;
