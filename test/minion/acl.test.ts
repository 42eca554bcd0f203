// The minion ACL (func-compat.md §2): file parsing, host-key and method matching, the certmaster override,
// malformed lines named by file and line, and reloading when the directory or a file changes.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../common/errors.js';
import { MinionAcl, parseAclText } from '../../minion/acl.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';

describe('minion ACL', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempRoot('funcd-acl'); });
  afterEach(async () => { await removeTempRoot(dir); });

  const write = (name: string, text: string) => fs.writeFile(path.join(dir, name), text);
  const acl = (overrideKey: string | null = null) => { const a = new MinionAcl({ dir, overrideKey, checkIntervalMs: 0 }); a.load(); return a; };

  it('parses keys (trimmed, lower-cased), comma- and space-separated patterns, and skips comments', () => {
    const table = parseAclText('# comment\n\n  Host1.Example.org-123 = test.*, command.run  jobs.*\n', 'x.acl');
    expect([...table]).to.deep.equal([['host1.example.org-123', ['test.*', 'command.run', 'jobs.*']]]);
  });

  it('accumulates the patterns of one key across lines and files', async () => {
    await write('a.acl', 'h-1 = test.*\n');
    await write('b.acl', 'h-1 = command.run\nh-1 = jobs.*\n');
    await write('c.txt', 'h-1 = *\n'); // not an .acl file: ignored
    expect(acl().table().get('h-1')).to.deep.equal(['test.*', 'command.run', 'jobs.*']);
  });

  const matching: Array<[string, string, string, boolean]> = [
    ['host1.example.org-123 = test.*', 'host1.example.org-123', 'test.ping', true],
    ['host1.example.org-123 = test.*', 'host1.example.org-123', 'command.run', false],
    ['host1.example.org-123 = test.*', 'host2.example.org-123', 'test.ping', false],
    ['*.example.org-* = test.ping', 'host9.example.org-42', 'test.ping', true],
    ['*.example.org-* = test.ping', 'host9.example.org-42', 'test.pong', false],
    ['* = *', 'anyone-1', 'command.run', true],
    ['host1-1 = iptables.port.*', 'host1-1', 'iptables.port.drop_from', true],
    // keys are lower-cased, the caller's CN keeps its case: an upper-case CN only matches a glob key
    ['HOST1.example.org-7 = *', 'HOST1.example.org-7', 'test.ping', false],
    ['HOST1.example.org-7 = *', 'host1.example.org-7', 'test.ping', true],
    ['h?st*-7 = *', 'HOST1-7', 'test.ping', false],
    ['h-1 = Test.*', 'h-1', 'test.ping', false],
  ];
  for (const [line, key, method, want] of matching) {
    it(`"${line}": ${key} ${want ? 'may' : 'may not'} call ${method}`, async () => {
      await write('t.acl', `${line}\n`);
      expect(acl().allows(key, method)).to.equal(want);
    });
  }

  it('denies everything when there are no entries (and no ACL directory)', async () => {
    expect(acl().allows('h-1', 'test.ping')).to.equal(false);
    const missing = new MinionAcl({ dir: path.join(dir, 'nope') });
    missing.load();
    expect(missing.allows('h-1', 'test.ping')).to.equal(false);
  });

  it('lets the CA identity call everything (certmaster_overrides_acls), case kept', () => {
    const a = acl('vm-CA-KEY-3449585845');
    expect(a.allows('vm-CA-KEY-3449585845', 'command.run')).to.equal(true);
    expect(a.allows('vm-ca-key-3449585845', 'command.run')).to.equal(false);
    expect(a.allows('other-1', 'test.ping')).to.equal(false);
  });

  it('rejects a line without exactly one "=" with a ConfigError naming file and line', async () => {
    await write('ok.acl', 'h-1 = *\n');
    await write('zz.acl', '# one\nh-2 = test.*\nh-3 test.ping\n');
    expect(() => acl()).to.throw(ConfigError, /zz\.acl:3: malformed ACL line \(no "="/);
    await write('zz.acl', 'h-2 = a = b\n');
    expect(() => acl()).to.throw(ConfigError, /zz\.acl:1: .*2 "=" signs/);
    await write('zz.acl', ' = test.*\n');
    expect(() => acl()).to.throw(ConfigError, /zz\.acl:1: .*empty host key/);
  });

  it('reloads when a file changes, appears or disappears, and reports a broken file until it is fixed', async () => {
    await write('a.acl', 'h-1 = test.*\n');
    const a = acl();
    expect(a.allows('h-1', 'command.run')).to.equal(false);
    await write('a.acl', 'h-1 = test.*, command.run\n');
    expect(a.allows('h-1', 'command.run')).to.equal(true);
    await write('b.acl', 'h-2 = *\n');
    expect(a.allows('h-2', 'anything.at_all')).to.equal(true);
    await write('b.acl', 'broken\n');
    expect(() => a.allows('h-1', 'test.ping')).to.throw(ConfigError, /b\.acl:1/);
    expect(() => a.allows('h-1', 'test.ping')).to.throw(ConfigError, /b\.acl:1/);
    await fs.rm(path.join(dir, 'b.acl'));
    expect(a.allows('h-1', 'test.ping')).to.equal(true);
    expect(a.allows('h-2', 'test.ping')).to.equal(false);
  });

  it('looks at the files at most once per check interval', async () => {
    await write('a.acl', 'h-1 = test.*\n');
    const a = new MinionAcl({ dir, checkIntervalMs: 60_000 });
    a.load();
    await write('a.acl', 'h-1 = *\n');
    expect(a.allows('h-1', 'command.run')).to.equal(false); // not looked at yet
    a.load();
    expect(a.allows('h-1', 'command.run')).to.equal(true);
  });
});
