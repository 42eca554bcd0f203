// Name → module lookup over the loader's catalog, with the built-in methods every module answers and the
// minion's system.* methods; answers the introspection lists (list_modules, list_methods, inventory).
import { BUILTIN_METHOD_NAMES, moduleBuiltins } from './builtins.js';
import { systemMethods } from './system-methods.js';
import type { LoadedModule, ModuleCatalog } from './loader.js';
import type { MethodDefinition } from './module-api.js';

/** The pseudo-module name of the minion's own methods. */
export const SYSTEM_MODULE = 'system';

/** A callable method found by name. */
export interface ResolvedMethod {
  module: string;
  method: string;
  definition: MethodDefinition;
  /** the module it belongs to; null for system.* */
  loaded: LoadedModule | null;
  /** true for the built-ins and system.* (no module code runs) */
  builtin: boolean;
}

/** The modules of one minion and every method they answer. Immutable once built; cheap to share. */
export class ModuleRegistry {
  private readonly catalog: ModuleCatalog;
  private readonly builtins = new Map<string, Record<string, MethodDefinition>>();
  private readonly system: Record<string, MethodDefinition>;
  private handlerNames: string[] | null = null;

  constructor(catalog: ModuleCatalog) {
    this.catalog = catalog;
    this.system = systemMethods(this);
  }

  /** True when the module is loaded and callable. */
  has(name: string): boolean {
    return this.catalog.modules.has(name);
  }

  get(name: string): LoadedModule | undefined {
    return this.catalog.modules.get(name);
  }

  /** Why a module is not callable (import failure, available() answer, "not in module_list"), if known. */
  unavailableReason(name: string): string | undefined {
    return this.catalog.unavailable.get(name);
  }

  /** Left-out modules and their reasons, sorted by name (for funcd --info and logs). */
  unavailableModules(): Array<[string, string]> {
    return [...this.catalog.unavailable].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Loaded module names, sorted (system.list_modules). */
  moduleNames(): string[] {
    return [...this.catalog.modules.keys()].sort();
  }

  /** A module's own method names, then the built-in ones it does not define itself; system's for "system". */
  methodNames(module: string): string[] {
    if (module === SYSTEM_MODULE) return Object.keys(this.system).sort();
    const mod = this.catalog.modules.get(module);
    if (!mod) return [];
    const own = Object.keys(mod.definition.methods);
    return [...own, ...BUILTIN_METHOD_NAMES.filter((b) => !own.includes(b))];
  }

  /** Every "module.method" including system.*, sorted (system.listMethods). */
  allHandlerNames(): string[] {
    this.handlerNames ??= [...this.moduleNames(), SYSTEM_MODULE]
      .flatMap((m) => this.methodNames(m).map((name) => `${m}.${name}`))
      .sort();
    return [...this.handlerNames];
  }

  /** Module name → its method names (system.inventory; "system" itself is left out, as in func). */
  inventory(): Record<string, string[]> {
    return Object.fromEntries(this.moduleNames().map((m) => [m, this.methodNames(m)]));
  }

  /** The method called `module.method`, or undefined (the module may still exist: check has()). */
  resolve(module: string, method: string): ResolvedMethod | undefined {
    if (module === SYSTEM_MODULE) {
      const definition = Object.hasOwn(this.system, method) ? this.system[method] : undefined;
      return definition && { module, method, definition, loaded: null, builtin: true };
    }
    const loaded = this.catalog.modules.get(module);
    if (!loaded) return undefined;
    const own = loaded.definition.methods;
    if (Object.hasOwn(own, method)) return { module, method, definition: own[method] as MethodDefinition, loaded, builtin: false };
    const builtins = this.builtinsOf(loaded);
    const definition = Object.hasOwn(builtins, method) ? builtins[method] : undefined;
    return definition && { module, method, definition, loaded, builtin: true };
  }

  private builtinsOf(mod: LoadedModule): Record<string, MethodDefinition> {
    let b = this.builtins.get(mod.name);
    if (!b) { b = moduleBuiltins(mod, this); this.builtins.set(mod.name, b); }
    return b;
  }
}
