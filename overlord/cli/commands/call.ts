// `func <target> call [options] <module> <method> [args…]`: runs a method on every target (sync, or async
// when asked or forced by async_methods.conf), or shows an async job's status (--jobstatus).
import type { Argv } from 'yargs';
import { readAsyncMethodsConf } from '../../../common/config-files.js';
import type { WireValue } from '../../../transport/types.js';
import { JobCodes } from '../../job-store.js';
import type { OutputFormat } from '../../output.js';
import type { Overlord } from '../../overlord.js';
import { numOpt, positionals, strOpt, type CliContext, type ParsedArgs, type Subcommand } from '../context.js';
import { showJobStatus } from '../job-view.js';
import { parseArgs } from '../parse-args.js';
import { ResultReporter } from '../report.js';

function formatOf(args: ParsedArgs): OutputFormat {
  if (args.json) return 'json';
  if (args.xmlrpc) return 'xmlrpc';
  if (args.raw) return 'raw';
  if (args.basic) return 'basic';
  return 'text';
}

interface CallPlan {
  readonly overlord: Overlord;
  readonly module: string;
  readonly method: string;
  readonly params: WireValue[];
  readonly format: OutputFormat;
  readonly verbose: boolean;
}

async function runSync(plan: CallPlan, ctx: CliContext): Promise<number> {
  const hosts = await plan.overlord.hosts();
  const reporter = new ResultReporter({ format: plan.format, verbose: plan.verbose, io: ctx.io, hosts });
  for await (const e of plan.overlord.streamHosts(hosts, plan.module, plan.method, plan.params)) reporter.event(e);
  return reporter.finish(plan.overlord.timeoutMs / 1000);
}

async function runAsync(plan: CallPlan, ctx: CliContext, nopoll: boolean): Promise<number> {
  const hosts = await plan.overlord.hosts();
  const id = await plan.overlord.submitJob(hosts, plan.module, plan.method, plan.params);
  if (nopoll) {
    ctx.io.out(`JOB_ID: '${id}'\n`);
    return 0;
  }
  const reporter = new ResultReporter({ format: plan.format, verbose: plan.verbose, io: ctx.io, hosts });
  const status = await plan.overlord.pollJob(id, {
    onResults: (rs) => reporter.add(rs),
    onProgress: (events) => { for (const e of events) reporter.event(e); },
  });
  if (status[0] === JobCodes.LOST_IN_SPACE) ctx.io.err(`job ${id} was lost (purged from the job store)\n`);
  return reporter.finish();
}

const call: Subcommand = {
  name: 'call',
  describe: 'run <module> <method> [args..] on the targets',
  usage: '[options] <module> <method> [args..]',
  options: (y: Argv) => y
    .option('json', { alias: 'j', type: 'boolean', describe: 'one JSON document: {"host": value}; failures as {"error": {status, type, message, trace}}' })
    .option('raw', { type: 'boolean', describe: "func's raw output (Python repr)" })
    .option('basic', { alias: 'b', type: 'boolean', describe: "func's basic output (Python repr)" })
    .option('xmlrpc', { alias: 'x', type: 'boolean', describe: 'the results as an XML-RPC <params> document' })
    .option('forks', { alias: 'f', type: 'number', describe: 'calls in flight at once (default: overlord.conf forks = 64)' })
    .option('timeout', { alias: 't', type: 'number', describe: 'seconds each host may take' })
    .option('async', { alias: 'a', type: 'boolean', describe: 'run as an async job and poll it' })
    .option('nopoll', { alias: 'n', type: 'boolean', describe: "with --async: print the job id and exit" })
    .option('jobstatus', { alias: 's', type: 'string', describe: "show an async job's status (the id here or in place of <module>)" })
    .option('exclude', { alias: 'e', type: 'string', describe: 'hosts to leave out' })
    .option('strings', { type: 'boolean', describe: "pass every argument as a string, as func does (default: 1 → int, true → bool, JSON → list/struct)" })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'show remote tracebacks' })
    .option('sort', { type: 'boolean', hidden: true, describe: 'accepted for func compatibility (output is always sorted)' })
    .example('func "*" call test add 1 2', 'returns 3 from every minion')
    .example('func "web*" call --json service status sshd', 'JSON output'),
  async run(args: ParsedArgs, ctx: CliContext): Promise<number> {
    const words = positionals(args);
    const format = formatOf(args);
    const verbose = args.verbose === true;
    const overlord = ctx.overlord({ concurrency: numOpt(args, 'forks'), timeout: numOpt(args, 'timeout'), exclude: strOpt(args, 'exclude') });
    const jobstatus = strOpt(args, 'jobstatus');
    if (jobstatus !== undefined) {
      const id = jobstatus || words[0];
      if (!id) { ctx.io.err('--jobstatus needs a job id\n'); return 2; }
      return showJobStatus(id, await overlord.jobStatus(id), ctx.io, format, verbose);
    }
    if (words.length < 2) {
      ctx.io.err('call needs <module> <method> [args..]; see "func <target> call --help"\n');
      return 2;
    }
    const [module, method, ...rest] = words as [string, string, ...string[]];
    const plan: CallPlan = { overlord, module, method, params: parseArgs(rest, args.strings === true), format, verbose };
    const forced = readAsyncMethodsConf(ctx.root).force_async.includes(`${module}.${method}`);
    if (args.async === true || forced) return runAsync(plan, ctx, args.nopoll === true);
    return runSync(plan, ctx);
  },
};

export default call;
