// Tables of known XML-RPC encodings in both directions, malformed and oversized documents (each followed by a
// good decode), and values that cannot be marshalled.
import { expect } from 'chai';
import { MarshalError, PayloadTooLargeError, ProtocolError } from '../../../common/errors.js';
import type { WireValue } from '../../../transport/types.js';
import {
  decodeCall, decodeResponse, encodeCall, encodeFault, encodeResponse,
} from '../../../transport/xmlrpc/codec.js';

const response = (inner: string) =>
  `<?xml version="1.0"?>\n<methodResponse>\n<params>\n<param>\n${inner}\n</param>\n</params>\n</methodResponse>\n`;
const call = (inner: string) =>
  `<?xml version="1.0"?><methodCall><methodName>test.echo</methodName><params><param>${inner}</param></params></methodCall>`;
const GOOD = call('<value><int>1</int></value>');

function decodeValue(inner: string): WireValue {
  const r = decodeResponse(response(inner));
  if (!r.ok) throw new Error('unexpected fault');
  return r.value;
}

function withProto(value: WireValue): Record<string, WireValue> {
  const o: Record<string, WireValue> = {};
  Object.defineProperty(o, '__proto__', { value, enumerable: true, writable: true, configurable: true });
  return o;
}

// [description, value, exact <value> encoding] — both directions must agree
const BOTH_WAYS: Array<[string, WireValue, string]> = [
  ['an int', 42, '<value><int>42</int></value>'],
  ['the smallest int', -2147483648, '<value><int>-2147483648</int></value>'],
  ['the largest int', 2147483647, '<value><int>2147483647</int></value>'],
  ['an i8 bigint', 2n ** 40n, '<value><i8>1099511627776</i8></value>'],
  ['a negative i8', -(2n ** 62n), '<value><i8>-4611686018427387904</i8></value>'],
  ['a double', 3.25, '<value><double>3.25</double></value>'],
  ['a negative double', -0.5, '<value><double>-0.5</double></value>'],
  ['a whole double beyond int32', 2147483648, '<value><double>2147483648.0</double></value>'],
  ['1e21 as plain decimal', 1e21, '<value><double>1000000000000000000000.0</double></value>'],
  ['a tiny double as plain decimal', 3.7e-32, '<value><double>0.000000000000000000000000000000037</double></value>'],
  ['an extreme double with exponent', 1.5e300, '<value><double>1.5e+300</double></value>'],
  ['infinity', Infinity, '<value><double>inf</double></value>'],
  ['minus infinity', -Infinity, '<value><double>-inf</double></value>'],
  ['true', true, '<value><boolean>1</boolean></value>'],
  ['false', false, '<value><boolean>0</boolean></value>'],
  ['a string', 'hello', '<value><string>hello</string></value>'],
  ['an empty string', '', '<value><string></string></value>'],
  ['unicode', 'héllo ☃ 😀', '<value><string>héllo ☃ 😀</string></value>'],
  ['markup and ]]>', 'a<b&c>d ]]> "q\'', '<value><string>a&lt;b&amp;c&gt;d ]]&gt; "q\'</string></value>'],
  ['a carriage return', 'a\r\nb', '<value><string>a&#13;\nb</string></value>'],
  ['nil', null, '<value><nil/></value>'],
  ['base64', Buffer.from([0, 1, 255]), '<value><base64>AAH/</base64></value>'],
  ['empty base64', Buffer.alloc(0), '<value><base64></base64></value>'],
  ['a dateTime', new Date(Date.UTC(1974, 0, 5, 11, 59, 0)), '<value><dateTime.iso8601>19740105T11:59:00</dateTime.iso8601></value>'],
  ['an empty array', [], '<value><array><data>\n</data></array></value>'],
  ['an empty struct', {}, '<value><struct>\n</struct></value>'],
  ['nested arrays and structs', [1, [{ k: [null] }]],
    '<value><array><data>\n<value><int>1</int></value>\n<value><array><data>\n<value><struct>\n<member>\n<name>k</name>\n'
    + '<value><array><data>\n<value><nil/></value>\n</data></array></value>\n</member>\n</struct></value>\n'
    + '</data></array></value>\n</data></array></value>'],
  ['a __proto__ key as an ordinary key', withProto({ polluted: true }),
    '<value><struct>\n<member>\n<name>__proto__</name>\n<value><struct>\n<member>\n<name>polluted</name>\n'
    + '<value><boolean>1</boolean></value>\n</member>\n</struct></value>\n</member>\n</struct></value>'],
];

