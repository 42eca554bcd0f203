// bin/func's command line: global options before or after the target and the subcommand, bad option values and
// unknown options as usage errors (exit 2), -c read as given, cert file names with control characters skipped.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runBin, stopAll } from '../../helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../../helpers/temp-root.js';

const HOSTS = ['web1', 'web2', 'db1'];

describe('func command line', function () {
  this.timeout(20000);
  let root: string;
  const func = (...args: string[]) => runBin('func', args, { root });

  before(async () => {
    root = await makeTempRoot('func-cli-options');
    const certs = path.join(root, 'var/lib/certmaster/certmaster/certs');
    await fs.mkdir(certs, { recursive: true });
    for (const h of HOSTS) await fs.writeFile(path.join(certs, `${h}.cert`), '');
    await fs.writeFile(path.join(certs, 'evil\n127.0.0.71.cert'), '');
    await fs.writeFile(path.join(certs, 'bell\u0007.cert'), '');
    await fs.mkdir(path.join(root, 'etc/func'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/func/groups'), '[web]\nhost = web1,web2\n');
  });
  after(async () => {
    await stopAll();
    if (root) await removeTempRoot(root);
  });

  it('takes global options before the target, after it, and after the subcommand', async () => {
    for (const args of [['-e', '@web', '*', 'list_minions'], ['*', '--exclude', '@web', 'list_minions'], ['*', 'list_minions', '--exclude', '@web'],
      ['*', 'list_minions', '-e', 'web*'], ['--exclude=@web', '*', 'list_minions']]) {
      const r = await func(...args);
      expect(r.stdout, args.join(' ')).to.equal('db1\n');
      expect(r.code, args.join(' ')).to.equal(0);
    }
    const re = await func('web.', 'list_minions', '--regex');
    expect(re.stdout).to.equal('web1\nweb2\n');
  });

  it('rejects bad --timeout and --forks values with a usage error naming the option, exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--timeout', '1e309', '*', 'list_minions'], /--timeout .*"1e309"/],
      [['-t', 'abc', '*', 'list_minions'], /--timeout .*"abc"/],
      [['*', 'list_minions', '-t', '-1'], /--timeout .*"-1"/],
      [['--forks', 'x', '*', 'list_minions'], /--forks .*"x"/],
      [['*', 'list_minions', '--forks', '-5'], /--forks .*"-5"/],
      [['*', 'list_minions', '--forks', '0'], /--forks .*"0"/],
      [['*', 'call', '--forks', '1.5', 'test', 'ping'], /--forks .*"1.5"/],
      [['*', 'call', '--timeout', 'abc', 'test', 'ping'], /--timeout/],
    ];
    for (const [args, re] of cases) {
      const r = await func(...args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.stderr, args.join(' ')).to.match(re);
      expect(r.stderr, args.join(' ')).not.to.match(/\n\s+at /);
      expect(r.stdout).to.equal('');
    }
  });

  it('names an unknown option and prints the subcommand\'s help, exit 2', async () => {
    const r = await func('*', 'list_minions', '--bogus');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/Unknown argument: bogus/);
    expect(r.stderr).to.match(/func <target> list_minions/);
    const before = await func('--nosuch', '*', 'ping');
    expect(before.code).to.equal(2);
    expect(before.stderr).to.match(/Unknown argument: nosuch/);
    expect(before.stderr).to.match(/func <target> ping/);
  });

  it('says which word became the target when an unknown option before it left its value behind, exit 2', async () => {
    const r = await func('--config', 'my.conf', '*', 'ping');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^func: unknown subcommand "\*"; known: call, /);
    expect(r.stderr).to.include('"my.conf" was taken as the target: before it, only the global options take a value, not --config');
    const plain = await func('*', 'nosuch');
    expect(plain.code).to.equal(2);
    expect(plain.stderr).to.not.include('taken as the target');
  });

  it('refuses a copyfile of a missing or unreadable local file in one line naming it, before calling anyone (exit 2)', async () => {
    const gone = path.join(root, 'no-such-file');
    const r = await func('web1', 'copyfile', '-f', gone, '--remotepath', '/tmp/x');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal(`func: copyfile: cannot send ${gone}: no such file\n`);
    const dir = await func('web1', 'copyfile', '-f', root, '--remotepath', '/tmp/x');
    expect(dir.code).to.equal(2);
    expect(dir.stderr).to.equal(`func: copyfile: cannot send ${root}: not a regular file\n`);
  });

  it('reads -c FILE as given (not under FUNC_ROOT) and fails on a missing one', async () => {
    const missing = await func('-c', path.join(root, 'nope.conf'), '*', 'list_minions');
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.equal(`func: cannot read the overlord config given with -c: ${path.join(root, 'nope.conf')} (ENOENT)\n`);
    // a file outside FUNC_ROOT is read where it is, not looked up under the root
    const outside = await makeTempRoot('func-cli-conf');
    try {
      await fs.writeFile(path.join(outside, 'o.conf'), '[main]\nallow_unknown_minions = yes\n');
      expect((await func('zzz', 'list_minions')).code).to.equal(1);
      const r = await func('-c', path.join(outside, 'o.conf'), 'zzz', 'list_minions');
      expect(r.stdout).to.equal('zzz\n');
      expect(r.code).to.equal(0);
    } finally {
      await removeTempRoot(outside);
    }
  });

  it('skips certificate file names with control characters, with a warning', async () => {
    const r = await func('*', 'list_minions');
    expect(r.stdout).to.equal('db1\nweb1\nweb2\n');
    expect(r.stderr).to.include('"evil\\n127.0.0.71.cert"');
    expect(r.stderr).to.include('control characters');
    expect(r.code).to.equal(0);
  });

  it('keeps func\'s "Can\'t find any minions matching" with exit 1', async () => {
    const r = await func('nosuch*', 'list_minions');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('Can\'t find any minions matching "nosuch*"');
  });

  it('says what is missing when there is no subcommand (usage error, exit 2)', async () => {
    const r = await func('*');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/no subcommand given/);
  });
});
