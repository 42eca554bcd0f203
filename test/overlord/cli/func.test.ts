// bin/func and bin/func-transmit as whole processes against real funcd minions on 127.0.0.2–4 (one free port per fleet)
// and a real certmaster CA: ping, call (JSON, exclusion, groups), list_minions, copyfile, getfile, failures.
import { expect } from 'chai';
import yaml from 'js-yaml';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runBin, spawnBin, stopAll, waitForOutput } from '../../helpers/processes.js';
import { issueMinionCert } from '../../helpers/pki.js';
import { makeTempRoot, removeTempRoot } from '../../helpers/temp-root.js';
import { startFleet, type Fleet } from '../fleet.js';

const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

describe('func CLI with real minions', function () {
  this.timeout(30000);
  let fleet: Fleet;
  let scratch: string;
  const func = (...args: string[]) => runBin('func', args, { env: fleet.env, timeoutMs: 20000 });
  const transmit = (req: unknown) => runBin('func-transmit', [], { env: fleet.env, input: JSON.stringify(req) });

  before(async () => {
    fleet = await startFleet(HOSTS);
    scratch = await makeTempRoot('func-cli-scratch');
  });
  after(async () => {
    await fleet?.close();
    if (scratch) await removeTempRoot(scratch);
    await stopAll();
  });

  it('pings every minion: "[ ok ... ] host" lines and exit 0', async () => {
    const r = await func('*', 'ping');
    expect(r.stdout).to.equal(HOSTS.map((h) => `[ ok ... ] ${h}\n`).join(''));
    expect(r.code).to.equal(0);
  });

  it('call --json test add 1 2 gives one JSON document {"host": 3, …}', async () => {
    const r = await func('127.0.0.*', 'call', '--json', 'test', 'add', '1', '2');
    expect(JSON.parse(r.stdout)).to.deep.equal({ '127.0.0.2': 3, '127.0.0.3': 3, '127.0.0.4': 3 });
    expect(r.code).to.equal(0);
  });

  it('keeps func\'s all-strings arguments behind --strings', async () => {
    const r = await func('127.0.0.2', 'call', '--json', '--strings', 'test', 'add', '1', '2');
    expect(JSON.parse(r.stdout)).to.deep.equal({ '127.0.0.2': '12' });
  });

  it('leaves out excluded hosts (-e before the target, --exclude after call)', async () => {
    const a = await func('-e', '127.0.0.3', '*', 'call', '--json', 'test', 'ping');
    expect(Object.keys(JSON.parse(a.stdout))).to.deep.equal(['127.0.0.2', '127.0.0.4']);
    const b = await func('*', 'call', '--json', '--exclude', '127.0.0.[23]', 'test', 'ping');
    expect(Object.keys(JSON.parse(b.stdout))).to.deep.equal(['127.0.0.4']);
  });

  it('lists the minions a target matches, and says ERROR with exit 1 when none', async () => {
    const r = await func('127.0.0.[34]', 'list_minions');
    expect(r.stdout).to.equal('127.0.0.3\n127.0.0.4\n');
    const re = await func('--regex', '127\\.0\\.0\\.[23]', 'list_minions');
    expect(re.stdout).to.equal('127.0.0.2\n127.0.0.3\n');
    const none = await func('nosuch*', 'list_minions');
    expect(none.code).to.equal(1);
    expect(none.stderr).to.contain('ERROR: Can\'t find any minions matching "nosuch*".');
  });

  it('targets groups made with the group subcommand', async () => {
    expect((await func('*', 'group', '--ag', 'pair')).code).to.equal(0);
    expect((await func('*', 'group', '--ah', '@pair:127.0.0.2,127.0.0.4')).code).to.equal(0);
    const la = await func('*', 'group', '--la');
    expect(la.stdout).to.equal('Group : pair\n\t Host : 127.0.0.2 \n\t Host : 127.0.0.4 \n');
    const r = await func('@pair', 'call', '--json', 'test', 'ping');
    expect(JSON.parse(r.stdout)).to.deep.equal({ '127.0.0.2': 1, '127.0.0.4': 1 });
    const sub = await func('@pair:*.3;@pair:*.4', 'list_minions');
    expect(sub.stdout).to.equal('127.0.0.4\n');
  });

  it('prints typed errors per host and exits non-zero with a summary', async () => {
    const r = await func('*', 'call', 'test', 'explode');
    expect(r.stdout).to.equal(HOSTS.map((h) => `${h}: ERROR exceptions.Exception: khhhhhhaaaaaan!!!!!!\n`).join(''));
    expect(r.stderr).to.contain('0 ok, 3 error, 0 timeout, 0 unreachable');
    expect(r.code).to.not.equal(0);
  });

  it('reports a stopped minion as unreachable, the others answering, and exits non-zero', async () => {
    await fleet.stop('127.0.0.3');
    try {
      const r = await func('*', 'call', '--json', 'test', 'ping');
      const doc = JSON.parse(r.stdout);
      expect(doc['127.0.0.2']).to.equal(1);
      expect(doc['127.0.0.4']).to.equal(1);
      expect(doc['127.0.0.3'].error.status).to.equal('unreachable');
      expect(r.stderr).to.contain('2 ok, 0 error, 0 timeout, 1 unreachable');
      expect(r.code).to.not.equal(0);
      const ping = await func('*', 'ping');
      expect(ping.stdout).to.contain('[ FAILED ] 127.0.0.3').and.contain('[ ok ... ] 127.0.0.2');
      expect(ping.code).to.not.equal(0);
    } finally {
      await fleet.start('127.0.0.3');
    }
  });

  it('reports a hanging minion as a timeout at the deadline, suggesting --async, the others unaffected', async () => {
    const hung = fleet.minions.find((m) => m.name === '127.0.0.4')!.proc!.child.pid!;
    process.kill(hung, 'SIGSTOP');
    try {
      const r = await func('-t', '1.5', '*', 'call', '--json', 'test', 'add', '2', '2');
      const doc = JSON.parse(r.stdout);
      expect(doc['127.0.0.2']).to.equal(4);
      expect(doc['127.0.0.3']).to.equal(4);
      expect(doc['127.0.0.4'].error).to.include({ status: 'timeout' });
      expect(doc['127.0.0.4'].error.message, 'the deadline given with -t').to.contain('1500 ms');
      expect(r.stderr).to.contain('2 ok, 0 error, 1 timeout, 0 unreachable').and.contain('--async');
      expect(r.code).to.not.equal(0);
    } finally {
      process.kill(hung, 'SIGCONT');
    }
    const sleepy = await func('-t', '1', '127.0.0.2', 'call', 'test', 'sleep', '3');
    expect(sleepy.stdout).to.match(/^127\.0\.0\.2: TIMEOUT /);
  });

  it('shows command.run output live, host-prefixed, seconds before the call ends (polling the async job)', async () => {
    const p = spawnBin('func', ['127.0.0.[2-3]', 'call', 'command', 'run', 'for i in 1 2 3 4; do echo tick$i; sleep 1; done'], { env: fleet.env });
    await waitForOutput(p, /^127\.0\.0\.2: tick1$/m, 15000);
    const sawTick1 = Date.now();
    expect(p.output().stdout).to.equal(''); // results print only when the hosts finish
    const end = await p.exited;
    const ended = Date.now();
    expect(end.code).to.equal(0);
    expect(ended - sawTick1).to.be.at.least(2000);
    const { stdout, stderr } = p.output();
    for (const host of ['127.0.0.2', '127.0.0.3']) {
      for (const i of [1, 2, 3]) expect(stderr).to.match(new RegExp(`^${host.replace(/\./g, '\\.')}: tick${i}$`, 'm'));
    }
    expect(stdout).to.contain('tick4');
  });

  // one target: the minions share this machine's file system, so several would write the same path
  it('copies a 5 MB file in chunks; copyfile.checksum equals the local SHA-1', async () => {
    const local = path.join(scratch, 'big.bin');
    const data = crypto.randomBytes(5 * 1024 * 1024);
    await fs.writeFile(local, data);
    const remote = path.join(scratch, 'remote', 'copy-of-big.bin');
    const r = await func('127.0.0.3', 'copyfile', '--file', local, '--remotepath', remote);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal(`127.0.0.3: copied ${data.length} bytes\n`);
    const sums = await func('127.0.0.3', 'call', '--json', 'copyfile', 'checksum', remote);
    expect(JSON.parse(sums.stdout)).to.deep.equal({ '127.0.0.3': crypto.createHash('sha1').update(data).digest('hex') });
  });

  it('fetches a file from every minion into DIR/<minion>/<basename>', async () => {
    const source = path.join(scratch, 'fetch-me.txt');
    const text = 'line\n'.repeat(30000); // 150 KB: three chunks
    await fs.writeFile(source, text);
    const dir = path.join(scratch, 'fetched');
    const r = await func('*', 'getfile', '--remotesource', source, '--localdir', dir);
    expect(r.code, r.stderr).to.equal(0);
    for (const h of HOSTS) expect(await fs.readFile(path.join(dir, h, 'fetch-me.txt'), 'utf8')).to.equal(text);
  });

  it('shows hardware facts, whole or by key', async () => {
    const r = await func('127.0.0.2', 'show', 'hardware', 'cpuModel');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^127\.0\.0\.2:\n {2}cpuModel: /);
  });

  it('greps module and method names on the minions', async () => {
    const r = await func('127.0.0.2', 'grep', 'explode');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^127\.0\.0\.2:\n {2}system:\n {4}.*: test\.explode/);
  });

  it('func-transmit answers a sync call with {"host": value}', async () => {
    const r = await transmit({ clients: '*', module: 'test', method: 'add', parameters: [1, 2] });
    expect(JSON.parse(r.stdout)).to.deep.equal({ '127.0.0.2': 3, '127.0.0.3': 3, '127.0.0.4': 3 });
    expect(r.code).to.equal(0);
    const echo = await transmit({ clients: ['127.0.0.2', '127.0.0.3'], module: 'test', method: 'echo', parameters: { one: 1, too: 2 } });
    expect(JSON.parse(echo.stdout)).to.deep.equal({ '127.0.0.2': { one: 1, too: 2 }, '127.0.0.3': { one: 1, too: 2 } });
    const urls = await transmit({ clients: '127.0.0.2', module: 'local', method: 'utils.list_minions' });
    expect(JSON.parse(urls.stdout)).to.deep.equal([`https://127.0.0.2:${fleet.port}`]);
  });

  it('runs "call command run" (an async job it polls) for an overlord whose ACL allows command.run only, exactly once', async () => {
    // its own root: the overlord presents admin.example.org's certificate, not the CA's (which may call everything)
    const root = await makeTempRoot('func-cli-limited-overlord');
    try {
      await issueMinionCert(fleet.ca, 'admin.example.org', root);
      await fs.rm(path.join(fleet.ca.certroot, 'admin.example.org.cert')); // an overlord, not a target of "*"
      await fs.mkdir(path.join(root, 'etc/func'), { recursive: true });
      await fs.writeFile(path.join(root, 'etc/func/overlord.conf'), `[main]\nlisten_port = ${fleet.port}\nallow_unknown_minions = yes\n`
        + 'key_file = /etc/pki/certmaster/admin.example.org.pem\ncert_file = /etc/pki/certmaster/admin.example.org.cert\nca_file = /etc/pki/certmaster/ca.cert\n');
      const minion = fleet.minions.find((m) => m.name === '127.0.0.2')!;
      await fs.mkdir(path.join(minion.root, 'etc/func/minion-acl.d'), { recursive: true });
      await fs.writeFile(path.join(minion.root, 'etc/func/minion-acl.d/admin.acl'), 'admin.example.org-* = command.run\n');
      const marker = path.join(scratch, 'ran-once.txt');
      const run = () => runBin('func', ['127.0.0.2', 'call', '--json', 'command', 'run', `echo once >> ${marker}; echo ran`], { env: { FUNC_ROOT: root }, timeoutMs: 20000 });
      let r = await run();
      for (let i = 0; i < 20 && /AccessToMethodDenied'>:command\.run/.test(r.stdout + r.stderr); i++) { // the ACL file is re-read within a second
        await fs.rm(marker, { force: true });
        await new Promise((resolve) => setTimeout(resolve, 100));
        r = await run();
      }
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.deep.equal({ '127.0.0.2': [0, 'ran\n', ''] });
      expect(await fs.readFile(marker, 'utf8')).to.equal('once\n');
    } finally {
      await removeTempRoot(root);
    }
  });

  it('func-transmit --yaml reads the request and writes the response in YAML', async () => {
    const r = await runBin('func-transmit', ['--yaml'], { env: fleet.env, input: 'clients: 127.0.0.[2-3]\nmodule: test\nmethod: add\nparameters: [1, 2]\n' });
    expect(r.code, r.stderr).to.equal(0);
    expect(yaml.load(r.stdout)).to.deep.equal({ '127.0.0.2': 3, '127.0.0.3': 3 });
  });

  it('func-transmit gives func\'s error object and exit 1 when nothing matches', async () => {
    const name = 'somerandom-name-that-shouldnt-be-a_real_host_name';
    const r = await transmit({ clients: name, module: 'test', method: 'ping' });
    expect(JSON.parse(r.stdout)).to.deep.equal({ error: 1, name: 'Func Client Exception', message: `Can't find any minions matching "${name}".`, info: {} });
    expect(r.code).to.equal(1);
  });

  it('func-transmit runs async: a job id, then job_status until [1, results]', async () => {
    const sub = await transmit({ clients: '*', module: 'test', method: 'add', parameters: [5, 6], async: 'yes' });
    const id = JSON.parse(sub.stdout) as string;
    expect(id).to.match(/^\*-test-add-\d+\.\d+$/);
    let status: [number, unknown] = [0, -1];
    for (let i = 0; i < 40 && status[0] !== 1; i++) {
      status = JSON.parse((await transmit({ clients: '*', method: 'job_status', parameters: id })).stdout);
      if (status[0] !== 1) await new Promise((r) => setTimeout(r, 150));
    }
    expect(status).to.deep.equal([1, { '127.0.0.2': 11, '127.0.0.3': 11, '127.0.0.4': 11 }]);
  });
});
