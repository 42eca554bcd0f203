// func's BaseTest for every loaded module: the introspection built-ins answer well-formed values, and every
// method is declared with a description and a CLI example, so get_method_args and docs can be trusted.
import { expect } from 'chai';
import { removeTempRoot } from '../helpers/temp-root.js';
import { makeMinionRoot, startMinion, type TestMinion } from '../minion/dispatch-fixture.js';
import { BUILTIN_METHOD_NAMES } from '../../minion/builtins.js';
import { loadModules } from '../../minion/loader.js';

const ARG_TYPES = ['int', 'float', 'string', 'boolean', 'list', 'hash', 'list*', 'base64', 'any'];
const catalog = await loadModules();

describe('introspection of every module', () => {
  let root: string;
  let minion: TestMinion;
  before(async () => {
    root = await makeMinionRoot('introspection');
    minion = await startMinion({ root });
  });
  after(async () => { await removeTempRoot(root); });

  it('loads at least the core modules', () => {
    expect([...catalog.modules.keys()]).to.include.members(['test', 'jobs']);
  });

  for (const [name, mod] of catalog.modules) {
    describe(name, () => {
      it('answers module_version, module_api_version and module_description with strings', async () => {
        for (const m of ['module_version', 'module_api_version', 'module_description']) {
          const v = await minion.call(`${name}.${m}`);
          expect(v, m).to.be.a('string').that.is.not.empty;
        }
        expect(await minion.call(`${name}.module_version`)).to.match(/^\d+(\.\d+)*$/);
      });

      it('lists its own methods then every built-in, each once, all callable', async () => {
        const listed = await minion.call(`${name}.list_methods`) as string[];
        const own = Object.keys(mod.definition.methods);
        expect(listed.slice(0, own.length)).to.deep.equal(own);
        expect(listed).to.include.members([...BUILTIN_METHOD_NAMES]);
        expect(new Set(listed).size).to.equal(listed.length);
        for (const m of listed) expect(minion.registry.resolve(name, m), m).to.not.equal(undefined);
      });

      it('answers get_method_args with a well-formed entry for every own method', async () => {
        const wire = await minion.call(`${name}.get_method_args`) as unknown as Record<string, { args: Record<string, Record<string, unknown>>; description: string }>;
        expect(Object.keys(wire).sort()).to.deep.equal(Object.keys(mod.definition.methods).sort());
        for (const [m, entry] of Object.entries(wire)) {
          expect(entry.description, m).to.be.a('string').that.is.not.empty;
          const args = Object.values(entry.args);
          expect(args.map((a) => a.order).sort(), `${m} orders`).to.deep.equal(args.map((_, i) => i));
          for (const a of args) {
            expect(ARG_TYPES, `${m} type`).to.include(a.type);
            expect(a.optional, `${m} optional`).to.be.a('boolean');
            expect(a.description, `${m} arg description`).to.be.a('string').that.is.not.empty;
          }
        }
      });

      it('gives every method a description and an example beginning with "func "', () => {
        for (const [m, def] of Object.entries(mod.definition.methods)) {
          expect(def.description, `${name}.${m} description`).to.be.a('string').that.is.not.empty;
          expect(def.example, `${name}.${m} example`).to.be.a('string').and.match(/^func /);
        }
      });
    });
  }
});
