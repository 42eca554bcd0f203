// A one-line progress indicator on stderr for terminals ("12 of 40 done, 3.1 s"), redrawn in place and
// cleared before results are printed; does nothing when stderr is not a terminal.

/** A redrawable status line. */
export class ProgressLine {
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private shown = false;
  private done = 0;
  private extra = '';

  constructor(private readonly enabled: boolean, private readonly total: number, private readonly write: (s: string) => void = (s) => { process.stderr.write(s); }) {
    if (enabled) {
      this.timer = setInterval(() => this.draw(), 250);
      this.timer.unref();
    }
  }

  /** Sets the count of finished hosts and an optional note (e.g. minion progress). */
  update(done: number, extra = ''): void {
    this.done = done;
    this.extra = extra;
    this.draw();
  }

  /** Removes the line (before other output is written). */
  clear(): void {
    if (this.shown) this.write('\r\x1b[K');
    this.shown = false;
  }

  /** Clears the line and stops redrawing. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clear();
  }

  private draw(): void {
    if (!this.enabled || this.timer === null) return;
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    this.write(`\r\x1b[K${this.done} of ${this.total} done, ${secs} s${this.extra ? ` ${this.extra}` : ''}`);
    this.shown = true;
  }
}
