// Finds the modules of a minion: imports every top-level file of modules/, validates its default export,
// runs available() and applies minion.conf's module_list, recording why each left-out module is absent.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fnmatchToRegExp } from '../common/fnmatch.js';
import type { ModuleDefinition } from './module-api.js';

/** A module that can be called on this minion. */
export interface LoadedModule {
  /** wire name: definition.name, else the file name without ".js" (may contain dots: iptables.port) */
  name: string;
  definition: ModuleDefinition;
  /** absolute path of the file it came from */
  file: string;
}

/** What the loader found: callable modules by name, and left-out ones with the reason. */
export interface ModuleCatalog {
  modules: Map<string, LoadedModule>;
  unavailable: Map<string, string>;
}

export interface LoadOptions {
  /** directory of compiled module files; default: the modules/ folder next to minion/ */
  dir?: string;
  /** fnmatch patterns (minion.conf module_list); empty or absent = every module */
  moduleList?: string[];
}

/** The default modules directory: the compiled modules/ beside this file's minion/ folder. */
export function defaultModulesDir(): string {
  return fileURLToPath(new URL('../modules/', import.meta.url));
}

const MODULE_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Why a default export is not a usable module definition, or null when it is. */
export function definitionProblem(def: unknown): string | null {
  if (def === null || typeof def !== 'object') return 'the file has no default export built with defineModule()';
  const d = def as Partial<ModuleDefinition>;
  if (typeof d.description !== 'string') return 'the module definition has no description';
  if (d.name !== undefined && (typeof d.name !== 'string' || !MODULE_NAME.test(d.name))) return `invalid module name ${JSON.stringify(d.name)}`;
  if (d.methods === null || typeof d.methods !== 'object') return 'the module definition has no methods record';
  for (const [name, m] of Object.entries(d.methods)) {
    const mm = m as Partial<ModuleDefinition['methods'][string]> | null;
    if (!mm || typeof mm.run !== 'function') return `method '${name}' has no run() function`;
    if (!Array.isArray(mm.args)) return `method '${name}' has no args list`;
    if (mm.args.slice(0, -1).some((a) => a.variadic)) return `method '${name}': only the last argument may be variadic`;
  }
  return null;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs available(): true → null, a string or a thrown error → the reason. */
async function unavailability(def: ModuleDefinition): Promise<string | null> {
  if (!def.available) return null;
  try {
    const answer = await def.available();
    return answer === true ? null : String(answer || 'available() returned false');
  } catch (err) {
    return `available() failed: ${reasonOf(err)}`;
  }
}

type FileOutcome = { ok: LoadedModule } | { name: string; reason: string };

/** Imports one module file and checks its declaration (without asking available()). */
async function importFile(file: string): Promise<FileOutcome> {
  const base = path.basename(file, '.js');
  let def: unknown;
  try {
    def = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (err) {
    return { name: base, reason: `import failed: ${reasonOf(err)}` };
  }
  const problem = definitionProblem(def);
  if (problem) return { name: base, reason: problem };
  const definition = def as ModuleDefinition;
  const name = definition.name ?? base;
  if (name === 'system') return { name, reason: "'system' is reserved for the minion's own methods" };
  return { ok: { name, definition, file } };
}

/** Imports one module file and judges it: its declaration, then available(). */
async function loadFile(file: string): Promise<FileOutcome> {
  const outcome = await importFile(file);
  if (!('ok' in outcome)) return outcome;
  const why = await unavailability(outcome.ok.definition);
  return why === null ? outcome : { name: outcome.ok.name, reason: why };
}

async function moduleFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.js'))
    .map((e) => path.join(dir, e.name))
    .sort();
}

/** Imports and judges every module file of a directory (the part that is cached). */
async function scan(dir: string): Promise<ModuleCatalog> {
  const outcomes = await Promise.all((await moduleFiles(dir)).map(loadFile));
  const catalog: ModuleCatalog = { modules: new Map(), unavailable: new Map() };
  for (const o of outcomes) {
    if (!('ok' in o)) { catalog.unavailable.set(o.name, o.reason); continue; }
    const clash = catalog.modules.get(o.ok.name);
    if (clash) catalog.unavailable.set(o.ok.name, `${path.basename(o.ok.file)} defines the same module name as ${path.basename(clash.file)}`);
    else catalog.modules.set(o.ok.name, o.ok);
  }
  return catalog;
}

/**
 * Every module declared in a directory, whether or not it is available on this machine (for docs/modules.md);
 * a file that is no valid module throws, naming it.
 */
export async function declaredModules(dir: string = defaultModulesDir()): Promise<LoadedModule[]> {
  const outcomes = await Promise.all((await moduleFiles(dir)).map(importFile));
  return outcomes.map((o) => {
    if ('ok' in o) return o.ok;
    throw new Error(`${path.join(dir, `${o.name}.js`)}: ${o.reason}`);
  }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const scans = new Map<string, Promise<ModuleCatalog>>();

/**
 * Loads the modules of a directory. Files are imported and judged once per directory per process (many
 * minions in one process share the work); module_list is applied per call. Each call returns fresh maps.
 */
export async function loadModules(options: LoadOptions = {}): Promise<ModuleCatalog> {
  const dir = path.resolve(options.dir ?? defaultModulesDir());
  let pending = scans.get(dir);
  if (!pending) {
    pending = scan(dir);
    scans.set(dir, pending);
    pending.catch(() => scans.delete(dir)); // an unreadable directory may be retried
  }
  const all = await pending;
  const patterns = (options.moduleList ?? []).filter((p) => p.length > 0).map((p) => fnmatchToRegExp(p));
  const catalog: ModuleCatalog = { modules: new Map(), unavailable: new Map(all.unavailable) };
  for (const [name, mod] of all.modules) {
    if (patterns.length === 0 || patterns.some((re) => re.test(name))) catalog.modules.set(name, mod);
    else catalog.unavailable.set(name, 'not in module_list');
  }
  return catalog;
}
