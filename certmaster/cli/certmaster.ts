// certmaster: the CA daemon's command. Runs in the foreground by default (systemd Type=simple);
// --daemon detaches, writes $FUNC_ROOT/run/certmaster.pid and returns once the daemon listens.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import yargs from 'yargs';
import { FuncPaths, rooted } from '../../common/paths.js';
import { startCertmaster } from '../daemon.js';
import { packageVersion, reportError, ROOT_NOTE } from './cli-support.js';

const PROG = 'certmaster';
const LISTENING = /^certmaster listening on (\S+)$/m;

/** The command's option parser (also read by tools/man-pages.ts). */
export function parser(argv: string[]) {
  return yargs(argv).scriptName(PROG).usage(`${PROG} [--daemon] [--config FILE]`)
    .option('daemon', { type: 'boolean', default: false, describe: 'detach from the terminal and run in the background' })
    .option('config', { type: 'string', describe: 'certmaster.conf to use (default $FUNC_ROOT/etc/certmaster/certmaster.conf)' })
    .option('pid-file', { type: 'string', hidden: true, describe: 'write the process id here (used by --daemon)' })
    .version(packageVersion()).help().alias('h', 'help').strict()
    .epilogue(`Serves wait_for_cert over XML-RPC (plain HTTP) on listen_addr:listen_port (default 51235). ${ROOT_NOTE}`);
}

/** Restarts this command detached, and returns when the child prints its listening line (or fails). */
async function detach(argv: string[]): Promise<void> {
  const pidFile = rooted(path.join(FuncPaths.runDir, 'certmaster.pid'));
  const args = [process.argv[1]!, ...argv.filter((a) => a !== '--daemon'), '--pid-file', pidFile];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const ready = await new Promise<boolean>((resolve) => {
    const onData = (d: Buffer) => { text += d.toString(); if (LISTENING.test(text)) resolve(true); };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', () => resolve(false));
  });
  child.stdout!.destroy();
  child.stderr!.destroy();
  if (ready) {
    process.stdout.write(text);
    child.unref();
  } else {
    process.stderr.write(text);
    process.exitCode = 1;
  }
}

/** Runs the daemon in this process until SIGTERM/SIGINT. */
async function serve(configFile: string | undefined, pidFile: string | undefined): Promise<void> {
  const running = await startCertmaster({ configFile });
  if (pidFile) {
    fs.mkdirSync(path.dirname(pidFile), { recursive: true });
    fs.writeFileSync(pidFile, `${process.pid}\n`);
    // after detaching, nobody reads our output any more: never die of a closed pipe
    process.stdout.on('error', () => undefined);
    process.stderr.on('error', () => undefined);
  }
  const { host, port } = running.address;
  process.stdout.write(`certmaster listening on http://${host}:${port}/\n`);
  const shutdown = () => {
    void running.stop().finally(() => {
      if (pidFile) fs.rmSync(pidFile, { force: true });
      process.exit(0);
    });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/** Entry point of bin/certmaster. */
export async function main(argv: string[]): Promise<void> {
  const args = await parser(argv).parseAsync();
  try {
    if (args.daemon) await detach(argv);
    else await serve(args.config, args['pid-file']);
  } catch (e) {
    reportError(PROG, e);
  }
}
