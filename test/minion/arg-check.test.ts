// Tests of argument checking against declarations: counts, each type's rules, conversions, limits, defaults.
import { expect } from 'chai';
import { InvalidArgumentsError } from '../../common/errors.js';
import { checkArgs, describeValue, expectation, wireTypeOf } from '../../minion/arg-check.js';
import { accepting, arg, fromString, optional, type ArgSpec, type ArgType } from '../../minion/module-api.js';
import type { WireValue } from '../../transport/types.js';

function failure(specs: readonly ArgSpec[], params: WireValue[]): InvalidArgumentsError {
  try {
    checkArgs('m.f()', specs, params);
  } catch (err) {
    expect(err).to.be.instanceOf(InvalidArgumentsError);
    return err as InvalidArgumentsError;
  }
  return expect.fail(`m.f(${params.map(String).join(', ')}) was accepted`);
}

const bytes = new Uint8Array([1, 2, 3]);
const date = new Date(Date.UTC(1974, 0, 5, 11, 59));
const samples: Record<string, WireValue> = {
  int: 5, float: 1.5, bigint: 2n ** 40n, string: 'x', true: true, list: [1], hash: { a: 1 }, base64: bytes, date, nil: null,
};
const accepted: Record<Exclude<ArgType, 'any'>, string[]> = {
  int: ['int', 'bigint'],
  float: ['int', 'float', 'bigint'],
  boolean: ['true'],
  string: ['string'],
  list: ['list'],
  hash: ['hash'],
  base64: ['base64', 'string'],
};

