// The npm package as a user gets it: `npm pack` carries the built code, the bundles and the man pages and
// nothing else; `npm install -g --prefix DIR` of the tarball gives working commands without dev dependencies,
// and the loopback demo (certmaster + funcd + func) runs from the installed commands.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';

const run = promisify(execFile);

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('npm package', function () {
  this.timeout(240000);
  let scratch: string;
  let tarball: string;
  let prefix: string;

  before(async () => {
    scratch = await makeTempRoot('func-package');
    // dist/ is already built by the suite's set-up; prepack (npm run build) would rebuild it under other tests' feet
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: repoRoot, maxBuffer: 16 << 20 });
    const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(scratch, path.basename(info!.filename));
    prefix = path.join(scratch, 'prefix');
    await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: scratch, maxBuffer: 16 << 20 });
  });
  after(async () => {
    if (scratch) await removeTempRoot(scratch);
  });

  it('builds before packing, and lists the man pages', async () => {
    const pkg = JSON.parse(await fs.readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string>; man: string[] };
    expect(pkg.scripts.prepack).to.equal('npm run build');
    expect(pkg.man.map((m) => path.basename(m)).sort()).to.deep.equal(
      ['certmaster-ca.8', 'certmaster-request.8', 'certmaster.8', 'func-transmit.1', 'func.1', 'funcd.8']);
  });

  it('carries the built code, bundles and man pages, and no tests, benchmarks, sources or source maps', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    for (const f of ['dist/bundle/func.js', 'dist/overlord/cli/func.js', 'dist/minion/cli/funcd.js', 'dist/modules/test.js',
      'dist/man/man1/func.1', 'dist/man/man8/funcd.8', 'bin/func', 'bin/launch.js', 'etc/systemd/funcd.service']) {
      expect(files, f).to.include(f);
    }
    expect(files.filter((f) => /^(dist\/)?(test|bench|tools|scripts)\//.test(f) || f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).to.deep.equal([]);
  });

  it('installs working commands and man pages without dev dependencies', async () => {
    const installed = path.join(prefix, 'lib/node_modules/func-ts');
    const deps = await fs.readdir(path.join(installed, 'node_modules'));
    for (const dev of ['mocha', 'typescript', 'esbuild', 'chai', '@types']) expect(deps, dev).not.to.include(dev);
    expect(deps).to.include('yargs');
    for (const cmd of ['func', 'funcd', 'certmaster', 'certmaster-ca', 'certmaster-request', 'func-transmit', 'func-amqp-setup']) {
      const { stdout } = await run(path.join(prefix, 'bin', cmd), ['--help']);
      expect(stdout, cmd).to.match(/Options:/);
    }
    await fs.access(path.join(prefix, 'share/man/man1/func.1'));
    await fs.access(path.join(prefix, 'share/man/man8/certmaster-ca.8'));
  });

  it('the installed func: options anywhere, usage errors (exit 2), --json, jobs, completion, man page', async () => {
    const root = path.join(scratch, 'root');
    const certs = path.join(root, 'var/lib/certmaster/certmaster/certs');
    await fs.mkdir(certs, { recursive: true });
    for (const h of ['web1', 'db1']) await fs.writeFile(path.join(certs, `${h}.cert`), '');
    const func = path.join(prefix, 'bin', 'func');
    const env = { ...process.env, FUNC_ROOT: root };
    const list = await run(func, ['*', 'list_minions', '--json', '--exclude', 'db*'], { env });
    expect(JSON.parse(list.stdout)).to.deep.equal(['web1']);
    const bad = await run(func, ['*', 'ping', '--bogus'], { env }).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(bad?.code).to.equal(2);
    expect(bad?.stderr).to.match(/Unknown argument: bogus/);
    const timeout = await run(func, ['-t', '1e309', '*', 'ping'], { env }).then(() => null, (e: { code: number }) => e);
    expect(timeout?.code).to.equal(2);
    expect(JSON.parse((await run(func, ['jobs', '--json'], { env })).stdout)).to.deep.equal([]);
    expect((await run(func, ['completion', 'zsh'], { env })).stdout).to.match(/compdef _func func/);
    const man = await run('man', ['-l', path.join(prefix, 'share/man/man1/func.1')], { env: { ...env, MANWIDTH: '100' } });
    expect(man.stdout).to.match(/EXIT STATUS/);
  });

  it('runs the loopback demo from the installed commands', async () => {
    const env = {
      ...process.env, FUNC_BIN: path.join(prefix, 'bin'), DEMO_PIPELINE: 'no',
      DEMO_CERTMASTER_PORT: String(await freePort('127.0.0.1')), DEMO_MINION_PORT: String(await freePort('127.0.0.1')),
    };
    const { stdout } = await run('bash', [path.join(repoRoot, 'scripts/demo.sh')], { env, cwd: scratch, timeout: 120000 });
    expect(stdout).to.include('== func "*" call test ping');
    expect(stdout).to.match(/127\.0\.0\.1:?\s+1\b|127\.0\.0\.1: 1/);
    expect(stdout).to.include('{"127.0.0.1":3}');
    expect(stdout).to.include('[ ok ... ] 127.0.0.1');
  });
});
