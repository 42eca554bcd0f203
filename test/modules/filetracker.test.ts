// filetracker module through the real Dispatcher: track/untrack/inventory with the manifest kept under the
// minion root, func's tuple order [path, mode, mtime, uid, gid, md5], full scans, globs and the flat report.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { moduleHarness, type ModuleHarness } from '../helpers/dispatch.js';

type Entry = [string, number, number, number, number, string, ...unknown[]];

describe('filetracker module', () => {
  let h: ModuleHarness;
  let dir: string;
  const manifest = (): string => path.join(h.root, 'etc/func/modules/filetracker.conf');
  before(async () => { h = await moduleHarness('filetracker-test'); });
  after(async () => { await h.close(); });
  beforeEach(async () => {
    await fs.rm(manifest(), { force: true });
    dir = await fs.mkdtemp(path.join(h.root, 'files-'));
  });

  it('tracks /etc/hosts (1) and lists it in inventory(false) with func\'s tuple order', async () => {
    expect(await h.call('filetracker.track', '/etc/hosts')).to.equal(1);
    expect(await fs.readFile(manifest(), 'utf8')).to.match(/^0\s+\/etc\/hosts\n$/);
    const inv = await h.call('filetracker.inventory', false) as Entry[];
    const hosts = inv.find((e) => e[0] === '/etc/hosts');
    expect(hosts, JSON.stringify(inv)).to.not.equal(undefined);
    const st = await fs.stat('/etc/hosts');
    const md5 = crypto.createHash('md5').update(await fs.readFile('/etc/hosts')).digest('hex');
    expect(hosts).to.deep.equal(['/etc/hosts', st.mode, Math.floor(st.mtimeMs / 1000), st.uid, st.gid, md5]);
  });

  it('expands globs, adds the content on a full scan and lists directory contents', async () => {
    await fs.writeFile(path.join(dir, 'a.conf'), 'alpha');
    await fs.writeFile(path.join(dir, 'b.conf'), 'beta');
    await fs.writeFile(path.join(dir, 'c.txt'), 'gamma');
    expect(await h.call('filetracker.track', `${dir}/*.conf`, 1)).to.equal(1);
    expect(await h.call('filetracker.track', dir)).to.equal(1);
    const inv = await h.call('filetracker.inventory', false, false) as Entry[];
    expect(inv.map((e) => e[0])).to.have.members([`${dir}/a.conf`, `${dir}/b.conf`, dir]);
    const a = inv.find((e) => e[0] === `${dir}/a.conf`)!;
    expect(a[5]).to.equal('N/A');
    expect(a[6]).to.equal('alpha');
    const d = inv.find((e) => e[0] === dir)!;
    expect(d[6]).to.deep.equal({ files: [`${dir}/a.conf`, `${dir}/b.conf`, `${dir}/c.txt`] });
  });

  it('tracks recursively, files only, and untracks by glob', async () => {
    await fs.mkdir(path.join(dir, 'sub'));
    await fs.writeFile(path.join(dir, 'sub', 'deep.txt'), 'x');
    await fs.writeFile(path.join(dir, 'top.txt'), 'y');
    expect(await h.call('filetracker.track', [dir], 0, 1, 1)).to.equal(1);
    let names = (await h.call('filetracker.inventory', false) as Entry[]).map((e) => e[0]);
    expect(names).to.have.members([`${dir}/sub/deep.txt`, `${dir}/top.txt`]);
    expect(await h.call('filetracker.untrack', `${dir}/sub/*`)).to.equal(1);
    names = (await h.call('filetracker.inventory', false) as Entry[]).map((e) => e[0]);
    expect(names).to.deep.equal([`${dir}/top.txt`]);
  });

  it('gives func\'s flat text report by default, noting files that vanished', async () => {
    const file = path.join(dir, 'gone-soon');
    await fs.writeFile(file, 'z');
    await h.call('filetracker.track', file);
    const st = await fs.stat(file);
    const report = await h.call('filetracker.inventory') as string;
    const md5 = crypto.createHash('md5').update('z').digest('hex');
    expect(report).to.equal(`\n${file}:  mode=${st.mode}  mtime=${Math.floor(st.mtimeMs / 1000)}  uid=${st.uid}  gid=${st.gid}  md5sum=${md5}\n`);
    await fs.rm(file);
    expect(await h.call('filetracker.inventory')).to.equal(`${file}: does not exist\n`);
  });
});
