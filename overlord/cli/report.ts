// Prints call results for the CLI: text streams in host order as hosts answer (stable, sorted output that
// still appears progressively); other formats print once at the end. Progress log lines go to stderr as they
// come (host-prefixed when several hosts run), counters into the progress line. Ends with the summary and exit status.
import { renderHostText } from '../text-render.js';
import { renderResults, type OutputFormat } from '../output.js';
import { compareHosts, summarize, summaryLine, type HostEvent, type HostOutcome, type HostResult } from '../outcome.js';
import type { ProgressEvent } from '../../transport/types.js';
import type { CliIo } from './context.js';
import { renderHostLine } from '../line-render.js';
import { ExitStatus } from './exit-status.js';
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
  /** an answer that counts as a failure although the call succeeded (command run's non-zero return code) */
  readonly failed?: (outcome: HostOutcome) => boolean;
  /** a note kept beside the progress count (the batch window) */
  readonly note?: string;
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
    if (options.note) this.progress.update(0, options.note);
  }

  /** Records finished hosts; in text mode prints every host whose turn has come. */
  add(results: readonly HostResult[]): void {
    for (const r of results) this.got.set(r.host, r.outcome);
    if (this.streamed()) this.flush();
    this.progress.update(this.got.size, this.noteText());
  }

  /** Shows a note beside the progress count (e.g. the share of a file sent). */
  note(text: string): void {
    this.progress.update(this.got.size, [this.options.note, text].filter(Boolean).join(' '));
  }

  /** The fixed note (the batch window) and the counters of unfinished hosts. */
  private noteText(): string {
    return [this.options.note, this.counterNote()].filter(Boolean).join(' ');
  }

  /** Text and --out txt print each host as its turn comes; the other formats once at the end. */
  private streamed(): boolean {
    return this.options.format === 'text' || this.options.format === 'txt';
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
    this.progress.update(this.got.size, this.noteText());
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
      const o = this.got.get(host)!;
      text += this.options.format === 'txt' ? renderHostLine(host, o) : (this.options.render ?? renderHostText)(host, o, this.options.verbose);
    }
    if (text) { this.progress.clear(); this.options.io.out(text); }
  }

  /** Ends early (Ctrl-C): the progress line goes, the hosts already finished are printed, no summary. */
  stop(): void {
    this.progress.stop();
    if (this.streamed()) this.flush();
    else if (this.got.size > 0) this.options.io.out(renderResults(new Map([...this.got].sort(([a], [b]) => compareHosts(a, b))), this.options.format, this.options.verbose));
  }

  /** Prints what is left and the summary; returns the exit status (docs/cli.md: 0 ok, 3 a host failed, 4 a host unreachable or timed out). */
  finish(timeoutSeconds?: number): number {
    this.progress.stop();
    const sorted = new Map([...this.got].sort(([a], [b]) => compareHosts(a, b)));
    if (!this.streamed()) this.options.io.out(renderResults(sorted, this.options.format, this.options.verbose));
    else this.flush();
    const counts = summarize(sorted.values());
    const failedOk = [...sorted.values()].filter((o) => o.status === 'ok' && this.options.failed?.(o) === true).length;
    counts.ok -= failedOk;
    counts.error += failedOk;
    const missing = this.order.length - sorted.size;
    if (counts.ok === this.order.length && missing === 0) return ExitStatus.OK;
    this.options.io.err(`${summaryLine(counts)}${missing > 0 ? `, ${missing} not finished` : ''}\n`);
    if (counts.timeout > 0) {
      const limit = timeoutSeconds !== undefined ? ` within ${timeoutSeconds} s` : '';
      this.options.io.err(`${counts.timeout} host(s) did not answer${limit}; for long-running methods use --async (or a larger --timeout)\n`);
    }
    return counts.timeout > 0 || counts.unreachable > 0 || missing > 0 ? ExitStatus.HOST_UNREACHABLE : ExitStatus.HOST_ERROR;
  }
}
