// The per-job method log, <method_log_dir>/<job id> (func-compat.md §1.8): the job's log lines, appended as
// they arrive; opened lazily, closed when the job ends.
import fs from 'node:fs';
import path from 'node:path';

/** Appends one job's log lines to its method log file; write errors are dropped (logging must not fail a job). */
export class MethodLog {
  private readonly file: string;
  private stream: fs.WriteStream | null = null;
  private closed = false;

  constructor(dir: string, jobId: string) {
    this.file = path.join(dir, jobId);
  }

  /** Appends a line (a newline is added). */
  line(text: string): void {
    if (this.closed) return;
    if (!this.stream) {
      try {
        fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      } catch { this.closed = true; return; }
      this.stream = fs.createWriteStream(this.file, { flags: 'a', mode: 0o600 });
      this.stream.on('error', () => { this.closed = true; });
    }
    this.stream.write(`${text}\n`);
  }

  /** Flushes and closes the file. */
  close(): void {
    this.closed = true;
    this.stream?.end();
    this.stream = null;
  }

  /** Deletes a job's method log (when the job expires). */
  static async remove(dir: string, jobId: string): Promise<void> {
    await fs.promises.rm(path.join(dir, jobId), { force: true });
  }
}
