// `npm run docs`: writes the generated documentation from the code: docs/modules.md from the module declarations.
// Run from the compiled tree (dist/tools/docs.js); test/minion/modules-doc.test.ts fails when the committed file differs.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODULES_DOC_PATH, modulesDocText } from '../minion/modules-doc.js';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const file = path.join(top, MODULES_DOC_PATH);
const text = await modulesDocText();
const before = await fs.readFile(file, 'utf8').catch(() => null);
await fs.writeFile(file, text);
process.stdout.write(`${MODULES_DOC_PATH}: ${before === text ? 'unchanged' : 'written'}\n`);
