// rpms module through the real Dispatcher against a throwaway rpm database (module option dbpath): two tiny
// packages built with rpmbuild and registered with --justdb, then inventory, glob, verify and progress.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { ProgressEvent } from '../../transport/types.js';
import { moduleHarness, type ModuleHarness } from '../helpers/dispatch.js';

const run = promisify(execFile);

/** A spec for a noarch package holding one file under /opt/functest. */
function spec(name: string, version: string, epoch: number | null): string {
  return [
    `Name: ${name}`, `Version: ${version}`, 'Release: 3', ...(epoch === null ? [] : [`Epoch: ${epoch}`]),
    'Summary: func test package', 'License: GPL', 'BuildArch: noarch',
    '%description', 'A throwaway package for the rpms module tests.',
    '%install', `mkdir -p %{buildroot}/opt/functest`, `echo hi > %{buildroot}/opt/functest/${name}.txt`,
    '%files', `/opt/functest/${name}.txt`, '',
  ].join('\n');
}

/** Builds the packages and registers them in a new rpm database under `dir`; returns the dbpath. */
async function throwawayRpmdb(dir: string): Promise<string> {
  const top = path.join(dir, 'rpmbuild');
  const dbpath = path.join(dir, 'rpmdb');
  await fs.mkdir(path.join(top, 'SPECS'), { recursive: true });
  for (const [name, version, epoch] of [['functest-tiny', '1.2', 2], ['functest-alpha', '0.1', null]] as const) {
    const file = path.join(top, 'SPECS', `${name}.spec`);
    await fs.writeFile(file, spec(name, version, epoch));
    await run('rpmbuild', ['--define', `_topdir ${top}`, '--define', '_build_id_links none', '-bb', file]);
  }
  await run('rpm', ['--dbpath', dbpath, '--initdb']);
  const rpms = (await fs.readdir(path.join(top, 'RPMS', 'noarch'))).map((f) => path.join(top, 'RPMS', 'noarch', f));
  await run('rpm', ['--dbpath', dbpath, '-i', '--justdb', '--nodeps', ...rpms]);
  return dbpath;
}

describe('rpms module', () => {
  let h: ModuleHarness;
  before(async function () {
    this.timeout(60000);
    h = await moduleHarness('rpms-test');
    const dbpath = await throwawayRpmdb(h.root);
    const confDir = path.join(h.root, 'etc/func/modules');
    await fs.mkdir(confDir, { recursive: true });
    await fs.writeFile(path.join(confDir, 'rpms.conf'), `[main]\ndbpath = ${dbpath}\n`);
  });
  after(async () => { await h.close(); });

  it('reads the rpm database named by the dbpath option', async () => {
    const items = await h.call('rpms.config_items') as Array<[string, string]>;
    expect(items).to.deep.equal([['dbpath', path.join(h.root, 'rpmdb')]]);
  });

  it('inventory() lists every package, sorted, flat or as 5-item lists', async () => {
    expect(await h.call('rpms.inventory')).to.deep.equal(['functest-alpha 0 0.1 3 noarch', 'functest-tiny 2 1.2 3 noarch']);
    expect(await h.call('rpms.inventory', false)).to.deep.equal([
      ['functest-alpha', 0, '0.1', '3', 'noarch'], ['functest-tiny', 2, '1.2', '3', 'noarch'],
    ]);
  });

  it('glob() filters by name pattern', async () => {
    expect(await h.call('rpms.glob', 'functest-t*')).to.deep.equal(['functest-tiny 2 1.2 3 noarch']);
    expect(await h.call('rpms.glob', 'functest-?lpha', 'False')).to.deep.equal([['functest-alpha', 0, '0.1', '3', 'noarch']]);
    expect(await h.call('rpms.glob', '-*')).to.deep.equal([]);
    expect(await h.call('rpms.glob', 'python*', false)).to.deep.equal([]);
  });

  it('verify() reports the files missing from disk, with progress', async () => {
    const events: ProgressEvent[] = [];
    const problems = await h.callWith('rpms.verify', ['functest-*'], { onProgress: (e) => events.push(e) });
    expect(problems).to.deep.equal([
      'functest-alpha /opt/functest/functest-alpha.txt file is missing',
      'functest-tiny /opt/functest/functest-tiny.txt file is missing',
    ]);
    expect(events.at(-1)).to.deep.include({ current: 2, total: 2 });
    expect(await h.call('rpms.verify', 'functest-tiny', false)).to.deep.equal([
      ['functest-tiny', '/opt/functest/functest-tiny.txt', 'file is missing'],
    ]);
  });
});