// [description, <value> as other peers write it, decoded value]
const DECODE_ONLY: Array<[string, string, WireValue]> = [
  ['<i4>', '<value><i4>7</i4></value>', 7],
  ['<i8> within 32 bits stays a bigint', '<value><i8>5</i8></value>', 5n],
  ['<int> beyond 32 bits as a bigint', '<value><int>4294967296</int></value>', 4294967296n],
  ['an int with sign and spaces', '<value><int> +12 </int></value>', 12],
  ['an untyped value', '<value>plain text</value>', 'plain text'],
  ['an empty untyped value', '<value></value>', ''],
  ['a self-closed value', '<value/>', ''],
  ['CDATA', '<value><string><![CDATA[<x>&]]></string></value>', '<x>&'],
  ['character references', '<value><string>&#65;&#x1F600;&quot;&apos;</string></value>', 'A😀"\''],
  ['whitespace around a typed value', '<value>\n  <int>3</int>\n</value>', 3],
  ["Python's exponent form", '<value><double>1e+21</double></value>', 1e21],
  ['a double without leading digit', '<value><double>.5</double></value>', 0.5],
  ['nan', '<value><double>nan</double></value>', NaN],
  ['base64 with line breaks', '<value><base64>AA\nH/\n</base64></value>', Buffer.from([0, 1, 255])],
  ['a dateTime with dashes and Z', '<value><dateTime.iso8601>1974-01-05T11:59:00Z</dateTime.iso8601></value>',
    new Date(Date.UTC(1974, 0, 5, 11, 59, 0))],
  ['a dateTime with an offset', '<value><dateTime.iso8601>19740105T12:59:00+01:00</dateTime.iso8601></value>',
    new Date(Date.UTC(1974, 0, 5, 11, 59, 0))],
  ['a duplicate struct key (the last wins)', '<value><struct><member><name>a</name><value><int>1</int></value></member>'
    + '<member><name>a</name><value><int>2</int></value></member></struct></value>', { a: 2 }],
];

// [description, value, exact inner element]: output is always well-formed
const ENCODE_ONLY: Array<[string, WireValue, string]> = [
  ['a bigint within 32 bits as <int>', 5n, '<value><int>5</int></value>'],
  ['NaN', NaN, '<value><double>nan</double></value>'],
  ['-0 as an int', -0, '<value><int>0</int></value>'],
  ['C0 control characters as U+FFFD', 'a\u0000b\u0007c\u001Fd\te\nf', '<value><string>a\uFFFDb\uFFFDc\uFFFDd\te\nf</string></value>'],
  ['lone surrogates and U+FFFE as U+FFFD', 'x\uD800y\uDC00z\uFFFE', '<value><string>x\uFFFDy\uFFFDz\uFFFD</string></value>'],
  ['a Uint8Array view', new Uint8Array(new Uint8Array([120, 120, 65, 65, 120]).buffer, 2, 2), '<value><base64>QUE=</base64></value>'],
];

