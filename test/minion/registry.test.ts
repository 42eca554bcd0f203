// Tests of the module registry: lookups, reasons for absent modules, method lists with built-ins, system.*.
import { expect } from 'chai';
import { ModuleRegistry } from '../../minion/registry.js';
import { BUILTIN_METHOD_NAMES } from '../../minion/builtins.js';
import { arg, defineModule, method } from '../../minion/module-api.js';
import type { LoadedModule, ModuleCatalog } from '../../minion/loader.js';

const hello = defineModule({
  description: 'Says hello',
  methods: {
    world: method({ description: 'Hello world', args: [], example: 'func "*" call hello world', run: () => 'hi' }),
    grep: method({ description: 'Own grep', args: [arg.string('word', 'w')], example: 'func "*" call hello grep x', run: () => ({ own: 1 }) }),
  },
});
const port = defineModule({
  description: 'Ports',
  methods: { drop_from: method({ description: 'Drops', args: [], example: 'func "*" call iptables.port drop_from', run: () => 0 }) },
});

function catalog(): ModuleCatalog {
  const entry = (name: string, definition: LoadedModule['definition']): [string, LoadedModule] =>
    [name, { name, definition, file: `/x/${name}.js` }];
  return {
    modules: new Map([entry('iptables.port', port), entry('hello', hello)]),
    unavailable: new Map([['rpms', 'rpm not found on PATH'], ['zeta', 'not in module_list']]),
  };
}

describe('minion/registry', () => {
  const registry = new ModuleRegistry(catalog());

  it('finds loaded modules and reports why others are absent', () => {
    expect(registry.has('hello')).to.equal(true);
    expect(registry.get('iptables.port')?.definition).to.equal(port);
    expect(registry.has('rpms')).to.equal(false);
    expect(registry.unavailableReason('rpms')).to.equal('rpm not found on PATH');
    expect(registry.unavailableReason('hello')).to.equal(undefined);
    expect(registry.unavailableModules()).to.deep.equal([['rpms', 'rpm not found on PATH'], ['zeta', 'not in module_list']]);
  });

  it('lists module names sorted, without system', () => {
    expect(registry.moduleNames()).to.deep.equal(['hello', 'iptables.port']);
  });

  it("lists a module's own methods first, then each built-in once", () => {
    expect(registry.methodNames('iptables.port')).to.deep.equal(['drop_from', ...BUILTIN_METHOD_NAMES]);
    const names = registry.methodNames('hello');
    expect(names.slice(0, 2)).to.deep.equal(['world', 'grep']);
    expect(names.filter((n) => n === 'grep')).to.have.length(1);
    expect(names).to.include.members([...BUILTIN_METHOD_NAMES]);
    expect(registry.methodNames('nosuch')).to.deep.equal([]);
  });

  it('lists every handler sorted, system.* included', () => {
    const all = registry.allHandlerNames();
    expect(all).to.deep.equal([...all].sort());
    expect(all).to.include.members(['hello.world', 'hello.module_version', 'iptables.port.drop_from',
      'system.listMethods', 'system.list_methods', 'system.list_modules', 'system.inventory', 'system.grep']);
    // hello: world + its own grep + the 7 other built-ins; iptables.port: drop_from + 8 built-ins; 5 system.*
    expect(all).to.have.length(2 + (BUILTIN_METHOD_NAMES.length - 1) + 1 + BUILTIN_METHOD_NAMES.length + 5);
  });

  it('gives the inventory of modules to method names, without system', () => {
    const inv = registry.inventory();
    expect(Object.keys(inv)).to.deep.equal(['hello', 'iptables.port']);
    expect(inv['iptables.port']).to.deep.equal(registry.methodNames('iptables.port'));
  });

  it('resolves own methods before built-ins, and system methods', () => {
    const own = registry.resolve('hello', 'grep');
    expect(own?.builtin).to.equal(false);
    expect(own?.definition).to.equal(hello.methods.grep);
    const builtin = registry.resolve('iptables.port', 'grep');
    expect(builtin?.builtin).to.equal(true);
    expect(builtin?.loaded?.name).to.equal('iptables.port');
    const sys = registry.resolve('system', 'list_modules');
    expect(sys?.loaded).to.equal(null);
    expect(sys?.builtin).to.equal(true);
  });

  it('resolves nothing for unknown names or names inherited from Object', () => {
    for (const [m, name] of [['hello', 'nosuch'], ['nosuch', 'world'], ['hello', 'constructor'], ['hello', 'toString'],
      ['hello', '__proto__'], ['system', 'hasOwnProperty'], ['system', 'nosuch']] as const) {
      expect(registry.resolve(m, name), `${m}.${name}`).to.equal(undefined);
    }
  });
});
