// Starts a command from the compiled tree (dist/), or says how to build it when it is missing.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export async function launch(entry) {
  const top = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const file = path.join(top, 'dist', entry);
  if (!fs.existsSync(file)) {
    process.stderr.write(`${path.basename(process.argv[1])}: not built yet (${path.relative(top, file)} is missing); run "npm ci && npm run build" in ${top}\n`);
    process.exit(2);
  }
  const mod = await import(pathToFileURL(file).href);
  if (typeof mod.main === 'function') await mod.main(process.argv.slice(2));
}
