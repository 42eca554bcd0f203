// funcd: the minion daemon's command (func-compat.md §1.9). Foreground by default (systemd Type=simple, prints
// "serving..." once listening); --daemon detaches, writes $FUNC_ROOT/run/funcd.pid and returns once it listens or,
// without a certificate yet, once it printed why it waits (the daemon then goes on alone, needing nothing from us).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FuncError } from '../../common/errors.js';
import { funcRoot, FuncPaths, rooted } from '../../common/paths.js';
import { minionLogger, startMinion } from '../daemon.js';

const PROG = 'funcd';
const ROOT_NOTE = 'All of func\'s absolute paths (/etc/func, /etc/pki/certmaster, /var/lib/func, /var/log/func, /run) '
  + 'resolve under $FUNC_ROOT when it is set.';

/** The command's option parser (also read by tools/man-pages.ts). */
export async function parser(argv: string[]) {
  const { default: yargs } = await import('yargs');
  return yargs(argv).scriptName(PROG).version(false)
    .usage(`${PROG} [daemon] [--daemon] [--config FILE] [--list-modules] [--info] [--version]`)
    .option('daemon', { type: 'boolean', default: false, describe: 'detach and run in the background (pid in $FUNC_ROOT/run/funcd.pid)' })
    .option('config', { type: 'string', describe: 'minion.conf to use (default $FUNC_ROOT/etc/func/minion.conf)' })
    .option('list-modules', { type: 'boolean', default: false, describe: 'print the loaded modules (and why others are not) and exit' })
    .option('info', { type: 'boolean', default: false, describe: 'print config, listen address, transports and their states, TLS files, certificate identity, modules and ACLs, and exit' })
    .option('version', { alias: 'v', type: 'boolean', default: false, describe: 'print the version (of $FUNC_ROOT/etc/func/version) on stderr and exit' })
    .option('pid-file', { type: 'string', hidden: true })
    .option('detached', { type: 'boolean', hidden: true, default: false })
    .help().alias('h', 'help').strictOptions()
    .completion('completion', 'print a bash completion script')
    .epilogue(`Serves func's minion methods over each transport named by minion.conf's "transports" `
      + `(default: xmlrpc, with mutual TLS on listen_addr:listen_port, port 51234). ${ROOT_NOTE}`);
}

/** The version text: <root>/etc/func/version when present (as func), else this package's version. */
function versionText(root: string): string {
  try {
    return fs.readFileSync(rooted(FuncPaths.version, root), 'utf8').trim();
  } catch {
    const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'package.json');
    try { return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version?: string }).version ?? 'unknown'; } catch { return 'unknown'; }
  }
}

/** The status pipe from a detached daemon to the command that started it (fd 3 of the daemon). */
const STATUS_FD = 3;

/**
 * Restarts funcd detached (its own session, output to func.log) and reports on the terminal what it says on its
 * status pipe: "serving <address>", "waiting <hint>" (no certificate yet: it waits for certmaster on its own), or
 * "error <message>". The daemon closes the pipe after that one line and never talks to this process again, so
 * it does not care whether this process (or its terminal) is still there.
 */
