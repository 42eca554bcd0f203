// The groups file (conf backend): reading func's INI layout, adding/removing groups and hosts, saving.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { GroupsFile, parseMemberList } from '../../overlord/groups.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';

describe('overlord groups file', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempRoot('func-groups'); });
  afterEach(async () => { await removeTempRoot(dir); });

  it('splits member lists on ";" or ",", lower-cased and without duplicates', () => {
    expect(parseMemberList('Host1, host2;HOST1,, web*')).to.deep.equal(['host1', 'host2', 'web*']);
  });

  it('reads sections with a host option, ignoring other options', async () => {
    const file = path.join(dir, 'groups');
    await fs.writeFile(file, '[WebServers]\nhost = Web1,web2\ncomment = ignored\n\n[db]\nhost = db1;db2\n\n[empty]\n');
    const g = GroupsFile.load(file);
    expect(g.groups()).to.deep.equal(['db', 'empty', 'webservers']);
    expect(g.members('webservers')).to.deep.equal(['web1', 'web2']);
    expect(g.members('DB')).to.deep.equal(['db1', 'db2']);
    expect(g.members('empty')).to.deep.equal([]);
    expect(g.members('nosuch')).to.deep.equal([]);
  });

  it('reports what changed and writes func\'s "host = a,b" layout', async () => {
    const file = path.join(dir, 'etc/func/groups');
    const g = GroupsFile.load(file);
    expect(g.groups()).to.deep.equal([]);
    expect(g.addGroup('group1')).to.equal(true);
    expect(g.addGroup('Group1')).to.equal(false);
    expect(g.addHosts('group1', ['host1', 'host2,host3'])).to.deep.equal(['host1', 'host2', 'host3']);
    expect(g.addHosts('group1', ['host1'])).to.deep.equal([]);
    expect(g.removeHosts('group1', ['host1', 'nosuch'])).to.deep.equal(['host1']);
    g.save();
    expect(await fs.readFile(file, 'utf8')).to.equal('[group1]\nhost = host2,host3\n');
    const again = GroupsFile.load(file);
    expect(again.removeGroup('group1')).to.equal(true);
    expect(again.removeGroup('group1')).to.equal(false);
  });
});
