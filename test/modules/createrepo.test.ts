// createrepo module through the real Dispatcher with the real createrepo_c and dnf: create, add, update,
// concurrent updates coalesced (never two createrepo_c on one directory), the cross-process lock, refused paths.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { InvalidArgumentsError, ModuleError } from '../../common/errors.js';
import type { WireStruct, WireValue } from '../../transport/types.js';
import { moduleHarness, type ModuleHarness } from '../helpers/dispatch.js';
import { dnfRepoqueryDir } from '../helpers/dnf.js';
import { makeRpm } from '../helpers/rpm-packages.js';
import { findOnPath } from '../../modules/lib/run-command.js';

type RepoResult = WireStruct & { ok: boolean; rc: number; repodir: string; packages: string[]; run: number; coalesced: boolean };

/** The createrepo_c found on PATH (before any wrapper is put in front). */
async function realCreaterepo(): Promise<string> {
  const found = await findOnPath('createrepo_c');
  if (found === null) throw new Error('createrepo_c is not installed');
  return found;
}

/** pids of createrepo_c processes whose argv names `dir`. */
async function createrepoProcesses(dir: string): Promise<number[]> {
  const out: number[] = [];
  for (const pid of (await fs.readdir('/proc')).filter((e) => /^\d+$/.test(e))) {
    const argv = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (argv[0]?.endsWith('createrepo_c') && argv.includes(dir)) out.push(Number(pid));
  }
  return out;
}