async function detach(argv: string[], root: string): Promise<void> {
  const logFile = rooted(`${FuncPaths.funcLogDir}/func.log`, root);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a', 0o600);
  const pidFile = rooted(path.join(FuncPaths.runDir, 'funcd.pid'), root);
  const args = [...process.execArgv, process.argv[1]!, ...argv.filter((a) => a !== '--daemon' && a !== 'daemon'), '--detached', '--pid-file', pidFile];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out, 'pipe'] });
  fs.closeSync(out);
  const status = child.stdio[STATUS_FD] as NodeJS.ReadableStream;
  const line = await new Promise<string>((resolve) => {
    let text = '';
    status.setEncoding('utf8');
    status.on('data', (d: string) => { text += d; if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n'))); });
    status.on('error', () => undefined);
    child.once('exit', (code) => resolve(text.includes('\n') ? text.slice(0, text.indexOf('\n')) : `error the daemon exited (code ${code}); see ${logFile}`));
  });
  status.removeAllListeners('data');
  (status as unknown as { destroy(): void }).destroy();
  child.unref();
  const [word, ...rest] = line.split(' ');
  const detail = rest.join(' ');
  if (word === 'serving') {
    process.stdout.write(`${PROG} running as pid ${child.pid}: ${detail}\n`);
  } else if (word === 'waiting') {
    process.stdout.write(`${PROG}: ${detail}\n${PROG} detached as pid ${child.pid}; it serves once signed (log: ${logFile})\n`);
  } else {
    process.stderr.write(`${PROG}: ${detail || `the daemon did not start; see ${logFile}`}\n`);
    process.exitCode = 1;
  }
}

/** Says one line on the status pipe of a detached daemon, then closes it for good; a vanished reader is ignored. */
function tellStarter(line: string): void {
  if (statusClosed) return;
  statusClosed = true;
  try { fs.writeSync(STATUS_FD, `${line}\n`); } catch { /* the starting command is gone: nothing to tell */ }
  try { fs.closeSync(STATUS_FD); } catch { /* already closed */ }
}
let statusClosed = true;

/** Writes the pid file now and removes it (if still ours) whenever this process ends. */
function holdPidFile(pidFile: string): () => void {
  fs.mkdirSync(path.dirname(pidFile), { recursive: true });
  fs.writeFileSync(pidFile, `${process.pid}\n`);
  const remove = (): void => {
    try {
      if (fs.readFileSync(pidFile, 'utf8').trim() === String(process.pid)) fs.rmSync(pidFile, { force: true });
    } catch { /* gone already */ }
  };
  process.once('exit', remove);
  return remove;
}

/** Runs the minion in this process until SIGTERM/SIGINT. */
async function serve(root: string, configFile: string | undefined, pidFile: string | undefined, detached: boolean): Promise<void> {
  const log = minionLogger(root, configFile, !detached);
  statusClosed = !detached;
  // a stray rejection in some module's background work is logged; it must not take every other call down
  process.on('unhandledRejection', (reason) => log.error(`unhandled rejection: ${reason instanceof Error ? reason.stack ?? reason.message : String(reason)}`));
  if (pidFile) holdPidFile(pidFile);
  let minion: Awaited<ReturnType<typeof startMinion>> | null = null;
  const shutdown = (signal: string) => {
    log.info(`${signal} received, stopping`);
    if (minion === null) process.exit(0); // still waiting for a certificate: nothing to stop (exit removes the pid file)
    void minion.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  minion = await startMinion({
    root, configFile, log,
    onEnrollmentWait: (hint) => (detached ? tellStarter(`waiting ${hint}`) : process.stderr.write(`${PROG}: ${hint}\n`)),
  });
  const where = minion.transports().map((t) => `${t.transport} ${t.state}${t.endpoint ? ` on ${t.endpoint}` : ''}`).join(', ');
  process.stdout.write('serving...\n');
  if (detached) tellStarter(`serving ${where}`);
}

function reportError(err: unknown): void {
  process.stderr.write(`${PROG}: ${err instanceof Error ? err.message : String(err)}\n`);
  if (!(err instanceof FuncError) && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
}

/** Entry point of bin/funcd. */
export async function main(argv: string[]): Promise<void> {
  // the plain daemon start (systemd's) needs no option parser: yargs stays unloaded, the idle daemon smaller
  if (argv.length === 0) {
    try { await serve(funcRoot(), undefined, undefined, false); } catch (err) { reportError(err); }
    return;
  }
  const args = await (await parser(argv)).parseAsync();
  const extra = args._.map(String).filter((a) => a !== 'daemon');
  if (extra.length) {
    process.stderr.write(`${PROG}: unknown argument: ${extra.join(' ')} (see funcd --help)\n`);
    process.exitCode = 1;
    return;
  }
  const root = funcRoot();
  const configFile = args.config === undefined ? undefined : path.resolve(args.config);
  try {
    if (args.version) process.stderr.write(`${versionText(root)}\n`);
    // the reports load only when asked for, so the serving daemon never holds them
    else if (args['list-modules']) process.stdout.write(await (await import('./funcd-report.js')).listModulesText(root, configFile));
    else if (args.info) process.stdout.write(await (await import('./funcd-report.js')).infoText(root, configFile));
    else if ((args.daemon || args._.includes('daemon')) && !args.detached) await detach(argv, root);
    else await serve(root, configFile, args['pid-file'], args.detached);
  } catch (err) {
    reportError(err);
    if (args.detached) tellStarter(`error ${err instanceof Error ? err.message : String(err)}`);
  }
}
