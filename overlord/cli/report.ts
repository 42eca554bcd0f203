// Prints call results for the CLI: text streams in host order as hosts answer (stable, sorted output that
// still appears progressively); other formats print once at the end. Progress log lines go to stderr as they
// come (host-prefixed when several hosts run), counters into the progress line. Ends with the summary and exit status.
import { renderHostText } from '../text-render.js';
import { renderResults, type OutputFormat } from '../output.js';
import { compareHosts, summarize, summaryLine, type HostEvent, type HostOutcome, type HostResult } from '../outcome.js';
import type { ProgressEvent } from '../../transport/types.js';
import type { CliIo } from './context.js';
import { ProgressLine } from './progress-line.js';

/** How results are shown. */
export interface ReportOptions {
  readonly format: OutputFormat;
  readonly verbose: boolean;
  readonly io: CliIo;
  /** every host that will report, in any order */
  readonly hosts: readonly string[];
  /** text mode: how one host is shown (default: its value, or one line naming the failure) */
  readonly render?: (host: string, outcome: HostOutcome, verbose: boolean) => string;
}

/** Collects results as they arrive and prints them. */
export class ResultReporter {
  private readonly order: string[];
  private readonly got = new Map<string, HostOutcome>();
  private next = 0;
  private readonly progress: ProgressLine;
  /** the last counters / status each unfinished host reported */
  private readonly counters = new Map<string, ProgressEvent>();

  constructor(private readonly options: ReportOptions) {
    this.order = [...options.hosts].sort(compareHosts);
    this.progress = new ProgressLine(options.io.interactive, this.order.length, options.io.err);
  }

  /** Records finished hosts; in text mode prints every host whose turn has come. */
  add(results: readonly HostResult[]): void {
    for (const r of results) this.got.set(r.host, r.outcome);
    if (this.options.format === 'text') this.flush();
    this.progress.update(this.got.size, this.counterNote());
  }

  /** Shows a note beside the progress count (e.g. the share of a file sent). */
  note(text: string): void {
    this.progress.update(this.got.size, text);
  }

  /** Takes one event of Overlord.stream(): a result is add()ed, progress is shown. */
  event(e: HostEvent): void {
    if (e.kind === 'result') this.add([e]);
    else this.showProgress(e.host, e.progress);
  }

  /** A host's progress: its log line is printed now (stderr), its counters and status go to the progress line. */
  showProgress(host: string, p: ProgressEvent): void {
    if (p.message !== undefined) {
      this.progress.clear();
      this.options.io.err(`${this.order.length > 1 ? `${host}: ` : ''}${p.message}\n`);
    }
    if (p.current !== undefined || p.total !== undefined || p.status !== undefined) {
      this.counters.set(host, { ...this.counters.get(host), ...p });
    }
    this.progress.update(this.got.size, this.counterNote());
  }

  /** "[host 3/10 building]" for up to three unfinished hosts that reported counters or a status. */
  private counterNote(): string {
    return [...this.counters].filter(([h]) => !this.got.has(h)).slice(0, 3).map(([h, p]) => {
      const count = p.total ? `${p.current ?? 0}/${p.total}` : p.current !== undefined ? String(p.current) : '';
      return `[${[h, count, p.status ?? ''].filter(Boolean).join(' ')}]`;
    }).join(' ');
  }

  private flush(): void {
    let text = '';
    while (this.next < this.order.length && this.got.has(this.order[this.next]!)) {
      const host = this.order[this.next++]!;
      text += (this.options.render ?? renderHostText)(host, this.got.get(host)!, this.options.verbose);
    }
    if (text) { this.progress.clear(); this.options.io.out(text); }
  }

  /** Prints what is left and the summary; returns the exit status (0 only when every host answered ok). */
  finish(timeoutSeconds?: number): number {
    this.progress.stop();
    const sorted = new Map([...this.got].sort(([a], [b]) => compareHosts(a, b)));
    if (this.options.format !== 'text') this.options.io.out(renderResults(sorted, this.options.format, this.options.verbose));
    else this.flush();
    const counts = summarize(sorted.values());
    const missing = this.order.length - sorted.size;
    if (counts.ok === this.order.length && missing === 0) return 0;
    this.options.io.err(`${summaryLine(counts)}${missing > 0 ? `, ${missing} not finished` : ''}\n`);
    if (counts.timeout > 0) {
      const limit = timeoutSeconds !== undefined ? ` within ${timeoutSeconds} s` : '';
      this.options.io.err(`${counts.timeout} host(s) did not answer${limit}; for long-running methods use --async (or a larger --timeout)\n`);
    }
    return 1;
  }
}
