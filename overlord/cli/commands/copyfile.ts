// `func <target> copyfile --file LOCAL --remotepath PATH`: sends a file in 60000-byte chunks
// (copyfile.open + copyfile.append) to every target at once, one chunk at a time.
import fs from 'node:fs';
import type { Argv } from 'yargs';
import { InvalidArgumentsError } from '../../../common/errors.js';
import { sendFile } from '../../local/copyfile.js';
import { renderHostText } from '../../text-render.js';
import type { HostOutcome } from '../../outcome.js';
import { strOpt, type CliContext, type ParsedArgs, type Subcommand } from '../context.js';
import { ResultReporter } from '../report.js';
import { jsonOrText, withJsonOption } from '../output-options.js';

const line = (host: string, o: HostOutcome, verbose: boolean): string =>
  (o.status === 'ok' ? `${host}: copied ${String(o.value)} bytes\n` : renderHostText(host, o, verbose));

const copyfile: Subcommand = {
  name: 'copyfile',
  describe: 'copy a local file to the targets',
  usage: '--file LOCAL --remotepath PATH',
  options: (y: Argv) => withJsonOption(y, 'one JSON document: {"host": bytes written}, a failed host as {"host": {"error": {…}}}')
    .option('file', { alias: 'f', type: 'string', describe: 'the local file' })
    .option('remotepath', { type: 'string', describe: 'where it goes on the minions' })
    .option('force', { type: 'boolean', describe: 'accepted for func compatibility (the file is always written)' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'show remote tracebacks' }),
  async run(args: ParsedArgs, ctx: CliContext): Promise<number> {
    const file = strOpt(args, 'file');
    const remote = strOpt(args, 'remotepath');
    if (!file || !remote) {
      ctx.io.err('func: copyfile needs --file LOCAL and --remotepath PATH\n');
      return 2;
    }
    const problem = localFileProblem(file);
    // thrown, not printed: the CLI prints it as one line (exit 2), and -v adds the stack
    if (problem) throw new InvalidArgumentsError(`copyfile: cannot send ${file}: ${problem}`, [{ name: 'file', expected: 'a readable regular file', got: problem }]);
    const overlord = ctx.overlord();
    const hosts = await overlord.hosts();
    const reporter = new ResultReporter({ format: jsonOrText(args), verbose: args.verbose === true, io: ctx.io, hosts, render: line });
    const pct = (sent: number, total: number): void => reporter.note(`(${Math.floor((100 * sent) / Math.max(total, 1))}% sent)`);
    const results = await sendFile(overlord, hosts, file, remote, { onProgress: pct });
    reporter.add([...results].map(([host, outcome]) => ({ host, outcome })));
    return reporter.finish();
  },
};

/** Why the local file cannot be sent (a user's mistake, said in one line), or null when it can. */
function localFileProblem(file: string): string | null {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
  }
  if (!stat.isFile()) return 'not a regular file';
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    return 'permission denied';
  }
  return null;
}

export default copyfile;
