// Creates and updates yum/dnf repositories with createrepo_c: one run at a time per repository directory,
// concurrent requests coalesced into one run; add() copies packages in first. Paths are confined to the option roots.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  arg, defineModule, InvalidArgumentsError, method, ModuleError, opt, type ModuleContext, type WireStruct,
} from '../minion/module-api.js';
import { allowedRoots, confinePath } from './lib/allowed-paths.js';
import { findTool } from './lib/run-command.js';
import { RepoRunQueue, type RepoRun } from './createrepo/repo-runs.js';

/** One queue per createrepo_c program path, shared by every call in this process. */
const queues = new Map<string, RepoRunQueue>();

const repodirArg = arg.string('repodir', 'Absolute path of the repository directory, inside the repo_roots option');

export default defineModule({
  version: '0.1.0',
  apiVersion: '0.0.1',
  description: 'Creates and updates yum/dnf repositories with createrepo_c',
  optionsFile: 'Createrepo',
  available: async () => (await findTool('createrepo_c')) !== null || 'createrepo_c not found on PATH',
  options: {
    repo_roots: opt('list', ['/var/lib/func/repos']),
    rpm_roots: opt('list', ['/var/lib/func/builds', '/var/lib/func/incoming']),
    createrepo_command: opt('string', 'createrepo_c'),
  },
  methods: {
    create: method({
      description: 'Makes the directory if needed and writes its repodata; returns {ok, rc, repodir, packages, run, coalesced}',
      args: [repodirArg],
      example: 'func repohost call createrepo create /var/lib/func/repos/fedora-40-x86_64',
      async run([repodir], ctx) {
        const dir = await repoDir(ctx, repodir, 'create');
        await fs.mkdir(dir, { recursive: true });
        return runResult(dir, await (await queue(ctx)).request(dir));
      },
    }),
    update: method({
      description: 'Regenerates the repodata (createrepo_c --update when it exists); returns {ok, rc, repodir, packages, run, coalesced}',
      args: [repodirArg],
      example: 'func repohost call createrepo update /var/lib/func/repos/fedora-40-x86_64',
      async run([repodir], ctx) {
        const dir = await repoDir(ctx, repodir, 'update');
        if (!(await fs.stat(dir).catch(() => null))?.isDirectory()) {
          throw new ModuleError(`createrepo.update: no repository directory ${dir} (make it with createrepo.create)`, 'exceptions.IOError');
        }
        return runResult(dir, await (await queue(ctx)).request(dir));
      },
    }),
    add: method({
      description: 'Copies RPMs (paths inside the rpm_roots option) into the repository, then updates it; returns {ok, rc, repodir, packages, added}',
      args: [repodirArg, arg.list('rpm_paths', 'Absolute paths of the .rpm files to add')],
      example: 'func repohost call createrepo add /var/lib/func/repos/fedora-40-x86_64 "[\'/var/lib/func/incoming/hello-1.0-1.noarch.rpm\']"',
      async run([repodir, rpmPaths], ctx) {
        const dir = await repoDir(ctx, repodir, 'add');
        const sources = await checkPackages(ctx, rpmPaths);
        await fs.mkdir(dir, { recursive: true });
        const added: string[] = [];
        for (const src of sources) added.push(await copyInto(src, dir));
        ctx.log.info(`createrepo.add ${dir}: copied ${added.join(' ')}`);
        return { ...await runResult(dir, await (await queue(ctx)).request(dir)), added };
      },
    }),
  },
});

async function queue(ctx: ModuleContext): Promise<RepoRunQueue> {
  const name = String(ctx.options.createrepo_command);
  const program = await findTool(name);
  if (program === null) throw new ModuleError(`createrepo: ${name} not found on PATH`, 'exceptions.OSError');
  let q = queues.get(program);
  if (!q) {
    q = new RepoRunQueue({ program });
    queues.set(program, q);
  }
  return q;
}

function repoDir(ctx: ModuleContext, repodir: string, what: string): Promise<string> {
  return confinePath(repodir, allowedRoots(ctx.options.repo_roots, ctx.minion.root), { method: `createrepo.${what}`, arg: 'repodir', option: 'repo_roots' });
}

/** Every rpm path checked: a string, a .rpm file name, inside rpm_roots, an existing regular file. */
async function checkPackages(ctx: ModuleContext, list: readonly unknown[]): Promise<string[]> {
  if (list.length === 0) throw new InvalidArgumentsError('createrepo.add: rpm_paths is empty', [{ name: 'rpm_paths', expected: 'at least one .rpm path', got: '[]' }]);
  const roots = allowedRoots(ctx.options.rpm_roots, ctx.minion.root);
  const out: string[] = [];
  for (const p of list) {
    if (typeof p !== 'string' || !p.endsWith('.rpm')) {
      throw new InvalidArgumentsError(`createrepo.add: rpm_paths must hold paths of .rpm files, got ${JSON.stringify(p)}`,
        [{ name: 'rpm_paths', expected: 'paths ending in .rpm', got: JSON.stringify(p) }]);
    }
    const file = await confinePath(p, roots, { method: 'createrepo.add', arg: 'rpm_paths', option: 'rpm_roots' });
    if (!(await fs.stat(file).catch(() => null))?.isFile()) throw new ModuleError(`createrepo.add: no package at ${file}`, 'exceptions.IOError');
    out.push(file);
  }
  return out;
}

/** Copies a package into the repository under its own name (through a temp file, so createrepo_c never sees half of it). */
async function copyInto(src: string, dir: string): Promise<string> {
  const name = path.basename(src);
  const temp = path.join(dir, `.${name}.${crypto.randomBytes(4).toString('hex')}.part`);
  await fs.copyFile(src, temp);
  await fs.rename(temp, path.join(dir, name));
  return name;
}

async function runResult(dir: string, r: RepoRun): Promise<WireStruct> {
  const packages = (await fs.readdir(dir)).filter((n) => n.endsWith('.rpm') && !n.startsWith('.')).sort();
  const result: WireStruct = { ok: r.rc === 0, rc: r.rc, repodir: dir, packages, run: r.run, coalesced: r.requests > 1, duration: r.duration };
  return r.rc === 0 ? result : { ...result, output: `${r.stdout}${r.stderr}`.slice(-8000) };
}
