// Tiny RPM packages for the build tests, made with the real rpmbuild: a spec written from a few fields, turned
// into an SRPM with `rpmbuild -bs`; plus `rpm -qp` of a package and a /proc scan for a build's leftover processes.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What the tiny package is called and what its %build does. */
export interface TinySpec {
  name: string;
  version?: string;
  /** the %build script (default: an echo) */
  build?: string;
  /** appended to Release (e.g. "%{?dist}") */
  releaseSuffix?: string;
  summary?: string;
}

/** The spec text of a noarch package that installs one file. */
export function tinySpecText(s: TinySpec): string {
  return [
    `Name: ${s.name}`, `Version: ${s.version ?? '1.0'}`, `Release: 1${s.releaseSuffix ?? ''}`,
    `Summary: ${s.summary ?? `tiny test package ${s.name}`}`, 'License: MIT', 'BuildArch: noarch', '',
    '%description', `The ${s.name} package of the func-ts build tests.`, '',
    '%prep', '', '%build', s.build ?? `echo "building ${s.name}"`, '',
    '%install', `mkdir -p %{buildroot}/usr/share/${s.name}`, `echo ${s.name} > %{buildroot}/usr/share/${s.name}/hello.txt`, '',
    '%files', `/usr/share/${s.name}/hello.txt`, '',
  ].join('\n');
}

/** Writes the spec under `dir` and makes its SRPM with `rpmbuild -bs`; resolves with the SRPM's path. */
export async function makeSrpm(dir: string, spec: TinySpec): Promise<string> {
  const work = path.join(dir, `spec-${spec.name}-${spec.version ?? '1.0'}`);
  await fs.mkdir(work, { recursive: true });
  const specFile = path.join(work, `${spec.name}.spec`);
  await fs.writeFile(specFile, tinySpecText(spec));
  const { stdout } = await run('rpmbuild', ['-bs', '--define', `_topdir ${work}/top`, '--define', `_sourcedir ${work}`, specFile]);
  const m = /Wrote: (\S+\.src\.rpm)/.exec(stdout);
  if (!m) throw new Error(`rpmbuild -bs wrote no SRPM:\n${stdout}`);
  return m[1]!;
}

/** `rpm -qp --qf '%{NAME} %{VERSION} %{RELEASE} %{ARCH}'` of a package file. */
export async function queryPackage(file: string): Promise<{ name: string; version: string; release: string; arch: string }> {
  const { stdout } = await run('rpm', ['-qp', '--qf', '%{NAME}|%{VERSION}|%{RELEASE}|%{ARCH}', file]);
  const [name = '', version = '', release = '', arch = ''] = stdout.trim().split('|');
  return { name, version, release, arch };
}

/** pids of live processes whose environment holds `mark` (e.g. "FUNC_BUILD_ID=…"). */
export async function processesWithEnv(mark: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of (await fs.readdir('/proc')).filter((e) => /^\d+$/.test(e))) {
    const env = await fs.readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
    if (env.split('\0').includes(mark)) found.push(Number(pid));
  }
  return found;
}

/** Builds the binary RPM of a tiny spec with `rpmbuild -bb` into `dir`; resolves with its path. */
export async function makeRpm(dir: string, spec: TinySpec): Promise<string> {
  const srpm = await makeSrpm(dir, spec);
  const top = path.join(path.dirname(srpm), '..', 'rebuild');
  const { stdout } = await run('rpmbuild', ['--rebuild', '--define', `_topdir ${top}`, '--define', `_tmppath ${top}/tmp`, srpm]);
  const m = /Wrote: (\S+\.noarch\.rpm)/.exec(stdout);
  if (!m) throw new Error(`rpmbuild --rebuild wrote no RPM:\n${stdout}`);
  const out = path.join(dir, path.basename(m[1]!));
  await fs.rename(m[1]!, out);
  return out;
}
