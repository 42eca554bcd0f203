// The build pipeline end to end against real funcd processes, once per registered transport: a tiny spec →
// `rpmbuild -bs` → copyfile to a builder → mock.build → getfile + `rpm -qp` → copyfile to the repository host →
// createrepo.add → dnf reads the generated .repo file → webpage.update names it (checked in headless Chromium).
// Also over the wire: a failing build, timeout and cancel with nothing left running, concurrent createrepo.update, refusals.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { fetchFile, sendFile } from '../../overlord/index.js';
import { Overlord } from '../../overlord/overlord.js';
import type { HostOutcome } from '../../overlord/outcome.js';
import { transportNames } from '../../transport/index.js';
import type { WireStruct, WireValue } from '../../transport/types.js';
import { dumpDom, visibleText } from '../helpers/chromium.js';
import { dnfRepoquery } from '../helpers/dnf.js';
import { runBin, spawnBin, stopAll, waitForOutput } from '../helpers/processes.js';
import { makeSrpm, processesWithEnv, queryPackage } from '../helpers/rpm-packages.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { startFleet, type Fleet } from '../overlord/fleet.js';

const BUILDER = '127.0.0.2';
const REPOHOST = '127.0.0.3';

type Build = WireStruct & { ok: boolean; state: string; rc: number; rpms: string[]; build_id: string; log_tail: string };

/**
 * A fleet serving `transport`: the transport's own test fleet when it ships one (test/transport/<name>/<name>-fleet.ts
 * exporting start…Fleet, e.g. for a broker), else the plain fleet with `transports = <name>` in minion.conf.
 */
async function startTransportFleet(transport: string, names: readonly string[]): Promise<Fleet> {
  const helper = await import(`../transport/${transport}/${transport}-fleet.js`).catch(() => null) as Record<string, unknown> | null;
  const start = Object.values(helper ?? {}).find((f): f is (n: readonly string[]) => Promise<Fleet> => typeof f === 'function' && /^start\w*Fleet$/.test(f.name));
  return start ? start(names) : startFleet(names, { minionConf: { transports: transport } });
}

/** The value of an ok outcome; fails the test with the outcome otherwise. */
function valueOf(o: HostOutcome | undefined): WireValue {
  if (o?.status !== 'ok') expect.fail(`expected an ok outcome, got ${JSON.stringify(o && { ...o, error: undefined })}`);
  return o.value;
}

