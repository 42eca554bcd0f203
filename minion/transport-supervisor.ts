// Runs one minion's transport servers: starts each, retries in the background one that cannot start yet
// (BrokerUnavailableError) while the others serve, hands new TLS material to all, and records their states.
import { BrokerUnavailableError, FuncError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { TlsMaterial, TransportServer, TransportServerStatus } from '../transport/types.js';

/** One transport's state as the daemon records it (func.log, the state file, `funcd --info`). */
export interface TransportReport extends TransportServerStatus {
  transport: string;
  /** when it entered this state (ISO 8601) */
  since: string;
  /** the next start attempt (ISO 8601), while retrying */
  retryAt?: string;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 60_000;

/** A server and its bookkeeping. */
interface Supervised {
  name: string;
  server: TransportServer;
  report: TransportReport;
  timer?: NodeJS.Timeout;
  delayMs: number;
}

/** Options of a TransportSupervisor. */
export interface SupervisorOptions {
  log: Logger;
  /** called after every state change with every transport's report */
  onChange?: (reports: TransportReport[]) => void;
  /** first retry delay in ms (default 1000; doubles up to 60000) */
  firstRetryMs?: number;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Starts, retries, updates and stops the transports of one minion. */
export class TransportSupervisor {
  private readonly items: Supervised[] = [];
  private stopped = false;

  constructor(private readonly options: SupervisorOptions) {}

  /** Registers a server under its transport name (before start()). */
  add(name: string, make: (reportState: (s: TransportServerStatus) => void) => TransportServer): void {
    const item = { name, delayMs: this.options.firstRetryMs ?? FIRST_RETRY_MS } as Supervised;
    item.report = { transport: name, state: 'starting', endpoint: '', since: new Date().toISOString() };
    item.server = make((status) => this.record(item, status));
    this.items.push(item);
  }

  /**
   * Starts every server. One that rejects with BrokerUnavailableError is retried in the background; any other
   * rejection stops the servers already started and is rethrown (the minion cannot serve as configured).
   */
  async start(): Promise<void> {
    try {
      for (const item of this.items) await this.attempt(item, true);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async attempt(item: Supervised, first: boolean): Promise<void> {
    item.timer = undefined;
    if (this.stopped) return;
    try {
      await item.server.start();
    } catch (err) {
      if (!(err instanceof BrokerUnavailableError) && first) throw err;
      this.scheduleRetry(item, err);
      return;
    }
    if (this.stopped) { await item.server.stop(); return; }
    item.delayMs = this.options.firstRetryMs ?? FIRST_RETRY_MS;
    this.record(item, item.server.status());
  }

  private scheduleRetry(item: Supervised, err: unknown): void {
    const delay = item.delayMs;
    item.delayMs = Math.min(delay * 2, MAX_RETRY_MS);
    const retryAt = new Date(Date.now() + delay).toISOString();
    const why = err instanceof FuncError || err instanceof Error ? describe(err) : String(err);
    this.record(item, { ...item.server.status(), state: 'retrying', error: why }, retryAt);
    // kept referenced: a minion whose only transport waits for its broker must stay up (stop() clears it)
    item.timer = setTimeout(() => void this.attempt(item, false), delay);
  }

  private record(item: Supervised, status: TransportServerStatus, retryAt?: string): void {
    const before = item.report;
    const changed = before.state !== status.state || before.error !== status.error || before.endpoint !== status.endpoint;
    item.report = {
      transport: item.name, ...status, since: before.state === status.state ? before.since : new Date().toISOString(),
      ...(retryAt ? { retryAt } : {}),
    };
    if (!changed) return;
    const log = this.options.log;
    const where = status.endpoint ? ` ${status.endpoint}` : '';
    if (status.state === 'retrying') log.warn(`transport ${item.name}${where} cannot serve yet: ${status.error ?? 'unknown reason'}${retryAt ? `; retrying at ${retryAt}` : ''}`);
    else log.info(`transport ${item.name}${where}: ${status.state}`);
    this.options.onChange?.(this.reports());
  }

  /** Every transport's current report, in configuration order. */
  reports(): TransportReport[] {
    return this.items.map((i) => i.report);
  }

  /** The servers, in configuration order. */
  servers(): TransportServer[] {
    return this.items.map((i) => i.server);
  }

  /** Hands new TLS material (a CRL reload) to every server; the first refusal is rethrown after all were tried. */
  updateTls(material: TlsMaterial): void {
    let failure: unknown;
    for (const item of this.items) {
      try { item.server.updateTls(material); } catch (err) { failure ??= new Error(`${item.name}: ${describe(err)}`); }
    }
    if (failure !== undefined) throw failure;
  }

  /** Stops retrying and stops every server. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const item of this.items) clearTimeout(item.timer);
    await Promise.allSettled(this.items.map((i) => i.server.stop()));
    for (const item of this.items) this.record(item, { ...item.server.status(), state: 'stopped' });
  }
}
