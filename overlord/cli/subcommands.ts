// Discovers func's subcommands: every file in cli/commands/ whose default export is a Subcommand (adding a
// subcommand is adding a file), sorted by name.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Subcommand } from './context.js';

const commandsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands');

function isSubcommand(v: unknown): v is Subcommand {
  const c = v as Partial<Subcommand> | null;
  return !!c && typeof c.name === 'string' && typeof c.run === 'function' && typeof c.options === 'function';
}

/** Imports every subcommand file; a file without a Subcommand default export is an error naming it. */
export async function loadSubcommands(dir: string = commandsDir): Promise<Subcommand[]> {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
  const mods = await Promise.all(files.map(async (f) => [f, (await import(pathToFileURL(path.join(dir, f)).href) as { default?: unknown }).default] as const));
  return mods.map(([f, c]) => {
    if (!isSubcommand(c)) throw new Error(`${path.join(dir, f)}: the default export is not a func subcommand`);
    return c;
  }).sort((a, b) => a.name.localeCompare(b.name));
}
