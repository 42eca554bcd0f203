// Reads func-format INI files (a [main] section of key = value lines) into typed, defaulted records.
// Parsing is the `ini` package's; this file adds func's value rules and line-numbered errors.
import fs from 'node:fs';
import ini from 'ini';
import { ConfigError } from './errors.js';
import { rooted } from './paths.js';

export type OptionType = 'string' | 'int' | 'float' | 'bool' | 'list' | 'path';
type ValueOf<T extends OptionType> =
  T extends 'int' | 'float' ? number : T extends 'bool' ? boolean : T extends 'list' ? string[] : string;

export interface OptionSpec<T extends OptionType = OptionType> { type: T; default: ValueOf<T> }
export type Schema = Record<string, OptionSpec>;
export type ConfigOf<S extends Schema> = { -readonly [K in keyof S]: ValueOf<S[K]['type']> };

/** Declares an option; the type parameter keeps the default's type tied to the option type. */
export function opt<T extends OptionType>(type: T, def: ValueOf<T>): OptionSpec<T> {
  return { type, default: def };
}

/** Raw INI content: section → key → string value, with unknown keys kept. */
export type RawIni = Record<string, Record<string, string>>;

const LINE_OK = [
  /^\s*$/,                      // blank
  /^\s*[#;]/,                   // comment
  /^\s*\[[^\]]+\]\s*$/,        // [section]
  /^\s*[^=\s\[][^=]*?\s*[=:]/,  // key = value (or key: value)
];

/** Checks every line's shape so that a malformed file fails with its name and line number. */
function checkLines(text: string, file: string): void {
  const lines = text.split(/\r?\n/);
  let inKey = false;
  lines.forEach((line, i) => {
    if (LINE_OK.some((re) => re.test(line))) { inKey = /[=:]/.test(line) && !/^\s*[#;[]/.test(line); return; }
    // yum-style continuation: an indented line right after a key line
    if (inKey && /^\s+\S/.test(line)) return;
    throw new ConfigError(`${file}:${i + 1}: malformed line (expected "key = value", "[section]" or a comment): ${JSON.stringify(line.trim())}`);
  });
}

const KEY_LINE = /^(\s*[^=:\s#;[][^=:]*?\s*[=:])(.*)$/;

/**
 * A value as func's (Python ConfigParser) parser reads it: up to a `;` that follows whitespace, trimmed, with
 * quotes, `#` and other `;` kept. The `ini` package would cut at any `;`/`#` and unquote, so it parses the
 * sections and keys while each value travels as a placeholder into `values`.
 */
function protectValue(value: string, values: string[]): string {
  const commentAt = value.search(/\s;/);
  values.push((commentAt === -1 ? value : value.slice(0, commentAt)).trim());
  return ` @${values.length - 1}`;
}

/** Parses INI text; exported for tests and for files that are not on disk. */
export function parseIni(text: string, file = '<string>'): RawIni {
  checkLines(text, file);
  const values: string[] = [];
  // join continuation lines onto their key's value, as func's yum-derived parser does
  const protectedText = text.replace(/\r?\n[ \t]+(?=\S)/g, ' ')
    .split(/\r?\n/)
    .map((line) => (/^\s*[#;[]/.test(line) ? line : line.replace(KEY_LINE, (_m, key: string, value: string) => key.replace(/:$/, '=') + protectValue(value, values))))
    .join('\n');
  const valueOf = (v: unknown): string => {
    const m = /^@(\d+)$/.exec(String(v ?? ''));
    return m ? values[Number(m[1])]! : String(v ?? '').trim();
  };
  const out: RawIni = {};
  for (const [section, body] of Object.entries(ini.parse(protectedText) as Record<string, unknown>)) {
    if (body && typeof body === 'object') {
      out[section] = Object.fromEntries(Object.entries(body as Record<string, unknown>).map(([k, v]) => [k.trim(), valueOf(v)]));
    } else {
      (out[''] ??= {})[section] = valueOf(body);
    }
  }
  return out;
}

/** Reads an INI file; a missing file yields {} (func uses defaults then). */
export function readIni(file: string): RawIni {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseIni(text, file);
}

function convert(type: OptionType, raw: string, where: string, root?: string): ValueOf<OptionType> {
  switch (type) {
    case 'string': return raw;
    case 'path': return raw === '' ? '' : rooted(raw, root);
    case 'int': {
      if (!/^[+-]?\d+$/.test(raw)) throw new ConfigError(`${where}: expected an integer, got ${JSON.stringify(raw)}`);
      return Number.parseInt(raw, 10);
    }
    case 'float': {
      const n = Number(raw);
      if (raw === '' || Number.isNaN(n)) throw new ConfigError(`${where}: expected a number, got ${JSON.stringify(raw)}`);
      return n;
    }
    case 'bool': {
      const v = raw.toLowerCase();
      if (['1', 'yes', 'true', 'on'].includes(v)) return true;
      if (['0', 'no', 'false', 'off', ''].includes(v)) return false;
      throw new ConfigError(`${where}: expected a boolean (yes/no/true/false/1/0), got ${JSON.stringify(raw)}`);
    }
    case 'list': return raw.split(/[\s,]+/).filter((s) => s.length > 0);
  }
}

/** Applies a schema to one section of raw INI: typed values, defaults for what is missing, paths rooted. */
export function applySchema<S extends Schema>(
  schema: S, section: Record<string, string> | undefined, where: string, root?: string,
): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) {
    const raw = section?.[key];
    if (raw === undefined) {
      out[key] = spec.type === 'path' && typeof spec.default === 'string' && spec.default !== '' ? rooted(spec.default, root) : spec.default;
    } else {
      out[key] = convert(spec.type, raw, `${where} [main] ${key}`, root);
    }
  }
  return out as ConfigOf<S>;
}

/** The raw [main] section of one config file: values as read (strings), the file and the root paths resolve under. */
export interface RawSection {
  readonly values: Readonly<Record<string, string>>;
  readonly file: string;
  readonly root?: string;
}

/** Reads the [main] section of `file` raw; `overrides` (raw strings) replace the file's values. */
export function readSection(file: string, root?: string, overrides: Readonly<Record<string, string>> = {}): RawSection {
  return { values: { ...readIni(file).main, ...overrides }, file, ...(root !== undefined ? { root } : {}) };
}

/** Applies a schema to a raw section (typed values, defaults, rooted paths); a bad value names file and key. */
export function applySection<S extends Schema>(schema: S, raw: RawSection): ConfigOf<S> {
  return applySchema(schema, { ...raw.values }, raw.file, raw.root);
}

/**
 * Reads the [main] section of a func config file against a schema. Path values resolve under `root`
 * (default: FUNC_ROOT), so one process can host several roots.
 */
export function loadConfig<S extends Schema>(schema: S, file: string, root?: string): ConfigOf<S> {
  return applySchema(schema, readIni(file).main, file, root);
}
