// Renders the repository page (static HTML, readable without JavaScript, every name escaped, scripts forbidden by
// its Content-Security-Policy), repos.json and each repository's .repo file, from the scanned repositories.
import crypto from 'node:crypto';
import type { WireStruct, WireValue } from '../../minion/module-api.js';
import type { ScannedRepo } from './scan-repos.js';

/** A repository as the page lists it. */
export interface PageRepo extends ScannedRepo {
  /** the dnf repo id of its .repo file */
  id: string;
  /** the .repo file's name, beside index.html */
  repoFile: string;
  baseurl: string;
  /** where the .repo file is served (for dnf config-manager --add-repo) */
  repoFileUrl: string;
  /** the last recorded build, when there is one */
  lastBuild: WireStruct | null;
}

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A dnf repo id for a repository name: letters, digits and ._:- kept, the rest as "-", plus a hash when changed. */
export function repoId(name: string): string {
  const plain = name.replace(/[^A-Za-z0-9._:-]/g, '-').replace(/^[.-]+/, '').slice(0, 80) || 'repo';
  return plain === name ? plain : `${plain}-${crypto.createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

/** The URL of a repository: the base URL plus each path segment percent-encoded. */
export function repoUrl(baseurl: string, name: string): string {
  return `${baseurl.replace(/\/+$/, '')}/${name.split('/').map(encodeURIComponent).join('/')}/`;
}

/** One line of a .repo file: no newline may leave the value. */
const iniValue = (v: string): string => v.replace(/[\r\n]+/g, ' ');

/** The .repo file dnf reads for a repository. */
export function renderRepoFile(r: PageRepo): string {
  return `[${r.id}]\nname=${iniValue(r.name)}\nbaseurl=${iniValue(r.baseurl)}\nenabled=1\ngpgcheck=0\nrepo_gpgcheck=0\nmetadata_expire=60\n`;
}

const when = (epoch: number): string => new Date(epoch * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

function buildCell(b: WireStruct | null): string {
  if (b === null) return '<td class="none">none recorded</td>';
  const ok = b.ok === true;
  const parts = [ok ? 'succeeded' : String(b.state ?? 'failed')];
  for (const k of ['package', 'builder']) if (typeof b[k] === 'string') parts.push(`${k} ${b[k] as string}`);
  if (typeof b.finished === 'number') parts.push(when(b.finished));
  return `<td class="${ok ? 'ok' : 'failed'}">${escapeHtml(parts.join(' · '))}</td>`;
}

function repoSection(r: PageRepo): string {
  const rows = r.packages.map((p) => `<tr><td>${escapeHtml(p.name)}</td><td>${escapeHtml(`${p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}`)}</td>`
    + `<td>${escapeHtml(p.arch)}</td><td>${escapeHtml(p.summary)}</td></tr>`).join('\n');
  return `<section id="repo-${escapeHtml(r.id)}">
<h2>${escapeHtml(r.name)}</h2>
<p>Install: <code>dnf config-manager --add-repo ${escapeHtml(r.repoFileUrl)}</code>
 or save <a href="${escapeHtml(encodeURIComponent(r.repoFile))}">${escapeHtml(r.repoFile)}</a> in /etc/yum.repos.d/.</p>
<table class="packages"><thead><tr><th>Package</th><th>Version</th><th>Arch</th><th>Summary</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="4">no packages</td></tr>'}
</tbody></table>
</section>`;
}

/** The whole index.html. */
export function renderPage(title: string, repos: readonly PageRepo[], generated: number): string {
  const summary = repos.map((r) => `<tr><td><a href="#repo-${escapeHtml(r.id)}">${escapeHtml(r.name)}</a></td><td>${escapeHtml(r.arches.join(', ') || '—')}</td>`
    + `<td class="num">${r.packages.length}</td><td>${escapeHtml(when(r.updated))}</td>${buildCell(r.lastBuild)}`
    + `<td><a href="${escapeHtml(encodeURIComponent(r.repoFile))}">${escapeHtml(r.repoFile)}</a></td></tr>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: left; }
th { background: #f0f0f0; } td.num { text-align: right; } td.ok { color: #176117; } td.failed { color: #a31515; }
code { background: #f6f6f6; padding: 0.1em 0.3em; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${repos.length} ${repos.length === 1 ? 'repository' : 'repositories'}, generated ${escapeHtml(when(generated))}.</p>
<table class="repos"><thead><tr><th>Repository</th><th>Architectures</th><th>Packages</th><th>Last update</th><th>Last build</th><th>.repo file</th></tr></thead>
<tbody>
${summary || '<tr><td colspan="6">no repositories yet</td></tr>'}
</tbody></table>
${repos.map(repoSection).join('\n')}
</body>
</html>
`;
}

/** repos.json: the same listing for programs. */
export function renderJson(repos: readonly PageRepo[], generated: number): string {
  const list: WireValue[] = repos.map((r) => ({
    name: r.name, id: r.id, baseurl: r.baseurl, repo_file: r.repoFile, arches: r.arches, package_count: r.packages.length,
    updated: r.updated, last_build: r.lastBuild,
    packages: r.packages.map((p) => ({ name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch })),
  }));
  return `${JSON.stringify({ generated, repos: list }, null, 1)}\n`;
}
