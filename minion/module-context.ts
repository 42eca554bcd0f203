// Builds the ModuleContext a method runs with: its options file (read lazily, func's quoting kept, written
// back by saveOptions), logger, progress callback, abort signal, caller, job id and jobs view.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../common/atomic-write.js';
import { applySchema, parseIni, type Schema } from '../common/config.js';
import { ConfigError, JobError, ModuleError } from '../common/errors.js';
import { FuncPaths, rooted } from '../common/paths.js';
import type { Logger } from '../common/log.js';
import type { LoadedModule } from './loader.js';
import type { JobsView, ModuleContext, OptionValue } from './module-api.js';
import type { PeerIdentity, ProgressEvent } from '../transport/types.js';

export type ModuleOptions = Record<string, OptionValue>;

/** Everything a context is made from: the dispatcher's settings plus one call's details. */
export interface ContextSource {
  /** the module being called; null for system.* (no options) */
  loaded: LoadedModule | null;
  root: string;
  minionName: string;
  caller: PeerIdentity;
  /** whose `signal` the method gets (read only when the method asks for it) */
  signalOf: { readonly signal: AbortSignal };
  jobId: string | null;
  log: Logger;
  jobs?: JobsView;
  onProgress?: (event: ProgressEvent) => void;
  inventory: () => Record<string, string[]>;
}

/** `<root>/etc/func/modules/<optionsFile ?? name>.conf` */
export function moduleOptionsFile(mod: LoadedModule, root: string): string {
  return path.join(rooted(FuncPaths.moduleConfDir, root), `${mod.definition.optionsFile ?? mod.name}.conf`);
}

/** The raw [main] values (quotes kept, as func's parser keeps them). */
function readRawMain(file: string): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`cannot read module options file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return { ...(parseIni(text, file).main ?? {}) };
}

/** Reads a module's options: the file's [main] section typed by the schema, defaults for what is missing. */
export function readModuleOptions(file: string, schema: Schema, root: string): ModuleOptions {
  return applySchema(schema, readRawMain(file), file, root) as ModuleOptions;
}

function formatOption(v: OptionValue): string {
  return Array.isArray(v) ? v.join(', ') : String(v);
}

/** Writes the [main] section: the given options, plus keys already in the file that are not options. */
export function writeModuleOptions(file: string, values: ModuleOptions): void {
  const lines = { ...readRawMain(file), ...Object.fromEntries(Object.entries(values).map(([k, v]) => [k, formatOption(v)])) };
  const text = `[main]\n${Object.entries(lines).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
  writeFileAtomicSync(file, text, { mode: 0o644 });
}

const noJobs = (): never => { throw new JobError('no job store in this process'); };
/** The jobs view of a process without a job store: every method throws JobError. */
export const absentJobsView: JobsView = { status: noJobs, tail: noJobs, progress: noJobs, list: noJobs, cancel: noJobs };

/**
 * One call's context, an object of a class so that making one per call allocates no closures. The options file
 * is found and read, and the signal fetched, on first use only, so calls that never look pay nothing.
 */
class CallModuleContext implements ModuleContext {
  readonly log: Logger;
  readonly caller: PeerIdentity;
  readonly jobId: string | null;
  readonly minion: { name: string; root: string };
  readonly jobs: JobsView;
  readonly inventory: () => Record<string, string[]>;
  private cached: ModuleOptions | null = null;

  constructor(private readonly src: ContextSource) {
    this.log = src.log;
    this.caller = src.caller;
    this.jobId = src.jobId;
    this.minion = { name: src.minionName, root: src.root };
    this.jobs = src.jobs ?? absentJobsView;
    this.inventory = src.inventory;
  }

  get options(): ModuleOptions {
    const { loaded, root } = this.src;
    const schema = loaded?.definition.options;
    return (this.cached ??= loaded && schema ? readModuleOptions(moduleOptionsFile(loaded, root), schema, root) : {});
  }

  get signal(): AbortSignal {
    return this.src.signalOf.signal;
  }

  async saveOptions(values: ModuleOptions): Promise<ModuleOptions> {
    const { loaded, root } = this.src;
    if (!loaded) throw new ModuleError('system methods have no options file');
    this.cached = { ...this.options, ...values };
    writeModuleOptions(moduleOptionsFile(loaded, root), this.cached);
    return this.cached;
  }

  progress(event: ProgressEvent): void {
    try { this.src.onProgress?.(event); } catch (err) { this.log.debug(`progress listener failed: ${(err as Error).message}`); }
  }
}

/** Builds the context for one call (see CallModuleContext). */
export function createModuleContext(src: ContextSource): ModuleContext {
  return new CallModuleContext(src);
}
