// Watches one job runner process from the daemon's side: relays its IPC messages and output lines, and says once
// how it ended — only after both its exit and the end of its IPC channel, so its last messages always come first.
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { JobEvents, JobMessage } from './job-runner.js';

/** How a runner ended. */
export interface RunnerEnd {
  /** "exit code 0", "signal SIGKILL" or "not started" */
  how: string;
  /** true once the runner said it took the job ('started'): from then on, the job's code may have run */
  started: boolean;
  /** it exited on its own (no signal, no spawn failure) without taking the job: running it again is safe */
  retryable: boolean;
  /** its stdout/stderr lines from before it took the job (held back, as they may belong to a failed start) */
  held: Array<{ stderr: boolean; line: string }>;
}

/** The events a watcher relays (the end is reported to its own callback). */
export type RunnerEvents = Omit<JobEvents, 'onExit' | 'onRelaunch'>;

/** How long after the exit the end of the IPC channel (and, before 'started', of stdout/stderr) is waited for. */
const CHANNEL_GRACE_MS = 1000;

function eachLine(stream: Readable | null, fn: (line: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) fn(line.length > 4096 ? `${line.slice(0, 4096)}...` : line);
    if (rest.length > 65536) { fn(`${rest.slice(0, 4096)}...`); rest = ''; }
  });
  stream.on('end', () => { if (rest) fn(rest); });
}

/** Relays the runner's messages and output; output before 'started' is held back and handed to `onEnd` if it never starts. */
function relay(child: ChildProcess, events: RunnerEvents, state: { started: boolean; held: RunnerEnd['held'] }): void {
  const output = (stderr: boolean) => (line: string) => {
    if (!state.started) state.held.push({ stderr, line });
    else if (stderr) events.onStderr(line);
    else events.onLog(line);
  };
  child.on('message', (m: JobMessage) => {
    if (m.kind === 'started') {
      state.started = true;
      for (const h of state.held.splice(0)) output(h.stderr)(h.line);
    } else if (m.kind === 'progress') events.onProgress(m.current, m.total);
    else if (m.kind === 'log') events.onLog(m.line);
    else if (m.kind === 'result') events.onResult(m.value);
    else if (m.kind === 'error') events.onError(m.failure);
  });
  eachLine(child.stdout, output(false));
  eachLine(child.stderr, output(true));
}

/**
 * Watches `child` until it has ended, then calls `onEnd` once. A runner that took the job is done at its exit
 * plus the end of its IPC channel (its stdout may live on in processes the job left behind); one that did not
 * is done when it is fully closed, so all of its output is in `held`. The grace period is only a safety net.
 */
export function watchRunner(child: ChildProcess, events: RunnerEvents, onEnd: (end: RunnerEnd) => void): void {
  const state = { started: false, held: [] as RunnerEnd['held'] };
  relay(child, events, state);
  let how: string | null = null;
  let signalled = false;
  let channelEnded = false;
  let closed = false;
  let reported = false;
  const settle = () => {
    if (reported || how === null || !channelEnded || (!state.started && !closed)) return;
    reported = true;
    onEnd({ how, started: state.started, retryable: !state.started && !signalled && how !== 'not started', held: state.held });
  };
  child.once('disconnect', () => { channelEnded = true; settle(); });
  child.once('close', () => { channelEnded = true; closed = true; settle(); });
  child.once('exit', (code, signal) => {
    how = signal ? `signal ${signal}` : `exit code ${code}`;
    signalled = signal !== null;
    settle();
    // past the grace period, give a poll phase the chance to read what the channel still holds, then end anyway
    setTimeout(() => setImmediate(() => { channelEnded = true; closed = true; settle(); }), CHANNEL_GRACE_MS).unref();
  });
  child.on('error', (err) => {
    if (child.pid !== undefined) return; // a failed send or kill; the exit still comes
    events.onError({ type: 'exceptions.OSError', message: `cannot start the job runner: ${err.message}`, trace: '' });
    how ??= 'not started';
    channelEnded = true;
    closed = true;
    settle();
  });
}
