// hardware module through the real Dispatcher: the facts match what the OS reports, devices follow
// /sys/bus/pci, the struct survives XML-RPC encoding (no bigint), inventory drops volatile facts, hal_info is {}.
import fs from 'node:fs/promises';
import os from 'node:os';
import { expect } from 'chai';
import { decodeResponse, encodeResponse } from '../../transport/xmlrpc/codec.js';
import type { WireValue } from '../../transport/types.js';
import { moduleHarness, type ModuleHarness } from '../helpers/dispatch.js';

type Info = Record<string, WireValue> & { disks: Array<Record<string, WireValue>>; devices?: Array<Record<string, WireValue>> };

describe('hardware module', () => {
  let h: ModuleHarness;
  before(async () => { h = await moduleHarness('hardware-test'); });
  after(async () => { await h.close(); });

  it('info() has func\'s keys, every value a string (Python str()), defaultRunlevel and formfactor included', async () => {
    const info = await h.call('hardware.info', false) as Record<string, WireValue>;
    expect(Object.keys(info).sort()).to.deep.equal(['bogomips', 'cpuModel', 'cpuSpeed', 'cpuVendor', 'defaultRunlevel', 'formfactor',
      'kernelVersion', 'language', 'numCpus', 'os', 'platform', 'selinux_enabled', 'selinux_enforce', 'systemMemory', 'systemModel',
      'systemSwap', 'systemVendor']);
    for (const [k, v] of Object.entries(info)) expect(v, k).to.be.a('string');
    expect(info.numCpus).to.equal(String(os.cpus().length));
    expect(info.systemMemory).to.equal(String(Math.round(os.totalmem() / 1048576)));
    expect(info.kernelVersion).to.equal(os.release());
    expect(info.selinux_enabled).to.be.oneOf(['True', 'False']);
    expect(info.defaultRunlevel).to.match(/^(\d|Unknown)$/);
    expect(info.formfactor).to.be.a('string').that.is.not.empty;
  });

  it('facts() keeps typed values and the extras (hostname, uptime, disks) out of info()', async () => {
    const facts = await h.call('hardware.facts') as Info;
    expect(facts.numCpus).to.equal(os.cpus().length);
    expect(facts.systemMemory).to.equal(Math.round(os.totalmem() / 1048576));
    expect(facts.hostname).to.equal(os.hostname());
    expect(facts.platform).to.equal(os.machine());
    expect(facts.uptime).to.be.a('number');
    expect(facts.selinux_enabled).to.be.a('boolean');
    const mounts = (await fs.readFile('/proc/mounts', 'utf8')).split('\n').filter((l) => l.startsWith('/dev/'));
    expect(facts.disks.length).to.equal(new Set(mounts.map((l) => l.split(' ')[1])).size);
    for (const d of facts.disks) {
      expect(Object.keys(d).sort()).to.deep.equal(['device', 'fstype', 'mount', 'size']);
      expect(d.size).to.be.a('number');
    }
    const info = await h.call('hardware.info') as Info;
    for (const extra of ['hostname', 'uptime', 'disks']) expect(info).to.not.have.property(extra);
  });

  it('lists one device per /sys/bus/pci entry, values as strings', async () => {
    const slots = await fs.readdir('/sys/bus/pci/devices').catch(() => [] as string[]);
    const info = await h.call('hardware.info', 'true') as Info;
    expect(info.devices!.map((d) => d.Slot)).to.deep.equal(slots.sort());
    for (const d of info.devices!) {
      expect(d.Bus).to.equal('pci');
      expect(d.VendorID).to.be.a('string');
    }
  });

  it('survives XML-RPC encoding unchanged (sizes beyond int32 travel as numbers, never bigint)', async () => {
    const info = await h.call('hardware.info') as Info;
    const decoded = decodeResponse(encodeResponse(info));
    expect(decoded).to.deep.equal({ ok: true, value: info });
  });

  it('inventory() drops bogomips, hal_info() is an empty struct', async () => {
    const inv = await h.call('hardware.inventory') as Info;
    expect(inv).to.not.have.property('bogomips');
    expect(inv).to.not.have.property('uptime');
    expect(inv.numCpus).to.equal(String(os.cpus().length));
    expect(inv.devices).to.be.an('array');
    expect(await h.call('hardware.hal_info')).to.deep.equal({});
  });
});
