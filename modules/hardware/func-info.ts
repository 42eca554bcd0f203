// hardware.info as func returned it from smolt: func's keys only (defaultRunlevel and formfactor included) and
// every value a string (Python's str(): True/False, numbers in decimal). Typed extras are in hardware.facts().
import fs from 'node:fs/promises';
import type { WireStruct, WireValue } from '../../minion/module-api.js';

/** The keys func's hardware.info has (smolt's host facts), in its order. */
export const FUNC_INFO_KEYS = [
  'os', 'defaultRunlevel', 'bogomips', 'cpuVendor', 'cpuModel', 'numCpus', 'cpuSpeed', 'systemMemory', 'systemSwap',
  'kernelVersion', 'language', 'platform', 'systemVendor', 'systemModel', 'formfactor', 'selinux_enabled', 'selinux_enforce',
] as const;

// SMBIOS chassis types (DMI /sys/class/dmi/id/chassis_type), named as smolt named them
const CHASSIS: Record<number, string> = {
  1: 'Other', 2: 'Unknown', 3: 'Desktop', 4: 'Low Profile Desktop', 5: 'Pizza Box', 6: 'Mini Tower', 7: 'Tower',
  8: 'Portable', 9: 'Laptop', 10: 'Notebook', 11: 'Hand Held', 12: 'Docking Station', 13: 'All In One',
  14: 'Sub Notebook', 15: 'Space-saving', 16: 'Lunch Box', 17: 'Main Server Chassis', 18: 'Expansion Chassis',
  19: 'Sub Chassis', 20: 'Bus Expansion Chassis', 21: 'Peripheral Chassis', 22: 'RAID Chassis', 23: 'Rack Mount Chassis',
  24: 'Sealed-case PC', 25: 'Multi-system', 26: 'CompactPCI', 27: 'AdvancedTCA', 28: 'Blade', 29: 'Blade Enclosure',
  30: 'Tablet', 31: 'Convertible', 32: 'Detachable', 33: 'IoT Gateway', 34: 'Embedded PC', 35: 'Mini PC', 36: 'Stick PC',
};

/** The chassis name from DMI, "Unknown" when there is no DMI (containers, most VMs without it). */
export async function formFactor(): Promise<string> {
  const raw = await fs.readFile('/sys/class/dmi/id/chassis_type', 'utf8').catch(() => '');
  return CHASSIS[Number.parseInt(raw, 10)] ?? 'Unknown';
}

// systemd targets as SysV runlevels
const TARGET_RUNLEVEL: Record<string, number> = {
  'poweroff.target': 0, 'rescue.target': 1, 'multi-user.target': 3, 'graphical.target': 5, 'reboot.target': 6,
  'runlevel0.target': 0, 'runlevel1.target': 1, 'runlevel2.target': 2, 'runlevel3.target': 3, 'runlevel4.target': 4,
  'runlevel5.target': 5, 'runlevel6.target': 6,
};

/** The default runlevel: systemd's default.target mapped to a runlevel, else /etc/inittab's initdefault, else null. */
export async function defaultRunlevel(): Promise<number | null> {
  for (const link of ['/etc/systemd/system/default.target', '/lib/systemd/system/default.target', '/usr/lib/systemd/system/default.target']) {
    const target = await fs.readlink(link).catch(() => null);
    const level = target ? TARGET_RUNLEVEL[target.split('/').pop()!] : undefined;
    if (level !== undefined) return level;
  }
  const inittab = await fs.readFile('/etc/inittab', 'utf8').catch(() => '');
  const m = /^[^#:]*:(\d):initdefault:/m.exec(inittab);
  return m ? Number(m[1]) : null;
}

/** Python's str() of a value as smolt's facts held them. */
export function pyStr(v: WireValue): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null) return 'None';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** func's info struct from our typed facts: func's keys, string values. */
export function funcInfo(facts: WireStruct): Record<string, string> {
  return Object.fromEntries(FUNC_INFO_KEYS.map((k) => [k, pyStr(facts[k] ?? (k === 'defaultRunlevel' ? 'Unknown' : ''))]));
}

/** A PCI device with string values, as func's devices list gave them. */
export function funcDevice(device: WireStruct): Record<string, string> {
  return Object.fromEntries(Object.entries(device).map(([k, v]) => [k, pyStr(v)]));
}
