// func's fact queries (func-compat.md §1.7), evaluated on the minion: a first param {"__fact__": [connector,
// clauses]} is checked against the facts the loaded modules contribute; the method runs only when it holds.
import { InvalidArgumentsError } from '../common/errors.js';
import type { WireStruct, WireValue } from '../transport/types.js';
import { isStruct } from './arg-check.js';
import type { ModuleRegistry } from './registry.js';

/** The operators a clause "<fact>__<op>" may use ("" = equality). */
export const FACT_OPERATORS = ['', 'lt', 'gt', 'lte', 'gte', 'contains', 'icontains', 'iexact', 'startswith'] as const;
type FactOperator = (typeof FACT_OPERATORS)[number];

/** A parsed query: a connector over clauses and nested queries, or a negation. */
export type FactQuery =
  | { kind: 'and' | 'or'; parts: FactQuery[] }
  | { kind: 'not'; part: FactQuery }
  | { kind: 'clause'; fact: string; op: FactOperator; value: WireValue };

const bad = (what: string): InvalidArgumentsError => new InvalidArgumentsError(`invalid fact query: ${what}`);

/** Parses func's serialized query: [connector, [clauses…]], a clause being ["<fact>__<op>", value]. */
export function parseFactQuery(q: WireValue, depth = 0): FactQuery {
  if (depth > 32) throw bad('nested more than 32 levels');
  if (!Array.isArray(q) || q.length !== 2 || typeof q[0] !== 'string') throw bad(`expected [connector, [clauses…]], got ${JSON.stringify(q)?.slice(0, 80)}`);
  const [head, body] = q as [string, WireValue];
  const connector = head.toUpperCase();
  if (connector === 'NOT') return { kind: 'not', part: parseFactQuery(body, depth + 1) };
  if (connector === 'AND' || connector === 'OR') {
    if (!Array.isArray(body)) throw bad(`${connector} needs a list of clauses`);
    return { kind: connector === 'AND' ? 'and' : 'or', parts: body.map((c) => parseFactQuery(c, depth + 1)) };
  }
  const sep = head.lastIndexOf('__');
  const [fact, op] = sep > 0 ? [head.slice(0, sep), head.slice(sep + 2)] : [head, ''];
  if (!(FACT_OPERATORS as readonly string[]).includes(op)) throw bad(`unknown operator "${op}" in "${head}" (known: ${FACT_OPERATORS.filter(Boolean).join(', ')}, or none for equality)`);
  return { kind: 'clause', fact, op: op as FactOperator, value: body };
}

const asNumber = (v: unknown): number | null => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
};

/** a ≶ b: numerically when both read as numbers, else as strings. */
function compare(a: WireValue, b: WireValue): number {
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== null && y !== null) return x - y;
  const s = String(a);
  const t = String(b);
  return s < t ? -1 : s > t ? 1 : 0;
}

function holdsClause(fact: WireValue | undefined, op: FactOperator, value: WireValue): boolean {
  if (fact === undefined) return false;
  const text = typeof fact === 'string' ? fact : JSON.stringify(fact);
  switch (op) {
    case '': return compare(fact, value) === 0;
    case 'lt': return compare(fact, value) < 0;
    case 'gt': return compare(fact, value) > 0;
    case 'lte': return compare(fact, value) <= 0;
    case 'gte': return compare(fact, value) >= 0;
    case 'contains': return Array.isArray(fact) ? fact.some((f) => String(f) === String(value)) : text.includes(String(value));
    case 'icontains': return text.toLowerCase().includes(String(value).toLowerCase());
    case 'iexact': return text.toLowerCase() === String(value).toLowerCase();
    case 'startswith': return text.startsWith(String(value));
  }
}

/** Whether the query holds for these facts (an unknown fact makes its clause false). */
export function evaluateFactQuery(q: FactQuery, facts: WireStruct): boolean {
  switch (q.kind) {
    case 'and': return q.parts.every((p) => evaluateFactQuery(p, facts));
    case 'or': return q.parts.some((p) => evaluateFactQuery(p, facts));
    case 'not': return !evaluateFactQuery(q.part, facts);
    case 'clause': return holdsClause(Object.hasOwn(facts, q.fact) ? facts[q.fact] : undefined, q.op, q.value);
  }
}

/** The facts of every loaded module that contributes some (ModuleDefinition.facts), merged by module name order. */
export async function gatherFacts(registry: ModuleRegistry): Promise<WireStruct> {
  const out: WireStruct = {};
  for (const name of registry.moduleNames()) {
    const facts = registry.get(name)?.definition.facts;
    if (!facts) continue;
    try {
      Object.assign(out, await facts());
    } catch { /* a module that cannot read its facts contributes none */ }
  }
  return out;
}

/** The first param of a call, when it is a fact query: {"__fact__": query}. */
export function factQueryParam(params: readonly WireValue[]): WireValue | undefined {
  const first = params[0];
  return isStruct(first) && Object.hasOwn(first, '__fact__') ? first.__fact__ : undefined;
}
