// copyfile module through the real Dispatcher: write/unchanged/backup, checksums, open+append chunking,
// ".." paths (resolved and logged) and symlinks at the target (replaced or refused, never followed).
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { moduleHarness, type ModuleHarness } from '../helpers/dispatch.js';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');

describe('copyfile module', () => {
  let h: ModuleHarness;
  let dir: string;
  before(async () => { h = await moduleHarness('copyfile-test'); });
  after(async () => { await h.close(); });
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(h.root, 'case-'));
    h.logs.length = 0;
  });

  it('writes a file (1), leaves identical content alone (0) and backs up a changed file', async () => {
    const dest = path.join(dir, 'func_test_file_dest');
    expect(await h.call('copyfile.copyfile', dest, bytes('this is a func test file'))).to.equal(1);
    expect(await fs.readFile(dest, 'utf8')).to.equal('this is a func test file');
    expect(await h.call('copyfile.copyfile', dest, bytes('this is a func test file'))).to.equal(0);
    expect(await h.call('copyfile.checksum', dest)).to.equal('b36a8040e44c16605d7784cdf1b3d9ed04ea7f55');

    expect(await h.call('copyfile.copyfile', dest, bytes('new content'))).to.equal(1);
    expect(await fs.readFile(dest, 'utf8')).to.equal('new content');
    const backups = (await fs.readdir(dir)).filter((n) => n !== 'func_test_file_dest');
    expect(backups).to.have.length(1);
    expect(backups[0]).to.match(/^func_test_file_dest\.\d{4}-\d\d-\d\d@\d\d:\d\d~$/);
    expect(await fs.readFile(path.join(dir, backups[0]!), 'utf8')).to.equal('this is a func test file');
  });

  it('writes again when force is set, applies the mode and makes parent directories', async () => {
    const dest = path.join(dir, 'deep', 'er', 'file');
    expect(await h.call('copyfile.copyfile', dest, bytes('x'), 0o600, -1, -1)).to.equal(1);
    expect((await fs.stat(dest)).mode & 0o777).to.equal(0o600);
    expect(await h.call('copyfile.copyfile', dest, bytes('x'), '0640', -1, -1, 1)).to.equal(1);
    expect((await fs.stat(dest)).mode & 0o777).to.equal(0o640);
    expect(await h.call('copyfile.copyfile', dest, bytes('x'), 0o640, -1, -1)).to.equal(0);
  });

  it('answers -1 for a directory at the target and leaves no temp files behind', async () => {
    await fs.mkdir(path.join(dir, 'adir'));
    expect(await h.call('copyfile.copyfile', path.join(dir, 'adir'), bytes('x'))).to.equal(-1);
    expect(await fs.readdir(dir)).to.deep.equal(['adir']);
    expect(h.logs.some((l) => l.level === 'error' && l.message.includes('adir'))).to.equal(true);
  });

  it('checksums text that is not a path as the text itself', async () => {
    const text = `no such path ${crypto.randomUUID()}`;
    expect(await h.call('copyfile.checksum', text)).to.equal(crypto.createHash('sha1').update(text).digest('hex'));
  });

  it('resolves a path with ".." to where it points and logs a warning', async () => {
    await fs.mkdir(path.join(dir, 'a'));
    const tricky = `${dir}/a/../b/landed`;
    expect(await h.call('copyfile.copyfile', tricky, bytes('here'))).to.equal(1);
    expect(await fs.readFile(path.join(dir, 'b', 'landed'), 'utf8')).to.equal('here');
    const warning = h.logs.find((l) => l.level === 'warn' && l.message.includes("'..'"));
    expect(warning, JSON.stringify(h.logs)).to.not.equal(undefined);
    expect(warning!.message).to.contain(path.join(dir, 'b', 'landed'));
  });

  it('replaces a symlink at the target with a regular file, leaving the link target untouched', async () => {
    const other = path.join(dir, 'precious');
    const dest = path.join(dir, 'dest');
    await fs.writeFile(other, 'do not touch');
    await fs.symlink(other, dest);
    expect(await h.call('copyfile.copyfile', dest, bytes('payload'))).to.equal(1);
    expect((await fs.lstat(dest)).isFile()).to.equal(true);
    expect(await fs.readFile(dest, 'utf8')).to.equal('payload');
    expect(await fs.readFile(other, 'utf8')).to.equal('do not touch');
    expect(h.logs.some((l) => l.level === 'warn' && l.message.includes('symlink'))).to.equal(true);
  });

  it('creates with open, appends chunks, and reports a missing file with -1', async () => {
    const dest = path.join(dir, 'sub', 'chunked');
    expect(await h.call('copyfile.open', dest, 0o640, -1, -1)).to.equal(dest);
    expect((await fs.stat(dest)).size).to.equal(0);
    expect((await fs.stat(dest)).mode & 0o777).to.equal(0o640);
    expect(await h.call('copyfile.append', dest, bytes('chunk1-'))).to.equal(1);
    expect(await h.call('copyfile.append', dest, bytes('chunk2'))).to.equal(1);
    expect(await fs.readFile(dest, 'utf8')).to.equal('chunk1-chunk2');
    expect(await h.call('copyfile.open', dest)).to.equal(dest);
    expect((await fs.stat(dest)).size).to.equal(0);
    expect(await h.call('copyfile.append', path.join(dir, 'missing'), bytes('x'))).to.equal(-1);
  });

  it('refuses open and append through a symlink (-1, logged) and leaves the link target untouched', async () => {
    const other = path.join(dir, 'precious');
    const link = path.join(dir, 'link');
    await fs.writeFile(other, 'do not touch');
    await fs.symlink(other, link);
    expect(await h.call('copyfile.append', link, bytes('evil'))).to.equal(-1);
    expect(await h.call('copyfile.open', link)).to.equal(-1);
    expect(await fs.readFile(other, 'utf8')).to.equal('do not touch');
    expect(h.logs.filter((l) => l.level === 'error' && l.message.includes('symlink'))).to.have.length(2);
  });
});
