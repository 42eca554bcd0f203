// The one lossless JSON of wire values: a table of encodings, round trips of every kind, and malformed input.
import { expect } from 'chai';
import { ProtocolError } from '../../common/errors.js';
import type { WireValue } from '../../transport/types.js';
import { parseWire, stringifyWire, wireFromJson, wireToJson } from '../../transport/wire-json.js';

describe('transport/wire-json', () => {
  const table: Array<[string, WireValue, string]> = [
    ['null', null, 'null'],
    ['booleans', [true, false], '[true,false]'],
    ['a finite double', 1.5, '1.5'],
    ['NaN', NaN, '{"$wire":"number","v":"NaN"}'],
    ['Infinity', Infinity, '{"$wire":"number","v":"Infinity"}'],
    ['-Infinity', -Infinity, '{"$wire":"number","v":"-Infinity"}'],
    ['-0', -0, '{"$wire":"number","v":"-0"}'],
    ['a bigint', 2n ** 70n, '{"$wire":"bigint","v":"1180591620717411303424"}'],
    ['bytes', new Uint8Array([0, 255]), '{"$wire":"base64","v":"AP8="}'],
    ['a date', new Date('2001-02-03T04:05:06Z'), '{"$wire":"date","v":"2001-02-03T04:05:06.000Z"}'],
    ['a struct using the tag key', { $wire: 'x' }, '{"$wire":"struct","v":{"$wire":"x"}}'],
  ];
  for (const [what, value, json] of table) {
    it(`encodes ${what} as ${json} and back`, () => {
      expect(stringifyWire(value)).to.equal(json);
      const back = parseWire(json);
      if (typeof value === 'number' && Object.is(value, -0)) expect(Object.is(back, -0)).to.equal(true);
      else expect(back).to.deep.equal(value);
    });
  }

  it('round-trips a nested value of every kind', () => {
    const value = { list: [1, 'two', null, [new Date(0), new Uint8Array([7])]], big: -(2n ** 40n), inner: { nan: NaN, s: 'é' } };
    expect(wireFromJson(JSON.parse(JSON.stringify(wireToJson(value))))).to.deep.equal(value);
  });

  it('refuses malformed text and unknown tags with ProtocolError', () => {
    expect(() => parseWire('{"a":')).to.throw(ProtocolError, /wire JSON/);
    expect(() => parseWire('{"$wire":"pickle","v":1}')).to.throw(ProtocolError, /unknown tag "pickle"/);
    expect(() => parseWire('{"$wire":"bigint","v":"12x"}')).to.throw(ProtocolError, /bad bigint/);
  });
});
