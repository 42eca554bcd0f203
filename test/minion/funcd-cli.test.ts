// bin/funcd as a command: --list-modules, --info, --version, --config, --daemon with its pid file, start-up
// failures with clear messages, and enrolling with a real certmaster before serving (use_certmaster).
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createTestCa, openTestStore, writeMinionConfs, type TestCa } from '../helpers/pki.js';
import { freePort } from '../helpers/ports.js';
import { runBin, spawnBin, stopAll, waitForOutput } from '../helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { caCreds, eventually, makeMinion, pyValue, startFuncd, writeAcl, type TestMinion } from './funcd-harness.js';

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

describe('bin/funcd', function () {
  let ca: TestCa;
  let minion: TestMinion;
  const roots: string[] = [];

  before(async function () {
    this.timeout(30000);
    ca = await createTestCa();
    minion = await makeMinion(ca, { name: 'cli.example.org', host: '127.0.3.70' });
    roots.push(minion.root, ca.root);
  });

  after(async () => {
    await stopAll();
    await Promise.all(roots.map((d) => removeTempRoot(d)));
  });

  it('lists the loaded modules one per tab-indented line', async () => {
    const r = await runBin('funcd', ['--list-modules'], { root: minion.root });
    expect(r.code).to.equal(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).to.equal('loaded modules:');
    expect(lines).to.include.members(['\ttest', '\tjobs', '\tcommand']);
  });

  it('prints --info: paths, certificate identity, modules and ACLs', async () => {
    await writeAcl(minion, 'info.acl', 'peer.example.org-1 = test.*, jobs.*\n');
    const r = await runBin('funcd', ['--info'], { root: minion.root });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('server name: cli.example.org');
    expect(r.stdout).to.contain(`server listen addr: 127.0.3.70:${minion.port}`);
    const port = minion.port;
    expect(r.stdout).to.match(new RegExp(`\\ntransports:\\n\\txmlrpc: 127\\.0\\.3\\.70:${port} \\(listen_addr = 127\\.0\\.3\\.70; listen_port = ${port}; max_body_bytes = \\d+; max_reply_bytes = \\d+; max_inflight_bytes = \\d+; max_connections_per_peer = \\d+\\)\\n`));
    expect(r.stdout).to.contain('transport states: (no running funcd has recorded any)');
    expect(r.stdout).to.contain(`cert file: ${minion.creds.cert}`);
    expect(r.stdout).to.match(/cert dn: cli\.example\.org\ncertificate hash: \d+\n/);
    expect(r.stdout).to.match(/acls:\n(\t.*\n)*\tpeer\.example\.org-1 : \['test\.\*', 'jobs\.\*'\]\n/);
    expect(r.stdout).to.match(/\t.*-CA-KEY-\d+ : \['\*'\]/);
    await fs.rm(path.join(minion.root, 'etc/func/minion-acl.d/info.acl'));
  });

  it('prints no broker password in --info', async () => {
    const conf = path.join(minion.root, 'etc/func/minion-amqp-info.conf');
    await fs.writeFile(conf, `${await fs.readFile(path.join(minion.root, 'etc/func/minion.conf'), 'utf8')}\ntransports = xmlrpc, amqp\n`
      + 'amqp_url = amqp://m1:s3cret@127.0.0.1:5672/v, amqp://m1:other@127.0.0.2:5672/v\n');
    try {
      const r = await runBin('funcd', ['--info', '--config', conf], { root: minion.root });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('amqp_url = amqp://m1:***@127.0.0.1:5672/v, amqp://m1:***@127.0.0.2:5672/v;');
      expect(r.stdout).not.to.match(/s3cret|other@/);
    } finally {
      await fs.rm(conf);
    }
  });

  it('says in --help that it serves the transports minion.conf names', async () => {
    const r = await runBin('funcd', ['--help']);
    expect(r.code).to.equal(0);
    expect(r.stdout.replace(/\s+/g, ' ')).to.contain('over each transport named by minion.conf\'s "transports" (default: xmlrpc');
  });

  it('prints the version file on stderr', async () => {
    await fs.writeFile(path.join(minion.root, 'etc/func/version'), '0.30 1\n');
    const r = await runBin('funcd', ['-v'], { root: minion.root });
    expect([r.code, r.stderr, r.stdout]).to.deep.equal([0, '0.30 1\n', '']);
  });

  it('exits non-zero naming the file and line of a malformed ACL at start-up', async () => {
    const file = await writeAcl(minion, 'broken.acl', '# comment\nfoo-1 = test.* = oops\n');
    const r = await runBin('funcd', [], { root: minion.root });
    await fs.rm(file);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(`${file}:2: malformed ACL line`);
    expect(r.stdout).to.not.contain('serving...');
  });

  it('exits non-zero with a clear message when there is no certificate and enrollment is off', async () => {
    const root = await makeTempRoot('funcd-nocert');
    roots.push(root);
    await writeMinionConfs(root, { name: 'nocert.example.org', listenAddr: '127.0.3.71', useCertmaster: false });
    const r = await runBin('funcd', [], { root });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/no key for minion 'nocert\.example\.org'.*run certmaster-request, or set use_certmaster = yes/);
  });

  it('reads --config instead of the default minion.conf', async () => {
    const conf = path.join(minion.root, 'other-minion.conf');
    const port = await freePort('127.0.3.72');
    await fs.writeFile(conf, `[main]\nminion_name = cli.example.org\nlisten_addr = 127.0.3.72\nlisten_port = ${port}\nuse_certmaster = no\n`);
    const p = spawnBin('funcd', ['--config', conf], { root: minion.root });
    await waitForOutput(p, /serving\.\.\./, 15000);
    expect(await pyValue({ host: '127.0.3.72', port }, caCreds(ca), 'test.ping')).to.equal(1);
    await p.stop();
  });

  it('detaches with --daemon, writes its pid file, serves, and cleans up on SIGTERM', async () => {
    const r = await runBin('funcd', ['--daemon'], { root: minion.root });
    expect(r.code, r.stderr).to.equal(0);
    const pidFile = path.join(minion.root, 'run/funcd.pid');
    const pid = Number((await fs.readFile(pidFile, 'utf8')).trim());
    expect(r.stdout).to.equal(`funcd running as pid ${pid}: xmlrpc serving on 127.0.3.70:${minion.port}\n`);
    try {
      expect(await pyValue(minion, caCreds(ca), 'test.ping')).to.equal(1);
    } finally {
      process.kill(pid, 'SIGTERM');
    }
    await eventually(async () => !alive(pid), 10000, 'the daemon to exit');
    await fs.access(pidFile).then(() => expect.fail('pid file left behind'), () => undefined);
    expect(await fs.readFile(path.join(minion.root, 'var/log/func/func.log'), 'utf8')).to.contain('SIGTERM received, stopping');
  });

  it('enrolls with certmaster first when use_certmaster is on, and serves once its certificate is signed', async function () {
    this.timeout(30000);
    const cm = spawnBin('certmaster', [], { root: ca.root });
    const url = (await waitForOutput(cm, /certmaster listening on http:\/\/127\.0\.0\.1:(\d+)\//, 15000))[1]!;
    const root = await makeTempRoot('funcd-enroll');
    roots.push(root);
    const port = await freePort('127.0.3.73');
    await writeMinionConfs(root, { name: 'enroll.example.org', listenAddr: '127.0.3.73', port, useCertmaster: true, certmasterPort: Number(url) });
    const funcd = spawnBin('funcd', [], { root });
    await waitForOutput(funcd, /pending at http:\/\/127\.0\.0\.1:\d+\/.*certmaster-ca --sign enroll\.example\.org/, 15000);
    expect(funcd.output().stdout).to.not.contain('serving...');
    const store = await openTestStore(ca);
    await store.sign(['enroll.example.org']);
    await waitForOutput(funcd, /serving\.\.\./, 15000);
    expect(await pyValue({ host: '127.0.3.73', port }, caCreds(ca), 'test.ping')).to.equal(1);
    await fs.access(path.join(root, 'etc/pki/certmaster/enroll.example.org.cert'));
  });

  it('with --daemon and no certificate yet: prints the waiting hint, detaches at once, and serves alone once signed', async function () {
    this.timeout(40000);
    const cm = spawnBin('certmaster', [], { root: ca.root });
    const port = (await waitForOutput(cm, /certmaster listening on http:\/\/127\.0\.0\.1:(\d+)\//, 15000))[1]!;
    const pidOf = async (root: string) => Number((await fs.readFile(path.join(root, 'run/funcd.pid'), 'utf8')).trim());
    const minionPort = await freePort('127.0.3.74');
    for (const name of ['daemon.example.org', 'quitter.example.org']) {
      const root = await makeTempRoot(`funcd-${name}`);
      roots.push(root);
      await writeMinionConfs(root, { name, listenAddr: '127.0.3.74', port: minionPort, useCertmaster: true, certmasterPort: Number(port) });
      const t0 = Date.now();
      const r = await runBin('funcd', ['--daemon'], { root, timeoutMs: 10000 });
      expect(r.code, r.stderr).to.equal(0);
      expect(Date.now() - t0, 'the starting command returned without waiting for the signature').to.be.below(8000);
      expect(r.stdout).to.contain(`no certificate for ${name}`).and.contain(`certmaster-ca --sign ${name}`).and.match(/detached as pid \d+/);
      const pid = await pidOf(root);
      expect(alive(pid)).to.equal(true);
      if (name === 'quitter.example.org') {
        process.kill(pid, 'SIGTERM'); // stopped while still waiting: no stale pid file
        await eventually(async () => !alive(pid), 10000, 'the waiting daemon to exit');
        await fs.access(path.join(root, 'run/funcd.pid')).then(() => expect.fail('stale pid file'), () => undefined);
        continue;
      }
      const store = await openTestStore(ca);
      await eventually(async () => (await store.list()).includes(name), 10000, 'the request to reach certmaster');
      await store.sign([name]); // the command that started the daemon is long gone
      await eventually(async () => (await pyValue({ host: '127.0.3.74', port: minionPort }, caCreds(ca), 'test.ping').catch(() => 0)) === 1, 15000, 'the daemon to serve');
      expect(await pidOf(root)).to.equal(pid);
      process.kill(pid, 'SIGTERM');
      await eventually(async () => !alive(pid), 10000, 'the daemon to exit');
      await fs.access(path.join(root, 'run/funcd.pid')).then(() => expect.fail('pid file left behind'), () => undefined);
      expect(await fs.readFile(path.join(root, 'var/log/func/func.log'), 'utf8')).to.not.contain('ERR_IPC_CHANNEL_CLOSED');
    }
    await cm.stop();
  });

  it('starts again in the foreground on the address the daemon above used', async () => {
    const p = await startFuncd(minion);
    expect(await pyValue(minion, caCreds(ca), 'test.ping')).to.equal(1);
    await p.stop();
  });
});
