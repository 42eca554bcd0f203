// Tests of the generated module reference: each module, method signature and example appears.
import { expect } from 'chai';
import { renderModulesDoc } from '../../minion/modules-doc.js';
import { ModuleRegistry } from '../../minion/registry.js';
import { loadModules } from '../../minion/loader.js';

describe('minion/modules-doc', () => {
  it('documents every loaded module and each of its methods with its example', async () => {
    const registry = new ModuleRegistry(await loadModules());
    const doc = renderModulesDoc(registry);
    expect(doc).to.contain('## test (11.11.11)\n\nJust a very simple example module');
    expect(doc).to.contain('### `test.add(numb1:int, numb2:int)`\n\nGives back the sum of 2 integers\n\n- `numb1` (int): An int');
    expect(doc).to.contain('```\nfunc "*" call test add 1 2\n```');
    for (const name of registry.moduleNames()) {
      for (const m of Object.keys(registry.get(name)?.definition.methods ?? {})) expect(doc).to.contain(`### \`${name}.${m}(`);
    }
  });

  it('lists the modules that are not loaded, with the reason', async () => {
    const doc = renderModulesDoc(new ModuleRegistry({ modules: new Map(), unavailable: new Map([['rpms', 'rpm not found on PATH']]) }));
    expect(doc).to.contain('## Not loaded here\n\n- `rpms`: rpm not found on PATH');
  });
});
