// A small leveled logger writing func's "time - LEVEL - message" lines to a file (and/or stderr).
import fs from 'node:fs';
import path from 'node:path';

export const LogLevels = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;
export type LogLevel = keyof typeof LogLevels;

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface LoggerOptions {
  /** file to append to; created with mode 0600 along with its directory. Unwritable → silently stderr only */
  file?: string;
  level?: string;
  /** also echo to stderr */
  stderr?: boolean;
}

function levelOf(name: string | undefined): number {
  const key = (name ?? 'INFO').toUpperCase() as LogLevel;
  return LogLevels[key] ?? LogLevels.INFO;
}

function openLogFile(file: string): number | null {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return fs.openSync(file, 'a', 0o600);
  } catch {
    return null; // func logs only where it can write
  }
}

/** The longest message one log line carries; the rest is cut and counted (callers choose much of what is logged). */
export const MAX_LOG_MESSAGE = 4096;

/**
 * Caller-supplied text cut for a log line or an error message: at most `max` characters (default 256), the rest
 * replaced by "…(N more)", control characters shown as "?" so one value cannot forge extra lines.
 */
export function clip(text: string, max = 256): string {
  const head = text.length > max ? text.slice(0, max) : text;
  const shown = head.replace(/[\x00-\x1f\x7f]/g, '?');
  return text.length > max ? `${shown}…(${text.length - max} more)` : shown;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = levelOf(opts.level);
  const fd = opts.file ? openLogFile(opts.file) : null;
  const write = (level: LogLevel, message: string): void => {
    if (LogLevels[level] < min) return;
    const msg = message.length > MAX_LOG_MESSAGE ? `${message.slice(0, MAX_LOG_MESSAGE)}…(${message.length - MAX_LOG_MESSAGE} more characters)` : message;
    const line = `${new Date().toISOString().replace('T', ' ').replace('Z', '')} - ${level} - ${msg}\n`;
    if (fd !== null) { try { fs.writeSync(fd, line); } catch { /* a full disk must not stop the daemon */ } }
    if (opts.stderr) process.stderr.write(line);
  };
  return {
    debug: (m) => write('DEBUG', m),
    info: (m) => write('INFO', m),
    warn: (m) => write('WARNING', m),
    error: (m) => write('ERROR', m),
  };
}

/** A logger that drops everything (for library use and tests). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
