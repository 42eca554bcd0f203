// sysctl module through the real Dispatcher, read-only: list, get of well-known keys, failures of the tool
// as CommandFailedError, and name validation (set is only exercised on keys the kernel refuses).
import fs from 'node:fs/promises';
import os from 'node:os';
import { expect } from 'chai';
import { CommandFailedError, InvalidArgumentsError } from '../../common/errors.js';
import { moduleHarness, type ModuleHarness } from '../helpers/dispatch.js';

describe('sysctl module', () => {
  let h: ModuleHarness;
  before(async () => { h = await moduleHarness('sysctl-test'); });
  after(async () => { await h.close(); });

  it('list() gives "name = value" lines, kernel.hostname among them', async () => {
    const lines = await h.call('sysctl.list') as string[];
    expect(lines.length).to.be.above(50);
    expect(lines).to.include(`kernel.hostname = ${os.hostname()}`);
  });

  it('get() returns the value lines of a key', async () => {
    expect(await h.call('sysctl.get', 'kernel.hostname')).to.deep.equal([os.hostname()]);
    const ostype = (await fs.readFile('/proc/sys/kernel/ostype', 'utf8')).trim();
    expect(await h.call('sysctl.get', 'kernel.ostype')).to.deep.equal([ostype]);
  });

  it('fails with CommandFailedError for a key that does not exist or cannot be set', async () => {
    // one call at a time: started together, the second could reject before anything awaits it
    for (const call of [() => h.call('sysctl.get', 'no.such.key.here'), () => h.call('sysctl.set', 'kernel.ostype', 'Plan9')]) {
      try {
        await call();
        expect.fail('expected CommandFailedError');
      } catch (err) {
        expect(err).to.be.instanceOf(CommandFailedError);
        expect((err as Error).message).to.match(/^sysctl exited with \d+/);
      }
    }
    expect((await fs.readFile('/proc/sys/kernel/ostype', 'utf8')).trim()).to.not.equal('Plan9');
  });

  it('refuses names that are not sysctl keys', async () => {
    for (const bad of ['kernel.hostname;reboot', '-a', 'kernel..hostname', 'a b', '../../etc/passwd']) {
      try {
        await h.call('sysctl.get', bad);
        expect.fail(`accepted ${bad}`);
      } catch (err) {
        expect(err, bad).to.be.instanceOf(InvalidArgumentsError);
      }
    }
  });
});
