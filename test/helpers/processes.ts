// Runs the project's real bin/ commands as child processes for tests, and tracks them so that every
// test file can stop leftovers with `after(stopAll)`. Also: waiting for a port and for a line of output.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The commands in bin/. */
export type BinName = 'func' | 'funcd' | 'certmaster' | 'certmaster-ca' | 'certmaster-request' | 'func-transmit' | 'func-amqp-setup';

/** How to run a bin/ command. */
export interface BinOptions {
  /** extra environment variables (added to the test process's environment) */
  env?: Record<string, string>;
  /** sets FUNC_ROOT for the child */
  root?: string;
  /** written to the child's stdin, which is then closed */
  input?: string;
}

/** A running bin/ command. */
export interface BinProcess {
  child: ChildProcess;
  /** everything the child printed so far */
  output(): { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** signals the child's process group (default SIGTERM), SIGKILL after 5 s, and resolves once it exited */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The repository's top directory (this file runs from dist/test/helpers/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const running = new Set<BinProcess>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try { process.kill(-child.pid, signal); } catch { try { child.kill(signal); } catch { /* already gone */ } }
}

/** Starts bin/<name> with node in its own process group; stdout/stderr are collected. */
export function spawnBin(name: BinName, args: string[], options: BinOptions = {}): BinProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (options.root !== undefined) env.FUNC_ROOT = options.root;
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', name), ...args], {
    env, cwd: repoRoot, detached: true, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  child.stdin!.on('error', () => { /* the child may exit without reading its input */ });
  child.stdin!.end(options.input ?? '');
  let done = false;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on('error', (err) => { stderr += `spawn error: ${err.message}\n`; done = true; resolve({ code: null, signal: null }); });
    child.on('close', (code, signal) => { done = true; resolve({ code, signal }); });
  });
  const proc: BinProcess = {
    child,
    output: () => ({ stdout, stderr }),
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (!done) {
        signalGroup(child, signal);
        const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      running.delete(proc);
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** Runs bin/<name> to completion (killed after timeoutMs, default 15 s) and returns its exit code and output. */
export async function runBin(
  name: BinName, args: string[], options: BinOptions & { timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnBin(name, args, options);
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; void p.stop('SIGKILL'); }, options.timeoutMs ?? 15000);
  const { code } = await p.exited;
  clearTimeout(timer);
  const { stdout, stderr } = p.output();
  if (timedOut) throw new Error(`${name} ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`);
  return { code, stdout, stderr };
}

/** Stops every process started by spawnBin that is still running. Call it in each test file's `after`. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

/** Resolves once a TCP connection to host:port succeeds; rejects after timeoutMs (default 10 s). */
export async function waitForPort(host: string, port: number, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect({ host, port });
      sock.once('connect', () => { sock.destroy(); resolve(true); });
      sock.once('error', () => { sock.destroy(); resolve(false); });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Resolves with the first match of `re` in the process's stdout+stderr, checked on each chunk of output; rejects
 * when the process exits first or after timeoutMs (default 10 s), with the output so far in the message.
 */
export function waitForOutput(p: BinProcess, re: RegExp, timeoutMs = 10000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const match = (): RegExpMatchArray | null => {
      const { stdout, stderr } = p.output();
      return (stdout + stderr).match(re);
    };
    const fail = (why: string): void => {
      done();
      const { stdout, stderr } = p.output();
      reject(new Error(`${why} before output matched ${re}\nstdout: ${stdout}\nstderr: ${stderr}`));
    };
    const check = (): void => {
      const m = match();
      if (m) { done(); resolve(m); }
    };
    const timer = setTimeout(() => fail(`${timeoutMs} ms passed`), timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      p.child.stdout?.off('data', onData);
      p.child.stderr?.off('data', onData);
    };
    // spawnBin's own listeners run first (they were added first), so output() already holds the new chunk
    const onData = (): void => check();
    p.child.stdout?.on('data', onData);
    p.child.stderr?.on('data', onData);
    void p.exited.then(() => { const m = match(); if (m) { done(); resolve(m); } else fail('the process exited'); });
    check();
  });
}
