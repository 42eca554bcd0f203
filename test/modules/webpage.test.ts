// webpage module through the real Dispatcher over repositories made with the real rpmbuild and createrepo_c: the
// page, repos.json and .repo files (read by the real dnf), hostile names escaped (checked in headless Chromium),
// atomic replacement under a concurrent reader, recorded build results, refused roots and options.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { InvalidArgumentsError } from '../../common/errors.js';
import type { WireStruct, WireValue } from '../../transport/types.js';
import { dumpDom, visibleText } from '../helpers/chromium.js';
import { moduleHarness, type ModuleHarness } from '../helpers/dispatch.js';
import { dnfRepoquery } from '../helpers/dnf.js';
import { makeRpm } from '../helpers/rpm-packages.js';

const run = promisify(execFile);
const HOSTILE_REPO = `<img src=x onerror="document.title='pwned-repo'">`;
const HOSTILE_PACKAGE = `<script>document.title='pwned-package'</script>`;

/** A repository whose metadata is written by hand (rpm itself refuses such package names). */
async function handmadeRepo(dir: string, packageName: string): Promise<void> {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const primary = `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" packages="1">
<package type="rpm"><name>${esc(packageName)}</name><arch>x86_64</arch><version epoch="0" ver="6.6" rel="6"/><summary>${esc(packageName)}</summary></package></metadata>\n`;
  await fs.mkdir(path.join(dir, 'repodata'), { recursive: true });
  await fs.writeFile(path.join(dir, 'repodata/primary.xml.gz'), zlib.gzipSync(primary));
  await fs.writeFile(path.join(dir, 'repodata/repomd.xml'), `<?xml version="1.0" encoding="UTF-8"?>\n<repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>1700000000</revision>
<data type="primary"><location href="repodata/primary.xml.gz"/></data></repomd>\n`);
}

