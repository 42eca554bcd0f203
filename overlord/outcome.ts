// Per-host results of a fan-out call as the overlord presents them: summaries and host order. The outcome
// union itself (shared with the transports) is transport/outcome.ts, re-exported here.
import type { HostOutcome, HostResult } from '../transport/types.js';
import { OUTCOME_STATUSES, type OutcomeStatus } from '../transport/outcome.js';

export {
  OUTCOME_STATUSES, ok, outcomeFromError, remoteFailure,
  type ErrorOutcome, type HostOutcome, type OkOutcome, type OutcomeStatus, type TimeoutOutcome, type UnreachableOutcome,
} from '../transport/outcome.js';
export type { HostEvent, HostProgressEvent, HostResult, HostResultEvent } from '../transport/types.js';

/** The results of a whole call: host → outcome, in host order. */
export type CallResults = ReadonlyMap<string, HostOutcome>;

/** Counts outcomes by status. */
export function summarize(outcomes: Iterable<HostOutcome>): Record<OutcomeStatus, number> {
  const counts: Record<OutcomeStatus, number> = { ok: 0, error: 0, timeout: 0, unreachable: 0 };
  for (const o of outcomes) counts[o.status]++;
  return counts;
}

/** "3 ok, 1 error, 1 timeout, 0 unreachable" */
export function summaryLine(counts: Record<OutcomeStatus, number>): string {
  return OUTCOME_STATUSES.map((s) => `${counts[s]} ${s}`).join(', ');
}

const hostCollator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/** Orders hosts the way every output of the overlord lists them: natural order (127.0.0.2 before 127.0.0.10). */
export function compareHosts(a: string, b: string): number {
  return hostCollator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
