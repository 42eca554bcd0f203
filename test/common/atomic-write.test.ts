// The one atomic file replace: content and mode as asked, a symlink at the target replaced (never followed),
// no temp file left behind when filling fails.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { replaceFile, writeFileAtomic, writeFileAtomicSync } from '../../common/atomic-write.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';

describe('common/atomic-write', () => {
  let dir: string;
  before(async () => { dir = await makeTempRoot('atomic-write'); });
  after(async () => { await removeTempRoot(dir); });

  it('writes content with the mode asked for, creating the directory (async and sync)', async () => {
    const a = path.join(dir, 'new/sub/a.txt');
    await writeFileAtomic(a, 'one', { mode: 0o600 });
    expect(await fs.readFile(a, 'utf8')).to.equal('one');
    expect((await fs.stat(a)).mode & 0o777).to.equal(0o600);
    writeFileAtomicSync(a, 'two', { mode: 0o640 });
    expect(await fs.readFile(a, 'utf8')).to.equal('two');
    expect((await fs.stat(a)).mode & 0o777).to.equal(0o640);
  });

  it('replaces a symlink at the target instead of writing through it', async () => {
    const victim = path.join(dir, 'victim.txt');
    await fs.writeFile(victim, 'keep me');
    const link = path.join(dir, 'link.txt');
    await fs.symlink(victim, link);
    await writeFileAtomic(link, 'new');
    expect(await fs.readFile(victim, 'utf8')).to.equal('keep me');
    expect((await fs.lstat(link)).isFile()).to.equal(true);
  });

  it('leaves the target and no temp file behind when filling fails', async () => {
    const file = path.join(dir, 'stable.txt');
    await fs.writeFile(file, 'old');
    const err = await replaceFile(file, async () => { throw new Error('disk on fire'); }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error).with.property('message', 'disk on fire');
    expect(await fs.readFile(file, 'utf8')).to.equal('old');
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
  });
});