for (const transport of transportNames()) {
  describe(`build pipeline over ${transport} (real funcd, rpmbuild, createrepo_c, dnf, chromium)`, function () {
    this.timeout(120000);
    let fleet: Fleet;
    let work: string;
    const overlords: Overlord[] = [];
    const on = (host: string): Overlord => {
      const o = new Overlord(host, { root: fleet.root, transport, timeout: 90 });
      overlords.push(o);
      return o;
    };
    const call = async (host: string, module: string, method: string, ...args: WireValue[]): Promise<WireValue> =>
      valueOf((await on(host).call(module, method, ...args)).get(host));
    const rootOf = (host: string): string => fleet.minions.find((m) => m.name === host)!.root;
    const srpmPath = (name: string): string => path.join(rootOf(BUILDER), 'var/lib/func/srpms', name);
    const reposRoot = (): string => path.join(rootOf(REPOHOST), 'var/lib/func/repos');

    /** Makes an SRPM locally and copies it to the builder with copyfile; returns its path there. */
    const sendSrpm = async (spec: Parameters<typeof makeSrpm>[1]): Promise<string> => {
      const local = await makeSrpm(work, spec);
      const remote = srpmPath(path.basename(local));
      const sent = await sendFile(on(BUILDER), [BUILDER], local, remote);
      expect(valueOf(sent.get(BUILDER))).to.equal((await fs.stat(local)).size);
      return remote;
    };

    before(async () => {
      fleet = await startTransportFleet(transport, [BUILDER, REPOHOST]);
      work = await makeTempRoot(`pipeline-${transport}`);
      for (const m of fleet.minions) {
        await fs.mkdir(path.join(m.root, 'etc/func/modules'), { recursive: true });
        await fs.writeFile(path.join(m.root, 'etc/func/modules/Mock.conf'), '[main]\nkill_grace = 0.5\n');
      }
    });
    afterEach(async () => { await Promise.all(overlords.splice(0).map((o) => o.close())); });
    after(async () => {
      await fleet?.close();
      await stopAll();
      if (work) await removeTempRoot(work);
    });

    it('builds an SRPM on the builder, publishes it, dnf lists it through the .repo file, the page names it', async () => {
      const srpm = await sendSrpm({ name: 'tiny', version: '2.5' });
      const build = await call(BUILDER, 'mock', 'build', srpm, { chroot: 'default' }) as Build;
      expect(build.ok, build.log_tail).to.equal(true);
      expect(build.rpms.map((p) => path.basename(p))).to.deep.equal(['tiny-2.5-1.noarch.rpm']);

      const fetched = valueOf((await fetchFile(on(BUILDER), [BUILDER], build.rpms[0]!, path.join(work, 'fetched'))).get(BUILDER)) as string;
      expect(await queryPackage(fetched)).to.deep.include({ name: 'tiny', version: '2.5', release: '1', arch: 'noarch' });
      const incoming = path.join(rootOf(REPOHOST), 'var/lib/func/incoming', path.basename(fetched));
      valueOf((await sendFile(on(REPOHOST), [REPOHOST], fetched, incoming)).get(REPOHOST));

      const repodir = path.join(reposRoot(), 'tiny-repo');
      const added = await call(REPOHOST, 'createrepo', 'add', repodir, [incoming]) as WireStruct;
      expect(added).to.include({ ok: true, rc: 0 });
      expect(added.packages).to.deep.equal(['tiny-2.5-1.noarch.rpm']);

      const page = await call(REPOHOST, 'webpage', 'update', reposRoot(), {
        baseurl: `file://${reposRoot()}`, builds: { 'tiny-repo': { ok: true, state: 'succeeded', package: 'tiny-2.5-1', builder: BUILDER } },
      }) as WireStruct & { path: string; repos: WireStruct[] };
      const repoFile = path.join(reposRoot(), String(page.repos.find((r) => r.name === 'tiny-repo')!.repo_file));
      expect(await dnfRepoquery(path.join(work, 'dnf-ok'), [repoFile])).to.deep.equal(['tiny-2.5-1.noarch']);
      const text = visibleText(await dumpDom(work, `file://${page.path}`));
      expect(text).to.contain('tiny-repo').and.to.contain('tiny').and.to.contain('2.5-1').and.to.contain(`builder ${BUILDER}`);
    });

    it('brings the build log to the overlord while the build runs (async job followed with pollJob onProgress)', async () => {
      const gate = path.join(work, 'live-gate');
      const srpm = await sendSrpm({ name: 'live', build: `echo "compiling live"\nwhile [ ! -e ${gate} ]; do sleep 0.1; done` });
      const ov = on(BUILDER);
      const id = await ov.submitJob([BUILDER], 'mock', 'build', [srpm]);
      const lines: string[] = [];
      let resultsBeforeGate = -1;
      const status = await ov.pollJob(id, {
        intervalMs: 100,
        onProgress: (events) => {
          for (const e of events) if (e.progress.message !== undefined) lines.push(e.progress.message);
          if (resultsBeforeGate < 0 && lines.some((l) => l.includes('compiling live'))) {
            resultsBeforeGate = 0;
            void fs.writeFile(gate, '');
          }
        },
        onResults: (rs) => { if (resultsBeforeGate < 0) resultsBeforeGate = rs.length; },
      });
      expect(resultsBeforeGate, 'a result came before the live line').to.equal(0);
      const build = valueOf(status[0] === 1 ? status[1].get(BUILDER) : undefined) as Build;
      expect(build.ok, build.log_tail).to.equal(true);
      expect(lines.some((l) => l.includes('Executing(%build)'))).to.equal(true);
    });

    it('reports a failing build with ok false and the reason, and nothing reaches the repository', async () => {
      const srpm = await sendSrpm({ name: 'broken', build: 'echo "missing header foo.h" >&2\nexit 1' });
      const build = await call(BUILDER, 'mock', 'build', srpm) as Build;
      expect(build).to.include({ ok: false, state: 'failed' });
      expect(build.rc).to.not.equal(0);
      expect(build.rpms).to.deep.equal([]);
      expect(build.log_tail).to.contain('missing header foo.h');
    });

    it('kills a build at its timeout, over the wire, with no process left behind', async () => {
      const srpm = await sendSrpm({ name: 'slow', build: 'sleep 300' });
      const build = await call(BUILDER, 'mock', 'build', srpm, { timeout: 1 }) as Build;
      expect(build).to.include({ ok: false, state: 'timeout' });
      expect(await processesWithEnv(`FUNC_BUILD_ID=${build.build_id}`)).to.deep.equal([]);
    });

    it('cancels a build started as an async job: its whole tree dies, status and the job say cancelled', async () => {
      const srpm = await sendSrpm({ name: 'stuck', build: 'sleep 300 &\nsleep 300' });
      const jobId = await call(BUILDER, 'async.mock', 'build', srpm) as string;
      expect(jobId).to.be.a('string');
      let status: WireStruct = {};
      for (let i = 0; i < 300; i++) {
        status = await call(BUILDER, 'mock', 'status', jobId, 0) as WireStruct;
        if (String(status.log_text ?? '').includes('+ sleep 300')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).to.include({ state: 'running', build_id: jobId, job_id: jobId });
      expect(await processesWithEnv(`FUNC_BUILD_ID=${jobId}`)).to.have.length.of.at.least(2);
      expect(await call(BUILDER, 'mock', 'cancel', jobId)).to.equal(true);
      expect(await processesWithEnv(`FUNC_BUILD_ID=${jobId}`)).to.deep.equal([]);
      expect(await call(BUILDER, 'mock', 'status', jobId)).to.include({ state: 'cancelled', ok: false });
      const [code, data] = await call(BUILDER, 'jobs', 'job_status', jobId) as [number, WireValue];
      expect(code).to.equal(1);
      expect(JSON.stringify(data)).to.contain('job cancelled');
    });

    it('runs concurrent createrepo.update calls on one repository one at a time, coalesced, repodata valid', async () => {
      const repodir = path.join(reposRoot(), 'busy-repo');
      const srpm = await sendSrpm({ name: 'busy' });
      const build = await call(BUILDER, 'mock', 'build', srpm) as Build;
      const fetched = valueOf((await fetchFile(on(BUILDER), [BUILDER], build.rpms[0]!, path.join(work, 'fetched-busy'))).get(BUILDER)) as string;
      const incoming = path.join(rootOf(REPOHOST), 'var/lib/func/incoming', path.basename(fetched));
      valueOf((await sendFile(on(REPOHOST), [REPOHOST], fetched, incoming)).get(REPOHOST));
      await call(REPOHOST, 'createrepo', 'add', repodir, [incoming]);
      const results = await Promise.all(Array.from({ length: 5 }, () => call(REPOHOST, 'createrepo', 'update', repodir) as Promise<WireStruct>));
      expect(results.every((r) => r.ok === true)).to.equal(true);
      expect(new Set(results.map((r) => r.run)).size).to.be.at.most(3);
      expect(await fs.readdir(path.join(repodir))).to.not.include('.repodata');
      const page = await call(REPOHOST, 'webpage', 'update', reposRoot()) as WireStruct & { repos: WireStruct[] };
      const repoFile = path.join(reposRoot(), String(page.repos.find((r) => r.name === 'busy-repo')!.repo_file));
      expect(await dnfRepoquery(path.join(work, 'dnf-busy'), [repoFile])).to.deep.equal(['busy-1.0-1.noarch']);
    });

    it('refuses hostile paths over the wire with a clear error, and the minion keeps serving', async () => {
      const escape = (await on(BUILDER).call('mock', 'build', `${srpmPath('')}/../../../../etc/passwd`)).get(BUILDER)!;
      expect(escape.status).to.equal('error');
      expect(escape.status === 'error' && escape.message).to.match(/srpm_path .* contains a '\.\.' segment/);
      const outside = (await on(REPOHOST).call('createrepo', 'create', '/etc')).get(REPOHOST)!;
      expect(outside.status === 'error' && outside.message).to.match(/repodir "\/etc" is outside the allowed roots/);
      expect(await call(BUILDER, 'test', 'ping')).to.equal(1);
    });
  });
}

describe('build pipeline through the func CLI (real funcd, rpmbuild, createrepo_c, dnf)', function () {
  this.timeout(120000);
  let fleet: Fleet;
  let work: string;
  const func = async (...args: string[]): Promise<string> => {
    const r = await runBin('func', args, { env: fleet.env, timeoutMs: 60000 });
    expect(r.code, `func ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).to.equal(0);
    return r.stdout;
  };
  const json = async (host: string, ...args: string[]): Promise<WireStruct> =>
    (JSON.parse(await func(host, 'call', '--json', ...args)) as Record<string, WireStruct>)[host]!;
  const rootOf = (host: string): string => fleet.minions.find((m) => m.name === host)!.root;

  before(async () => {
    fleet = await startFleet([BUILDER, REPOHOST]);
    work = await makeTempRoot('pipeline-cli');
  });
  after(async () => {
    await fleet?.close();
    await stopAll();
    if (work) await removeTempRoot(work);
  });

  it('copyfile → call mock build (async by default, log printed live) → getfile → copyfile → call createrepo add → call webpage update; dnf lists the package', async () => {
    const gate = path.join(work, 'gate');
    const srpm = await makeSrpm(work, { name: 'clitiny', version: '3.1', build: `echo "compiling clitiny"\nwhile [ ! -e ${gate} ]; do sleep 0.1; done` });
    const remoteSrpm = path.join(rootOf(BUILDER), 'var/lib/func/srpms', path.basename(srpm));
    await func(BUILDER, 'copyfile', '-f', srpm, '--remotepath', remoteSrpm);
    // the build waits for the gate file: its log line must reach the terminal while it runs, before any result
    // mock.build is in the default force_async list: the CLI runs it as a job and prints its log as it polls
    const proc = spawnBin('func', [BUILDER, 'call', '--json', 'mock', 'build', remoteSrpm], { env: fleet.env });
    await waitForOutput(proc, /compiling clitiny/, 60000);
    expect(proc.output().stdout).to.equal('');
    await fs.writeFile(gate, '');
    expect((await proc.exited).code, proc.output().stderr).to.equal(0);
    expect(proc.output().stderr).to.match(/Executing\(%build\)/);
    const build = (JSON.parse(proc.output().stdout) as Record<string, Build>)[BUILDER]!;
    expect(build.ok, build.log_tail).to.equal(true);
    await func(BUILDER, 'getfile', '--remotesource', build.rpms[0]!, '--localdir', path.join(work, 'got'));
    const local = path.join(work, 'got', BUILDER, path.basename(build.rpms[0]!));
    expect(await queryPackage(local)).to.deep.include({ name: 'clitiny', version: '3.1' });
    const incoming = path.join(rootOf(REPOHOST), 'var/lib/func/incoming', path.basename(local));
    await func(REPOHOST, 'copyfile', '-f', local, '--remotepath', incoming);
    const reposRoot = path.join(rootOf(REPOHOST), 'var/lib/func/repos');
    const added = await json(REPOHOST, 'createrepo', 'add', path.join(reposRoot, 'cli'), JSON.stringify([incoming]));
    expect(added).to.include({ ok: true });
    const page = await json(REPOHOST, 'webpage', 'update', reposRoot) as WireStruct & { repos: WireStruct[]; path: string };
    expect(await dnfRepoquery(path.join(work, 'dnf'), [path.join(reposRoot, String(page.repos[0]!.repo_file))])).to.deep.equal(['clitiny-3.1-1.noarch']);
    expect(await fs.readFile(page.path, 'utf8')).to.contain('<td>clitiny</td>');
  });
});
