// Tests of the generated module reference: each module, method signature and example appears, unavailable modules
// are documented too, and the committed docs/modules.md is exactly what `npm run docs` writes.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { declaredModules } from '../../minion/loader.js';
import { MODULES_DOC_PATH, modulesDocText, renderModulesDoc } from '../../minion/modules-doc.js';
import { repoRoot } from '../helpers/processes.js';

describe('minion/modules-doc', () => {
  it('documents every declared module and each of its methods with its example', async () => {
    const modules = await declaredModules();
    const doc = renderModulesDoc(modules);
    expect(doc).to.contain('## test (11.11.11)\n\nJust a very simple example module');
    expect(doc).to.contain('### `test.add(numb1:int, numb2:int)`\n\nGives back the sum of 2 integers\n\n- `numb1` (int): An int');
    expect(doc).to.contain('```\nfunc "*" call test add 1 2\n```');
    expect(modules.length).to.be.above(10);
    for (const { name, definition } of modules) {
      for (const m of Object.keys(definition.methods)) expect(doc).to.contain(`### \`${name}.${m}(`);
    }
  });

  it('documents a module whether or not it is available on this machine', async () => {
    const modules = await declaredModules();
    const rpms = modules.find((m) => m.name === 'rpms');
    expect(rpms?.definition.available, 'rpms declares available()').to.be.a('function');
    expect(renderModulesDoc(modules)).to.contain('## rpms (');
  });

  it('is the committed docs/modules.md, byte for byte (run `npm run docs` after changing a module)', async () => {
    const committed = await fs.readFile(path.join(repoRoot, MODULES_DOC_PATH), 'utf8');
    const generated = await modulesDocText();
    if (committed !== generated) {
      const a = committed.split('\n');
      const b = generated.split('\n');
      let line = 0;
      while (a[line] === b[line]) line++;
      expect.fail(`${MODULES_DOC_PATH} differs from the module declarations from line ${line + 1}:\n`
        + `  committed: ${JSON.stringify(a[line])}\n  generated: ${JSON.stringify(b[line])}\nrun \`npm run docs\` and commit the result`);
    }
  });
});