describe('createrepo module', function () {
  this.timeout(60000);
  let h: ModuleHarness;
  let repos: string;
  let incoming: string;
  const rpms: string[] = [];
  before(async () => {
    h = await moduleHarness('createrepo-test');
    repos = path.join(h.root, 'var/lib/func/repos');
    incoming = path.join(h.root, 'var/lib/func/incoming');
    await fs.mkdir(incoming, { recursive: true });
    for (const name of ['alpha', 'beta', 'gamma']) rpms.push(await makeRpm(incoming, { name }));
  });
  after(async () => { await h.close(); });

  const call = async (m: string, ...params: WireValue[]): Promise<RepoResult> => await h.call(`createrepo.${m}`, ...params) as RepoResult;

  it('creates an empty repository that dnf reads', async () => {
    const dir = path.join(repos, 'empty');
    const r = await call('create', dir);
    expect(r).to.include({ ok: true, rc: 0, repodir: dir });
    expect(r.packages).to.deep.equal([]);
    await fs.access(path.join(dir, 'repodata/repomd.xml'));
    expect(await dnfRepoqueryDir(path.join(h.root, 'dnf-empty'), dir)).to.deep.equal([]);
  });

  it('adds packages (copied in), then dnf lists them; update picks up a file put there by hand', async () => {
    const dir = path.join(repos, 'main');
    const r = await call('add', dir, [rpms[0]!, rpms[1]!]);
    expect(r).to.include({ ok: true, rc: 0 });
    expect(r.added).to.deep.equal(['alpha-1.0-1.noarch.rpm', 'beta-1.0-1.noarch.rpm']);
    expect(r.packages).to.deep.equal(['alpha-1.0-1.noarch.rpm', 'beta-1.0-1.noarch.rpm']);
    await fs.access(rpms[0]!); // the source stays where it was
    expect(await dnfRepoqueryDir(path.join(h.root, 'dnf-main1'), dir)).to.deep.equal(['alpha-1.0-1.noarch', 'beta-1.0-1.noarch']);
    await fs.copyFile(rpms[2]!, path.join(dir, path.basename(rpms[2]!)));
    const u = await call('update', dir);
    expect(u.packages).to.have.length(3);
    expect(await dnfRepoqueryDir(path.join(h.root, 'dnf-main2'), dir)).to.deep.equal(['alpha-1.0-1.noarch', 'beta-1.0-1.noarch', 'gamma-1.0-1.noarch']);
  });

  it('coalesces concurrent updates of one repository: never two createrepo_c at once, repodata valid after', async () => {
    const dir = path.join(repos, 'busy');
    await call('add', dir, rpms);
    // the real createrepo_c, run through a wrapper on PATH that records when each run starts and ends
    const binDir = path.join(h.root, 'wrapbin');
    const runLog = path.join(h.root, 'createrepo-runs.log');
    await fs.mkdir(binDir, { recursive: true });
    await fs.writeFile(path.join(binDir, 'createrepo_c'), `#!/bin/sh\necho "start $(date +%s%N)" >> '${runLog}'\n`
      + `${await realCreaterepo()} "$@"\nrc=$?\necho "end $(date +%s%N)" >> '${runLog}'\nexit $rc\n`, { mode: 0o755 });
    const savedPath = process.env.PATH;
    process.env.PATH = `${binDir}:${savedPath ?? ''}`;
    let results: RepoResult[];
    try {
      results = await Promise.all(Array.from({ length: 6 }, () => call('update', dir)));
    } finally {
      process.env.PATH = savedPath;
    }
    expect(results.every((r) => r.ok)).to.equal(true);
    const events = (await fs.readFile(runLog, 'utf8')).trim().split('\n').map((l) => l.split(' ') as ['start' | 'end', string]);
    let running = 0;
    let most = 0;
    for (const [what] of events.sort((a, b) => (BigInt(a[1]) < BigInt(b[1]) ? -1 : 1))) {
      running += what === 'start' ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most, events.join(' | ')).to.equal(1);
    const runs = new Set(results.map((r) => r.run));
    expect(events.filter(([w]) => w === 'start')).to.have.length(runs.size);
    expect(runs.size, `runs ${[...runs].join(',')}`).to.be.at.most(2);
    expect(results.filter((r) => r.coalesced)).to.have.length.of.at.least(4);
    expect(await dnfRepoqueryDir(path.join(h.root, 'dnf-busy'), dir)).to.have.length(3);
  });

  it('waits while another process holds the repository lock', async () => {
    const dir = path.join(repos, 'locked');
    await call('create', dir);
    const holder = spawn('flock', ['--exclusive', path.join(dir, '.func-createrepo.lock'), '-c', 'echo locked; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    const [first] = await once(holder.stdout!, 'data') as [Buffer];
    expect(first.toString()).to.equal('locked\n');
    let done = false;
    const pending = call('update', dir).then((r) => { done = true; return r; });
    try {
      await new Promise((r) => setTimeout(r, 400));
      expect(done).to.equal(false);
      expect(await createrepoProcesses(dir)).to.deep.equal([]);
    } finally {
      // the sleep inherits the locked descriptor: end the holder's whole group
      const exited = once(holder, 'exit');
      process.kill(-holder.pid!, 'SIGKILL');
      await exited;
    }
    expect((await pending).ok).to.equal(true);
  });

  it('refuses an update of a directory that does not exist', async () => {
    try {
      await call('update', path.join(repos, 'nothing-here'));
      expect.fail('updated a missing repository');
    } catch (err) {
      expect(err).to.be.instanceOf(ModuleError);
      expect((err as Error).message).to.match(/no repository directory .*nothing-here/);
    }
  });

  describe('refuses hostile paths', () => {
    const refused = async (m: string, params: WireValue[], pattern: RegExp): Promise<void> => {
      try {
        await call(m, ...params);
        expect.fail(`accepted ${JSON.stringify(params)}`);
      } catch (err) {
        expect(err).to.be.instanceOf(InvalidArgumentsError);
        expect((err as Error).message).to.match(pattern);
      }
    };
    it('a repodir with ..', () => refused('create', [`${repos}/../../../etc`], /repodir .* contains a '\.\.' segment/));
    it('a repodir outside repo_roots', () => refused('create', ['/tmp/somewhere'], /outside the allowed roots.*repo_roots/));
    it('a package outside rpm_roots', () => refused('add', [path.join(repos, 'x'), ['/etc/passwd.rpm']], /rpm_paths .* outside the allowed roots.*rpm_roots/));
    it('a path that is not an .rpm, an empty list', async () => {
      await refused('add', [path.join(repos, 'x'), [path.join(incoming, 'notes.txt')]], /must hold paths of \.rpm files/);
      await refused('add', [path.join(repos, 'x'), []], /rpm_paths is empty/);
    });
  });
});
