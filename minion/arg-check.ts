// Checks one call's positional params against a method's argument declarations (count, type, limits),
// fills defaults and makes the few declared conversions (CLI strings via fromString, base64 from a string).
import { InvalidArgumentsError, type ArgumentProblem } from '../common/errors.js';
import type { ArgSpec, ArgType } from './module-api.js';
import type { WireValue } from '../transport/types.js';

const NO_MATCH = Symbol('no match');
type Match = WireValue | typeof NO_MATCH;

/** The func/XML-RPC type name of a wire value: nil, boolean, int, float, string, base64, dateTime, list, hash. */
export function wireTypeOf(v: WireValue | undefined): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'string';
  if (v instanceof Uint8Array) return 'base64';
  if (v instanceof Date) return 'dateTime';
  return Array.isArray(v) ? 'list' : 'hash';
}

/** Describes a value for an error message: "string 'x'", "int 5", "list of 3 items", "nil". */
export function describeValue(v: WireValue | undefined): string {
  const type = wireTypeOf(v);
  if (typeof v === 'string') return `string '${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${type} ${String(v)}`;
  if (v instanceof Uint8Array) return `base64 of ${v.length} bytes`;
  if (v instanceof Date) return `dateTime ${Number.isNaN(v.getTime()) ? 'invalid' : v.toISOString()}`;
  if (Array.isArray(v)) return `list of ${v.length} items`;
  return type === 'hash' ? 'hash' : 'nil';
}

/** True for a struct: a plain object (not an array, Date, Uint8Array or class instance). */
export function isStruct(v: unknown): v is Record<string, WireValue> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** "numb1:int", "mode:int=420" for an optional with a default, "[env:hash]" without, "*args:list*" when variadic. */
export function formatArg(spec: ArgSpec): string {
  if (spec.variadic) return `*${spec.name}:list*`;
  if (!spec.optional) return `${spec.name}:${spec.type}`;
  return spec.default === undefined ? `[${spec.name}:${spec.type}]` : `${spec.name}:${spec.type}=${JSON.stringify(spec.default)}`;
}

function plural(n: number): string {
  return n === 1 ? '1 argument' : `${n} arguments`;
}

/** "expects 2 arguments (numb1:int, numb2:int)", "expects 1 to 3 arguments (…)", "expects no arguments". */
export function expectation(specs: readonly ArgSpec[]): string {
  const fixed = specs.filter((s) => !s.variadic);
  const min = fixed.filter((s) => !s.optional).length;
  const variadic = fixed.length < specs.length;
  if (specs.length === 0) return 'expects no arguments';
  const count = variadic ? `at least ${plural(min)}` : min === fixed.length ? plural(min) : `${min} to ${fixed.length} arguments`;
  return `expects ${count} (${specs.map(formatArg).join(', ')})`;
}

const INT_TEXT = /^\s*[+-]?\d+\s*$/;
const TRUE_TEXT = ['true', 'yes', 'on', '1'];
const FALSE_TEXT = ['false', 'no', 'off', '0'];

/** A bigint as a number when that is exact; beyond 2^53 it stays a bigint. */
function safeNumber(b: bigint): number | bigint {
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

function parseIntText(s: string): number | bigint {
  return safeNumber(BigInt(s.trim()));
}

function parseBoolText(s: string): Match {
  const t = s.trim().toLowerCase();
  return TRUE_TEXT.includes(t) ? true : FALSE_TEXT.includes(t) ? false : NO_MATCH;
}

/** The value as the given type (converted where the rules allow), or NO_MATCH. */
function asType(type: ArgType, v: WireValue, parseStrings: boolean): Match {
  const text = parseStrings && typeof v === 'string' ? v : null;
  switch (type) {
    case 'any': return v;
    case 'int':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'bigint') return safeNumber(v);
      return text !== null && INT_TEXT.test(text) ? parseIntText(text) : NO_MATCH;
    case 'float':
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      return text !== null && text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : NO_MATCH;
    case 'boolean':
      if (typeof v === 'boolean') return v;
      return text !== null ? parseBoolText(text) : NO_MATCH;
    case 'string': return typeof v === 'string' ? v : NO_MATCH;
    case 'list': return Array.isArray(v) ? v : NO_MATCH;
    case 'hash': return isStruct(v) ? v : NO_MATCH;
    case 'base64':
      if (v instanceof Uint8Array) return v;
      return typeof v === 'string' ? Buffer.from(v, 'utf8') : NO_MATCH;
  }
}

