// `func <target> call [options] <module> <method> [args…]`: runs a method on every target (sync, or as a job
// when asked or forced by async_methods.conf, followed until done, Ctrl-C or --timeout), shows a job's status
// (--jobstatus) or cancels it (--cancel).
import type { Argv } from 'yargs';
import { readAsyncMethodsConf } from '../../../common/config-files.js';
import type { WireValue } from '../../../transport/types.js';
import { JobCodes } from '../../job-store.js';
import type { OutputFormat } from '../../output.js';
import type { Overlord } from '../../overlord.js';
import { numOpt, positionals, strOpt, type CliContext, type ParsedArgs, type Subcommand } from '../context.js';
import { showJobStatus } from '../job-view.js';
import { parseArgs } from '../parse-args.js';
import { compareHosts } from '../../outcome.js';
import { renderHostText } from '../../text-render.js';
import { failedRc, RC_METHODS, renderRcText } from '../command-run-view.js';
import { ExitStatus } from '../exit-status.js';
import { jobHints } from '../job-hints.js';
import { ResultReporter } from '../report.js';

function formatOf(args: ParsedArgs): OutputFormat {
  if (args.json) return 'json';
  if (args.out === 'txt') return 'txt';
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
  /** --timeout given: a job-run call stops waiting after it */
  readonly jobDeadlineSeconds?: number;
}

/** How the reporter shows and judges this call's results (command run: rc/stdout/stderr, rc≠0 is a failure). */
function reportShape(plan: CallPlan): { render?: typeof renderRcText; failed?: typeof failedRc } {
  return RC_METHODS.has(`${plan.module}.${plan.method}`) ? { render: renderRcText, failed: failedRc } : {};
}

async function runSync(plan: CallPlan, ctx: CliContext): Promise<number> {
  const hosts = await plan.overlord.hosts();
  const shape = reportShape(plan);
  const note = ctx.batchNote(plan.overlord, hosts.length);
  const reporter = new ResultReporter({ format: plan.format, verbose: plan.verbose, io: ctx.io, hosts, ...shape, ...(note ? { note } : {}) });
  for await (const e of plan.overlord.streamHosts(hosts, plan.module, plan.method, plan.params)) reporter.event(e);
  return reporter.finish(plan.overlord.timeoutMs / 1000);
}

/** Resolves when the user presses Ctrl-C (SIGINT); call stop() when no longer needed. */
function interruption(): { readonly happened: Promise<void>; readonly interrupted: () => boolean; stop(): void } {
  let fired = false;
  let fire: () => void = () => {};
  const happened = new Promise<void>((resolve) => { fire = resolve; });
  const onSigint = (): void => { fired = true; fire(); };
  process.on('SIGINT', onSigint);
  return { happened, interrupted: () => fired, stop: () => { process.removeListener('SIGINT', onSigint); } };
}

async function runAsync(plan: CallPlan, ctx: CliContext, nopoll: boolean): Promise<number> {
  const hosts = await plan.overlord.hosts();
  const sigint = interruption();
  try {
    const id = await plan.overlord.submitJob(hosts, plan.module, plan.method, plan.params);
    if (nopoll) {
      ctx.io.out(`JOB_ID: '${id}'\n`);
      return 0;
    }
    return await followJob(plan, ctx, hosts, id, sigint);
  } finally {
    sigint.stop();
  }
}

/** Polls a job the CLI started, printing hosts as they finish; stops at Ctrl-C (130) or at --timeout. */
async function followJob(plan: CallPlan, ctx: CliContext, hosts: readonly string[], id: string, sigint: ReturnType<typeof interruption>): Promise<number> {
  const reporter = new ResultReporter({ format: plan.format, verbose: plan.verbose, io: ctx.io, hosts, ...reportShape(plan) });
  const stop = new AbortController();
  void sigint.happened.then(() => stop.abort());
  const deadline = plan.jobDeadlineSeconds;
  const timer = deadline !== undefined && deadline > 0 ? setTimeout(() => stop.abort(), deadline * 1000) : undefined;
  const finished = new Set<string>();
  let status;
  try {
    status = await plan.overlord.pollJob(id, {
      signal: stop.signal,
      onResults: (rs) => { rs.forEach((r) => finished.add(r.host)); reporter.add(rs); },
      onProgress: (events) => { for (const e of events) reporter.event(e); },
    });
  } finally {
    clearTimeout(timer);
  }
  if (status[0] === JobCodes.LOST_IN_SPACE) ctx.io.err(`job ${id} was lost (purged from the job store)\n`);
  if (sigint.interrupted()) {
    reporter.stop();
    ctx.io.err(jobHints(id, ctx.target, 'interrupted', ctx.global.conf));
    return ExitStatus.INTERRUPTED;
  }
  if (status[0] !== JobCodes.FINISHED && stop.signal.aborted) {
    const late = hosts.filter((h) => !finished.has(h));
    reporter.add(late.map((host) => ({ host, outcome: { status: 'timeout', timeoutMs: deadline! * 1000, message: `still running after ${deadline} s` } as const })));
    const code = reporter.finish();
    ctx.io.err(jobHints(id, ctx.target, `${late.length} host(s) did not finish within ${deadline} s`, ctx.global.conf));
    return code;
  }
  return reporter.finish();
}

