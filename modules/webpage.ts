// Keeps a static web page of the yum/dnf repositories under a directory up to date: index.html, repos.json and a
// .repo file per repository, each replaced atomically; every name is escaped. The root is confined to the option's roots.
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  arg, defineModule, InvalidArgumentsError, method, opt, optional, type ModuleContext, type WireStruct, type WireValue,
} from '../minion/module-api.js';
import { allowedRoots, confinePath } from './lib/allowed-paths.js';
import { writeFileAtomic } from '../common/atomic-write.js';
import { renderJson, renderPage, renderRepoFile, repoId, repoUrl, type PageRepo } from './webpage/render-page.js';
import { findRepoDirs, readRepo } from './webpage/scan-repos.js';

/** Where recorded build results are kept, beside index.html. */
const BUILDS_FILE = '.func-builds.json';
const OPTION_KEYS = ['baseurl', 'title', 'builds'];

export default defineModule({
  version: '0.1.0',
  apiVersion: '0.0.1',
  description: 'Writes a static web page listing the yum/dnf repositories under a directory',
  optionsFile: 'Webpage',
  options: {
    repos_roots: opt('list', ['/var/lib/func/repos']),
    default_title: opt('string', 'Package repositories'),
  },
  methods: {
    update: method({
      description: 'Scans the repositories under repos_root, writes index.html, repos.json and a .repo file for each; returns {ok, path, repos}',
      args: [
        arg.string('repos_root', 'Absolute path of the directory holding the repositories, inside the repos_roots option'),
        optional(arg.hash('options', 'baseurl (URL prefix of the repositories, default file://<repos_root>), title, builds {repo: last build result}'), {}),
      ],
      example: 'func repohost call webpage update /var/lib/func/repos "{\'baseurl\': \'https://repos.example.com\'}"',
      async run([reposRoot, options], ctx) {
        const root = await confinePath(reposRoot, allowedRoots(ctx.options.repos_roots, ctx.minion.root),
          { method: 'webpage.update', arg: 'repos_root', option: 'repos_roots' });
        const o = readOptions(options, root, String(ctx.options.default_title));
        await fs.mkdir(root, { recursive: true });
        const builds = await recordBuilds(root, o.builds);
        const repos = await scan(ctx, root, o.baseurl, builds);
        const now = Date.now() / 1000;
        for (const r of repos) await writeFileAtomic(path.join(root, r.repoFile), renderRepoFile(r), { mode: 0o644 });
        await writeFileAtomic(path.join(root, 'repos.json'), renderJson(repos, now), { mode: 0o644 });
        const page = path.join(root, 'index.html');
        await writeFileAtomic(page, renderPage(o.title, repos, now), { mode: 0o644 });
        ctx.log.info(`webpage.update ${page}: ${repos.length} repositories`);
        return {
          ok: true, path: page,
          repos: repos.map((r) => ({ name: r.name, repo_file: r.repoFile, arches: r.arches, package_count: r.packages.length, updated: r.updated })),
        };
      },
    }),
  },
});

function readOptions(options: WireStruct, root: string, defaultTitle: string): { baseurl: string; title: string; builds: WireStruct } {
  const bad = (key: string, expected: string, got: WireValue | undefined): never => {
    throw new InvalidArgumentsError(`webpage.update: options.${key} must be ${expected}, got ${JSON.stringify(String(got))}`,
      [{ name: `options.${key}`, expected, got: String(got) }]);
  };
  for (const k of Object.keys(options)) if (!OPTION_KEYS.includes(k)) bad(k, `one of the known options (${OPTION_KEYS.join(', ')})`, k);
  const { baseurl = `file://${root}`, title = defaultTitle, builds = {} } = options;
  if (typeof baseurl !== 'string' || !/^(https?|file|ftp):\/\/[^\s"'<>]*$/.test(baseurl)) bad('baseurl', 'an http(s), ftp or file URL without spaces or quotes', baseurl);
  if (typeof title !== 'string' || title.length > 200) bad('title', 'a string of at most 200 characters', title);
  if (typeof builds !== 'object' || builds === null || Array.isArray(builds) || builds instanceof Uint8Array) bad('builds', 'a hash of repository name → build result', builds);
  return { baseurl: baseurl as string, title: title as string, builds: builds as WireStruct };
}

/** Merges newly reported build results into the recorded ones (scalar fields only) and returns them all. */
async function recordBuilds(root: string, fresh: WireStruct): Promise<Record<string, WireStruct>> {
  const file = path.join(root, BUILDS_FILE);
  const known = JSON.parse(await fs.readFile(file, 'utf8').catch(() => '{}')) as Record<string, WireStruct>;
  if (Object.keys(fresh).length === 0) return known;
  for (const [repo, result] of Object.entries(fresh)) {
    if (typeof result !== 'object' || result === null || Array.isArray(result) || result instanceof Uint8Array) continue;
    known[repo] = Object.fromEntries(Object.entries(result).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v)));
  }
  await writeFileAtomic(file, JSON.stringify(known, null, 1), { mode: 0o644 });
  return known;
}

async function scan(ctx: ModuleContext, root: string, baseurl: string, builds: Record<string, WireStruct>): Promise<PageRepo[]> {
  const out: PageRepo[] = [];
  for (const dir of await findRepoDirs(root)) {
    try {
      const r = await readRepo(root, dir);
      const id = repoId(r.name);
      const repoFile = `${id}.repo`;
      out.push({ ...r, id, repoFile, baseurl: repoUrl(baseurl, r.name), repoFileUrl: `${baseurl.replace(/\/+$/, '')}/${encodeURIComponent(repoFile)}`, lastBuild: builds[r.name] ?? null });
    } catch (err) {
      ctx.log.warn(`webpage.update: skipping ${dir}: ${(err as Error).message}`);
    }
  }
  return out;
}
