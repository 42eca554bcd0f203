// Salt-style typing of CLI call arguments, and func's all-strings behaviour behind --strings.
import { expect } from 'chai';
import { parseArg, parseArgs } from '../../../overlord/cli/parse-args.js';

describe('overlord CLI argument parsing', () => {
  const table: Array<[string, unknown]> = [
    ['1', 1], ['-2', -2], ['+7', 7], ['0', 0], ['3.5', 3.5], ['-0.25', -0.25], ['1e3', 1000], ['.5', 0.5],
    ['true', true], ['False', false], ['null', null], ['None', null],
    ['[1, "two", 3.0]', [1, 'two', 3]], ['{"a": {"b": [true]}}', { a: { b: [true] } }],
    ['0644', '0644'], ['007', '007'], ['1.2.3', '1.2.3'], ['sshd', 'sshd'], ['', ''], ['[not json', '[not json'],
    ['yes', 'yes'], ['12abc', '12abc'], ['echo hi', 'echo hi'],
  ];
  for (const [word, expected] of table) {
    it(`reads ${JSON.stringify(word)} as ${JSON.stringify(expected)}`, () => {
      expect(parseArg(word)).to.deep.equal(expected);
    });
  }

  it('keeps integers beyond 2^53 exact as bigint', () => {
    expect(parseArg('123456789012345678901')).to.equal(123456789012345678901n);
  });

  it('passes every word as a string with --strings, as func does', () => {
    expect(parseArgs(['1', '2', 'true'], true)).to.deep.equal(['1', '2', 'true']);
    expect(parseArgs(['1', '2', 'true'])).to.deep.equal([1, 2, true]);
  });
});
