// Renders docs/modules.md from the modules' own declarations: every module in modules/ (available on this machine
// or not) with its version and description, every method with its signature, description and CLI example.
// `npm run docs` writes the file (tools/docs.ts); a test fails when the committed one differs. Never hand-edited.
import { formatArg } from './arg-check.js';
import { BUILTIN_METHOD_NAMES } from './builtins.js';
import { declaredModules } from './loader.js';
import type { ArgSpec, MethodDefinition, ModuleDefinition } from './module-api.js';

/** The path of the generated file, relative to the repository's top. */
export const MODULES_DOC_PATH = 'docs/modules.md';

function methodSection(module: string, name: string, def: MethodDefinition): string {
  const specs = def.args as readonly ArgSpec[];
  const args = specs.map((s) => `- \`${s.name}\` (${s.variadic ? 'list*' : s.type}${s.optional ? ', optional' : ''}): ${s.description}`);
  return [`### \`${module}.${name}(${specs.map(formatArg).join(', ')})\``, '', def.description, '', ...args,
    ...(args.length ? [''] : []), '```', def.example, '```', ''].join('\n');
}

/** The Markdown text of docs/modules.md for the given modules, in the order given. */
export function renderModulesDoc(modules: ReadonlyArray<{ name: string; definition: ModuleDefinition }>): string {
  const out = ['# Modules', '', '<!-- generated from the module declarations by `npm run docs` (minion/modules-doc.ts); do not edit -->', '',
    `Every module also answers the built-ins ${BUILTIN_METHOD_NAMES.map((b) => `\`${b}\``).join(', ')}; the minion itself`,
    'answers `system.listMethods`, `system.list_methods`, `system.list_modules`, `system.inventory` and `system.grep`.',
    'A module whose tools are missing on a minion (e.g. `rpm`) is listed there by `funcd --list-modules` as unavailable, with the reason.', ''];
  for (const { name, definition: def } of modules) {
    out.push(`## ${name} (${def.version ?? '0.0.0'})`, '', def.description, '');
    for (const [m, md] of Object.entries(def.methods)) out.push(methodSection(name, m, md));
  }
  return out.join('\n');
}

/** docs/modules.md as the module files of `dir` (default: the compiled modules/) declare it. */
export async function modulesDocText(dir?: string): Promise<string> {
  return renderModulesDoc(await declaredModules(dir));
}
