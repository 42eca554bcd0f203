// Build step after tsc: bundles the func and func-transmit CLIs (with their npm dependencies) into
// dist/bundle/ so they start by reading a few files instead of hundreds. bin/launch.js prefers these bundles.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(top, 'dist');

/** The bundled CLIs: output name → compiled entry under dist/. */
export const BUNDLED = { func: 'overlord/cli/func.js', 'func-transmit': 'overlord/cli/func-transmit.js' };

// func finds its subcommands by listing cli/commands/ at run time; in a bundle that directory is gone, so
// subcommands.js is replaced by a module importing every file of that directory (still: one file = one subcommand)
const staticSubcommands = {
  name: 'static-subcommands',
  setup(b) {
    b.onLoad({ filter: /[\\/]overlord[\\/]cli[\\/]subcommands\.js$/ }, (args) => {
      const dir = path.join(path.dirname(args.path), 'commands');
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
      const imports = files.map((f, i) => `import c${i} from './commands/${f}';`).join('\n');
      return {
        resolveDir: path.dirname(args.path),
        loader: 'js',
        contents: `${imports}
const all = [${files.map((_, i) => `c${i}`).join(', ')}].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
export async function loadSubcommands() { return all; }
export async function loadSubcommand(name) { return all.find((c) => c.name === name) ?? null; }
`,
      };
    });
  },
};

fs.rmSync(path.join(dist, 'bundle'), { recursive: true, force: true });
// one build per command: chunks shared between commands would make each load more files
for (const [name, entry] of Object.entries(BUNDLED)) {
  await build({
    entryPoints: { [name]: path.join(dist, entry) },
    outdir: path.join(dist, 'bundle'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: false,
    logLevel: 'warning',
    chunkNames: `chunks/${name}-[name]-[hash]`,
    // CommonJS dependencies call require() for Node's built-ins; give ESM chunks a real one
    banner: { js: "import { createRequire as __funcCreateRequire } from 'node:module'; const require = __funcCreateRequire(import.meta.url);" },
    // string-width builds Unicode tables at load time; the shim does the same count lazily
    alias: { 'string-width': path.join(top, 'scripts', 'bundle-shims', 'string-width.js') },
    plugins: [staticSubcommands],
  });
}
