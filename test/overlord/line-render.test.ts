// --out txt: one line per host, values as compact JSON, failures as ERROR/TIMEOUT/UNREACHABLE lines.
import { expect } from 'chai';
import { FaultError } from '../../transport/xmlrpc/faults.js';
import { renderHostLine } from '../../overlord/line-render.js';
import { ok } from '../../overlord/outcome.js';

describe('one line per host', () => {
  it('prints values on one line', () => {
    expect(renderHostLine('h', ok(3))).to.equal('h: 3\n');
    expect(renderHostLine('h', ok('plain text'))).to.equal('h: plain text\n');
    expect(renderHostLine('h', ok('two\nlines'))).to.equal('h: "two\\nlines"\n');
    expect(renderHostLine('h', ok([0, 'out\n', '']))).to.equal('h: [0,"out\\n",""]\n');
    expect(renderHostLine('h', ok({ a: 1 }))).to.equal('h: {"a":1}\n');
  });

  it('prints failures on one line', () => {
    const denied = "Fault 1: <class 'func.minion.codes.AccessToMethodDenied'>: no";
    expect(renderHostLine('h', { status: 'error', error: new FaultError(1, denied.slice(9)), type: 'xmlrpclib.Fault', message: denied, trace: 't' }))
      .to.equal('h: ERROR func.minion.codes.AccessToMethodDenied: no\n');
    expect(renderHostLine('h', { status: 'timeout', timeoutMs: 1000, message: 'did not answer\nin 1 s' })).to.equal('h: TIMEOUT did not answer\\nin 1 s\n');
  });
});
