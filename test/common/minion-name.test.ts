// resolveMinionName (func-compat.md §7.5): override, minion_name lower-cased, then the route-based guess.
import { expect } from 'chai';
import os from 'node:os';
import path from 'node:path';
import { resolveMinionName, routeAddress } from '../../common/minion-name.js';
import { writeIni } from '../helpers/pki.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';

describe('resolveMinionName', () => {
  let root: string;
  before(async () => { root = await makeTempRoot('minion-name'); });
  after(async () => { await removeTempRoot(root); });

  it('takes an override first, lower-cased', async () => {
    await writeIni(path.join(root, 'etc/func/minion.conf'), { minion_name: 'FromConf' });
    expect(await resolveMinionName(root, { override: 'Given.Example' })).to.equal('given.example');
  });

  it('takes minion_name from <root>/etc/func/minion.conf, lower-cased', async () => {
    await writeIni(path.join(root, 'etc/func/minion.conf'), { minion_name: 'Web-01.Example.ORG' });
    expect(await resolveMinionName(root)).to.equal('web-01.example.org');
  });

  it('finds the local address that routes to certmaster, without certmaster running', async () => {
    expect(await routeAddress('127.0.0.1', 9)).to.equal('127.0.0.1');
    expect(await routeAddress('no-such-host.invalid', 9, 2000)).to.equal(null);
  });

  it('without minion_name, guesses from the route: never a loopback name, else gethostname() or the local IP', async () => {
    await writeIni(path.join(root, 'etc/func/minion.conf'), { minion_name: '' });
    const name = await resolveMinionName(root, { certmaster: '127.0.0.1', certmasterPort: 51235, timeoutMs: 2000 });
    expect(name).to.not.match(/^localhost/);
    expect([os.hostname().toLowerCase(), '127.0.0.1']).to.include(name);
    const unreachable = await resolveMinionName(root, { certmaster: 'no-such-host.invalid', timeoutMs: 2000 });
    expect([os.hostname().toLowerCase(), '127.0.0.1']).to.include(unreachable);
  });
});
