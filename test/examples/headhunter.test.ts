// examples/headhunter.ts against three real loopback builders (funcd) and a repository host, one builder stopped
// in the middle of a build: every SRPM is built and published exactly once, dnf lists them all, the page is written.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { headhunter, type HeadhunterReport } from '../../examples/headhunter.js';
import { dnfRepoquery } from '../helpers/dnf.js';
import { stopAll } from '../helpers/processes.js';
import { makeSrpm, processesWithEnv } from '../helpers/rpm-packages.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { startFleet, type Fleet } from '../overlord/fleet.js';

const BUILDERS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const VICTIM = '127.0.0.3';
const REPOHOST = '127.0.0.5';
const PACKAGES = ['apple', 'banana', 'cherry', 'damson', 'elder', 'fig'];

describe('examples/headhunter with three builders, one stopped mid-run', function () {
  this.timeout(120000);
  let fleet: Fleet;
  let work: string;
  let report: HeadhunterReport;
  const printed: string[] = [];
  const sentTo: Array<[string, string]> = [];
  let stoppedAt = -1;

  before(async () => {
    fleet = await startFleet([...BUILDERS, REPOHOST]);
    work = await makeTempRoot('headhunter-test');
    const srpms = await Promise.all(PACKAGES.map((name) => makeSrpm(work, { name, build: `echo "compiling ${name}"\nsleep 1` })));
    srpms.splice(3, 0, await makeSrpm(work, { name: 'rotten', build: 'echo "rotten: syntax error" >&2\nexit 1' }));
    const rootOf = (h: string): string => fleet.minions.find((m) => m.name === h)!.root;
    let stopping: Promise<void> | null = null;
    report = await headhunter({
      builders: BUILDERS, repoHost: REPOHOST, srpms, root: fleet.root, pollMs: 100,
      paths: {
        srpmDir: (b) => path.join(rootOf(b), 'var/lib/func/srpms'),
        incomingDir: path.join(rootOf(REPOHOST), 'var/lib/func/incoming'),
        reposRoot: path.join(rootOf(REPOHOST), 'var/lib/func/repos'),
        repodir: path.join(rootOf(REPOHOST), 'var/lib/func/repos/fruit'),
      },
      baseurl: `file://${path.join(rootOf(REPOHOST), 'var/lib/func/repos')}`,
      onBuildStart: (b, srpm) => { sentTo.push([b, path.basename(srpm)]); },
      print: (line) => {
        printed.push(line);
        // stop the victim while its first build is inside %build
        if (stopping === null && line.startsWith(`[${VICTIM}]`) && line.includes('+ sleep 1')) {
          stoppedAt = sentTo.length;
          stopping = fleet.stop(VICTIM);
        }
      },
    });
    await stopping;
  });
  after(async () => {
    await fleet?.close();
    await stopAll();
    if (work) await removeTempRoot(work);
  });

  it('publishes every SRPM that builds exactly once', async () => {
    const good = report.builds.filter((b) => !b.srpm.startsWith('rotten'));
    expect(good.map((b) => b.state)).to.deep.equal(PACKAGES.map(() => 'published'));
    for (const b of good) expect(b.attempts.filter((a) => a.result === 'succeeded'), b.srpm).to.have.length(1);
    const repo = path.join(fleet.minions.find((m) => m.name === REPOHOST)!.root, 'var/lib/func/repos/fruit');
    expect((await fs.readdir(repo)).filter((n) => n.endsWith('.rpm')).sort()).to.deep.equal(PACKAGES.map((p) => `${p}-1.0-1.noarch.rpm`));
    expect(report.builds.flatMap((b) => b.packages).sort()).to.deep.equal(PACKAGES.map((p) => `${p}-1.0-1.noarch.rpm`));
  });

  it('does not retry or publish a build that failed on its own', () => {
    const rotten = report.builds.find((b) => b.srpm.startsWith('rotten'))!;
    expect(rotten.state).to.equal('failed');
    expect(rotten.attempts.map((a) => a.result)).to.deep.equal(['failed']);
    expect(rotten.packages).to.deep.equal([]);
    expect(printed.some((l) => l.includes('rotten: syntax error'))).to.equal(true);
  });

  it('retried the build the stopped builder had, once, on another builder, and sent it nothing more', () => {
    expect(stoppedAt).to.be.above(0);
    const hit = report.builds.filter((b) => b.attempts.some((a) => a.builder === VICTIM));
    expect(hit).to.have.length(1);
    expect(hit[0]!.attempts.map((a) => a.result)).to.deep.equal(['builder failure', 'succeeded']);
    expect(hit[0]!.builder).to.not.equal(VICTIM);
    expect(sentTo.slice(stoppedAt).some(([b]) => b === VICTIM)).to.equal(false);
    expect(printed.some((l) => l.startsWith(`[${VICTIM}]`) && l.includes('retrying on another builder'))).to.equal(true);
  });

  it('ran one build per builder at a time and printed the live logs', () => {
    for (const p of PACKAGES) expect(printed.some((l) => / (\S+): compiling /.test(l) && l.includes(`compiling ${p}`)), p).to.equal(true);
    const builtOn = new Set(report.builds.map((b) => b.builder));
    expect(builtOn.size).to.be.at.least(2);
    for (const builder of BUILDERS) {
      const spans = report.builds.flatMap((b) => b.attempts).filter((a) => a.builder === builder).sort((a, b) => a.start - b.start);
      for (let i = 1; i < spans.length; i++) expect(spans[i]!.start, `${builder} overlapping builds`).to.be.at.least(spans[i - 1]!.end);
    }
  });

  it('left no process of the stopped builder behind', async () => {
    const victimRoot = fleet.minions.find((m) => m.name === VICTIM)!.root;
    expect(await processesWithEnv(`FUNC_ROOT=${victimRoot}`)).to.deep.equal([]);
  });

  it('wrote the page and .repo file, which dnf reads, and printed the summary table', async () => {
    expect(report.page).to.be.a('string');
    const reposRoot = path.dirname(report.page!);
    const html = await fs.readFile(report.page!, 'utf8');
    for (const p of PACKAGES) expect(html).to.contain(`<td>${p}</td>`);
    expect(await dnfRepoquery(path.join(work, 'dnf'), [path.join(reposRoot, 'fruit.repo')])).to.deep.equal(PACKAGES.map((p) => `${p}-1.0-1.noarch`));
    expect(report.table).to.match(/^SRPM\s+RESULT\s+BUILDER\s+ATTEMPTS/);
    expect(report.table).to.contain('6/7 published');
  });
});
