// mock module through the real Dispatcher with the real rpmbuild: a rebuild and its live log, macros, a failing
// build, timeout and cancel with no process left, the mock backend's exact argv (a fake mock on PATH), chroots,
// status with the log from an offset, and refused paths and options.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { AccessDeniedError, InvalidArgumentsError, ModuleError } from '../../common/errors.js';
import type { ProgressEvent, WireStruct, WireValue } from '../../transport/types.js';
import { anonymousPeer, moduleHarness, type ModuleHarness } from '../helpers/dispatch.js';
import { makeSrpm, processesWithEnv, queryPackage } from '../helpers/rpm-packages.js';

type BuildResult = WireStruct & { ok: boolean; state: string; rc: number; rpms: string[]; build_id: string; resultdir: string; log: string; log_tail: string };

describe('mock module', function () {
  this.timeout(60000);
  let h: ModuleHarness;
  let srpmDir: string;
  let tiny: string;
  before(async () => {
    h = await moduleHarness('mock-test');
    srpmDir = path.join(h.root, 'var/lib/func/srpms');
    await fs.mkdir(path.join(h.root, 'etc/func/modules'), { recursive: true });
    await fs.writeFile(path.join(h.root, 'etc/func/modules/Mock.conf'), '[main]\nkill_grace = 0.5\n');
    tiny = await makeSrpm(srpmDir, { name: 'tiny' });
  });
  after(async () => { await h.close(); });

  const build = async (srpm: string, options: WireStruct = {}, onProgress?: (e: ProgressEvent) => void): Promise<BuildResult> =>
    await h.callWith('mock.build', [srpm, options], { onProgress }) as BuildResult;

  it('rebuilds an SRPM with rpmbuild, reporting every log line live and writing it to build.log', async () => {
    const events: ProgressEvent[] = [];
    const r = await build(tiny, {}, (e) => events.push(e));
    expect(r.ok, r.log_tail).to.equal(true);
    expect(r).to.include({ state: 'succeeded', rc: 0, backend: 'rpmbuild', srpm: tiny });
    expect(r.resultdir).to.equal(path.join(h.root, 'var/lib/func/builds', r.build_id));
    expect(r.rpms.map((p) => path.basename(p))).to.deep.equal(['tiny-1.0-1.noarch.rpm']);
    expect(await queryPackage(r.rpms[0]!)).to.deep.include({ name: 'tiny', version: '1.0', arch: 'noarch' });
    const logLines = (await fs.readFile(path.join(r.resultdir, 'build.log'), 'utf8')).trimEnd().split('\n');
    // stdout and stderr share one pipe: the shell's trace of the echo (stderr) comes right before its output (stdout)
    const traced = logLines.findIndex((l) => /^\+ echo .?building tiny.?$/.test(l));
    expect(traced).to.be.above(0);
    expect(logLines[traced + 1]).to.equal('building tiny');
    expect(events.map((e) => e.message)).to.deep.equal(logLines);
    expect(await fs.readdir(r.resultdir)).to.not.include('rpmbuild');
  });

  it('passes define macros to the build', async () => {
    const srpm = await makeSrpm(srpmDir, { name: 'withdist', releaseSuffix: '%{?dist}' });
    const r = await build(srpm, { define: { dist: '.func1' } });
    expect(r.ok, r.log_tail).to.equal(true);
    expect(r.rpms.map((p) => path.basename(p))).to.deep.equal(['withdist-1.0-1.func1.noarch.rpm']);
  });

  it('reports a failing %build with ok false, its rc, the reason in the log and no packages', async () => {
    const srpm = await makeSrpm(srpmDir, { name: 'broken', build: 'echo "compiler says no" >&2\nexit 1' });
    const r = await build(srpm);
    expect(r).to.include({ ok: false, state: 'failed' });
    expect(r.rc).to.not.equal(0);
    expect(r.rpms).to.deep.equal([]);
    expect(r.log_tail).to.contain('compiler says no').and.to.match(/Bad exit status/);
  });

  it('kills a build at its timeout (TERM ignored, so KILL) and leaves no process behind', async () => {
    const srpm = await makeSrpm(srpmDir, { name: 'sleeper', build: "trap '' TERM\nsleep 120" });
    const r = await build(srpm, { timeout: 1 });
    expect(r).to.include({ ok: false, state: 'timeout' });
    expect(r.duration).to.be.at.least(1);
    expect(r.log_tail).to.contain('timed out after 1 s');
    expect(await processesWithEnv(`FUNC_BUILD_ID=${r.build_id}`)).to.deep.equal([]);
  });

  it('cancels a running build: the call ends as cancelled, status says so, no process is left', async () => {
    const srpm = await makeSrpm(srpmDir, { name: 'sleeper2', build: 'sleep 120' });
    let id = '';
    let sawSleep!: () => void;
    const sleeping = new Promise<void>((resolve) => { sawSleep = resolve; });
    const running = build(srpm, {}, (e) => {
      const m = /^\[func\] build (\S+):/.exec(e.message ?? '');
      if (m) id = m[1]!;
      if (e.message?.includes('sleep 120')) sawSleep();
    });
    await sleeping;
    expect(((await h.call('mock.status', id)) as WireStruct).state).to.equal('running');
    expect(await processesWithEnv(`FUNC_BUILD_ID=${id}`)).to.not.deep.equal([]);
    expect(await h.call('mock.cancel', id)).to.equal(true);
    const r = await running;
    expect(r).to.include({ ok: false, state: 'cancelled', build_id: id });
    expect(await processesWithEnv(`FUNC_BUILD_ID=${id}`)).to.deep.equal([]);
    expect(((await h.call('mock.status', id)) as WireStruct).state).to.equal('cancelled');
    expect(await h.call('mock.cancel', id)).to.equal(false);
  });

  it('status returns the result and the log text from a byte offset', async () => {
    const r = await build(tiny);
    const whole = await fs.readFile(r.log, 'utf8');
    const s = await h.call('mock.status', r.build_id, 0) as WireStruct;
    expect(s).to.include({ state: 'succeeded', ok: true, log_text: whole, log_offset: Buffer.byteLength(whole) });
    const later = await h.call('mock.status', r.build_id, 10) as WireStruct;
    expect(later.log_text).to.equal(Buffer.from(whole).subarray(10).toString());
    try {
      await h.call('mock.status', 'no-such-build');
      expect.fail('status of an unknown build succeeded');
    } catch (err) {
      expect(err).to.be.instanceOf(ModuleError);
      expect((err as Error).message).to.contain('no build no-such-build');
    }
  });

  it("refuses another caller's status and cancel of a build", async () => {
    const r = await build(tiny);
    const other = { ...anonymousPeer, cn: 'intruder', key: 'intruder-1' };
    for (const m of ['mock.status', 'mock.cancel']) {
      try {
        await h.dispatcher.call(m, [r.build_id], { peer: other, signal: new AbortController().signal });
        expect.fail(`${m} answered another caller`);
      } catch (err) {
        expect(err).to.be.instanceOf(AccessDeniedError);
        expect((err as Error).message).to.contain(`build ${r.build_id} belongs to another caller`);
      }
    }
    expect(await h.call('mock.status', r.build_id)).to.include({ state: 'succeeded' });
  });

  describe('with a fake mock on PATH (the mock backend\'s argv only)', () => {
    let binDir: string;
    let argvFile: string;
    let savedPath: string | undefined;
    before(async () => {
      binDir = path.join(h.root, 'fakebin');
      argvFile = path.join(h.root, 'mock-argv.txt');
      await fs.mkdir(binDir, { recursive: true });
      await fs.writeFile(path.join(binDir, 'mock'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvFile}'\necho "fake mock ran"\n`, { mode: 0o755 });
      const confDir = path.join(h.root, 'etc/mock');
      await fs.mkdir(confDir, { recursive: true });
      for (const f of ['fedora-40-x86_64.cfg', 'epel-9-x86_64.cfg', 'site-defaults.cfg', 'logging.ini']) await fs.writeFile(path.join(confDir, f), '');
      await fs.writeFile(path.join(h.root, 'etc/func/modules/Mock.conf'), `[main]\nkill_grace = 0.5\nmock_config_dir = ${confDir}\n`);
      savedPath = process.env.PATH;
      process.env.PATH = `${binDir}:${savedPath ?? ''}`;
    });
    after(async () => {
      process.env.PATH = savedPath;
      await fs.writeFile(path.join(h.root, 'etc/func/modules/Mock.conf'), '[main]\nkill_grace = 0.5\n');
    });

    it('auto picks mock and runs exactly mock -r <chroot> --rebuild <srpm> --resultdir <dir> --define …', async () => {
      const resultdir = path.join(h.root, 'var/lib/func/builds/fixed');
      const r = await build(tiny, { chroot: 'fedora-40-x86_64', resultdir, define: { dist: '.fc40', _smp_mflags: '-j2' } });
      expect(r.backend).to.equal('mock');
      expect((await fs.readFile(argvFile, 'utf8')).trimEnd().split('\n')).to.deep.equal([
        '-r', 'fedora-40-x86_64', '--rebuild', tiny, '--resultdir', resultdir, '--define', 'dist .fc40', '--define', '_smp_mflags -j2',
      ]);
      expect(r.log_tail).to.contain('fake mock ran');
      expect(r).to.include({ ok: false, state: 'failed' }); // the fake wrote no package
    });

    it('chroots lists the mock configs', async () => {
      expect(await h.call('mock.chroots')).to.deep.equal(['epel-9-x86_64', 'fedora-40-x86_64']);
    });
  });

  it('chroots is ["default"] where only rpmbuild builds', async () => {
    expect(await h.call('mock.chroots')).to.deep.equal(['default']);
  });

  it("refuses backend 'mock' where mock is not installed, with a sentence saying so", async () => {
    try {
      await build(tiny, { backend: 'mock' });
      expect.fail('built with a missing mock');
    } catch (err) {
      expect((err as Error).message).to.match(/backend 'mock' asked for, but mock is not found on PATH/);
    }
  });

  describe('refuses hostile paths and options', () => {
    const refused = async (srpm: string, options: WireStruct, pattern: RegExp): Promise<void> => {
      try {
        await build(srpm, options);
        expect.fail(`accepted ${srpm} ${JSON.stringify(options)}`);
      } catch (err) {
        expect(err).to.be.instanceOf(InvalidArgumentsError);
        expect((err as Error).message).to.match(pattern);
      }
    };
    it('an SRPM path with ..', () => refused(`${srpmDir}/../srpms/x.src.rpm`, {}, /srpm_path .* contains a '\.\.' segment/));
    it('an SRPM outside the allowed roots', () => refused('/etc/passwd', {}, /srpm_path "\/etc\/passwd" is outside the allowed roots.*srpm_roots/));
    it('a relative SRPM path', () => refused('tiny.src.rpm', {}, /is not an absolute path/));
    it('a symlink inside the roots that points outside', async () => {
      const link = path.join(srpmDir, 'evil.src.rpm');
      await fs.symlink('/etc/passwd', link);
      await refused(link, {}, /is outside the allowed roots/);
    });
    it('a resultdir outside its roots', () => refused(tiny, { resultdir: '/tmp/elsewhere' }, /options\.resultdir .* is outside the allowed roots.*resultdir_roots/));
    it('an unknown option, a bad chroot, a bad macro name, a bad backend', async () => {
      await refused(tiny, { chrooot: 'x' } as WireStruct, /options\.chrooot must be one of the known options/);
      await refused(tiny, { chroot: '../../etc/x' }, /options\.chroot must be a mock config name/);
      await refused(tiny, { define: { 'a b': '1' } }, /options\.define must be macro names/);
      await refused(tiny, { define: { dist: 'x\n%prep' } } as Record<string, WireValue>, /options\.define\.dist must be a one-line string/);
      await refused(tiny, { backend: 'docker' }, /options\.backend must be one of auto, mock, rpmbuild/);
      await refused(tiny, { timeout: -1 }, /options\.timeout must be a number of seconds/);
    });
  });
});
