// PCI devices for hardware.info, from /sys/bus/pci/devices, in smolt's shape (VendorID, DeviceID, Bus, Driver,
// Type, Description…); names come from pci.ids when the system has it, else Description is "".
import fs from 'node:fs/promises';
import path from 'node:path';
import type { WireStruct } from '../../minion/module-api.js';

const SYS_PCI = '/sys/bus/pci/devices';
const PCI_IDS = ['/usr/share/hwdata/pci.ids', '/usr/share/misc/pci.ids', '/usr/share/pci.ids'];

/** smolt-style type names of the PCI base classes. */
const CLASS_TYPES: Record<number, string> = {
  0x00: 'OTHER', 0x01: 'STORAGE', 0x02: 'NETWORK', 0x03: 'VIDEO', 0x04: 'MULTIMEDIA', 0x05: 'MEMORY',
  0x06: 'BRIDGE', 0x07: 'COMMUNICATION', 0x08: 'SYSTEM', 0x09: 'INPUT', 0x0a: 'DOCKING', 0x0b: 'PROCESSOR',
  0x0c: 'SERIAL', 0x0d: 'WIRELESS', 0x0e: 'INTELLIGENT', 0x0f: 'SATELLITE', 0x10: 'ENCRYPTION', 0x11: 'SIGNAL',
};

async function hexFile(file: string): Promise<number> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const n = Number.parseInt(text.trim(), 16);
  return Number.isNaN(n) ? 0 : n;
}

/** vendor "8086" → name, "8086:0d57" → device name, from the first pci.ids found. */
async function pciNames(): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const file of PCI_IDS) {
    const text = await fs.readFile(file, 'utf8').catch(() => null);
    if (text === null) continue;
    let vendor = '';
    for (const line of text.split('\n')) {
      if (line.startsWith('C ')) break; // the device-class section follows the vendors
      const v = /^([0-9a-f]{4})\s+(.*)$/.exec(line);
      const d = /^\t([0-9a-f]{4})\s+(.*)$/.exec(line);
      if (v) { vendor = v[1] as string; names.set(vendor, v[2] as string); } else if (d && vendor) names.set(`${vendor}:${d[1]}`, d[2] as string);
    }
    break;
  }
  return names;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

async function device(slot: string, names: Map<string, string>): Promise<WireStruct> {
  const dir = path.join(SYS_PCI, slot);
  const [vendor, dev, subVendor, subDevice, cls] = await Promise.all(
    ['vendor', 'device', 'subsystem_vendor', 'subsystem_device', 'class'].map((f) => hexFile(path.join(dir, f))));
  const driver = await fs.readlink(path.join(dir, 'driver')).then((l) => path.basename(l), () => '');
  const description = [names.get(hex4(vendor ?? 0)), names.get(`${hex4(vendor ?? 0)}:${hex4(dev ?? 0)}`)].filter(Boolean).join(' ');
  return {
    VendorID: vendor ?? 0,
    DeviceID: dev ?? 0,
    SubsysVendorID: subVendor ?? 0,
    SubsysDeviceID: subDevice ?? 0,
    Bus: 'pci',
    Slot: slot,
    Driver: driver,
    Type: CLASS_TYPES[(cls ?? 0) >> 16] ?? 'OTHER',
    Description: description,
  };
}

/** Every PCI device, by slot; [] when the system has no /sys/bus/pci. */
export async function pciDevices(): Promise<WireStruct[]> {
  const slots = await fs.readdir(SYS_PCI).catch(() => [] as string[]);
  if (slots.length === 0) return [];
  const names = await pciNames();
  return Promise.all(slots.sort().map((s) => device(s, names)));
}
