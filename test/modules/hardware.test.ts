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

  it('info() reports CPUs, memory, OS and kernel as the OS sees them', async () => {
    const info = await h.call('hardware.info') as Info;
    expect(info.numCpus).to.equal(os.cpus().length).and.to.be.at.least(1);
    expect(info.systemMemory).to.be.a('number').and.to.be.above(0);
    expect(info.systemMemory).to.equal(Math.round(os.totalmem() / 1048576));
    expect(info.kernelVersion).to.equal(os.release());
    expect(info.hostname).to.equal(os.hostname());
    expect(info.platform).to.equal(os.machine());
    expect(info.os).to.be.a('string').that.is.not.empty;
    expect(info.cpuModel).to.be.a('string');
    expect(info.systemSwap).to.be.a('number');
  });

  it('lists mounted block devices with their sizes', async () => {
    const info = await h.call('hardware.info', false) as Info;
    const mounts = (await fs.readFile('/proc/mounts', 'utf8')).split('\n').filter((l) => l.startsWith('/dev/'));
    expect(info.disks.length).to.equal(new Set(mounts.map((l) => l.split(' ')[1])).size);
    for (const d of info.disks) {
      expect(Object.keys(d).sort()).to.deep.equal(['device', 'fstype', 'mount', 'size']);
      expect(d.size).to.be.a('number');
    }
    expect(info).to.not.have.property('devices');
  });

  it('lists one device per /sys/bus/pci entry', async () => {
    const slots = await fs.readdir('/sys/bus/pci/devices').catch(() => [] as string[]);
    const info = await h.call('hardware.info', 'true') as Info;
    expect(info.devices!.map((d) => d.Slot)).to.deep.equal(slots.sort());
    for (const d of info.devices!) {
      expect(d.Bus).to.equal('pci');
      expect(d.VendorID).to.be.a('number');
    }
  });

  it('survives XML-RPC encoding unchanged (sizes beyond int32 travel as numbers, never bigint)', async () => {
    const info = await h.call('hardware.info') as Info;
    const decoded = decodeResponse(encodeResponse(info));
    expect(decoded).to.deep.equal({ ok: true, value: info });
  });

  it('inventory() drops bogomips and uptime, hal_info() is an empty struct', async () => {
    const inv = await h.call('hardware.inventory') as Info;
    expect(inv).to.not.have.property('bogomips');
    expect(inv).to.not.have.property('uptime');
    expect(inv.numCpus).to.equal(os.cpus().length);
    expect(inv.devices).to.be.an('array');
    expect(await h.call('hardware.hal_info')).to.deep.equal({});
  });
});
