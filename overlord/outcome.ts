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

const CHUNKS = /\d+|\D+/g;

/**
 * Orders hosts the way every output of the overlord lists them: natural order (127.0.0.2 before 127.0.0.10,
 * web2 before web10), letters case-insensitively first. Hand-written: an Intl.Collator costs ~8 ms to build.
 */
export function compareHosts(a: string, b: string): number {
  const x = a.match(CHUNKS) ?? [];
  const y = b.match(CHUNKS) ?? [];
  let tie = 0; // the first difference that only case or leading zeros make, as Intl.Collator orders it
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === q) continue;
    const digits = p.charCodeAt(0) <= 57 && p.charCodeAt(0) >= 48 && q.charCodeAt(0) <= 57 && q.charCodeAt(0) >= 48;
    if (digits) {
      const n = BigInt(p);
      const m = BigInt(q);
      if (n !== m) return n < m ? -1 : 1;
      tie ||= p.length > q.length ? -1 : 1; // more leading zeros first
      continue;
    }
    const l = p.toLowerCase();
    const m = q.toLowerCase();
    if (l !== m) return l < m ? -1 : 1;
    tie ||= p > q ? -1 : 1; // lower case first
  }
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return tie;
}
