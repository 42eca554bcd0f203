// funcd against Python's xmlrpc.client over TLS, as func's overlord calls it: the acceptance cases of
// func-compat.md §9.2 for the test/command/copyfile/jobs/system modules, with their exact value and error shapes.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { subjectHash } from '../../common/subject-hash.js';
import { createTestCa, issueMinionCert, type TestCa } from '../helpers/pki.js';
import { stopAll } from '../helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import {
  caCreds, eventually, makeMinion, pyBinary, pyCalls, pyDateTime, pyFloat, startFuncd, writeAcl,
  type Creds, type PyCall, type PyResult, type TestMinion,
} from './funcd-harness.js';

function expectRemoteError(r: PyResult | undefined, type: string, value: string | RegExp): void {
  const v = r?.value as unknown[];
  expect(v, JSON.stringify(r)).to.be.an('array').with.lengthOf(4);
  expect(v[0]).to.equal('REMOTE_ERROR');
  expect(v[1]).to.equal(type);
  if (typeof value === 'string') expect(v[2]).to.equal(value); else expect(v[2]).to.match(value);
  expect(v[3]).to.be.a('string');
}

const DENIED = "<class 'func.minion.codes.AccessToMethodDenied'>:";
/** A denial Fault: func's type, then our message naming the method, the caller's key and the ACL directory. */
function expectDenied(fault: { code: number; string: string } | undefined, method: string, key: string): void {
  expect(fault?.code).to.equal(1);
  expect(fault?.string.startsWith(DENIED), fault?.string).to.equal(true);
  expect(fault?.string).to.include(`${method} is not allowed for ${key}`).and.include('minion-acl.d');
}

