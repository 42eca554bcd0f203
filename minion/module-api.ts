// The contract a module file implements: typed argument declarations, method definitions and the context
// a method runs with. A module is one file in modules/ whose default export is built with defineModule().
import type { Logger } from '../common/log.js';
import type { Schema } from '../common/config.js';
import type { PeerIdentity, ProgressEvent, WireStruct, WireValue } from '../transport/types.js';

export type { WireValue, WireStruct, ProgressEvent, PeerIdentity } from '../transport/types.js';
export type { Logger } from '../common/log.js';
export { opt } from '../common/config.js';
export { ModuleError, CommandFailedError, InvalidArgumentsError, JobError } from '../common/errors.js';

/**
 * Argument types, as func's get_method_args names them (plus base64 and any). What dispatch accepts:
 * int → integer numbers and bigints (a bigint beyond 2^53 reaches the method as a bigint); float → any number;
 * boolean, string, list, hash (plain objects only) → their own kind; base64 → Uint8Array, or a string, which
 * is converted to its UTF-8 bytes; any → every wire value, nil included. Strings are never numbers unless
 * the argument is declared with fromString().
 */
export type ArgType = 'int' | 'float' | 'string' | 'boolean' | 'list' | 'hash' | 'base64' | 'any';

type TypeOf<T extends ArgType> =
  T extends 'int' | 'float' ? number
  : T extends 'string' ? string
  : T extends 'boolean' ? boolean
  : T extends 'list' ? WireValue[]
  : T extends 'hash' ? WireStruct
  : T extends 'base64' ? Uint8Array
  : WireValue;

/** One declared argument. V is the TypeScript type the method receives. */
export interface ArgSpec<V = unknown> {
  readonly name: string;
  readonly type: ArgType;
  readonly description: string;
  readonly optional: boolean;
  /** the value used when an optional argument is not given */
  readonly default?: WireValue;
  /** other wire types accepted as they are (func's test.add takes strings too) */
  readonly accepts?: readonly ArgType[];
  /** collects all remaining positional params into a list (func's *args, type "list*") */
  readonly variadic?: boolean;
  /** allowed values */
  readonly options?: readonly WireValue[];
  readonly min?: number;
  readonly max?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  /**
   * also accept the CLI's strings and convert them: "5" → 5 for int (as Python's int()), "2.5" → 2.5 for float,
   * true/yes/on/1 and false/no/off/0 (any case) for boolean, as func's config files read them; set with fromString()
   */
  readonly parseStrings?: boolean;
  /** phantom: carries V for inference only */
  readonly __value?: V;
}

type Limits = Pick<ArgSpec, 'options' | 'min' | 'max' | 'minLength' | 'maxLength'>;

function make<T extends ArgType>(type: T) {
  return (name: string, description: string, limits: Limits = {}): ArgSpec<TypeOf<T>> =>
    ({ name, type, description, optional: false, ...limits });
}

/** Builders for argument declarations: arg.int('numb1', 'An int'). */
export const arg = {
  int: make('int'),
  float: make('float'),
  string: make('string'),
  boolean: make('boolean'),
  list: make('list'),
  hash: make('hash'),
  base64: make('base64'),
  any: make('any'),
  /** func's *args: every remaining param, as a list; must be last */
  rest: (name: string, description: string): ArgSpec<WireValue[]> =>
    ({ name, type: 'list', description, optional: true, variadic: true }),
};

/** Marks an argument optional with a default; the method then always receives a value. */
export function optional<V>(spec: ArgSpec<V>, def: V & WireValue): ArgSpec<V>;
/** Marks an argument optional without a default; the method receives null when it is not given. */
export function optional<V>(spec: ArgSpec<V>): ArgSpec<V | null>;
export function optional<V>(spec: ArgSpec<V>, def?: WireValue): ArgSpec<V | null> {
  return def === undefined ? { ...spec, optional: true } : { ...spec, optional: true, default: def };
}

/** Widens an argument to accept other wire types unchanged (used sparingly, for func compatibility). */
export function accepting<V, T extends ArgType[]>(spec: ArgSpec<V>, ...types: T): ArgSpec<V | TypeOf<T[number]>> {
  return { ...spec, accepts: types };
}

