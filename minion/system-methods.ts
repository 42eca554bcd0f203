// The minion's own `system.*` methods (func's server.py): listMethods, list_methods, list_modules,
// inventory and grep. They belong to no module, so list_modules and inventory leave "system" out.
import { arg, method, type MethodDefinition } from './module-api.js';
import type { WireStruct } from '../transport/types.js';

/** What the system methods read from the registry. */
export interface HandlerDirectory {
  moduleNames(): string[];
  allHandlerNames(): string[];
  inventory(): Record<string, string[]>;
}

/** func's system.grep result keys: the Python names of the server methods whose lists matched. */
const GREP_KEYS = { modules: 'func.minion.server.list_modules', methods: 'func.minion.server.list_methods' } as const;

/**
 * func's system.grep: up to two entries, the last module name and the last full method name that contain
 * the (trimmed, lower-cased) word; "last" is in sorted order here, where func's was dict order.
 */
export function grepHandlers(dir: HandlerDirectory, word: string): WireStruct {
  const w = word.trim().toLowerCase();
  const out: WireStruct = {};
  const lastModule = dir.moduleNames().filter((m) => m.includes(w)).pop();
  const lastMethod = dir.allHandlerNames().filter((m) => m.includes(w)).pop();
  if (lastModule) out[GREP_KEYS.modules] = lastModule;
  if (lastMethod) out[GREP_KEYS.methods] = lastMethod;
  return out;
}

/** The system.* method definitions over a registry. */
export function systemMethods(dir: HandlerDirectory): Record<string, MethodDefinition> {
  const listAll = method({
    description: 'Lists every method of this minion as "module.method", sorted, system.* included',
    args: [], example: 'func "*" call system list_methods',
    run: () => dir.allHandlerNames(),
  });
  return {
    listMethods: { ...listAll, example: 'func "*" call system listMethods' },
    list_methods: listAll,
    list_modules: method({
      description: 'Lists the modules loaded on this minion, sorted', args: [],
      example: 'func "*" call system list_modules',
      run: () => dir.moduleNames(),
    }),
    inventory: method({
      description: 'Maps every module to its method names', args: [],
      example: 'func "*" call system inventory',
      run: () => dir.inventory(),
    }),
    grep: method({
      description: 'Finds the last module and the last method whose names contain a word',
      args: [arg.string('word', 'The word to look for')], example: 'func "*" call system grep ping',
      run: ([word]) => grepHandlers(dir, word),
    }),
  };
}