describe('funcd with a Python overlord (func-compat §9.2)', function () {
  let ca: TestCa;
  let minion: TestMinion;
  let overlord: Creds;
  let peerRoot: string;
  let peer: Creds;
  let peerKey: string;
  const call = (calls: PyCall[], creds: Creds = overlord) => pyCalls(minion, creds, calls);

  before(async function () {
    this.timeout(30000);
    ca = await createTestCa();
    minion = await makeMinion(ca, { name: 'compat.example.org', host: '127.0.3.10' });
    overlord = caCreds(ca);
    peerRoot = await makeTempRoot('funcd-peer');
    const files = await issueMinionCert(ca, 'peer.example.org', peerRoot);
    peer = { key: files.keyPath, cert: files.certPath, ca: files.caPath };
    peerKey = `peer.example.org-${subjectHash(await fs.readFile(files.certPath, 'utf8'))}`;
    await startFuncd(minion);
  });

  after(async () => {
    await stopAll();
    await Promise.all([minion?.root, peerRoot, ca?.root].filter(Boolean).map((d) => removeTempRoot(d!)));
  });

  it('answers the test module cases with func\'s values', async () => {
    const r = await call([
      { method: 'test.ping' }, { method: 'test.add', params: [1, 5] }, { method: 'test.add', params: [1, 2] },
      { method: 'test.add', params: ['foo', 'bar'] }, { method: 'test.sleep', params: [1] },
      { method: 'test.module_version' }, { method: 'test.module_api_version' }, { method: 'test.module_description' },
    ]);
    expect(r.map((x) => x.value)).to.deep.equal([1, 6, 3, 'foobar', r[4]!.value, '11.11.11', '0.0.1', 'Just a very simple example module']);
    expect(r[4]!.value).to.have.property('$float');
    expect(Number((r[4]!.value as { $float: string }).$float)).to.be.closeTo(Date.now() / 1000, 30);
  });

  it('echoes every §9.2 value with its type intact, None included', async () => {
    const values = [
      1, 'caneatcheese', [1, 2, 'three', 'fore', 'V'], { one: 1, too: 2, III: 3, many: 8, lots: 12312 }, true, false,
      pyFloat('123.456'), pyFloat('123121232.23'), pyFloat('2.3423423423423424e+20'), pyFloat('3.7e-32'),
      pyBinary('348dshke354ts0d9urgk'), pyDateTime('19740105T11:59:00'), null,
    ];
    const r = await call(values.map((v) => ({ method: 'test.echo', params: [v] })));
    expect(r.map((x) => x.value)).to.deep.equal(values);
  });

  it('reads and writes the test module options', async () => {
    const r = await call([
      { method: 'test.config_get', params: ['string_option'] }, { method: 'test.config_get', params: ['int_option'] },
      { method: 'test.config_get', params: ['bool_option'] }, { method: 'test.config_get', params: ['float_option'] },
      { method: 'test.configfoo' }, { method: 'test.config_save' }, { method: 'test.config_set', params: ['example', 5000] },
      { method: 'test.config_get', params: ['example'] }, { method: 'test.config_get_test' },
    ]);
    expect(r[0]!.value).to.be.a('string');
    expect(r[1]!.value).to.be.a('number').and.satisfy(Number.isInteger);
    expect(r[2]!.value).to.be.a('boolean');
    expect(r[3]!.value).to.have.property('$float');
    for (const x of r.slice(4)) {
      expect(x, JSON.stringify(x)).to.have.property('value');
      expect(Array.isArray(x.value) && x.value[0] === 'REMOTE_ERROR', JSON.stringify(x)).to.equal(false);
    }
  });

  it('describes test.add in get_method_args as func does', async () => {
    const [r] = await call([{ method: 'test.get_method_args' }]);
    const add = (r!.value as Record<string, { args: Record<string, Record<string, unknown>>; description: string }>).add!;
    expect(add.description).to.equal('Gives back the sum of 2 integers');
    expect(add.args.numb1).to.include({ type: 'int', optional: false, description: 'An int', order: 0 });
    expect(add.args.numb2).to.include({ type: 'int', optional: false, order: 1 });
  });

  it('returns REMOTE_ERROR lists with func\'s type names for failures, and a Fault for a too-big integer', async () => {
    const r = await call([
      { method: 'test.explode' }, { method: 'test.explode_no_string' }, { method: 'test.add', params: [1] },
      { method: 'test.nosuch' }, { method: 'nosuchmod.foo' }, { method: 'test.bigint' },
    ]);
    expectRemoteError(r[0], 'exceptions.Exception', 'khhhhhhaaaaaan!!!!!!');
    expectRemoteError(r[1], 'exceptions.Exception', '');
    expectRemoteError(r[2], 'exceptions.TypeError', /numb2/);
    expectRemoteError(r[3], 'func.minion.codes.InvalidMethodException', /nosuch/);
    expectRemoteError(r[4], 'func.minion.codes.ModuleNotFoundException', /nosuchmod/);
    expect(r[5]!.fault).to.deep.equal({ code: 1, string: "<type 'exceptions.OverflowError'>:int exceeds XML-RPC limits" });
  });

  it('lists methods and modules through system.*', async () => {
    const r = await call([{ method: 'system.list_methods' }, { method: 'system.listMethods' }, { method: 'system.list_modules' }, { method: 'system.inventory' }]);
    const methods = r[0]!.value as string[];
    expect(methods).to.include.members(['test.ping', 'test.module_version', 'system.list_methods', 'jobs.job_status']);
    expect(methods).to.deep.equal([...methods].sort());
    expect(r[1]!.value).to.deep.equal(methods);
    expect(r[2]!.value).to.include.members(['test', 'jobs', 'command', 'copyfile']).and.not.include('system');
    expect((r[3]!.value as Record<string, string[]>).test).to.include.members(['ping', 'add', 'list_methods']);
  });

  it('runs the command module cases', async () => {
    const [mk] = await call([{ method: 'command.run', params: ['mktemp'] }]);
    const tmp = ((mk!.value as [number, string])[1]).trim();
    const r = await call([
      { method: 'command.run', params: ['echo -n foo'] }, { method: 'command.run', params: ["echo 'foobar' | grep foo"] },
      { method: 'command.run', params: [`echo foobar >> ${tmp}; cat ${tmp}; rm -f ${tmp}`] },
      { method: 'command.run', params: ['env', { BLIPPYFOO: 'awesome' }] },
      { method: 'command.run', params: ['ls /etc/cron*'] }, { method: 'command.run', params: ['cal; date; uptime; ls;'] },
    ]);
    expect(r[0]!.value).to.deep.equal([0, 'foo', '']);
    expect((r[1]!.value as unknown[])[1]).to.equal('foobar\n');
    expect((r[2]!.value as unknown[])[1]).to.equal('foobar\n');
    expect((r[3]!.value as unknown[])[1]).to.contain('BLIPPYFOO=awesome');
    for (const x of r.slice(4)) expect((x.value as unknown[])[0], JSON.stringify(x)).to.be.a('number');
  });

  it('runs the copyfile cases (1 the first time, 0 when identical, the SHA-1 checksum)', async () => {
    const dest = path.join(minion.root, 'tmp', 'func_test_file_dest');
    const content = pyBinary('this is a func test file');
    const r = await call([
      { method: 'copyfile.copyfile', params: [dest, content] }, { method: 'copyfile.copyfile', params: [dest, content] },
      { method: 'copyfile.checksum', params: [dest] },
    ]);
    expect(r.map((x) => x.value)).to.deep.equal([1, 0, 'b36a8040e44c16605d7784cdf1b3d9ed04ea7f55']);
    expect(await fs.readFile(dest, 'utf8')).to.equal('this is a func test file');
  });

  it('answers jobs.* for unknown ids as func does', async () => {
    const r = await call([{ method: 'jobs.job_status', params: ['1.5-minion'] }, { method: 'jobs.job_status', params: ['../../etc/passwd'] }, { method: 'jobs.get_progress', params: ['1.5-minion'] }]);
    expect(r.map((x) => x.value)).to.deep.equal([[2, 0], [2, 0], [0, 0]]);
  });

  it('denies another minion\'s certificate without an ACL entry, then follows an ACL line allowing test.*', async () => {
    const before = await call([{ method: 'test.ping' }], peer);
    expectDenied(before[0]!.fault, 'test.ping', peerKey);
    await writeAcl(minion, 'peers.acl', `# minion-to-minion\n${peerKey.toUpperCase()} = test.*\n`);
    // ACL files are looked at no more than once a second: wait until the minion has read the new line
    await eventually(async () => (await call([{ method: 'test.ping' }], peer))[0]!.value === 1, 5000, 'the new ACL line');
    const r = await call([{ method: 'test.ping' }, { method: 'command.run', params: ['id'] }, { method: 'async.command.run', params: ['id'] }], peer);
    expect(r[0]!.value).to.equal(1);
    expectDenied(r[1]!.fault, 'command.run', peerKey);
    expectDenied(r[2]!.fault, 'command.run', peerKey);
  });

  it('answers every call with a Fault naming the file and line while an ACL file is malformed, and recovers', async () => {
    const file = await writeAcl(minion, 'broken.acl', '# fine\nthis line has no equals sign\n');
    await eventually(async () => (await call([{ method: 'test.ping' }]))[0]!.fault !== undefined, 5000, 'the malformed ACL to be read');
    const [bad] = await call([{ method: 'test.ping' }]);
    expect(bad!.fault?.code).to.equal(1);
    expect(bad!.fault?.string).to.match(/^<type 'exceptions.ValueError'>:/).and.contain(`${file}:2`);
    await fs.rm(file);
    await eventually(async () => (await call([{ method: 'test.ping' }]))[0]!.value === 1, 5000, 'the minion to answer again');
  });
});