/**
 * Lets an int, float or boolean argument also take a string from the command line (func's CLI sends
 * every argument as a string), converted before the method runs; get_method_args still shows the base type.
 */
export function fromString<V>(spec: ArgSpec<V>): ArgSpec<V> {
  return { ...spec, parseStrings: true };
}

export type ArgValues<A extends readonly ArgSpec[]> = { -readonly [K in keyof A]: A[K] extends ArgSpec<infer V> ? V : never };

export type OptionValue = string | number | boolean | string[];

/** A module's options as func's config_items gives them: [name, value] pairs sorted by name. */
export function optionItems(options: Readonly<Record<string, OptionValue>>): Array<[string, OptionValue]> {
  return Object.keys(options).sort().map((k) => [k, options[k] as OptionValue]);
}

/** A view of the minion's async job store, for the jobs module; every call acts for `caller` (its own jobs only). */
export interface JobsView {
  /** func's [code, data]: [0,-1] running, [1,result] finished, [2,0] unknown */
  status(jobId: string, caller: PeerIdentity): Promise<[number, WireValue]>;
  /** [stdout, stderr] of the job's last log lines; with offset ≥ 0, [page of the result as text, next offset or -1] */
  tail(jobId: string, caller: PeerIdentity, offset?: number, length?: number): Promise<[string, string] | [string, number]>;
  /** [current, total] of the last progress report, [0, 0] when none */
  progress(jobId: string, caller: PeerIdentity): Promise<[number, number]>;
  list(caller: PeerIdentity): Promise<WireStruct[]>;
  cancel(jobId: string, caller: PeerIdentity): Promise<boolean>;
}

/** What a method runs with: explicit, typed, nothing global. */
export interface ModuleContext {
  /** logger scoped to this call (the job log for async calls) */
  log: Logger;
  /** the module's options, from /etc/func/modules/<optionsFile>.conf, defaults applied */
  options: Readonly<Record<string, OptionValue>>;
  /** writes the module's options file with these values merged in, returns the new options */
  saveOptions(values: Record<string, OptionValue>): Promise<Readonly<Record<string, OptionValue>>>;
  /** reports progress of long work; transports carry it back, jobs.get_progress reads it */
  progress(event: ProgressEvent): void;
  /** aborted when the caller gives up, the call times out or the job is cancelled */
  signal: AbortSignal;
  caller: PeerIdentity;
  /** the async job id, or null for a direct call */
  jobId: string | null;
  /** the minion's name and file root */
  minion: { name: string; root: string };
  /** the async job store */
  jobs: JobsView;
  /** the modules loaded on this minion and their methods, for introspection modules */
  inventory(): Record<string, string[]>;
}

export interface MethodDefinition<A extends readonly ArgSpec[] = readonly ArgSpec[]> {
  /** one line */
  readonly description: string;
  readonly args: A;
  /** the exact CLI line, e.g. `func "*" call test add 1 2` */
  readonly example: string;
  /** overrides the minion's call timeout (seconds) for synchronous calls */
  readonly timeout?: number;
  run(args: ArgValues<A>, ctx: ModuleContext): Promise<WireValue> | WireValue;
}

/** Defines one method; `const` inference keeps each argument's type in `run`. */
export function method<const A extends readonly ArgSpec[]>(def: MethodDefinition<A>): MethodDefinition<A> {
  return def;
}

export type Availability = true | string;

export interface ModuleDefinition {
  /** wire name; defaults to the file name without extension */
  readonly name?: string;
  readonly version?: string;
  readonly apiVersion?: string;
  readonly description: string;
  /** true when the module can run here, else a sentence saying why not ("rpm not found on PATH") */
  readonly available?: () => Availability | Promise<Availability>;
  /** schema of the module's INI options file */
  readonly options?: Schema;
  /** the options file's base name (func uses the class name, e.g. "Test" → Test.conf); defaults to the module name */
  readonly optionsFile?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each method keeps its own argument tuple
  readonly methods: Readonly<Record<string, MethodDefinition<any>>>;
}

/** Defines a module: the single default export of a file in modules/. */
export function defineModule<const M extends ModuleDefinition>(def: M): M {
  return def;
}
