// service module through the real Dispatcher, read-only: inventory, get_enabled, get_running, status of a
// service that runs here (never start/stop), the error for one that does not exist, and name validation.
import fs from 'node:fs/promises';
import { expect } from 'chai';
import { InvalidArgumentsError, ModuleError } from '../../common/errors.js';
import { parseUnitFiles, parseUnits } from '../../modules/service/systemd.js';
import { parseChkconfig } from '../../modules/service/sysv.js';
import { moduleHarness, type ModuleHarness } from '../helpers/dispatch.js';

type Running = [string, string, string];
type Enabled = [string, string[] | string];

const systemdRuns = await fs.stat('/run/systemd/system').then(() => true, () => false);

describe('service module', () => {
  let h: ModuleHarness;
  before(async () => { h = await moduleHarness('service-test'); });
  after(async () => { await h.close(); });

  it('is available here (systemd or /etc/init.d)', () => {
    expect(h.registry.has('service'), h.registry.unavailableReason('service')).to.equal(true);
  });

  it('inventory() holds the running and enabled lists in func\'s row shapes', async function () {
    this.timeout(60000);
    const inv = await h.call('service.inventory') as { running: Running[]; enabled: Enabled[] };
    expect(Object.keys(inv).sort()).to.deep.equal(['enabled', 'running']);
    for (const r of inv.running) {
      expect(r).to.have.length(3);
      expect(r[0]).to.be.a('string').that.is.not.empty;
      expect(r[1]).to.be.a('string').that.is.not.empty;
      expect(r[2]).to.be.a('string');
    }
    for (const e of inv.enabled) {
      expect(e).to.have.length(2);
      if (Array.isArray(e[1])) expect(e[1].every((x) => /^\d:(on|off)$/.test(x))).to.equal(true);
      else expect(['on', 'off']).to.include(e[1]);
    }
  });

  it('get_enabled() follows the init system\'s own records', async function () {
    const enabled = await h.call('service.get_enabled') as Enabled[];
    if (systemdRuns) {
      expect(enabled.every((e) => e[1] === 'on' || e[1] === 'off')).to.equal(true);
      return;
    }
    const scripts = (await fs.readdir('/etc/init.d')).filter((n) => n !== 'README');
    expect(enabled.map((e) => e[0])).to.include.members(scripts.filter((n) => !['rc', 'rcS', 'skeleton'].includes(n)).slice(0, 3));
    const rc2 = await fs.readdir('/etc/rc2.d').catch(() => [] as string[]);
    for (const [name, levels] of enabled) {
      const on = rc2.some((l) => l.startsWith('S') && l.slice(3) === name);
      expect((levels as string[])[2], name).to.equal(on ? '2:on' : '2:off');
    }
  });

  it('status() of a running service is 0, and get_running() agrees with it', async function () {
    this.timeout(60000);
    const running = (await h.call('service.get_running') as Running[]).filter((r) => r[1] === 'running');
    if (running.length === 0) {
      // nothing runs here: the clear error for a missing service is what can be checked
      await expectNotInstalled();
      return;
    }
    expect(await h.call('service.status', running[0]![0])).to.equal(0);
  });

  it('status() of a service that does not exist fails with "Service not installed"', async () => {
    await expectNotInstalled();
  });

  it('refuses names with shell metacharacters or paths', async () => {
    for (const bad of ['sshd; reboot', '../../bin/sh', '-h', 'a b']) {
      try {
        await h.call('service.status', bad);
        expect.fail(`accepted ${bad}`);
      } catch (err) {
        expect(err, bad).to.be.instanceOf(InvalidArgumentsError);
      }
    }
  });

  async function expectNotInstalled(): Promise<void> {
    try {
      await h.call('service.status', 'no-such-service-func-test');
      expect.fail('expected a ModuleError');
    } catch (err) {
      expect(err).to.be.instanceOf(ModuleError);
      expect((err as ModuleError).message).to.equal('Service not installed: no-such-service-func-test');
      expect((err as ModuleError).pythonType).to.equal('codes.FuncException');
    }
  }
});

describe('service module output parsers', () => {
  it('reads systemctl list-unit-files into [name, on|off], leaving templates out', () => {
    const text = 'sshd.service enabled enabled\ngetty@.service enabled enabled\nrescue.service static -\ncron.service disabled enabled\n';
    expect(parseUnitFiles(text)).to.deep.equal([['sshd', 'on'], ['rescue', 'off'], ['cron', 'off']]);
  });

  it('reads systemctl list-units into func\'s running words', () => {
    const text = [
      'sshd.service loaded active running OpenBSD Secure Shell server',
      '● nfs.service loaded failed failed NFS server',
      'cron.service loaded inactive dead Regular background program processing daemon',
      'setup.service loaded active exited One-shot setup',
    ].join('\n');
    expect(parseUnits(text).map((r) => [r[0], r[1]])).to.deep.equal([['sshd', 'running'], ['nfs', 'dead'], ['cron', 'stopped'], ['setup', 'exited']]);
    expect(parseUnits(text)[0]![2]).to.equal('sshd.service - OpenBSD Secure Shell server: active (running)\n');
  });

  it('reads chkconfig --list as func does (runlevels, or on/off for xinetd services)', () => {
    const text = 'sshd           \t0:off\t1:off\t2:on\t3:on\t4:on\t5:on\t6:off\n\nxinetd based services:\n\trsync:\toff\n';
    expect(parseChkconfig(text)).to.deep.equal([
      ['sshd', ['0:off', '1:off', '2:on', '3:on', '4:on', '5:on', '6:off']],
      ['rsync', 'off'],
    ]);
  });
});
