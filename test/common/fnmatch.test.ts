// fnmatch: Python's shell-style wildcard rules (*, ?, [seq], [!seq]) on whole strings, case-sensitive by default.
import { expect } from 'chai';
import { fnmatch, fnmatchToRegExp, hasGlobChars } from '../../common/fnmatch.js';

describe('fnmatch', () => {
  const table: Array<[string, string, boolean]> = [
    ['test.ping', 'test.*', true],
    ['test.ping', '*', true],
    ['', '*', true],
    ['test.ping', 'test.p?ng', true],
    ['test.ping', 'test.p?g', false],
    ['test.ping', 'test', false],
    ['test', 'test.*', false],
    ['atest.ping', 'test.*', false],
    ['iptables.port.drop_from', '*.port.*', true],
    ['host1.example.org-2243050812', '*.example.org-*', true],
    ['host1.example.org-2243050812', 'host[0-9].example.org-*', true],
    ['hostA.example.org-1', 'host[0-9].example.org-*', false],
    ['hostA.example.org-1', 'host[!0-9].example.org-*', true],
    ['a]b', 'a[]]b', true],
    ['a-b', 'a[a-]b', true],
    ['a[b', 'a[b', true],            // an unclosed bracket is a literal
    ['a.b', 'a.b', true],
    ['axb', 'a.b', false],           // "." is not a wildcard
    ['a+b(c)', 'a+b(c)', true],      // regex characters are literals
    ['a\\b', 'a\\b', true],
    ['line1\nline2', 'line1*', true],
    ['Test.Ping', 'test.*', false],  // case-sensitive like fnmatch on POSIX
    ['x', '[z-a]', false],           // a reversed range matches nothing (Python 3)
  ];
  for (const [name, pattern, want] of table) {
    it(`${JSON.stringify(pattern)} ${want ? 'matches' : 'does not match'} ${JSON.stringify(name)}`, () => {
      expect(fnmatch(name, pattern)).to.equal(want);
    });
  }

  it('matches regardless of case when asked (host globs)', () => {
    expect(fnmatch('Web1.Example.org', 'web*', { ignoreCase: true })).to.equal(true);
    expect(fnmatch('Web1.Example.org', 'WEB*', { ignoreCase: true })).to.equal(true);
    expect(fnmatch('db1.example.org', 'web*', { ignoreCase: true })).to.equal(false);
  });

  it('compiles to an anchored RegExp that can be reused', () => {
    const re = fnmatchToRegExp('[wd]*');
    expect(['web1', 'db1', 'mail'].filter((n) => re.test(n))).to.deep.equal(['web1', 'db1']);
  });

  it('tells globs from plain names', () => {
    expect(hasGlobChars('web*')).to.equal(true);
    expect(hasGlobChars('web?')).to.equal(true);
    expect(hasGlobChars('web[12]')).to.equal(true);
    expect(hasGlobChars('web1.example.org')).to.equal(false);
  });
});
