// The one method-name length rule (common/method-name.ts), shared by the minion's call handler and the XML-RPC
// codec and body reader: 256 UTF-8 bytes pass, one more is refused with a ProtocolError naming the limit.
import { expect } from 'chai';
import { ProtocolError } from '../../common/errors.js';
import { MAX_METHOD_NAME_BYTES, refuseLongMethodName } from '../../common/method-name.js';

describe('common/method-name', () => {
  it('accepts 256 bytes and refuses 257, counting UTF-8 bytes rather than characters', () => {
    expect(MAX_METHOD_NAME_BYTES).to.equal(256);
    expect(() => refuseLongMethodName('a'.repeat(256))).to.not.throw();
    expect(() => refuseLongMethodName('a'.repeat(257))).to.throw(ProtocolError, /^method name longer than 256 bytes refused$/);
    expect(() => refuseLongMethodName('\u00e9'.repeat(129))).to.throw(ProtocolError); // 129 characters, 258 bytes
    expect(() => refuseLongMethodName('x'.repeat(15_000_000), 'XML-RPC: ')).to.throw(/^XML-RPC: method name longer than 256 bytes refused$/);
  });
});