function lengthOf(v: WireValue): number | null {
  if (typeof v === 'string' || Array.isArray(v) || v instanceof Uint8Array) return v.length;
  return null;
}

/** The limit an already type-checked value breaks, as "what was expected", or null. */
function brokenLimit(spec: ArgSpec, v: WireValue): string | null {
  if (spec.options && !spec.options.some((o) => o === v)) return `one of ${spec.options.map((o) => JSON.stringify(o)).join(', ')}`;
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (spec.min !== undefined && v < spec.min) return `>= ${spec.min}`;
    if (spec.max !== undefined && v > spec.max) return `<= ${spec.max}`;
  }
  const len = lengthOf(v);
  if (len !== null && spec.minLength !== undefined && len < spec.minLength) return `at least ${spec.minLength} long`;
  if (len !== null && spec.maxLength !== undefined && len > spec.maxLength) return `at most ${spec.maxLength} long`;
  return null;
}

/** Checks one param against its declaration; returns the value to pass on, or the problem. */
function checkOne(spec: ArgSpec, given: WireValue | undefined): { value: WireValue } | { problem: ArgumentProblem } {
  if ((given === undefined || given === null) && spec.optional) return { value: spec.default ?? null };
  const v = given ?? null;
  const types: ArgType[] = [spec.type, ...(spec.accepts ?? [])];
  let value: Match = NO_MATCH;
  for (const t of types) {
    value = asType(t, v, spec.parseStrings === true);
    if (value !== NO_MATCH) break;
  }
  if (value === NO_MATCH) return { problem: { name: spec.name, expected: types.join(' or '), got: describeValue(v) } };
  const broken = brokenLimit(spec, value);
  return broken ? { problem: { name: spec.name, expected: broken, got: describeValue(value) } } : { value };
}

function checkCount(where: string, specs: readonly ArgSpec[], params: readonly WireValue[]): void {
  const fixed = specs.filter((s) => !s.variadic);
  if (fixed.length === specs.length && params.length > fixed.length) {
    throw new InvalidArgumentsError(`${where}: ${expectation(specs)}, got ${params.length}`,
      [{ name: '(extra)', expected: plural(fixed.length), got: `${params.length}` }]);
  }
  const missing = fixed.find((s, i) => i >= params.length && !s.optional);
  if (missing) {
    throw new InvalidArgumentsError(
      `${where}: argument '${missing.name}' (${missing.type}) is missing; ${expectation(specs)}, got ${params.length}`,
      [{ name: missing.name, expected: missing.type, got: 'nothing' }]);
  }
}

/**
 * Checks params against the declarations of method `where` ("test.add()") and returns one value per
 * declaration: defaults filled in for absent or nil optional args, a variadic last arg collecting the rest
 * as a list. Throws InvalidArgumentsError naming every bad argument.
 */
export function checkArgs(where: string, specs: readonly ArgSpec[], params: readonly WireValue[]): WireValue[] {
  checkCount(where, specs, params);
  const values: WireValue[] = [];
  const problems: ArgumentProblem[] = [];
  specs.forEach((spec, i) => {
    const given = spec.variadic ? params.slice(i) : params[i];
    const r = checkOne(spec, given);
    if ('problem' in r) problems.push(r.problem);
    else values.push(r.value);
  });
  if (problems.length > 0) {
    const text = problems.map((p) => `argument '${p.name}' must be ${p.expected}, got ${p.got}`).join('; ');
    throw new InvalidArgumentsError(`${where}: ${text}`, problems);
  }
  return values;
}
