// The two ways mock.build rebuilds an SRPM: `mock -r <chroot> --rebuild` (Copr's builders) and, where mock is not
// installed (Debian), `rpmbuild --rebuild` with its own _topdir inside the result directory; plus their results.
import fs from 'node:fs/promises';
import path from 'node:path';
import { findTool } from '../lib/run-command.js';

/** The backends a caller may ask for. */
export const BACKENDS = ['auto', 'mock', 'rpmbuild'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
export type Backend = Exclude<BackendChoice, 'auto'>;

/** One build's inputs, already checked. */
export interface BuildPlan {
  srpm: string;
  resultdir: string;
  chroot: string;
  /** rpm macros: name → value */
  define: ReadonlyArray<readonly [string, string]>;
}

/** The argv of `mock` for a plan (the program path first). */
export function mockArgv(mock: string, plan: BuildPlan): string[] {
  return [mock, '-r', plan.chroot, '--rebuild', plan.srpm, '--resultdir', plan.resultdir,
    ...plan.define.flatMap(([name, value]) => ['--define', `${name} ${value}`])];
}

/** rpmbuild's private tree inside the result directory. */
export const rpmbuildTopdir = (resultdir: string): string => path.join(resultdir, 'rpmbuild');

/** The argv of `rpmbuild --rebuild` for a plan: _topdir and _tmppath inside the result directory. */
export function rpmbuildArgv(rpmbuild: string, plan: BuildPlan): string[] {
  const top = rpmbuildTopdir(plan.resultdir);
  return [rpmbuild, '--rebuild', plan.srpm, '--define', `_topdir ${top}`, '--define', `_tmppath ${path.join(top, 'tmp')}`,
    ...plan.define.flatMap(([name, value]) => ['--define', `${name} ${value}`])];
}

/** Picks the backend: `auto` is mock when installed, else rpmbuild. Throws a sentence when the choice is not installed. */
export async function resolveBackend(choice: BackendChoice, mockCommand: string): Promise<{ backend: Backend; program: string }> {
  const mock = await findTool(mockCommand);
  if (choice === 'mock' || (choice === 'auto' && mock !== null)) {
    if (mock === null) throw new Error(`backend 'mock' asked for, but ${mockCommand} is not found on PATH`);
    return { backend: 'mock', program: mock };
  }
  const rpmbuild = await findTool('rpmbuild');
  if (rpmbuild === null) throw new Error(`backend '${choice}': neither ${mockCommand} nor rpmbuild is found on PATH`);
  return { backend: 'rpmbuild', program: rpmbuild };
}

/** The argv for a backend. */
export function backendArgv(backend: Backend, program: string, plan: BuildPlan): string[] {
  return backend === 'mock' ? mockArgv(program, plan) : rpmbuildArgv(program, plan);
}

async function rpmFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try { entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }); } catch { return out; }
  for (const e of entries) if (e.isFile() && e.name.endsWith('.rpm')) out.push(path.join(e.parentPath, e.name));
  return out.sort();
}

/**
 * The packages a finished build left: for rpmbuild, its RPMS/ and SRPMS/ are moved up into the result directory
 * (as mock leaves them) and its tree is removed. Returns the binary RPMs and the rebuilt source RPM, if any.
 */
export async function collectResults(backend: Backend, resultdir: string): Promise<{ rpms: string[]; srpm: string | null }> {
  if (backend === 'rpmbuild') {
    const top = rpmbuildTopdir(resultdir);
    for (const f of [...await rpmFilesUnder(path.join(top, 'RPMS')), ...await rpmFilesUnder(path.join(top, 'SRPMS'))]) {
      await fs.rename(f, path.join(resultdir, path.basename(f)));
    }
    await fs.rm(top, { recursive: true, force: true });
  }
  const here = (await fs.readdir(resultdir)).filter((n) => n.endsWith('.rpm')).sort();
  return {
    rpms: here.filter((n) => !n.endsWith('.src.rpm')).map((n) => path.join(resultdir, n)),
    srpm: here.filter((n) => n.endsWith('.src.rpm')).map((n) => path.join(resultdir, n))[0] ?? null,
  };
}
