// Output renderers: --json (jq-parseable, typed conversions), func's Python-repr and xmlrpc forms, the text form.
import { expect } from 'chai';
import { RemoteError } from '../../common/errors.js';
import { FaultError } from '../../transport/xmlrpc/faults.js';
import type { CallResults, HostOutcome } from '../../overlord/outcome.js';
import { renderJson, renderResults, renderXmlrpc, toJsonValue } from '../../overlord/output.js';
import { pyRepr } from '../../transport/python-repr.js';
import { renderHostText } from '../../overlord/text-render.js';
import { ConnectionError } from '../../common/errors.js';

const explode: HostOutcome = { status: 'error', error: new RemoteError('exceptions.Exception', 'khhhhhhaaaaaan!!!!!!', 'File x'), type: 'exceptions.Exception', message: 'khhhhhhaaaaaan!!!!!!', trace: 'File x' };
const results: CallResults = new Map<string, HostOutcome>([
  ['127.0.0.2', { status: 'ok', value: 3 }],
  ['127.0.0.3', explode],
  ['127.0.0.4', { status: 'timeout', timeoutMs: 1000, message: 'no answer within 1000 ms' }],
  ['127.0.0.5', { status: 'unreachable', cause: new ConnectionError('refused'), message: 'refused' }],
]);

describe('overlord output', () => {
  it('converts wire types for JSON', () => {
    expect(toJsonValue({ a: 2n ** 40n, b: 2n ** 70n, c: new Uint8Array([104, 105]), d: new Date('2020-01-02T03:04:05Z') }))
      .to.deep.equal({ a: 2 ** 40, b: (2n ** 70n).toString(), c: 'aGk=', d: '2020-01-02T03:04:05.000Z' });
  });

  it('renders --json as one document with failures as {"error": …}', () => {
    const doc = JSON.parse(renderJson(results));
    expect(doc['127.0.0.2']).to.equal(3);
    expect(doc['127.0.0.3']).to.deep.equal({ error: { status: 'error', type: 'exceptions.Exception', message: 'khhhhhhaaaaaan!!!!!!', trace: 'File x' } });
    expect(doc['127.0.0.4'].error.status).to.equal('timeout');
    expect(doc['127.0.0.5'].error).to.include({ status: 'unreachable', type: 'ConnectionError' });
  });

  it('renders --basic like Python 2 str() of func\'s result dict', () => {
    const two: CallResults = new Map<string, HostOutcome>([['h1', { status: 'ok', value: { b: [1, 'it\'s', null], a: true } }], ['h2', explode]]);
    expect(renderResults(two, 'basic')).to.equal(
      "{'h1': {'a': True, 'b': [1, \"it's\", None]}, 'h2': ['REMOTE_ERROR', 'exceptions.Exception', 'khhhhhhaaaaaan!!!!!!', 'File x']}\n");
    expect(pyRepr([1.5, 2, 3n, 'é\n'])).to.equal("[1.5, 2, 3L, u'\\xe9\\n']");
  });

  it('renders --xmlrpc as xmlrpclib.dumps((data, "")) does', () => {
    const xml = renderXmlrpc({ h: 1 });
    expect(xml.startsWith('<params>\n<param>\n<value><struct>')).to.equal(true);
    expect(xml).to.contain('<name>h</name>').and.contain('<int>1</int>');
    expect(xml.trimEnd().endsWith('<value><string></string></value>\n</param>\n</params>')).to.equal(true);
  });

  it('renders text: scalars inline, structures indented, failures on one line', () => {
    expect(renderHostText('h', { status: 'ok', value: 3 })).to.equal('h: 3\n');
    expect(renderHostText('h', { status: 'ok', value: '12' })).to.equal('h: "12"\n');
    expect(renderHostText('h', { status: 'ok', value: [0, 'foo\n', ''] })).to.equal('h:\n  - 0\n  - |\n    foo\n  - ""\n');
    expect(renderHostText('h', { status: 'ok', value: { os: 'Linux', cpus: 2 } })).to.equal('h:\n  os: Linux\n  cpus: 2\n');
    expect(renderHostText('h', explode)).to.equal('h: ERROR exceptions.Exception: khhhhhhaaaaaan!!!!!!\n');
    expect(renderHostText('h', explode, true)).to.contain('File x');
    expect(renderHostText('h', { status: 'error', error: new FaultError(1, 'x'), type: 'xmlrpclib.Fault', message: 'Fault 1: x', trace: '' }))
      .to.equal('h: ERROR xmlrpclib.Fault: Fault 1: x\n');
    expect(renderHostText('h', results.get('127.0.0.5')!)).to.equal('h: UNREACHABLE refused\n');
  });
});
