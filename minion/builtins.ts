// The methods every module answers without writing them (func's FuncModule base class, by composition):
// module_version, module_api_version, module_description, list_methods, get_method_args, grep, config_items, save_config.
import { arg, method, optionItems, type MethodDefinition } from './module-api.js';
import { describeMethods } from './method-args.js';
import type { LoadedModule } from './loader.js';

/** The built-in method names, in the order list_methods shows them after a module's own methods. */
export const BUILTIN_METHOD_NAMES = [
  'module_version', 'module_api_version', 'module_description', 'list_methods', 'get_method_args', 'grep',
  'config_items', 'save_config',
] as const;

/** What the built-ins need to know about the other methods of their module. */
export interface MethodLister {
  methodNames(module: string): string[];
}

/**
 * The built-in methods of one module. `list_methods` gives the module's own methods then these names, each
 * once (func lists `grep` twice because its base class exports it both ways; we don't repeat it).
 */
export function moduleBuiltins(mod: LoadedModule, lister: MethodLister): Record<string, MethodDefinition> {
  const def = mod.definition;
  const ex = (m: string, args = ''): string => `func "*" call ${mod.name} ${m}${args}`;
  return {
    module_version: method({
      description: "Returns the module's version", args: [], example: ex('module_version'),
      run: () => def.version ?? '0.0.0',
    }),
    module_api_version: method({
      description: "Returns the version of the module's API", args: [], example: ex('module_api_version'),
      run: () => def.apiVersion ?? '0.0.0',
    }),
    module_description: method({
      description: 'Returns what the module is for', args: [], example: ex('module_description'),
      run: () => def.description || 'No Description provided',
    }),
    list_methods: method({
      description: "Lists the module's methods, its own first, then the built-in ones", args: [], example: ex('list_methods'),
      run: () => lister.methodNames(mod.name),
    }),
    get_method_args: method({
      description: "Describes the arguments of the module's own methods", args: [], example: ex('get_method_args'),
      run: () => describeMethods(def),
    }),
    grep: method({
      description: "Searches the module's data for a word (this base version finds nothing)",
      args: [arg.string('word', 'The word to search for')], example: ex('grep', ' httpd'),
      run: () => ({}),
    }),
    config_items: method({
      description: "Lists the module's options as [name, value] pairs", args: [], example: ex('config_items'),
      run: (_args, ctx) => optionItems(ctx.options),
    }),
    save_config: method({
      description: "Writes the module's options to its file in /etc/func/modules", args: [], example: ex('save_config'),
      run: async (_args, ctx) => { await ctx.saveOptions({}); return true; },
    }),
  };
}
