// command module through the real Dispatcher: func's acceptance cases, exit codes and signals, odd bytes
// on the wire, aborting a running command, large output and its cap, and the exists check.
import fs from 'node:fs/promises';
import { expect } from 'chai';
import { InvalidArgumentsError } from '../../common/errors.js';
import { decodeResponse, encodeResponse } from '../../transport/xmlrpc/codec.js';
import type { WireValue } from '../../transport/types.js';
import { moduleHarness, type ModuleHarness } from '../helpers/dispatch.js';

type RunResult = [number, string, string];

/** pids of live (non-zombie) processes whose command line is exactly `argv` */
async function processesWithArgv(argv: string[]): Promise<number[]> {
  const want = `${argv.join('\0')}\0`;
  const found: number[] = [];
  for (const pid of (await fs.readdir('/proc')).filter((e) => /^\d+$/.test(e))) {
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline === want) found.push(Number(pid));
  }
  return found;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('command module', () => {
  let h: ModuleHarness;
  before(async () => { h = await moduleHarness('command-test'); });
  after(async () => { await h.close(); });

  const run = async (...params: WireValue[]): Promise<RunResult> => await h.call('command.run', ...params) as RunResult;

  it('runs "echo -n foo" and returns [0, "foo", ""]', async () => {
    expect(await run('echo -n foo')).to.deep.equal([0, 'foo', '']);
  });

  it('runs pipelines through /bin/sh', async () => {
    const [rc, out] = await run("echo 'foobar' | grep foo");
    expect(rc).to.equal(0);
    expect(out).to.equal('foobar\n');
  });

  it('keeps state between calls through the file system (mktemp, then append and cat)', async () => {
    const [rc, name] = await run('mktemp');
    expect(rc).to.equal(0);
    const file = name.trim();
    try {
      const [, out] = await run(`echo foobar >> ${file}; cat ${file}`);
      expect(out).to.equal('foobar\n');
    } finally {
      await fs.rm(file, { force: true });
    }
  });

  it('replaces the whole environment when env is given', async () => {
    const [rc, out] = await run('env', { BLIPPYFOO: 'awesome' });
    expect(rc).to.equal(0);
    expect(out).to.contain('BLIPPYFOO=awesome');
    expect(process.env.HOME, 'the test runs with HOME set').to.be.a('string');
    expect(out).to.not.contain(`HOME=${process.env.HOME}`);
  });

  it('inherits the minion environment when env is not given', async () => {
    const [, out] = await run('echo "$PATH"');
    expect(out.trim()).to.equal(process.env.PATH);
  });

  it('runs "ls /etc/cron*" and "cal; date; uptime; ls;" without an exception', async () => {
    const [rc1, out1, err1] = await run('ls /etc/cron*');
    expect(rc1).to.be.a('number');
    expect(out1 + err1).to.not.equal('');
    const [rc2, out2] = await run('cal; date; uptime; ls;');
    expect(rc2).to.equal(0); // the last command (ls) decides; cal may be missing
    expect(out2).to.contain(String(new Date().getFullYear()));
  });

  it('returns the exit code, and minus the signal number when killed by a signal', async () => {
    expect((await run('echo oops >&2; exit 3'))).to.deep.equal([3, '', 'oops\n']);
    expect((await run('kill -9 $$'))[0]).to.equal(-9);
    expect((await run('kill -TERM $$'))[0]).to.equal(-15);
  });

  it('sends invalid UTF-8 and control bytes as a string with U+FFFD that survives XML-RPC', async () => {
    const result = await run("printf '\\377\\000\\001ok'");
    const out = result[1];
    expect(out).to.contain('ok');
    expect(out).to.contain('\uFFFD');
    const decoded = decodeResponse(encodeResponse(result));
    expect(decoded.ok).to.equal(true);
    const back = (decoded as { ok: true; value: RunResult }).value;
    expect(back[0]).to.equal(0);
    expect(back[1]).to.contain('ok').and.to.contain('\uFFFD');
  });

  it('returns 5 MB of output whole', async () => {
    const [rc, out] = await run("head -c 5242880 /dev/zero | tr '\\000' a");
    expect(rc).to.equal(0);
    expect(out.length).to.equal(5242880);
    expect(/^a+$/.test(out)).to.equal(true);
  });

  it('truncates a stream beyond 64 MiB with a marker', async function () {
    this.timeout(60000);
    const [rc, out] = await run("head -c 67109864 /dev/zero | tr '\\000' b");
    expect(rc).to.equal(0);
    const marker = out.slice(64 * 1024 * 1024);
    expect(out.slice(0, 10)).to.equal('bbbbbbbbbb');
    expect(marker).to.match(/^\n\[func: output truncated after 67108864 bytes, 1000 more bytes dropped\]\n$/);
  });

  it('kills the command when the call is aborted', async () => {
    const argv = ['sleep', `30.${process.pid}${Date.now() % 1000}`];
    const controller = new AbortController();
    const pending = h.callWith('command.run', [argv.join(' ')], { signal: controller.signal });
    pending.catch(() => { /* awaited below */ });
    await waitFor(async () => (await processesWithArgv(argv)).length > 0, 5000);
    controller.abort(new Error('test gives up'));
    let rejected = false;
    try { await pending; } catch { rejected = true; }
    expect(rejected, 'the aborted call rejects').to.equal(true);
    await waitFor(async () => (await processesWithArgv(argv)).length === 0, 10000);
  });

  it('kills group members that ignore SIGTERM with SIGKILL after a grace second', async () => {
    const argv = ['sleep', `31.${process.pid}${Date.now() % 1000}`];
    const controller = new AbortController();
    const pending = h.callWith('command.run', [`trap '' TERM; ${argv.join(' ')}; echo done`], { signal: controller.signal });
    pending.catch(() => { /* checked below */ });
    await waitFor(async () => (await processesWithArgv(argv)).length > 0, 5000);
    const started = performance.now();
    controller.abort();
    expect((await processesWithArgv(argv)).length, 'SIGTERM is ignored: still running').to.be.above(0);
    let rejected = false;
    try { await pending; } catch { rejected = true; }
    expect(rejected).to.equal(true);
    await waitFor(async () => (await processesWithArgv(argv)).length === 0, 10000);
    // a lower bound only: the SIGKILL came no earlier than the grace second (a busy machine can only make it later)
    expect(performance.now() - started).to.be.at.least(900);
  });

  it('refuses an env value that is not a string, number or boolean', async () => {
    try {
      await run('env', { X: ['a'] });
      expect.fail('expected InvalidArgumentsError');
    } catch (err) {
      expect(err).to.be.instanceOf(InvalidArgumentsError);
      expect((err as Error).message).to.contain("'X'");
    }
  });

  it('checks the argument list through the dispatcher', async () => {
    try {
      await h.call('command.run');
      expect.fail('expected InvalidArgumentsError');
    } catch (err) {
      expect(err).to.be.instanceOf(InvalidArgumentsError);
    }
  });

  it('exists() is true for an executable path and false otherwise (PATH is not searched, as in func)', async () => {
    const plain = `${h.root}/plain.txt`;
    const script = `${h.root}/script.sh`;
    await fs.writeFile(plain, 'data\n', { mode: 0o644 });
    await fs.writeFile(script, '#!/bin/sh\n', { mode: 0o755 });
    expect(await h.call('command.exists', '/bin/sh')).to.equal(true);
    expect(await h.call('command.exists', script)).to.equal(true);
    expect(await h.call('command.exists', plain)).to.equal(false);
    expect(await h.call('command.exists', '/nonexistent/thing')).to.equal(false);
    expect(await h.call('command.exists', 'no-such-command-here')).to.equal(false);
  });
});
