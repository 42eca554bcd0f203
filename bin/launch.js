// Starts a command: its single-file bundle (dist/bundle/, made by `npm run build`) when that is present and
// not older than the compiled tree, else the compiled tree (dist/); says how to build when neither exists.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const mtime = (file) => { try { return fs.statSync(file).mtimeMs; } catch { return -1; } };

/** Runs `entry` (a path under dist/), or the bundle `bundle` (a name under dist/bundle/) when given and current. */
export async function launch(entry, bundle) {
  const top = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const file = path.join(top, 'dist', entry);
  const bundled = bundle ? path.join(top, 'dist', 'bundle', `${bundle}.js`) : null;
  const bundleTime = bundled ? mtime(bundled) : -1;
  const chosen = bundleTime >= 0 && bundleTime >= mtime(file) ? bundled : file;
  if (chosen === file && mtime(file) < 0) {
    process.stderr.write(`${path.basename(process.argv[1])}: not built yet (${path.relative(top, file)} is missing); run "npm ci && npm run build" in ${top}\n`);
    process.exit(2);
  }
  const mod = await import(pathToFileURL(chosen).href);
  if (typeof mod.main === 'function') await mod.main(process.argv.slice(2));
}
