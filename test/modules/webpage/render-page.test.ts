// modules/webpage/render-page: HTML escaping, dnf repo ids from any repository name, repository URLs, the .repo
// file's lines, and a page whose every printed name is escaped.
import { expect } from 'chai';
import { escapeHtml, renderPage, renderRepoFile, repoId, repoUrl, type PageRepo } from '../../../modules/webpage/render-page.js';

const repo = (name: string, pkg: string): PageRepo => ({
  name, dir: `/r/${name}`, arches: ['noarch'], updated: 1700000000, id: repoId(name), repoFile: `${repoId(name)}.repo`,
  baseurl: repoUrl('https://repos.example.com', name), repoFileUrl: 'https://repos.example.com/x.repo', lastBuild: null,
  packages: [{ name: pkg, epoch: '0', version: '1.0', release: '1', arch: 'noarch', summary: pkg }],
});

describe('modules/webpage/render-page', () => {
  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).to.equal('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('keeps a plain name as the repo id and gives any other name a safe id with a hash', () => {
    expect(repoId('fedora-40-x86_64')).to.equal('fedora-40-x86_64');
    expect(repoId('epel/9')).to.match(/^epel-9-[0-9a-f]{8}$/);
    expect(repoId('<script>')).to.match(/^script--[0-9a-f]{8}$/);
    expect(repoId('a b')).to.not.equal(repoId('a-b'));
    expect(repoId('...')).to.match(/^repo-[0-9a-f]{8}$/);
  });

  it('percent-encodes each path segment of a repository URL', () => {
    expect(repoUrl('https://h/repos/', 'epel/9')).to.equal('https://h/repos/epel/9/');
    expect(repoUrl('https://h', 'a b/<c>')).to.equal('https://h/a%20b/%3Cc%3E/');
  });

  it('writes a .repo file whose values cannot start a new line', () => {
    const text = renderRepoFile({ ...repo('x', 'p'), name: 'evil\n[other]\nbaseurl=file:///' });
    expect(text.split('\n').filter((l) => l.startsWith('['))).to.have.length(1);
    expect(text).to.contain('name=evil [other] baseurl=file:///\n');
  });

  it('prints no tag from a repository or package name, and forbids scripts with its CSP', () => {
    const html = renderPage('<title>', [repo('<img src=x onerror=alert(1)>', '<script>alert(2)</script>')], 1700000000);
    const body = html.slice(html.indexOf('<body>'));
    expect(body).to.not.match(/<img|<script|<title/);
    expect(body).to.contain('&lt;img src=x onerror=alert(1)&gt;').and.to.contain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).to.contain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });
});