describe('transport/xmlrpc/codec', () => {
  describe('known encodings', () => {
    for (const [what, value, xml] of BOTH_WAYS) {
      it(`encodes and decodes ${what}`, () => {
        expect(encodeResponse(value)).to.equal(response(xml));
        expect(decodeValue(xml)).to.deep.equal(value);
      });
    }
    for (const [what, xml, value] of DECODE_ONLY) {
      it(`decodes ${what}`, () => {
        expect(decodeValue(xml)).to.deep.equal(value);
      });
    }
    for (const [what, value, xml] of ENCODE_ONLY) {
      it(`encodes ${what}`, () => {
        const doc = encodeResponse(value);
        expect(doc).to.equal(response(xml));
        expect(() => decodeResponse(doc)).not.to.throw();
      });
    }
  });

  it('decodes __proto__ as an own key without touching any prototype', () => {
    const v = decodeValue('<value><struct><member><name>__proto__</name><value><struct><member><name>polluted</name>'
      + '<value><boolean>1</boolean></value></member></struct></value></member></struct></value>') as Record<string, WireValue>;
    expect(Object.getPrototypeOf(v)).to.equal(Object.prototype);
    expect(Object.keys(v)).to.deep.equal(['__proto__']);
    expect((v as { polluted?: boolean }).polluted).to.equal(undefined);
    expect(({} as { polluted?: boolean }).polluted).to.equal(undefined);
  });

  it('round-trips a call with several params, from a string and from a Buffer', () => {
    const params: WireValue[] = [1, 'two', [3], { four: 4 }, null, Buffer.from('five')];
    const xml = encodeCall('iptables.port.drop_from', params);
    expect(xml.startsWith('<?xml version="1.0"?>\n<methodCall>\n<methodName>iptables.port.drop_from</methodName>')).to.equal(true);
    expect(decodeCall(xml)).to.deep.equal({ method: 'iptables.port.drop_from', params });
    expect(decodeCall(Buffer.from(xml))).to.deep.equal({ method: 'iptables.port.drop_from', params });
  });

  it('decodes a call without <params> as no params, and a Latin-1 document', () => {
    expect(decodeCall('<methodCall><methodName>system.listMethods</methodName></methodCall>'))
      .to.deep.equal({ method: 'system.listMethods', params: [] });
    const latin1 = Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${call('<value>caf\u00e9</value>').replace(/^<\?xml[^>]*>/, '')}`, 'latin1');
    expect(decodeCall(latin1).params).to.deep.equal(['café']);
  });

  it('encodes and decodes faults', () => {
    const xml = encodeFault(1, "<class 'func.minion.codes.AccessToMethodDenied'>:");
    expect(decodeResponse(xml)).to.deep.equal({ ok: false, faultCode: 1, faultString: "<class 'func.minion.codes.AccessToMethodDenied'>:" });
    expect(() => encodeFault(2 ** 40, 'x')).to.throw(MarshalError);
  });

  describe('malformed documents', () => {
    const BILLION_LAUGHS = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
      + '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><methodCall><methodName>&lol3;</methodName></methodCall>';
    const XXE = '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
      + '<methodCall><methodName>x</methodName><params><param><value>&xxe;</value></param></params></methodCall>';
    const CASES: Array<[string, string | Buffer, RegExp]> = [
      ['mismatched tags', '<methodCall><methodName>x</methodName><params></param></methodCall>', /malformed XML/],
      ['junk text in a container', '<methodCall>junk<methodName>x</methodName></methodCall>', /unexpected text 'junk' inside <methodCall>/],
      ['text after the root', `${GOOD}trailing`, /malformed XML/],
      ['not XML at all', 'hello world', /malformed XML/],
      ['an empty document', '', /malformed XML/],
      ['billion laughs', BILLION_LAUGHS, /DOCTYPE is not allowed/],
      ['an external entity (XXE)', XXE, /DOCTYPE is not allowed/],
      ['an undeclared entity', call('<value>&xxe;</value>'), /malformed XML.*undefined entity/],
      ['an unknown type tag', call('<value><float>1</float></value>'), /unexpected <float> inside <value>/],
      ["Apache's <ex:nil/>", call('<value><ex:nil/></value>'), /unexpected <ex:nil> inside <value>/],
      ['a bad int', call('<value><int>abc</int></value>'), /<int> value 'abc' is not an integer/],
      ['a fractional int', call('<value><int>1.5</int></value>'), /<int> value '1.5' is not an integer/],
      ['an i8 beyond 64 bits', call('<value><i8>9223372036854775808</i8></value>'), /out of the 64-bit range/],
      ['boolean "true"', call('<value><boolean>true</boolean></value>'), /<boolean> value 'true' is not a boolean/],
      ['boolean 2', call('<value><boolean>2</boolean></value>'), /is not a boolean/],
      ['base64 with bad characters', call('<value><base64>@@@@</base64></value>'), /<base64> value '@@@@' is not valid base64/],
      ['base64 with a bad length', call('<value><base64>AAA</base64></value>'), /is not valid base64/],
      ['a bad double', call('<value><double>1.2.3</double></value>'), /<double> value '1.2.3' is not a number/],
      ['a hex double', call('<value><double>0x10</double></value>'), /is not a number/],
      ['month 13', call('<value><dateTime.iso8601>19741305T11:59:00</dateTime.iso8601></value>'), /not a valid date/],
      ['a dateTime word', call('<value><dateTime.iso8601>yesterday</dateTime.iso8601></value>'), /not an ISO 8601/],
      ['two methodNames', '<methodCall><methodName>a</methodName><methodName>b</methodName></methodCall>', /more than one <methodName>/],
      ['an empty methodName', '<methodCall><methodName> </methodName></methodCall>', /empty <methodName>/],
      ['no methodName', '<methodCall><params></params></methodCall>', /has no <methodName>/],
      ['two types in one value', call('<value><int>1</int><int>2</int></value>'), /more than one type/],
      ['text next to a typed value', call('<value>x<int>1</int></value>'), /text 'x' next to a typed value/],
      ['a member without a name', call('<value><struct><member><value><int>1</int></value></member></struct></value>'), /<member> needs one <name>/],
      ['a member with two values', call('<value><struct><member><name>a</name><value>1</value><value>2</value></member></struct></value>'), /<member> needs one <name>/],
      ['a param with two values', call('<value>1</value><value>2</value>'), /more than one <value> inside <param>/],
      ['an empty param', '<methodCall><methodName>a</methodName><params><param></param></params></methodCall>', /<param> without a <value>/],
      ['an array without data', call('<value><array></array></value>'), /<array> without <data>/],
      ['an attribute', call('<value type="int">1</value>'), /unexpected attribute 'type' \(line 1, column \d+\)/],
      ['text inside nil', call('<value><nil>x</nil></value>'), /<nil> value 'x' is not empty/],
      ['a response where a call is expected', response('<value>1</value>'), /expected <methodCall>, got <methodResponse>/],
      ['invalid UTF-8', Buffer.concat([Buffer.from(call('<value>')), Buffer.from([0xff, 0xfe]), Buffer.from('</value></param></params></methodCall>')]), /not valid UTF-8/],
      ['an unsupported encoding', Buffer.from(`<?xml version="1.0" encoding="EBCDIC"?>${GOOD}`), /unsupported document encoding/],
      ['a raw control character', call('<value>a\u0001b</value>'), /malformed XML/],
    ];
    for (const [what, xml, message] of CASES) {
      it(`rejects ${what} with ProtocolError, then decodes a good call`, () => {
        expect(() => decodeCall(xml)).to.throw(ProtocolError, message);
        expect(decodeCall(GOOD)).to.deep.equal({ method: 'test.echo', params: [1] });
      });
    }

    const RESPONSES: Array<[string, string, RegExp]> = [
      ['two params', '<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params></methodResponse>', /exactly one <param>, found 2/],
      ['no params', '<methodResponse><params></params></methodResponse>', /exactly one <param>, found 0/],
      ['a fault without faultString', '<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member></struct></value></fault></methodResponse>', /<fault> must be a struct/],
      ['params and fault', `<methodResponse><params><param><value>1</value></param></params><fault><value><struct></struct></value></fault></methodResponse>`, /<fault> next to <params>/],
      ['an empty response', '<methodResponse></methodResponse>', /neither <params> nor <fault>/],
    ];
    for (const [what, xml, message] of RESPONSES) {
      it(`rejects a response with ${what}`, () => {
        expect(() => decodeResponse(xml)).to.throw(ProtocolError, message);
        expect(decodeResponse(response('<value>ok</value>'))).to.deep.equal({ ok: true, value: 'ok' });
      });
    }
  });

  describe('limits', () => {
    const nested = (depth: number) => call(`${'<value><array><data>'.repeat(depth - 1)}<value>x</value>${'</data></array></value>'.repeat(depth - 1)}`);

    it('accepts values nested to maxDepth and refuses one more level', () => {
      expect(() => decodeCall(nested(64))).not.to.throw();
      expect(() => decodeCall(nested(65))).to.throw(PayloadTooLargeError, /nested deeper than 64/);
      expect(() => decodeCall(nested(10), { maxDepth: 9 })).to.throw(PayloadTooLargeError);
      expect(decodeCall(GOOD).params).to.deep.equal([1]);
    });

    it('refuses a document over maxBytes, as a string or a Buffer', () => {
      const big = call(`<value>${'y'.repeat(2000)}</value>`);
      expect(() => decodeCall(big, { maxBytes: 1000 })).to.throw(PayloadTooLargeError, /limit of 1000 bytes/);
      expect(() => decodeCall(Buffer.from(big), { maxBytes: 1000 })).to.throw(PayloadTooLargeError);
      // multi-byte characters count as bytes
      expect(() => decodeCall(call(`<value>${'☃'.repeat(400)}</value>`), { maxBytes: 1000 })).to.throw(PayloadTooLargeError);
      expect(decodeCall(GOOD, { maxBytes: 1000 }).params).to.deep.equal([1]);
    });

    it('refuses more than maxElements elements', () => {
      const many = call(`<value><array><data>${'<value><int>1</int></value>'.repeat(100)}</data></array></value>`);
      expect(() => decodeCall(many, { maxElements: 150 })).to.throw(PayloadTooLargeError, /more than 150 elements/);
      expect((decodeCall(many, { maxElements: 250 }).params[0] as WireValue[]).length).to.equal(100);
    });

    it('decodes and encodes 20,000 levels when the limit allows it (no recursion)', () => {
      let deep: WireValue = 'bottom';
      for (let i = 0; i < 20_000; i++) deep = [deep];
      const xml = encodeCall('x', [deep], { maxDepth: 30_000 });
      const back = decodeCall(xml, { maxDepth: 30_000 }).params[0];
      let v = back;
      let levels = 0;
      while (Array.isArray(v)) { v = v[0]!; levels++; }
      expect([levels, v]).to.deep.equal([20_000, 'bottom']);
    });
  });

  describe('values that cannot be marshalled', () => {
    class Custom { x = 1; }
    const cyclic: WireValue[] = [];
    cyclic.push(cyclic);
    const CASES: Array<[string, unknown, RegExp, string]> = [
      ['undefined', undefined, /cannot marshal <type 'undefined'> objects/, 'exceptions.TypeError'],
      ['a function', () => 1, /<type 'function'>/, 'exceptions.TypeError'],
      ['a symbol', Symbol('s'), /<type 'symbol'>/, 'exceptions.TypeError'],
      ['a Map', new Map(), /<type 'Map'>/, 'exceptions.TypeError'],
      ['a class instance', new Custom(), /<type 'Custom'>/, 'exceptions.TypeError'],
      ['undefined inside a struct', { a: undefined }, /<type 'undefined'>/, 'exceptions.TypeError'],
      ['an invalid Date', new Date(NaN), /invalid Date/, 'exceptions.ValueError'],
      ['a cyclic array', cyclic, /nested deeper than 64/, 'exceptions.ValueError'],
      ['a bigint beyond 64 bits', 2n ** 64n, /^int exceeds XML-RPC limits$/, 'exceptions.OverflowError'],
    ];
    for (const [what, value, message, pythonType] of CASES) {
      it(`refuses ${what} with MarshalError (${pythonType})`, () => {
        let caught: unknown;
        try { encodeResponse(value as WireValue); } catch (err) { caught = err; }
        expect(caught).to.be.instanceOf(MarshalError);
        expect((caught as MarshalError).message).to.match(message);
        expect((caught as MarshalError).pythonType).to.equal(pythonType);
      });
    }

    it("gives func's OverflowError for a bigint beyond 32 bits in 'fault' mode", () => {
      let caught: unknown;
      try { encodeResponse([1, 2n ** 32n], { bigint: 'fault' }); } catch (err) { caught = err; }
      expect(caught).to.be.instanceOf(MarshalError);
      expect((caught as MarshalError).message).to.equal('int exceeds XML-RPC limits');
      expect((caught as MarshalError).pythonType).to.equal('exceptions.OverflowError');
      expect(encodeResponse(7n, { bigint: 'fault' })).to.equal(response('<value><int>7</int></value>'));
    });
  });
});
