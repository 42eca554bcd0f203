// Shell completion of bin/func against real minions: hosts and @groups from the cert directory and groups file,
// subcommands, options, and module/method names from a per-overlord cache that a background process fills
// from system.list_methods; the bash and zsh scripts themselves, run by real bash and zsh.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, runBin, stopAll } from '../../helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../../helpers/temp-root.js';
import { startFleet, writeRootFile, type Fleet } from '../fleet.js';

const run = promisify(execFile);
const HOSTS = ['127.0.0.2', '127.0.0.3'];

describe('func shell completion', function () {
  this.timeout(30000);
  let fleet: Fleet;
  let cache: string;
  let env: Record<string, string>;
  const complete = async (...words: string[]): Promise<string[]> => {
    const r = await runBin('func', ['__complete', ...words], { env });
    expect(r.code, r.stderr).to.equal(0);
    return r.stdout.split('\n').filter(Boolean);
  };

  before(async () => {
    fleet = await startFleet(HOSTS);
    cache = await makeTempRoot('func-completion-cache');
    env = { ...fleet.env, XDG_CACHE_HOME: cache };
    await writeRootFile(fleet, 'etc/func/groups', '[web]\nhost = 127.0.0.2\n');
  });
  after(async () => {
    await fleet?.close();
    if (cache) await removeTempRoot(cache);
    await stopAll();
  });

  it('completes hosts and @groups in the target position, subcommands after it', async () => {
    expect(await complete('')).to.deep.equal(['*', ...HOSTS, '@web']);
    expect(await complete('@')).to.deep.equal(['@web']);
    expect(await complete('*', 'li')).to.deep.equal(['list_minions']);
    expect(await complete('-t', '3', '*', 'p')).to.deep.equal(['ping']);
    expect(await complete('*', 'call', '-e', '127.0.0.')).to.deep.equal(HOSTS);
  });

  it('completes the global options and the subcommand\'s own options', async () => {
    const opts = await complete('*', 'call', '--');
    expect(opts).to.include.members(['--json', '--async', '--exclude', '--timeout', '--forks', '--conf']);
    expect(await complete('*', 'ping', '--t')).to.deep.equal(['--timeout']);
  });

  it('completes module and method names from a cache refreshed in the background', async () => {
    // the first completion finds no cache and starts the refresh; the names appear once it has written the file
    expect(await complete('*', 'call', '')).to.deep.equal([]);
    const dir = path.join(cache, 'func-ts');
    for (let i = 0; i < 200; i++) {
      const files = await fs.readdir(dir).catch(() => [] as string[]);
      if (files.some((f) => f.endsWith('.json'))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.json'));
    expect(files).to.have.length(1);
    expect((await fs.stat(path.join(dir, files[0]!))).mode & 0o777).to.equal(0o600);
    const modules = await complete('*', 'call', '');
    expect(modules).to.include.members(['test', 'command', 'hardware', 'system']);
    expect(await complete('*', 'call', 'test', 'a')).to.deep.equal(['add']);
    expect(await complete('*', 'call', '--json', 'hardware', 'i')).to.deep.equal(['info', 'inventory']);
    expect(await complete('*', 'grep', '-m', 'sys')).to.include('sysctl');
  });

  it('bash: the script completes through func __complete', async () => {
    const bin = path.join(repoRoot, 'bin');
    const script = 'source <(func completion bash); COMP_WORDS=(func "*" pi); COMP_CWORD=2; _func_complete; printf "%s\\n" "${COMPREPLY[@]}"';
    const { stdout } = await run('bash', ['-c', script], { env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` } });
    expect(stdout).to.equal('ping\n');
  });

  it('zsh: the script completes through func __complete', async () => {
    const bin = path.join(repoRoot, 'bin');
    const script = 'compadd() { shift 2; print -l -- "$@"; }; _files() { print FILES; }; source <(func completion zsh); '
      + 'words=(func "*" list_m); CURRENT=3; _func';
    const { stdout } = await run('zsh', ['-f', '-c', script], { env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` } });
    expect(stdout).to.equal('list_minions\n');
  });
});
