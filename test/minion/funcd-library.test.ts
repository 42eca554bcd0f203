// startMinion as a library: several minions in one process, each entirely from its own root (config, certificate,
// module options, logs, async jobs), never from process.env; bad configuration rejects without leaving a listener.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { ConfigError } from '../../common/errors.js';
import { silentLogger } from '../../common/log.js';
import { loadTlsMaterial } from '../../common/tls.js';
import { startMinion, type MinionHandle } from '../../minion/daemon.js';
import { XmlRpcClient } from '../../transport/xmlrpc/client.js';
import { createTestCa, type TestCa } from '../helpers/pki.js';
import { removeTempRoot } from '../helpers/temp-root.js';
import { caCreds, eventually, makeMinion, writeAcl, type TestMinion } from './funcd-harness.js';

function serverCn(host: string, port: number, m: { key: string; cert: string; ca: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host, port, ...m, checkServerIdentity: () => undefined }, () => {
      resolve(String(s.getPeerCertificate().subject.CN));
      s.destroy();
    });
    s.on('error', reject);
  });
}

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => { s.destroy(); resolve(false); });
    s.once('error', () => resolve(true));
  });
}

describe('startMinion as a library', function () {
  let ca: TestCa;
  const minions: TestMinion[] = [];
  const handles: MinionHandle[] = [];
  let client: XmlRpcClient;
  const savedRoot = process.env.FUNC_ROOT;

  before(async function () {
    this.timeout(30000);
    ca = await createTestCa();
    for (const [i, name] of ['lib-a.example.org', 'lib-b.example.org'].entries()) {
      const m = await makeMinion(ca, { name, host: `127.0.3.${60 + i}` });
      await fs.mkdir(path.join(m.root, 'etc/func/modules'), { recursive: true });
      await fs.writeFile(path.join(m.root, 'etc/func/modules/Test.conf'), `[main]\nstring_option = options of ${name}\n`);
      minions.push(m);
    }
    const c = caCreds(ca);
    client = new XmlRpcClient({ tls: loadTlsMaterial({ key: c.key, cert: c.cert, ca: c.ca }), verifyHostName: false });
  });

  after(async () => {
    process.env.FUNC_ROOT = savedRoot;
    if (savedRoot === undefined) delete process.env.FUNC_ROOT;
    await client?.close();
    await Promise.all(handles.map((h) => h.stop()));
    await Promise.all([...minions.map((m) => m.root), ca?.root].filter(Boolean).map((d) => removeTempRoot(d!)));
  });

  it('runs two minions in one process, each answering as itself from its own root', async () => {
    for (const m of minions) handles.push(await startMinion({ root: m.root, log: silentLogger }));
    process.env.FUNC_ROOT = '/nonexistent-func-root'; // a library minion never looks at the environment again
    for (const [i, m] of minions.entries()) {
      const h = handles[i]!;
      expect(h.name).to.equal(m.name);
      expect(h.addresses).to.deep.equal([{ host: m.host, port: m.port }]);
      const pem = loadTlsMaterial(m.creds);
      expect(await serverCn(m.host, m.port, { key: pem.key, cert: pem.cert, ca: pem.ca })).to.equal(m.name);
      const target = `${m.host}:${m.port}`;
      expect(await client.call(target, { method: 'test.ping', params: [] })).to.equal(1);
      expect(await client.call(target, { method: 'test.config_get', params: ['string_option'] })).to.equal(`options of ${m.name}`);
      const id = await client.call(target, { method: 'async.test.config_get', params: ['string_option'] }) as string;
      await eventually(async () => ((await client.call(target, { method: 'jobs.job_status', params: [id] })) as number[])[0] === 1, 10000, 'the job');
      expect(await client.call(target, { method: 'jobs.job_status', params: [id] })).to.deep.equal([1, `options of ${m.name}`]);
      const auditFile = path.join(m.root, 'var/log/func/audit.log');
      await eventually(async () => (await fs.readFile(auditFile, 'utf8')).includes('test.config_get called with [\'string_option\']'), 2000, 'the audit line');
    }
  });

  it('stops one minion without disturbing the other', async () => {
    await handles[0]!.stop();
    expect(await refused(minions[0]!.host, minions[0]!.port)).to.equal(true);
    expect(await client.call(`${minions[1]!.host}:${minions[1]!.port}`, { method: 'test.ping', params: [] })).to.equal(1);
  });

  it('rejects a malformed ACL file or an unknown transport with a ConfigError and leaves nothing listening', async () => {
    const m = minions[0]!;
    const file = await writeAcl(m, 'bad.acl', 'lib-b.example.org-1 test.*\n');
    let err: unknown;
    try { await startMinion({ root: m.root, log: silentLogger }); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(ConfigError).with.property('message').that.contains(`${file}:1`);
    await fs.rm(file);
    await fs.appendFile(path.join(m.root, 'etc/func/minion.conf'), 'transports = xmlrpc, carrier-pigeon\n');
    err = undefined;
    try { await startMinion({ root: m.root, log: silentLogger }); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(ConfigError).with.property('message').that.match(/unknown transport 'carrier-pigeon'; known transports: .*xmlrpc/);
    expect(await refused(m.host, m.port)).to.equal(true);
  });
});
