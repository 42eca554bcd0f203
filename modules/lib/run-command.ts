// Runs a child process for the modules: no shell unless asked, own process group killed on abort,
// output captured up to a cap per stream and decoded as UTF-8 with U+FFFD for invalid bytes, and optionally
// handed over line by line as it comes (for live progress).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { CommandFailedError, ModuleError } from '../../minion/module-api.js';
import { LineSplitter } from './line-splitter.js';

/** Default cap on captured output, per stream. */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export interface RunOptions {
  /** the complete environment of the child (default: the minion's own) */
  env?: NodeJS.ProcessEnv;
  /** aborting kills the child's process group (TERM, then KILL after a grace period) */
  signal?: AbortSignal;
  /** per-stream capture limit in bytes; the rest is read and dropped, and a marker is appended */
  maxBytes?: number;
  /** kill the child after this many milliseconds and fail with CommandFailedError */
  timeoutMs?: number;
  cwd?: string;
  /**
   * Called with each complete output line (without its newline) as the child writes it; a last line without a
   * newline comes at exit. Lines longer than MAX_LINE_CHARS are cut into pieces; after MAX_LIVE_LINES lines
   * one notice is sent and the rest is only captured.
   */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** Longest piece handed to onLine. */
export const MAX_LINE_CHARS = 4096;
/** Lines handed to onLine per run, at most. */
export const MAX_LIVE_LINES = 10_000;

export interface RunResult {
  /** exit code, or minus the signal number when the child was killed by a signal (func's returncode) */
  rc: number;
  stdout: string;
  stderr: string;
}

const KILL_GRACE_MS = 1000;

/** Decodes captured bytes as UTF-8; bytes that are not valid UTF-8 become U+FFFD. */
export function decodeOutput(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * Collects one output stream up to maxBytes, counting what is dropped beyond. Chunks are decoded as they arrive
 * (64 MiB decoded at the end in one go would hold the event loop for tens of milliseconds).
 */
class Capture {
  private readonly parts: string[] = [];
  private readonly decoder = new StringDecoder('utf8');
  private kept = 0;
  private dropped = 0;
  constructor(private readonly maxBytes: number) {}
  add(chunk: Buffer): void {
    const room = this.maxBytes - this.kept;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.parts.push(this.decoder.write(part));
      this.kept += part.length;
    }
    this.dropped += Math.max(0, chunk.length - Math.max(room, 0));
  }
  text(): string {
    const text = this.parts.join('') + this.decoder.end();
    return this.dropped === 0 ? text
      : `${text}\n[func: output truncated after ${this.kept} bytes, ${this.dropped} more bytes dropped]\n`;
  }
}

/** The line sinks of both streams, sharing one budget of MAX_LIVE_LINES. */
function lineSinks(onLine: NonNullable<RunOptions['onLine']>): { out: LineSplitter; err: LineSplitter } {
  let left = MAX_LIVE_LINES;
  const sink = (stream: 'stdout' | 'stderr') => (line: string): void => {
    if (left <= 0) return;
    left--;
    try {
      onLine(left === 0 ? `[func: more than ${MAX_LIVE_LINES} output lines; the rest is in the result only]` : line, stream);
    } catch { /* a failing listener must not break the command */ }
  };
  return { out: new LineSplitter(sink('stdout'), MAX_LINE_CHARS), err: new LineSplitter(sink('stderr'), MAX_LINE_CHARS) };
}

/** rc as func reports it: the exit code, or -N for a child killed by signal N. */
function returnCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const num = signal ? os.constants.signals[signal] : undefined;
  return num === undefined ? -1 : -num;
}

/**
 * Signals the child's whole process group (the child leads it: spawned detached). Members may outlive the
 * leader, so the group is signalled even after the child itself exited; ESRCH (group gone) is ignored.
 */
export function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try { process.kill(-child.pid, sig); } catch { /* the group is gone */ }
}