describe('minion/arg-check', () => {
  for (const [type, ok] of Object.entries(accepted) as Array<[Exclude<ArgType, 'any'>, string[]]>) {
    it(`accepts for ${type} exactly: ${ok.join(', ')}`, () => {
      for (const [sample, value] of Object.entries(samples)) {
        const spec = arg[type]('a', 'an argument');
        if (ok.includes(sample)) expect(() => checkArgs('m.f()', [spec], [value]), sample).to.not.throw();
        else expect(failure([spec], [value]).message, sample).to.match(new RegExp(`argument 'a' must be ${type}, got `));
      }
    });
  }

  it('accepts anything, nil included, for any', () => {
    for (const value of Object.values(samples)) expect(checkArgs('m.f()', [arg.any('a', 'a')], [value])).to.deep.equal([value]);
  });

  it('does not take structs for hash when they are class instances, arrays or dates', () => {
    for (const v of [[1], date, bytes, new (class Thing {})() as unknown as WireValue]) failure([arg.hash('h', 'h')], [v]);
    expect(checkArgs('m.f()', [arg.hash('h', 'h')], [Object.create(null) as WireValue])).to.have.length(1);
  });

  it('converts a base64 string to bytes and a safe bigint to a number', () => {
    const [b] = checkArgs('m.f()', [arg.base64('b', 'b')], ['hé']);
    expect(b).to.be.instanceOf(Uint8Array);
    expect(Buffer.from(b as Uint8Array).toString('utf8')).to.equal('hé');
    expect(checkArgs('m.f()', [arg.int('i', 'i')], [5n])).to.deep.equal([5]);
    expect(checkArgs('m.f()', [arg.int('i', 'i')], [2n ** 60n])).to.deep.equal([2n ** 60n]);
  });

  it('names the missing argument and the expected signature', () => {
    const add = [arg.int('numb1', 'An int'), arg.int('numb2', 'An int')];
    const err = failure(add, [1]);
    expect(err.message).to.equal("m.f(): argument 'numb2' (int) is missing; expects 2 arguments (numb1:int, numb2:int), got 1");
    expect(err.problems).to.deep.equal([{ name: 'numb2', expected: 'int', got: 'nothing' }]);
  });

  it('refuses extra arguments, naming the count', () => {
    expect(failure([arg.int('n', 'n')], [1, 2]).message).to.equal('m.f(): expects 1 argument (n:int), got 2');
    expect(failure([], [1]).message).to.equal('m.f(): expects no arguments, got 1');
  });

  it('names every argument of the wrong type and what it got', () => {
    const err = failure([arg.int('numb1', 'n'), arg.string('s', 's')], ['x', 3]);
    expect(err.message).to.equal("m.f(): argument 'numb1' must be int, got string 'x'; argument 's' must be string, got int 3");
    expect(err.problems.map((p) => p.name)).to.deep.equal(['numb1', 's']);
  });

  it('refuses nil for a required argument', () => {
    expect(failure([arg.string('s', 's')], [null]).message).to.equal("m.f(): argument 's' must be string, got nil");
  });

  it('fills defaults for absent or nil optional arguments, and nil when there is no default', () => {
    const specs = [arg.string('cmd', 'c'), optional(arg.int('mode', 'm'), 420), optional(arg.hash('env', 'e'))];
    expect(checkArgs('m.f()', specs, ['ls'])).to.deep.equal(['ls', 420, null]);
    expect(checkArgs('m.f()', specs, ['ls', null, { A: 'b' }])).to.deep.equal(['ls', 420, { A: 'b' }]);
    expect(checkArgs('m.f()', specs, ['ls', 493])).to.deep.equal(['ls', 493, null]);
    expect(expectation(specs)).to.equal('expects 1 to 3 arguments (cmd:string, mode:int=420, [env:hash])');
  });

  it('collects the remaining params of a variadic last argument into a list', () => {
    const specs = [arg.string('user', 'u'), arg.rest('options', 'o')];
    expect(checkArgs('m.f()', specs, ['bob'])).to.deep.equal(['bob', []]);
    expect(checkArgs('m.f()', specs, ['bob', '-r', 5])).to.deep.equal(['bob', ['-r', 5]]);
    expect(failure(specs, []).message).to.match(/argument 'user' \(string\) is missing; expects at least 1 argument \(user:string, \*options:list\*\)/);
  });

  it('takes the other declared types as they are', () => {
    const spec = accepting(arg.int('n', 'n'), 'string', 'float');
    expect(checkArgs('m.f()', [spec], ['foo'])).to.deep.equal(['foo']);
    expect(checkArgs('m.f()', [spec], [1.5])).to.deep.equal([1.5]);
    expect(failure([spec], [true]).message).to.match(/must be int or string or float, got boolean true/);
  });

  it('converts CLI strings where fromString allows it, the way Python would', () => {
    const cases: Array<[ArgSpec, string, WireValue]> = [
      [fromString(arg.int('i', 'i')), ' 42 ', 42], [fromString(arg.int('i', 'i')), '-7', -7],
      [fromString(arg.float('f', 'f')), '2.5', 2.5], [fromString(arg.boolean('b', 'b')), 'Yes', true],
      [fromString(arg.boolean('b', 'b')), 'false', false], [fromString(arg.int('i', 'i')), '99999999999999999999', 99999999999999999999n],
    ];
    for (const [spec, text, want] of cases) expect(checkArgs('m.f()', [spec], [text]), text).to.deep.equal([want]);
    for (const [spec, text] of [[fromString(arg.int('i', 'i')), '1.5'], [fromString(arg.float('f', 'f')), ''],
      [fromString(arg.boolean('b', 'b')), 'maybe'], [arg.int('i', 'i'), '5']] as const) failure([spec], [text]);
  });

  it('enforces options, min/max and length limits', () => {
    const lim = [
      arg.string('how', 'h', { options: ['TERM', 'KILL'] }), arg.int('n', 'n', { min: 1, max: 10 }),
      arg.string('s', 's', { minLength: 2, maxLength: 3 }), arg.list('l', 'l', { maxLength: 1 }),
    ];
    expect(checkArgs('m.f()', lim, ['KILL', 10, 'abc', [1]])).to.deep.equal(['KILL', 10, 'abc', [1]]);
    expect(failure(lim, ['HUP', 1, 'ab', []]).message).to.equal(`m.f(): argument 'how' must be one of "TERM", "KILL", got string 'HUP'`);
    expect(failure(lim, ['TERM', 0, 'ab', []]).message).to.match(/argument 'n' must be >= 1, got int 0/);
    expect(failure(lim, ['TERM', 11, 'ab', []]).message).to.match(/argument 'n' must be <= 10, got int 11/);
    expect(failure(lim, ['TERM', 1, 'a', []]).message).to.match(/argument 's' must be at least 2 long/);
    expect(failure(lim, ['TERM', 1, 'abcd', []]).message).to.match(/argument 's' must be at most 3 long/);
    expect(failure(lim, ['TERM', 1, 'ab', [1, 2]]).message).to.match(/argument 'l' must be at most 1 long, got list of 2 items/);
  });

  it('describes values by their wire type', () => {
    expect([null, true, 1, 1.5, 2n, 's', bytes, date, [], {}].map(wireTypeOf))
      .to.deep.equal(['nil', 'boolean', 'int', 'float', 'int', 'string', 'base64', 'dateTime', 'list', 'hash']);
    expect(describeValue('y'.repeat(50))).to.equal(`string '${'y'.repeat(40)}…'`);
    expect(describeValue(bytes)).to.equal('base64 of 3 bytes');
    expect(describeValue(date)).to.equal('dateTime 1974-01-05T11:59:00.000Z');
  });
});
