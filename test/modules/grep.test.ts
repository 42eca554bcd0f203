// func's per-module grep through the real Dispatcher: hardware, process, sysctl, filetracker, service and rpms
// answer {"func.minion.modules.<module>.<method>": [matches]} from their own listings, case-insensitively.
import { expect } from 'chai';
import os from 'node:os';
import { moduleHarness, type ModuleHarness } from '../helpers/dispatch.js';
import type { WireValue } from '../../transport/types.js';

type GrepResult = Record<string, WireValue[]>;

describe('module grep', function () {
  this.timeout(30000);
  let h: ModuleHarness;
  before(async () => { h = await moduleHarness('grep-test'); });
  after(async () => { await h.close(); });

  it('hardware.grep finds info() facts by key or value, as {key: value} entries', async () => {
    const r = await h.call('hardware.grep', 'CPU') as GrepResult;
    expect(Object.keys(r)).to.deep.equal(['func.minion.modules.hardware.info']);
    const found = r['func.minion.modules.hardware.info']!;
    expect(found).to.deep.include({ numCpus: String(os.cpus().length) });
    expect(found.every((e) => JSON.stringify(e).toLowerCase().includes('cpu'))).to.equal(true);
    const none = await h.call('hardware.grep', 'no-such-word-xyzzy') as GrepResult;
    expect(none).to.deep.equal({ 'func.minion.modules.hardware.info': [] });
  });

  it('process.grep finds ps lines (token lists) containing the word', async () => {
    const r = await h.call('process.grep', String(process.pid)) as GrepResult;
    const rows = r['func.minion.modules.process.info'] as string[][];
    expect(rows.some((row) => row[1] === String(process.pid))).to.equal(true);
  });

  it('sysctl.grep finds "name = value" lines', async () => {
    const r = await h.call('sysctl.grep', 'KERNEL.OSTYPE') as GrepResult;
    expect(r['func.minion.modules.sysctl.list']).to.deep.include('kernel.ostype = Linux');
  });

  it('filetracker.grep finds tracked paths', async () => {
    await h.call('filetracker.track', '/etc/hosts');
    const r = await h.call('filetracker.grep', 'hosts') as GrepResult;
    const rows = r['func.minion.modules.filetracker.inventory'] as WireValue[][];
    expect(rows.map((e) => e[0])).to.deep.equal(['/etc/hosts']);
    const none = await h.call('filetracker.grep', 'passwd') as GrepResult;
    expect(none['func.minion.modules.filetracker.inventory']).to.deep.equal([]);
  });

  it('service.grep searches get_running and get_enabled by service name', async () => {
    if (!h.registry.has('service')) {
      // the module is unavailable here (no init system): its grep is refused like any of its methods
      await h.call('service.grep', 'ssh').then(() => expect.fail('service.grep answered'), (err: Error) => expect(err.name).to.equal('ModuleNotFoundError'));
      return;
    }
    const r = await h.call('service.grep', 'zzz-no-such-service') as GrepResult;
    expect(r).to.deep.equal({ 'func.minion.modules.service.get_running': [], 'func.minion.modules.service.get_enabled': [] });
  });

  it('rpms.grep searches the package inventory', async () => {
    const r = await h.call('rpms.grep', 'zzz-no-such-package') as GrepResult;
    expect(r).to.deep.equal({ 'func.minion.modules.rpms.inventory': [] });
  });
});
