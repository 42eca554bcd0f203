// Debian's real dnf, reading a repository the way a user's machine would: with its own dnf.conf, cache directory
// and repos.d under a test directory (never the system's), either through a .repo file or --repofrompath.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where one dnf instance keeps its config, cache and repos.d. */
async function dnfConfig(workDir: string, repoFiles: readonly string[]): Promise<string> {
  const reposd = path.join(workDir, 'repos.d');
  await fs.mkdir(reposd, { recursive: true });
  for (const f of repoFiles) await fs.copyFile(f, path.join(reposd, path.basename(f)));
  const conf = path.join(workDir, 'dnf.conf');
  await fs.writeFile(conf, `[main]\ncachedir=${path.join(workDir, 'cache')}\nreposdir=${reposd}\ngpgcheck=0\nkeepcache=0\n`
    + `logdir=${path.join(workDir, 'log')}\npersistdir=${path.join(workDir, 'persist')}\n`);
  return conf;
}

/** `dnf repoquery` of every package the given .repo files offer: "name-epoch:version-release.arch" lines, sorted. */
export async function dnfRepoquery(workDir: string, repoFiles: readonly string[]): Promise<string[]> {
  const conf = await dnfConfig(workDir, repoFiles);
  const { stdout } = await run('dnf', ['repoquery', '--config', conf, '--installroot', path.join(workDir, 'installroot'),
    '--releasever', '1', '--quiet', '--refresh', '--queryformat', '%{name}-%{version}-%{release}.%{arch}\n'], { timeout: 60000 });
  return stdout.split('\n').filter((l) => l.length > 0).sort();
}

/** `dnf repoquery` of one repository directory through --repofrompath (no .repo file). */
export async function dnfRepoqueryDir(workDir: string, repodir: string): Promise<string[]> {
  const conf = await dnfConfig(workDir, []);
  const { stdout } = await run('dnf', ['repoquery', '--config', conf, '--installroot', path.join(workDir, 'installroot'),
    '--releasever', '1', '--quiet', '--refresh', '--repofrompath', `local,file://${repodir}`, '--repo', 'local',
    '--setopt', 'local.gpgcheck=0', '--queryformat', '%{name}-%{version}-%{release}.%{arch}\n'], { timeout: 60000 });
  return stdout.split('\n').filter((l) => l.length > 0).sort();
}
