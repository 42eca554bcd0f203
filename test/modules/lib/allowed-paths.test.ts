// modules/lib/allowed-paths: roots from an option placed under the minion root, and confinePath's refusals
// (relative, "..", NUL, outside, a symlink leading out) with the method, argument and option named.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { InvalidArgumentsError } from '../../../common/errors.js';
import { allowedRoots, confinePath } from '../../../modules/lib/allowed-paths.js';
import { makeTempRoot, removeTempRoot } from '../../helpers/temp-root.js';

describe('modules/lib/allowed-paths', () => {
  let root: string;
  let inside: string;
  before(async () => {
    root = await makeTempRoot('allowed-paths');
    inside = path.join(root, 'var/lib/func/srpms');
    await fs.mkdir(inside, { recursive: true });
    await fs.symlink('/etc', path.join(inside, 'etc-link'));
  });
  after(async () => { await removeTempRoot(root); });
  const use = { method: 'mock.build', arg: 'srpm_path', option: 'srpm_roots' };

  it('places absolute roots under the minion root, keeps ones already there, drops relative ones', () => {
    expect(allowedRoots(['/var/lib/func/srpms', 'relative', `${root}/x`], root)).to.deep.equal([inside, `${root}/x`]);
    expect(allowedRoots('/a, /b', '/')).to.deep.equal(['/a', '/b']);
  });

  it('accepts a path inside a root (existing or not) and returns it resolved', async () => {
    expect(await confinePath(`${inside}/a.src.rpm`, [inside], use)).to.equal(`${inside}/a.src.rpm`);
    expect(await confinePath(`${inside}/new/dir/x`, [inside], use)).to.equal(`${inside}/new/dir/x`);
    expect(await confinePath(`${inside}//./b.rpm`, [inside], use)).to.equal(`${inside}/b.rpm`);
  });

  for (const [what, p, why] of [
    ['a relative path', 'a.src.rpm', /is not an absolute path/],
    ['a ".." segment even when it stays inside', '/x/../x', /contains a '\.\.' segment/],
    ['a NUL byte', '/x\0y', /contains NUL/],
    ['a path outside every root', '/etc/passwd', /is outside the allowed roots; allowed roots \(option srpm_roots\)/],
    ['a sibling whose name starts like the root', '/SIBLING', /is outside the allowed roots/],
  ] as const) {
    it(`refuses ${what}, naming the method and argument`, async () => {
      const target = p === '/x/../x' ? `${inside}/../srpms/a` : p === '/SIBLING' ? `${inside}-evil/a` : p;
      try {
        await confinePath(target, [inside], use);
        expect.fail(`accepted ${target}`);
      } catch (err) {
        expect(err).to.be.instanceOf(InvalidArgumentsError);
        expect((err as Error).message).to.match(/^mock\.build: srpm_path /).and.to.match(why);
      }
    });
  }

  it('refuses a path through a symlink that leads outside the roots', async () => {
    try {
      await confinePath(`${inside}/etc-link/passwd`, [inside], use);
      expect.fail('followed the symlink out');
    } catch (err) {
      expect((err as Error).message).to.match(/is outside the allowed roots/);
    }
  });
});
