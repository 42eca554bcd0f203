// Target expansion tables: func's own test_groups_api cases (hosts 0…99, group1 = 0…9) and the
// Web1.Example.org examples of func-compat.md §4.1, through TargetResolver and the Overlord API.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TargetError } from '../../common/errors.js';
import { GroupsFile } from '../../overlord/groups.js';
import { Overlord } from '../../overlord/overlord.js';
import { TargetResolver, type TargetSources } from '../../overlord/targets.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';

const range = (a: number, b: number): string[] => Array.from({ length: b - a }, (_, i) => String(a + i));
const sorted = (xs: string[]): string[] => [...xs].sort((a, b) => Number(a) - Number(b));

describe('overlord targets', () => {
  let root: string;
  let certroot: string;
  let sources: TargetSources;

  before(async () => {
    root = await makeTempRoot('func-targets');
    certroot = path.join(root, 'var/lib/certmaster/certmaster/certs');
    await fs.mkdir(certroot, { recursive: true });
    await Promise.all(range(0, 100).map((n) => fs.writeFile(path.join(certroot, `${n}.cert`), '')));
    const groups = new GroupsFile(path.join(root, 'etc/func/groups'));
    groups.addGroup('group1');
    groups.addHosts('group1', range(0, 10));
    groups.save();
    sources = {
      certroot, certExtension: 'cert', groupsFile: groups.file, allowUnknownMinions: false,
      resolveAliases: async (n) => [n],
    };
  });
  after(async () => { await removeTempRoot(root); });

  const cases: Array<[string, string | undefined, string[]]> = [
    ['*', undefined, range(0, 100)],
    ['[1][0-9];@group1:*', undefined, range(0, 20)],
    ['[1][0-5];@group1:[5-9]', undefined, range(5, 16)],
    ['*', '[1-9][0-9]', range(0, 10)],
    ['[1][0-5];@group1:[5-9]', '[1][3-5];@group1:[5-7]', range(8, 13)],
    ['@group1', undefined, range(0, 10)],
    ['@group1:[0-9]', undefined, range(0, 10)],
    ['@group1', '@group1:[0-9][0-9]', range(0, 10)],
    ['@group1:[1-5][0-9];@group1:[6-9][0-9]', '@group1:[1-8][0-9];@group1:[9][0-9]', []],
    ['7;42; 99 ;', undefined, ['7', '42', '99']],
    ['~[1-3]0', undefined, ['10', '20', '30']],
    ['~9\\d;@nogroup', '~9[5-9]', range(90, 95)],
  ];
  for (const [spec, exclude, expected] of cases) {
    it(`expands ${JSON.stringify(spec)}${exclude ? ` minus ${JSON.stringify(exclude)}` : ''} to ${expected.length} hosts`, async () => {
      const got = await new TargetResolver(sources).match(spec, { exclude });
      expect(sorted(got)).to.deep.equal(sorted(expected));
    });
  }

  it('treats every element as a regular expression with the regex option', async () => {
    const got = await new TargetResolver(sources).match('1\\d;2[05]', { regex: true });
    expect(sorted(got)).to.deep.equal([...range(10, 20), '20', '25']);
  });

  it('rejects an invalid regular expression with a TargetError', async () => {
    let err: unknown;
    try { await new TargetResolver(sources).match('~[oops'); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(TargetError);
    expect((err as Error).message).to.match(/invalid regular expression/);
  });

  it('leaves out the hosts of host_down_list, and says so when nothing is left', async () => {
    const down = path.join(root, 'hosts_down.lst');
    await fs.writeFile(down, '# down for maintenance\n3\n\n4\n');
    const r = new TargetResolver({ ...sources, hostDownList: down });
    expect(await r.expand('[0-5]')).to.deep.equal(['0', '1', '2', '5']);
    let err: unknown;
    try { await r.expand('[34]'); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(TargetError);
    expect((err as Error).message).to.equal('Can\'t find any minions matching "[34]".');
  });

  it('calls a literal unknown name only with allow_unknown_minions', async () => {
    expect(await new TargetResolver(sources).match('newhost.example.org')).to.deep.equal([]);
    const lax = new TargetResolver({ ...sources, allowUnknownMinions: true });
    expect(await lax.match('newhost.example.org;new*')).to.deep.equal(['newhost.example.org']);
  });

  it('finds a literal name through its DNS aliases', async () => {
    const r = new TargetResolver({ ...sources, resolveAliases: async (n) => [n, n === 'db.example.org' ? '42' : 'x'] });
    expect(await r.match('db.example.org')).to.deep.equal(['42']);
  });
});

describe('overlord targets, func-compat §4.1 examples', () => {
  let root: string;

  before(async () => {
    root = await makeTempRoot('func-targets-web');
    const certroot = path.join(root, 'var/lib/certmaster/certmaster/certs');
    const peerroot = path.join(root, 'var/lib/certmaster/peers');
    await fs.mkdir(certroot, { recursive: true });
    await fs.mkdir(peerroot, { recursive: true });
    for (const h of ['Web1.Example.org', 'web2.example.org', 'db1.example.org']) await fs.writeFile(path.join(certroot, `${h}.cert`), '');
    await fs.writeFile(path.join(certroot, 'notacert.pem'), '');
    await fs.writeFile(path.join(peerroot, 'peer1.example.org.cert'), '');
  });
  after(async () => { await removeTempRoot(root); });

  const cases: Array<[string, string | undefined, string[]]> = [
    ['web*', undefined, ['Web1.Example.org', 'web2.example.org']],
    ['WEB*', undefined, ['Web1.Example.org', 'web2.example.org']],
    ['web1.example.org;db1.example.org', undefined, ['db1.example.org', 'Web1.Example.org']],
    ['*', 'db*', ['Web1.Example.org', 'web2.example.org', 'peer1.example.org']],
    ['[wd]*', undefined, ['db1.example.org', 'Web1.Example.org', 'web2.example.org']],
    ['peer*', undefined, ['peer1.example.org']],
  ];
  for (const [spec, exclude, expected] of cases) {
    it(`lists ${JSON.stringify(spec)}${exclude ? ` minus ${JSON.stringify(exclude)}` : ''} with the names' case as on disk`, async () => {
      const o = new Overlord(spec, { root, exclude });
      expect(await o.listMinions()).to.have.members(expected).and.have.length(expected.length);
    });
  }

  it('fails with func\'s message when nothing matches (real DNS lookup of the literal name)', async () => {
    let err: unknown;
    try { await new Overlord('nonexistent.example.org', { root }).listMinions(); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(TargetError);
    expect((err as Error).message).to.equal('Can\'t find any minions matching "nonexistent.example.org".');
  });

  it('expands any spec without the overlord\'s exclusions', async () => {
    const o = new Overlord('*', { root, exclude: 'web*' });
    expect(await o.expand('*.example.org')).to.have.length(4);
    expect(await o.listMinions()).to.have.members(['db1.example.org', 'peer1.example.org']);
  });
});
