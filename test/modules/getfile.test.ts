// getfile module through the real Dispatcher: a 150 KB round trip chunk by chunk with the overlord's SHA-1
// check of each base64 text, chunk counts at the edges, and the -1 answers for unreadable files.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { moduleHarness, type ModuleHarness } from '../helpers/dispatch.js';

describe('getfile module', () => {
  let h: ModuleHarness;
  before(async () => { h = await moduleHarness('getfile-test'); });
  after(async () => { await h.close(); });

  it('round-trips a 150 KB file through chunkslen/getchunk with SHA-1 verification', async () => {
    const file = path.join(h.root, 'big.bin');
    const original = crypto.randomBytes(150 * 1024);
    await fs.writeFile(file, original);
    const n = await h.call('getfile.chunkslen', file);
    expect(n).to.equal(Math.ceil(original.length / 60000));
    const parts: Buffer[] = [];
    for (let i = 0; i < (n as number); i++) {
      const [sum, text] = await h.call('getfile.getchunk', i, file) as [string, string];
      expect(crypto.createHash('sha1').update(text).digest('hex'), `chunk ${i}`).to.equal(sum);
      parts.push(Buffer.from(text, 'base64'));
    }
    expect(parts.map((p) => p.length)).to.deep.equal([60000, 60000, original.length - 120000]);
    expect(Buffer.concat(parts).equals(original)).to.equal(true);
  });

  it('counts chunks exactly at the boundaries and accepts the CLI\'s string chunk number', async () => {
    const exact = path.join(h.root, 'exact.bin');
    const empty = path.join(h.root, 'empty.bin');
    await fs.writeFile(exact, Buffer.alloc(120000, 7));
    await fs.writeFile(empty, '');
    expect(await h.call('getfile.chunkslen', exact)).to.equal(2);
    expect(await h.call('getfile.chunkslen', empty)).to.equal(0);
    const [, text] = await h.call('getfile.getchunk', '1', exact) as [string, string];
    expect(Buffer.from(text, 'base64').length).to.equal(60000);
  });

  it('reads files whose size the kernel reports as 0 (/proc)', async () => {
    expect(await h.call('getfile.chunkslen', '/proc/self/status')).to.equal(1);
  });

  it('answers -1 and [-1, ""] for a file it cannot open', async () => {
    const missing = path.join(h.root, 'nope');
    expect(await h.call('getfile.chunkslen', missing)).to.equal(-1);
    expect(await h.call('getfile.getchunk', 0, missing)).to.deep.equal([-1, '']);
    expect(await h.call('getfile.chunkslen', h.root)).to.equal(-1);
  });
});
