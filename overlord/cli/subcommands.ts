// Discovers func's subcommands: every file in cli/commands/ whose default export is a Subcommand (adding a
// subcommand is adding a file). A named subcommand loads only its own file (`list_minions` → list-minions.js).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Subcommand } from './context.js';

const commandsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands');

function isSubcommand(v: unknown): v is Subcommand {
  const c = v as Partial<Subcommand> | null;
  return !!c && typeof c.name === 'string' && typeof c.run === 'function' && typeof c.options === 'function';
}

async function loadFile(file: string): Promise<Subcommand> {
  const c = (await import(pathToFileURL(file).href) as { default?: unknown }).default;
  if (!isSubcommand(c)) throw new Error(`${file}: the default export is not a func subcommand`);
  return c;
}

/** Imports every subcommand file, sorted by name. */
export async function loadSubcommands(dir: string = commandsDir): Promise<Subcommand[]> {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
  const all = await Promise.all(files.map((f) => loadFile(path.join(dir, f))));
  return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The subcommand called `name` (its file is the name with "_" → "-"), or null when there is none. */
export async function loadSubcommand(name: string, dir: string = commandsDir): Promise<Subcommand | null> {
  const file = path.join(dir, `${name.replace(/_/g, '-')}.js`);
  if (/^[a-z][a-z0-9_]*$/.test(name) && fs.existsSync(file)) {
    const c = await loadFile(file);
    if (c.name === name) return c;
  }
  return (await loadSubcommands(dir)).find((c) => c.name === name) ?? null;
}
