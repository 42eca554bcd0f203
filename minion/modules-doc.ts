// Renders docs/modules.md from the loaded modules' own declarations: every module with its version and
// description, every method with its signature, description and CLI example. Never hand-edited.
import { formatArg } from './arg-check.js';
import { BUILTIN_METHOD_NAMES } from './builtins.js';
import type { ModuleRegistry } from './registry.js';
import type { ArgSpec, MethodDefinition } from './module-api.js';

function methodSection(module: string, name: string, def: MethodDefinition): string {
  const specs = def.args as readonly ArgSpec[];
  const args = specs.map((s) => `- \`${s.name}\` (${s.variadic ? 'list*' : s.type}${s.optional ? ', optional' : ''}): ${s.description}`);
  return [`### \`${module}.${name}(${specs.map(formatArg).join(', ')})\``, '', def.description, '', ...args,
    ...(args.length ? [''] : []), '```', def.example, '```', ''].join('\n');
}

/** The Markdown text of docs/modules.md for the modules of a registry (and why the others are absent). */
export function renderModulesDoc(registry: ModuleRegistry): string {
  const out = ['# Modules', '', '<!-- generated from the module declarations by minion/modules-doc.ts; do not edit -->', '',
    `Every module also answers the built-ins ${BUILTIN_METHOD_NAMES.map((b) => `\`${b}\``).join(', ')}; the minion itself`,
    'answers `system.listMethods`, `system.list_methods`, `system.list_modules`, `system.inventory` and `system.grep`.', ''];
  for (const name of registry.moduleNames()) {
    const def = (registry.get(name) as NonNullable<ReturnType<ModuleRegistry['get']>>).definition;
    out.push(`## ${name} (${def.version ?? '0.0.0'})`, '', def.description, '');
    for (const [m, md] of Object.entries(def.methods)) out.push(methodSection(name, m, md));
  }
  const absent = registry.unavailableModules();
  if (absent.length) out.push('## Not loaded here', '', ...absent.map(([n, why]) => `- \`${n}\`: ${why}`), '');
  return out.join('\n');
}
