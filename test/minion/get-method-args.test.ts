// get_method_args ⇄ declarations: for every method of every loaded module, the wire description carries
// exactly the declared argument names, order, types and optional flags; plus the rendering of each field.
import { expect } from 'chai';
import { removeTempRoot } from '../helpers/temp-root.js';
import { makeMinionRoot, startMinion, type TestMinion } from './dispatch-fixture.js';
import { loadModules } from '../../minion/loader.js';
import { describeArg, describeMethods } from '../../minion/method-args.js';
import { arg, defineModule, method, optional, type ArgSpec } from '../../minion/module-api.js';

interface ArgInfo { type: string; optional: boolean; description: string; order: number; default?: unknown }
type MethodArgs = Record<string, { args: Record<string, ArgInfo>; description: string }>;

const catalog = await loadModules();

describe('get_method_args', () => {
  let root: string;
  let minion: TestMinion;
  before(async () => {
    root = await makeMinionRoot('method-args');
    minion = await startMinion({ root });
  });
  after(async () => { await removeTempRoot(root); });

  for (const [name, mod] of catalog.modules) {
    it(`matches the declarations of every method of ${name}`, async () => {
      const wire = await minion.call(`${name}.get_method_args`) as unknown as MethodArgs;
      const methods = mod.definition.methods;
      expect(Object.keys(wire)).to.deep.equal(Object.keys(methods));
      for (const [methodName, def] of Object.entries(methods)) {
        const specs = def.args as readonly ArgSpec[];
        const got = wire[methodName];
        expect(got?.description, methodName).to.equal(def.description);
        const byOrder = Object.entries(got?.args ?? {}).sort(([, a], [, b]) => a.order - b.order);
        expect(byOrder.map(([n]) => n), `${methodName} argument names in order`).to.deep.equal(specs.map((s) => s.name));
        expect(byOrder.map(([, a]) => a.order), `${methodName} orders`).to.deep.equal(specs.map((_, i) => i));
        expect(byOrder.map(([, a]) => a.type), `${methodName} types`).to.deep.equal(specs.map((s) => (s.variadic ? 'list*' : s.type)));
        expect(byOrder.map(([, a]) => a.optional), `${methodName} optional flags`).to.deep.equal(specs.map((s) => s.optional));
        expect(byOrder.map(([, a]) => a.default), `${methodName} defaults`).to.deep.equal(specs.map((s) => s.default));
      }
    });
  }

  it('renders each declared field under func\'s key names, in a fixed order', () => {
    const spec = optional(arg.string('how', 'Signal', { options: ['TERM', 'KILL'], minLength: 3, maxLength: 4 }), 'TERM');
    expect(describeArg(spec, 1)).to.deep.equal({
      type: 'string', optional: true, description: 'Signal', default: 'TERM', options: ['TERM', 'KILL'], min_length: 3, max_length: 4, order: 1,
    });
    expect(Object.keys(describeArg(arg.int('n', 'N', { min: 1, max: 9 }), 0))).to.deep.equal(['type', 'optional', 'description', 'min', 'max', 'order']);
    expect(describeArg(arg.rest('args', 'Everything else'), 2)).to.deep.equal({ type: 'list*', optional: true, description: 'Everything else', order: 2 });
  });

  it('gives {} for a module without methods', () => {
    expect(describeMethods(defineModule({ description: 'empty', methods: {} }))).to.deep.equal({});
    const one = defineModule({ description: 'one', methods: { m: method({ description: 'M', args: [], example: 'func "*" call one m', run: () => 1 }) } });
    expect(describeMethods(one)).to.deep.equal({ m: { args: {}, description: 'M' } });
  });
});
