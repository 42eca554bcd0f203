// Tests of the module loader: what gets loaded, what is left out and why, module_list, and the per-dir cache.
import path from 'node:path';
import { expect } from 'chai';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { writeFiles } from './dispatch-fixture.js';
import { defaultModulesDir, definitionProblem, loadModules } from '../../minion/loader.js';

const mod = (body: string): string => `export default { description: 'A module', methods: { hi: {
  description: 'Says hi', args: [], example: 'func "*" call x hi', run: () => 'hi' } }, ${body} };\n`;

const FILES: Record<string, string> = {
  'package.json': '{ "type": "module" }',
  'good.js': mod(''),
  'counted.js': `globalThis.__funcLoaderImports = (globalThis.__funcLoaderImports ?? 0) + 1;\n${mod('')}`,
  'broken.js': "throw new Error('boom at import');\n",
  'syntax.js': 'export default {;\n',
  'noexport.js': 'export const x = 1;\n',
  'nomethods.js': "export default { description: 'no methods' };\n",
  'norun.js': "export default { description: 'd', methods: { m: { description: 'd', args: [], example: 'e' } } };\n",
  'why.js': mod("available: () => 'frobnicator not found on PATH'"),
  'probe.js': mod("available: async () => { throw new Error('probe failed'); }"),
  'iptables.port.js': mod(''),
  'cmdmod.js': mod("name: 'cmd'"),
  'twin.js': mod("name: 'good'"),
  'system.js': mod(''),
  'helpers/private.js': mod(''),
  'good.js.map': '{}',
  'types.d.ts': 'export {};\n',
};

describe('minion/loader', () => {
  let dir: string;

  before(async () => {
    dir = await makeTempRoot('loader-test');
    await writeFiles(dir, FILES);
  });
  after(async () => { await removeTempRoot(dir); });

  it('loads valid modules under their file name, or the name they declare', async () => {
    const catalog = await loadModules({ dir });
    expect([...catalog.modules.keys()].sort()).to.deep.equal(['cmd', 'counted', 'good', 'iptables.port']);
    const good = catalog.modules.get('good');
    expect(good?.file).to.equal(path.join(dir, 'good.js'));
    expect(good?.definition.description).to.equal('A module');
    expect(catalog.modules.get('cmd')?.file).to.equal(path.join(dir, 'cmdmod.js'));
  });

  it('records why each left-out module is unavailable', async () => {
    const { unavailable } = await loadModules({ dir });
    expect(unavailable.get('broken')).to.equal('import failed: boom at import');
    expect(unavailable.get('syntax')).to.match(/^import failed: /);
    expect(unavailable.get('noexport')).to.match(/no default export/);
    expect(unavailable.get('nomethods')).to.match(/no methods record/);
    expect(unavailable.get('norun')).to.equal("method 'm' has no run() function");
    expect(unavailable.get('why')).to.equal('frobnicator not found on PATH');
    expect(unavailable.get('probe')).to.equal('available() failed: probe failed');
    expect(unavailable.get('good')).to.match(/twin\.js defines the same module name as good\.js/);
    expect(unavailable.get('system')).to.match(/reserved/);
  });

  it('ignores sub-folders, source maps and declaration files', async () => {
    const catalog = await loadModules({ dir });
    const names = [...catalog.modules.keys(), ...catalog.unavailable.keys()];
    expect(names).to.not.include.members(['private', 'helpers', 'good.js', 'types.d']);
    expect(names.some((n) => n.includes('map') || n.includes('types'))).to.equal(false);
  });

  it('leaves out modules that match no module_list pattern', async () => {
    const catalog = await loadModules({ dir, moduleList: ['good', '*.port', 'c?d'] });
    expect([...catalog.modules.keys()].sort()).to.deep.equal(['cmd', 'good', 'iptables.port']);
    expect(catalog.unavailable.get('counted')).to.equal('not in module_list');
    expect(catalog.unavailable.get('why')).to.equal('frobnicator not found on PATH');
  });

  it('treats an empty module_list as "every module"', async () => {
    const catalog = await loadModules({ dir, moduleList: [''] });
    expect(catalog.modules.size).to.equal(4);
  });

  it('imports each directory once and hands every caller its own maps', async () => {
    const a = await loadModules({ dir });
    const b = await loadModules({ dir, moduleList: ['good'] });
    expect((globalThis as { __funcLoaderImports?: number }).__funcLoaderImports).to.equal(1);
    expect(a.modules).to.not.equal(b.modules);
    expect(a.modules.has('counted')).to.equal(true);
    expect(b.modules.get('good')?.definition).to.equal(a.modules.get('good')?.definition);
  });

  it('loads the shipped modules from the default directory', async () => {
    expect(defaultModulesDir()).to.match(/modules\/?$/);
    const catalog = await loadModules();
    expect(catalog.modules.get('test')?.definition.version).to.equal('11.11.11');
    expect(catalog.modules.has('jobs')).to.equal(true);
  });

  it('rejects a missing directory with its ENOENT error', async () => {
    let caught: unknown;
    try { await loadModules({ dir: path.join(dir, 'does-not-exist') }); } catch (err) { caught = err; }
    expect((caught as NodeJS.ErrnoException | undefined)?.code).to.equal('ENOENT');
  });

  it('explains what is wrong with a definition', () => {
    expect(definitionProblem(undefined)).to.match(/no default export/);
    expect(definitionProblem({ methods: {} })).to.match(/no description/);
    expect(definitionProblem({ description: 'd', name: 'bad name', methods: {} })).to.match(/invalid module name/);
    expect(definitionProblem({ description: 'd', methods: { m: { run: () => 1 } } })).to.match(/no args list/);
    const restFirst = { description: 'd', methods: { m: { run: () => 1, args: [{ variadic: true }, {}] } } };
    expect(definitionProblem(restFirst)).to.match(/only the last argument may be variadic/);
    expect(definitionProblem({ description: 'd', methods: {} })).to.equal(null);
  });
});
