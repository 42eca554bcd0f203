// The file modules against hostile paths (issue 8, item 5 and "beyond the original"): devices and FIFOs are
// refused, /dev/zero no longer spins for ever, an aborted checksum stops reading, and the allowed_paths allow-list of
// getfile.conf / copyfile.conf keeps the CA's private key out of reach, symlinks included.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ModuleError } from '../../../common/errors.js';
import type { ModuleContext } from '../../../minion/module-api.js';
import { moduleHarness, anonymousPeer, type ModuleHarness } from '../../helpers/dispatch.js';

describe('file modules: hostile paths', function () {
  this.timeout(20000);
  let h: ModuleHarness;
  beforeEach(async () => { h = await moduleHarness('file-access-test'); });
  afterEach(async () => { await h.close(); });

  /** Runs a method's own code (not through the dispatcher, which gives up on abort by itself) with `signal`. */
  const runDirect = (module: string, method: string, args: unknown[], signal: AbortSignal): Promise<unknown> => {
    const resolved = h.registry.resolve(module, method)!;
    const ctx = {
      log: { debug() {}, info() {}, warn() {}, error() {} }, options: {}, signal, caller: anonymousPeer, jobId: null,
      minion: { name: 'test-minion', root: h.root }, progress() {},
    } as unknown as ModuleContext;
    return Promise.resolve(resolved.definition.run(args as never, ctx));
  };

  it('answers -1 for /dev/zero, /dev/urandom and a FIFO at once instead of probing them for ever', async () => {
    const fifo = path.join(h.root, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const file of ['/dev/zero', '/dev/urandom', fifo]) {
      const t0 = Date.now();
      expect(await h.call('getfile.chunkslen', file), file).to.equal(-1);
      expect(await h.call('getfile.getchunk', 0, file), file).to.deep.equal([-1, '']);
      expect(Date.now() - t0, file).to.be.below(1000);
    }
    expect(h.logs.some((l) => /\/dev\/zero is a device; only regular files are read/.test(l.message))).to.equal(true);
  });

  it('stops an aborted checksum of a huge file instead of reading on', async () => {
    const huge = path.join(h.root, 'sparse.img');
    await fs.writeFile(huge, '');
    await fs.truncate(huge, 64 * 1024 ** 3); // 64 GiB of holes: many seconds to read
    const controller = new AbortController();
    const t0 = Date.now();
    const run = runDirect('copyfile', 'checksum', [huge], controller.signal);
    setTimeout(() => controller.abort(new Error('caller went away')), 100);
    const err = await run.then(() => null, (e: unknown) => e as Error);
    expect(err?.message).to.equal('caller went away');
    expect(Date.now() - t0).to.be.below(1500);
  });

  it('keeps getfile to allowed_paths (real paths: a symlink out of them is refused), naming the option and file', async () => {
    const pub = path.join(h.root, 'pub');
    const ca = path.join(h.root, 'etc/pki/certmaster/ca');
    await fs.mkdir(pub, { recursive: true });
    await fs.mkdir(ca, { recursive: true });
    await fs.writeFile(path.join(pub, 'motd'), 'hello\n');
    await fs.writeFile(path.join(ca, 'certmaster.key'), '-----BEGIN PRIVATE KEY-----\n');
    await fs.symlink(path.join(ca, 'certmaster.key'), path.join(pub, 'key-link'));
    expect(await h.call('getfile.chunkslen', path.join(ca, 'certmaster.key'))).to.equal(1); // func's default: any path
    await fs.mkdir(path.join(h.root, 'etc/func/modules'), { recursive: true });
    await fs.writeFile(path.join(h.root, 'etc/func/modules/getfile.conf'), `[main]\nallowed_paths = ${pub}/*, /proc/*\n`);
    expect(await h.call('getfile.chunkslen', path.join(pub, 'motd'))).to.equal(1);
    for (const file of [path.join(ca, 'certmaster.key'), path.join(pub, 'key-link'), path.join(pub, '../etc/pki/certmaster/ca/certmaster.key')]) {
      const err = await h.call('getfile.getchunk', 0, file).then(() => null, (e: unknown) => e as Error);
      expect(err, file).to.be.instanceOf(ModuleError);
      expect(err!.message).to.include('is not allowed: it matches none of allowed_paths in /etc/func/modules/getfile.conf');
    }
  });

  it('keeps copyfile writes and checksums to allowed_paths', async () => {
    const drop = path.join(h.root, 'drop');
    await fs.mkdir(path.join(h.root, 'etc/func/modules'), { recursive: true });
    await fs.writeFile(path.join(h.root, 'etc/func/modules/copyfile.conf'), `[main]\nallowed_paths = ${drop}/*\n`);
    expect(await h.call('copyfile.copyfile', path.join(drop, 'a.txt'), Buffer.from('data'))).to.equal(1);
    const outside = path.join(h.root, 'etc/cron.d/evil');
    for (const [method, params] of [['copyfile', [outside, Buffer.from('x')]], ['open', [outside]], ['append', [outside, Buffer.from('x')]], ['checksum', [path.join(h.root, 'etc/func/modules/copyfile.conf')]]] as const) {
      const err = await h.call(`copyfile.${method}`, ...params).then(() => null, (e: unknown) => e as Error);
      expect(err?.message, method).to.include('allowed_paths in /etc/func/modules/copyfile.conf');
    }
    await fs.access(outside).then(() => expect.fail('written outside allowed_paths'), () => undefined);
  });
});