/** `call --cancel ID`: jobs.cancel on every host still running the job. */
async function cancel(id: string, overlord: Overlord, ctx: CliContext): Promise<number> {
  const results = await overlord.cancelJob(id);
  if (results === null) {
    ctx.io.err(`job ${id} is unknown or expired (jobs are kept for an hour)\n`);
    return ExitStatus.NO_MATCH;
  }
  let failed = false;
  for (const [host, r] of [...results].sort(([a], [b]) => compareHosts(a, b))) {
    if (r.state === 'failed') { failed = true; ctx.io.out(renderHostText(host, r.outcome)); } else ctx.io.out(`${host}: ${r.state === 'cancelled' ? 'cancelled' : 'already finished'}\n`);
  }
  return failed ? ExitStatus.HOST_ERROR : ExitStatus.OK;
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
    .option('cancel', { type: 'string', describe: 'cancel an overlord job on every host that still runs it' })
    .option('out', { type: 'string', choices: ['txt'], describe: 'txt: one line per host ("host: value" as compact JSON), for grep' })
    .option('exclude', { alias: 'e', type: 'string', describe: 'hosts to leave out' })
    .option('strings', { type: 'boolean', describe: "pass every argument as a string, as func does (default: 1 → int, true → bool, JSON → list/struct)" })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'show remote tracebacks' })
    .option('sort', { type: 'boolean', hidden: true, describe: 'accepted for func compatibility (output is always sorted)' })
    .example('func "*" call test add 1 2', 'returns 3 from every minion')
    .example('func "web*" call -j service status sshd', 'JSON output'),
  async run(args: ParsedArgs, ctx: CliContext): Promise<number> {
    const words = positionals(args);
    const format = formatOf(args);
    const verbose = args.verbose === true;
    const overlord = ctx.overlord({ concurrency: numOpt(args, 'forks'), timeout: numOpt(args, 'timeout'), exclude: strOpt(args, 'exclude') });
    const cancelId = strOpt(args, 'cancel');
    if (cancelId !== undefined) {
      if (!cancelId) { ctx.io.err('--cancel needs a job id\n'); return ExitStatus.USAGE; }
      return cancel(cancelId, overlord, ctx);
    }
    const jobstatus = strOpt(args, 'jobstatus');
    if (jobstatus !== undefined) {
      const id = jobstatus || words[0];
      if (!id) { ctx.io.err('--jobstatus needs a job id\n'); return 2; }
      return showJobStatus(id, await overlord.jobStatus(id), ctx.io, format, verbose);
    }
    if (words.length < 2) {
      ctx.io.err('func: call needs <module> <method> [args..]; see "func <target> call --help"\n');
      return 2;
    }
    const [module, method, ...rest] = words as [string, string, ...string[]];
    const deadline = numOpt(args, 'timeout') ?? ctx.global.timeout;
    const plan: CallPlan = {
      overlord, module, method, params: parseArgs(rest, args.strings === true), format, verbose, ...(deadline !== undefined ? { jobDeadlineSeconds: deadline } : {}),
    };
    // a batch waits for each host's answer, so it calls directly (a job would answer at once)
    const forced = ctx.global.batch === undefined && readAsyncMethodsConf(ctx.root).force_async.includes(`${module}.${method}`);
    if (args.async === true || forced) return runAsync(plan, ctx, args.nopoll === true);
    return runSync(plan, ctx);
  },
};

export default call;
