// func's fact filters on the overlord side: the CLI's --filter/--filteror expressions turned into func's
// serialized query ({"__fact__": [connector, clauses]} as the first param), and the minions' replies unwrapped.
import { InvalidArgumentsError } from '../common/errors.js';
import type { WireStruct, WireValue } from '../transport/types.js';
import { TargetError } from '../common/errors.js';
import { ok, remoteFailure, type HostEvent, type HostOutcome } from './outcome.js';

/**
 * The operators of an expression and func's operator names. `in` is func's contains, `ini` its icontains.
 * Longest first, so "<=" is found before "<". Not offered by func's CLI (nor here): iexact and startswith,
 * which the minion still evaluates when an API caller sends them.
 */
const OPERATORS: ReadonlyArray<readonly [string, string]> = [['<=', 'lte'], ['>=', 'gte'], ['=', ''], ['<', 'lt'], ['>', 'gt']];

/** One "fact OP value" / "value in fact" / "value ini fact" term as func's clause ["fact__op", value]. */
function clause(term: string): [string, WireValue] {
  const words = /^(.+?)\s+(in|ini)\s+(\S+)$/.exec(term);
  if (words) return [`${words[3]}__${words[2] === 'in' ? 'contains' : 'icontains'}`, words[1]!.trim()];
  for (const [symbol, name] of OPERATORS) {
    const at = term.indexOf(symbol);
    if (at <= 0) continue;
    const fact = term.slice(0, at).trim();
    const value = term.slice(at + symbol.length).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(fact)) throw new InvalidArgumentsError(`fact filter "${term}": "${fact}" is not a fact name`);
    return [name ? `${fact}__${name}` : fact, value];
  }
  throw new InvalidArgumentsError(`fact filter "${term}": expected fact=value, fact<value, fact>value, fact<=value, fact>=value, "value in fact" or "value ini fact"`);
}

/** A --filter (every term must hold: AND) or --filteror (any term: OR) expression, terms separated by ",". */
export function factQuery(expression: string, connector: 'AND' | 'OR'): WireValue {
  const terms = expression.split(',').map((t) => t.trim()).filter((t) => t !== '');
  if (terms.length === 0) throw new InvalidArgumentsError('empty fact filter');
  return [connector, terms.map(clause)];
}

/** Both filters together: the --filter terms AND the --filteror group. */
export function combinedFactQuery(all?: string, any?: string): WireValue | undefined {
  const parts = [all ? factQuery(all, 'AND') : null, any ? factQuery(any, 'OR') : null].filter((q): q is WireValue => q !== null);
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0]! : ['AND', parts];
}

/** The first param that carries a query. */
export function factParam(query: WireValue): WireStruct {
  return { __fact__: query };
}

/**
 * A minion's reply to a filtered call: the method's result when the query held, null when it did not (the host
 * is left out, as func's overlord does). Failures pass through unchanged.
 */
export function unwrapFactReply(outcome: HostOutcome): HostOutcome | null {
  return unwrapFact(outcome) ?? null;
}

/**
 * A reply to a call that carried a query: the method's result when the query held; when it did not, a failure
 * saying so (the host had been selected by the probe, so its facts changed in between).
 */
export function factReplyOutcome(outcome: HostOutcome): HostOutcome {
  return unwrapFact(outcome) ?? remoteFailure('func.overlord.FactFilterMismatch', 'the fact filter no longer holds on this host; the method did not run');
}

function unwrapFact(outcome: HostOutcome): HostOutcome | null {
  if (outcome.status !== 'ok') return outcome;
  const v = outcome.value;
  const head = Array.isArray(v) ? v[0] : undefined;
  const fact = head !== null && typeof head === 'object' && !Array.isArray(head) && !(head instanceof Uint8Array) ? (head as WireStruct).__fact__ : undefined;
  if (!Array.isArray(fact)) return outcome; // a minion that ignored the query answered the method itself
  if (fact[0] !== true) return null;
  return ok((v as WireValue[])[1] ?? null);
}

/**
 * The hosts whose facts satisfy the query, asked with test.ping carrying it (one round trip). A host that cannot
 * answer the probe stays in (the real call, which carries the query too, reports it); TargetError when none is left.
 */
export async function hostsMatchingFacts(
  hosts: readonly string[], query: WireValue, probe: (hosts: readonly string[], params: WireValue[]) => AsyncIterable<HostEvent>,
): Promise<string[]> {
  const out = new Set<string>();
  for await (const e of probe(hosts, [factParam(query)])) if (e.kind === 'result' && unwrapFactReply(e.outcome) !== null) out.add(e.host);
  const kept = hosts.filter((h) => out.has(h));
  if (kept.length === 0) throw new TargetError(`no host matched the fact filter (${hosts.length} host(s) asked)`);
  return kept;
}
