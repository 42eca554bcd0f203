// bin/certmaster itself: --config honoured, a malformed config line reported with file and line,
// --daemon detaching with a pid file, --version.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { createCsr } from '../../certmaster/csr.js';
import { generatePrivateKey } from '../../certmaster/keys.js';
import { writeIni } from '../helpers/pki.js';
import { runBin, stopAll } from '../helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { pyCall, startDaemonProcess, writeCertmasterConf } from './support.js';

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

describe('certmaster command (bin/certmaster)', () => {
  let root: string;
  let daemonPid = 0;
  before(async () => {
    root = await makeTempRoot('cm-cli');
    await writeCertmasterConf(root, { autosign: false });
  });
  after(async () => {
    await stopAll();
    if (daemonPid && alive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
    await removeTempRoot(root);
  });

  it('honours --config FILE instead of the default certmaster.conf', async () => {
    const alt = path.join(root, 'alt.conf');
    await writeIni(alt, { listen_addr: '127.0.0.1', listen_port: 0, autosign: true });
    const daemon = await startDaemonProcess(root, ['--config', alt]);
    try {
      const answer = await pyCall(daemon.url, 'wait_for_cert', await createCsr(await generatePrivateKey('ec'), 'via-alt-conf'), root);
      expect((answer as { ok: unknown[] }).ok?.[0], JSON.stringify(answer)).to.equal(true);
    } finally {
      await daemon.proc.stop();
    }
  });

  it('exits non-zero naming the file and line of a malformed config, or a missing --config file', async () => {
    const bad = path.join(root, 'bad.conf');
    await fs.writeFile(bad, '[main]\nlisten_port = 0\n= no key here\n');
    const r = await runBin('certmaster', ['--config', bad], { root });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal(`certmaster: ${bad}:3: malformed line (expected "key = value", "[section]" or a comment): "= no key here"\n`);
    const missing = await runBin('certmaster', ['--config', path.join(root, 'none.conf')], { root });
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.include('none.conf does not exist');
    const badValue = path.join(root, 'badvalue.conf');
    await fs.writeFile(badValue, '[main]\nlisten_port = lots\n');
    const v = await runBin('certmaster', ['--config', badValue], { root });
    expect(v.code).to.equal(1);
    expect(v.stderr).to.include('listen_port: expected an integer, got "lots"');
  });

  it('detaches with --daemon, writes its pid file, serves, and removes the pid file on SIGTERM', async () => {
    const r = await runBin('certmaster', ['--daemon'], { root });
    expect(r.code, r.stderr).to.equal(0);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(r.stdout)?.[1];
    expect(url, r.stdout).to.be.a('string');
    const pidFile = path.join(root, 'run/certmaster.pid');
    daemonPid = Number((await fs.readFile(pidFile, 'utf8')).trim());
    expect(alive(daemonPid)).to.equal(true);
    const answer = await pyCall(url!, 'wait_for_cert', await createCsr(await generatePrivateKey('ec'), 'bg1'), root);
    expect(answer).to.deep.equal({ ok: [false, '', ''] });
    process.kill(daemonPid, 'SIGTERM');
    for (let i = 0; i < 100 && alive(daemonPid); i++) await new Promise((res) => setTimeout(res, 50));
    expect(alive(daemonPid)).to.equal(false);
    await fs.access(pidFile).then(() => { throw new Error('pid file left behind'); }, () => undefined);
  });

  it('with --daemon, exits 1 and says why when it cannot listen', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    try {
      const busy = path.join(root, 'busy.conf');
      await writeIni(busy, { listen_addr: '127.0.0.1', listen_port: (blocker.address() as net.AddressInfo).port });
      const r = await runBin('certmaster', ['--daemon', '--config', busy], { root });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/certmaster: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('prints its version', async () => {
    const pkg = JSON.parse(await fs.readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await runBin('certmaster', ['--version'], { root })).to.deep.include({ code: 0, stdout: `${pkg.version}\n` });
  });
});