describe('webpage module', function () {
  this.timeout(90000);
  let h: ModuleHarness;
  let repos: string;
  before(async () => {
    h = await moduleHarness('webpage-test');
    repos = path.join(h.root, 'var/lib/func/repos');
    const work = path.join(h.root, 'work');
    await fs.mkdir(work, { recursive: true });
    const layout: Array<[string, string[]]> = [['fedora-40-x86_64', ['hello', 'world']], ['epel/9', ['lonely']]];
    for (const [name, pkgs] of layout) {
      const dir = path.join(repos, name);
      await fs.mkdir(dir, { recursive: true });
      for (const p of pkgs) await fs.rename(await makeRpm(work, { name: p, summary: `<b>${p}</b> & friends` }), path.join(dir, `${p}-1.0-1.noarch.rpm`));
      await run('createrepo_c', [dir]);
    }
    await handmadeRepo(path.join(repos, HOSTILE_REPO), HOSTILE_PACKAGE);
  });
  after(async () => { await h.close(); });

  const update = async (options: WireStruct = {}): Promise<WireStruct & { path: string; repos: WireStruct[] }> =>
    await h.call('webpage.update', repos, options) as WireStruct & { path: string; repos: WireStruct[] };

  it('lists every repository with its packages in index.html and repos.json', async () => {
    const r = await update({ title: 'Test repos' });
    expect(r.ok).to.equal(true);
    expect(r.path).to.equal(path.join(repos, 'index.html'));
    expect(r.repos.map((x) => x.name)).to.deep.equal([HOSTILE_REPO, 'epel/9', 'fedora-40-x86_64']);
    expect(r.repos.map((x) => x.package_count)).to.deep.equal([1, 1, 2]);
    const json = JSON.parse(await fs.readFile(path.join(repos, 'repos.json'), 'utf8')) as { repos: Array<{ name: string; arches: string[]; packages: Array<{ name: string; version: string }> }> };
    const fedora = json.repos.find((x) => x.name === 'fedora-40-x86_64')!;
    expect(fedora.arches).to.deep.equal(['noarch']);
    expect(fedora.packages.map((p) => `${p.name}-${p.version}`)).to.deep.equal(['hello-1.0', 'world-1.0']);
    const html = await fs.readFile(r.path, 'utf8');
    expect(html).to.contain('<title>Test repos</title>').and.to.contain('epel/9').and.to.contain('hello');
  });

  it('escapes every name: no tag from a repository or package name reaches the page, and Chromium runs nothing', async () => {
    const r = await update();
    const html = await fs.readFile(r.path, 'utf8');
    expect(html).to.not.contain('<img').and.to.not.contain('<script').and.to.not.contain('<b>');
    expect(html).to.contain('&lt;script&gt;document.title=&#39;pwned-package&#39;&lt;/script&gt;');
    const dom = await dumpDom(h.root, `file://${r.path}`);
    expect(dom).to.not.match(/<img|<script|pwned-repo<\/title>|pwned-package<\/title>/);
    const text = visibleText(dom);
    expect(text).to.contain(HOSTILE_REPO).and.to.contain(HOSTILE_PACKAGE);
    expect(text).to.contain('<b>hello</b> & friends');
    for (const name of ['fedora-40-x86_64', 'epel/9', 'hello', 'world', 'lonely']) expect(text).to.contain(name);
  });

  it('writes a .repo file per repository that the real dnf reads', async () => {
    const r = await update({ baseurl: `file://${repos}` });
    const files = r.repos.filter((x) => x.name !== HOSTILE_REPO).map((x) => path.join(repos, String(x.repo_file)));
    expect(await fs.readFile(files[0]!, 'utf8')).to.match(/^\[epel-9-[0-9a-f]{8}\]\nname=epel\/9\nbaseurl=file:\/\/.*\/epel\/9\/\n/);
    expect(await dnfRepoquery(path.join(h.root, 'dnf-page'), files)).to.deep.equal(['hello-1.0-1.noarch', 'lonely-1.0-1.noarch', 'world-1.0-1.noarch']);
  });

  it('shows the recorded result of each repository\'s last build', async () => {
    await update({ builds: { 'epel/9': { ok: false, state: 'failed', package: 'lonely-1.0-2.src.rpm', builder: 'b1', finished: 1700000000 } } });
    const r = await update({ builds: { 'fedora-40-x86_64': { ok: true, state: 'succeeded', package: 'hello', builder: '<i>b2</i>' } } });
    const text = visibleText(await fs.readFile(r.path, 'utf8'));
    expect(text).to.contain('failed · package lonely-1.0-2.src.rpm · builder b1 · 2023-11-14 22:13:20 UTC');
    expect(text).to.contain('succeeded · package hello · builder <i>b2</i>');
  });

  it('replaces the page atomically: a reader never sees part of it, and no temp file is left', async () => {
    let reading = true;
    let reads = 0;
    const partial: string[] = [];
    const reader = (async () => {
      while (reading) {
        const text = await fs.readFile(path.join(repos, 'index.html'), 'utf8');
        reads++;
        if (!text.startsWith('<!DOCTYPE html>') || !text.endsWith('</html>\n')) partial.push(text.slice(-40));
      }
    })();
    for (let i = 0; i < 15; i++) await update({ title: `round ${i}` });
    reading = false;
    await reader;
    expect(reads).to.be.above(0);
    expect(partial).to.deep.equal([]);
    expect((await fs.readdir(repos)).filter((n) => n.endsWith('.tmp'))).to.deep.equal([]);
  });

  describe('refuses', () => {
    const refused = async (params: WireValue[], pattern: RegExp): Promise<void> => {
      try {
        await h.call('webpage.update', ...params);
        expect.fail(`accepted ${JSON.stringify(params)}`);
      } catch (err) {
        expect(err).to.be.instanceOf(InvalidArgumentsError);
        expect((err as Error).message).to.match(pattern);
      }
    };
    it('a root outside repos_roots, or with ..', async () => {
      await refused(['/etc'], /repos_root "\/etc" is outside the allowed roots.*repos_roots/);
      await refused([`${repos}/../../..`], /contains a '\.\.' segment/);
    });
    it('a baseurl that could break out of an attribute, an unknown option', async () => {
      await refused([repos, { baseurl: 'https://x/"><script>' }], /options\.baseurl must be an http\(s\), ftp or file URL/);
      await refused([repos, { colour: 'red' }], /options\.colour must be one of the known options/);
    });
  });
});