/** The error to reject with once the child is gone after an abort. */
function abortError(signal: AbortSignal, timedOut: boolean, what: string): Error {
  if (timedOut) return new CommandFailedError(`${what} timed out`, { command: what, exitCode: null, stdout: '', stderr: '' });
  const reason: unknown = signal.reason;
  // a FuncError (the dispatcher's timeout, a cancelled job) is passed on as it is
  if (reason instanceof Error && String((reason as { code?: unknown }).code).startsWith('FUNC_ERR')) return reason;
  const why = reason instanceof Error ? reason.message : String(reason ?? 'aborted');
  return new ModuleError(`${what} was stopped: ${why}`, 'exceptions.Exception', { cause: reason });
}

/** Wires abort and timeout to killing the process group (TERM, then KILL); returns a cleanup function and the state. */
function watchAbort(child: ChildProcess, opts: RunOptions): { stop(): void; state: { aborted: boolean; timedOut: boolean } } {
  const state = { aborted: false, timedOut: false };
  const kill = (): void => {
    killGroup(child, 'SIGTERM');
    // not cleared when the child closes: group members that ignore TERM must still get KILL
    setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS).unref();
  };
  const onAbort = (): void => { state.aborted = true; kill(); };
  const timer = opts.timeoutMs ? setTimeout(() => { state.timedOut = true; kill(); }, opts.timeoutMs) : undefined;
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    state,
    stop() {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Runs `file args…` (never through a shell unless file is one), in its own process group, stdin from
 * /dev/null. Resolves with rc/stdout/stderr whatever the exit code; rejects when the program cannot be
 * started, on timeout, or after an abort (once the child is gone).
 */
export function runCommand(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const what = [file, ...args].join(' ');
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(file, args, {
      env: opts.env ?? process.env, cwd: opts.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = new Capture(opts.maxBytes ?? DEFAULT_MAX_BYTES);
    const err = new Capture(opts.maxBytes ?? DEFAULT_MAX_BYTES);
    const lines = opts.onLine ? lineSinks(opts.onLine) : null;
    child.stdout!.on('data', (c: Buffer) => { out.add(c); lines?.out.add(c); });
    child.stderr!.on('data', (c: Buffer) => { err.add(c); lines?.err.add(c); });
    const watch = watchAbort(child, opts);
    // a grandchild that left the group may keep the pipes open: once the child exited after an abort, stop waiting
    child.on('exit', () => {
      if (watch.state.aborted || watch.state.timedOut) setTimeout(() => { child.stdout!.destroy(); child.stderr!.destroy(); }, 200).unref();
    });
    child.on('error', (e) => {
      watch.stop();
      reject(new CommandFailedError(`cannot run ${file}: ${e.message}`, { command: what, exitCode: null, stdout: '', stderr: '' }, { cause: e }));
    });
    child.on('close', (code, sig) => {
      watch.stop();
      lines?.out.end();
      lines?.err.end();
      if (watch.state.aborted || watch.state.timedOut) reject(abortError(opts.signal ?? new AbortController().signal, watch.state.timedOut, what));
      else resolve({ rc: returnCode(code, sig), stdout: out.text(), stderr: err.text() });
    });
  });
}

/** True when the path exists and is executable by this process (func's os.access(path, X_OK)). */
export async function isExecutable(p: string): Promise<boolean> {
  try { await fs.access(p, fs.constants.X_OK); return true; } catch { return false; }
}

/** The first executable regular file called `name` on PATH (or in `extraDirs`), or null. */
export async function findOnPath(name: string, extraDirs: readonly string[] = []): Promise<string | null> {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...extraDirs].filter((d) => d.length > 0);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      if ((await fs.stat(candidate)).isFile() && await isExecutable(candidate)) return candidate;
    } catch { /* not here */ }
  }
  return null;
}

/** findOnPath with the system bin directories added, for daemons started with a minimal PATH. */
export function findTool(name: string): Promise<string | null> {
  return findOnPath(name, ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']);
}
