// The audit log: params printed as Python's repr and cut to about 200 characters, caller text kept on one line,
// lines written in call order and all of them on close.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AuditLog, abbreviateParams } from '../../minion/audit-log.js';
import type { PeerIdentity } from '../../transport/types.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';

describe('audit log', () => {
  it('prints params as Python would', () => {
    expect(abbreviateParams([])).to.equal('[]');
    expect(abbreviateParams([1, 2.5, null, true, false])).to.equal('[1, 2.5, None, True, False]');
    expect(abbreviateParams(['foo', "it's", 'a\nb'])).to.equal(`['foo', "it's", 'a\\nb']`);
    expect(abbreviateParams([{ a: [1] }, new Uint8Array([1]), new Date('1974-01-05T11:59:00Z')]))
      .to.equal("[{'a': [1]}, <xmlrpclib.Binary instance>, <DateTime '19740105T11:59:00'>]");
  });

  it('cuts long params to 200 characters without printing them whole first', () => {
    const huge = 'x'.repeat(10_000_000);
    expect(abbreviateParams([huge, huge])).to.have.lengthOf(203).and.match(/^\['x+\.\.\.$/);
    // a long list is read only as far as the first 200 characters need, not element by element to its end
    let reads = 0;
    const counted = new Proxy(Array.from({ length: 100_000 }, (_, i) => i), {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    expect(abbreviateParams([counted])).to.have.lengthOf(203).and.match(/^\[\[0, 1, 2, /);
    expect(reads, 'elements read').to.be.below(200);
  });

  it('writes one line per call in order, with control characters in caller text replaced', async () => {
    const dir = await makeTempRoot('funcd-audit');
    try {
      const log = new AuditLog(path.join(dir, 'var/log/func/audit.log'));
      const peer: PeerIdentity = { cn: 'evil\ncn', subjectHash: 7, key: 'evil-7', address: '127.0.0.9', fingerprint256: '' };
      for (let i = 0; i < 100; i++) log.record(peer, i === 0 ? 'test.ping\nforged line' : 'test.add', [i]);
      await log.close();
      const lines = (await fs.readFile(path.join(dir, 'var/log/func/audit.log'), 'utf8')).trim().split('\n');
      expect(lines).to.have.lengthOf(100);
      expect(lines[0]).to.match(/ - 127\.0\.0\.9 evil\?cn 7 test\.ping\?forged\?line called with \[0\]$/);
      expect(lines[99]).to.match(/ test\.add called with \[99\]$/);
    } finally {
      await removeTempRoot(dir);
    }
  });
});
