// func's acceptance cases for the `test` module (func-compat §9.2), called through the real Dispatcher.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, ModuleError, TimeoutError } from '../../common/errors.js';
import { removeTempRoot } from '../helpers/temp-root.js';
import { callContext, makeMinionRoot, rejection, startMinion, type TestMinion } from '../minion/dispatch-fixture.js';
import type { ProgressEvent, WireValue } from '../../transport/types.js';

describe('modules/test', () => {
  let root: string;
  let minion: TestMinion;
  const confFile = (): string => path.join(root, 'etc/func/modules/Test.conf');

  beforeEach(async () => {
    root = await makeMinionRoot('test-module');
    minion = await startMinion({ root });
  });
  afterEach(async () => { await removeTempRoot(root); });

  it('answers ping with 1', async () => {
    expect(await minion.call('test.ping')).to.equal(1);
  });

  it('adds ints, concatenates strings and refuses a mix like Python', async () => {
    expect(await minion.call('test.add', 1, 5)).to.equal(6);
    expect(await minion.call('test.add', 1, 2)).to.equal(3);
    expect(await minion.call('test.add', 'foo', 'bar')).to.equal('foobar');
    expect(await minion.call('test.add', '1', '2')).to.equal('12');
    expect(await minion.call('test.add', 2n ** 40n, 1)).to.equal(2 ** 40 + 1);
    expect(await minion.call('test.add', 2n ** 60n, 1)).to.equal(2n ** 60n + 1n);
    const err = await rejection(minion.call('test.add', 'foo', 1), ModuleError);
    expect([err.pythonType, err.message]).to.deep.equal(['exceptions.TypeError', "unsupported operand type(s) for +: 'str' and 'int'"]);
  });

  it('echoes every wire type back unchanged', async () => {
    const values: WireValue[] = [
      1, 'caneatcheese', [1, 2, 'three', 'fore', 'V'], { one: 1, too: 2, III: 3, many: 8, lots: 12312 }, true, false,
      123.456, 123121232.23, 234234234234234234234.234234234234234, 0.000000000000000000000000000000037,
      new Uint8Array(Buffer.from('348dshke354ts0d9urgk')), new Date(Date.UTC(1974, 0, 5, 11, 59, 0)), null, '', [], {},
    ];
    for (const v of values) expect(await minion.call('test.echo', v)).to.deep.equal(v);
  });

  it('sleeps, reporting progress each second, and returns the time as a float', async () => {
    const events: ProgressEvent[] = [];
    const before = Date.now() / 1000;
    const t = await minion.dispatcher.call('test.sleep', ['1'], callContext({ onProgress: (e) => events.push(e) }));
    expect(t).to.be.a('number').within(before + 0.9, Date.now() / 1000);
    expect(events).to.deep.equal([{ current: 1, total: 1 }]);
    expect(await minion.call('test.sleep', 0)).to.be.a('number');
  });

  it('stops sleeping when the call times out', async () => {
    const hurried = await startMinion({ root, callTimeoutSec: 0.1 });
    await rejection(hurried.call('test.sleep', 5), TimeoutError);
  });

  it('explodes with and without a message, as exceptions.Exception', async () => {
    const loud = await rejection(minion.call('test.explode'), ModuleError);
    expect([loud.pythonType, loud.message]).to.deep.equal(['exceptions.Exception', 'khhhhhhaaaaaan!!!!!!']);
    const quiet = await rejection(minion.call('test.explode_no_string'), ModuleError);
    expect([quiet.pythonType, quiet.message]).to.deep.equal(['exceptions.Exception', '']);
  });

  it('returns 2^32 as a bigint from bigint()', async () => {
    expect(await minion.call('test.bigint')).to.equal(2n ** 32n);
  });

  it("reads each option from Test.conf with func's types, quotes kept", async () => {
    expect(await minion.call('test.config_get', 'string_option')).to.equal('"this is a string"');
    expect(await minion.call('test.config_get', 'int_option')).to.equal(37);
    expect(await minion.call('test.config_get', 'bool_option')).to.equal(true);
    expect(await minion.call('test.config_get', 'float_option')).to.equal(3.14159);
    expect(await minion.call('test.config_get', 'example')).to.equal('1');
    expect(await minion.call('test.config_get_test')).to.equal('this is a test. It is only a test');
    expect(await minion.call('test.config_get', 'testvalue')).to.equal('this is a test. It is only a test');
    const err = await rejection(minion.call('test.config_get', 'nosuch'), ModuleError);
    expect(err.pythonType).to.equal('exceptions.AttributeError');
  });

  it('uses the defaults when there is no Test.conf', async () => {
    await fs.rm(confFile());
    expect(await minion.call('test.configfoo')).to.deep.equal([
      ['bool_option', true], ['example', '1'], ['float_option', 3.14159], ['int_option', 37], ['string_option', 'some string here'],
    ]);
  });

  it('fails with a ConfigError naming the file and line when Test.conf is malformed', async () => {
    await fs.writeFile(confFile(), '[main]\nint_option = 37\nthis line is broken\n');
    const err = await rejection(minion.call('test.configfoo'), ConfigError);
    expect(err.message).to.contain(`${confFile()}:3: malformed line`);
    await fs.writeFile(confFile(), '[main]\nint_option = lots\n');
    expect((await rejection(minion.call('test.config_get', 'int_option'), ConfigError)).message).to.match(/expected an integer/);
    expect(await minion.call('test.ping')).to.equal(1);
  });

  it('lists, saves and sets options; a set value is read back by later calls', async () => {
    const items = [['bool_option', true], ['example', '1'], ['float_option', 3.14159], ['int_option', 37], ['string_option', '"this is a string"']];
    expect(await minion.call('test.configfoo')).to.deep.equal(items);
    expect(await minion.call('test.config_items')).to.deep.equal(items);
    expect(await minion.call('test.config_save')).to.deep.equal(items);
    expect(await minion.call('test.config_set', 'example', 5000)).to.deep.include.members([['example', 5000]]);
    expect(await minion.call('test.config_get', 'example')).to.equal('5000');
    expect(await minion.call('test.config_set', 'int_option', 12)).to.deep.include.members([['int_option', 12]]);
    expect(await minion.call('test.config_get', 'int_option')).to.equal(12);
    const text = await fs.readFile(confFile(), 'utf8');
    expect(text).to.match(/^example = 5000$/m).and.match(/^string_option = "this is a string"$/m).and.match(/^testvalue = 100$/m);
    expect(await minion.call('test.save_config')).to.equal(true);
    await rejection(minion.call('test.config_set', 'nosuch', 1), ModuleError);
  });

  it('answers the module built-ins like func', async () => {
    expect(await minion.call('test.module_version')).to.equal('11.11.11');
    expect(await minion.call('test.module_api_version')).to.equal('0.0.1');
    expect(await minion.call('test.module_description')).to.equal('Just a very simple example module');
    expect(await minion.call('test.grep', 'anything')).to.deep.equal({});
  });

  it('describes add, sleep and echo in get_method_args as func does', async () => {
    const args = await minion.call('test.get_method_args') as Record<string, { args: Record<string, unknown>; description: string }>;
    expect(args.add).to.deep.equal({
      args: {
        numb1: { type: 'int', optional: false, description: 'An int', order: 0 },
        numb2: { type: 'int', optional: false, description: 'An int', order: 1 },
      },
      description: 'Gives back the sum of 2 integers',
    });
    expect(args.sleep?.args.t).to.include({ type: 'int', optional: false, description: 'Num of sec', order: 0 });
    expect(args.echo?.args.data).to.include({ description: 'The message to send', order: 0 });
    expect(Object.keys(args)).to.include.members(['ping', 'explode', 'bigint', 'echo', 'sleep', 'add']);
  });

  it('reports progress steps and logs func progress lines', async () => {
    const events: ProgressEvent[] = [];
    const lines: string[] = [];
    const log = { debug() {}, info: (s: string) => lines.push(s), warn() {}, error() {} };
    const ctx = callContext({ onProgress: (e) => events.push(e), log });
    expect(await minion.dispatcher.call('test.progress', ['3', '10'], ctx)).to.equal(3);
    expect(events).to.deep.equal([1, 2, 3].map((current) => ({ current, total: 3 })));
    expect(lines).to.deep.equal(['Progress report 1/3 completed', 'Progress report 2/3 completed', 'Progress report 3/3 completed']);
  });

  it('returns a text of exactly the asked size', async () => {
    for (const n of [0, 1, 64, 1_000_003]) {
      const text = await minion.call('test.output', n) as string;
      expect(Buffer.byteLength(text), String(n)).to.equal(n);
    }
    expect(await minion.call('test.output', '10')).to.have.length(10);
  });
});
