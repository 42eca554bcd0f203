// Host facts for hardware.info, read from the OS the way smolt reported them to func: /proc/cpuinfo,
// /proc/meminfo, /etc/os-release, DMI in /sys and mounted block devices. Sizes are plain numbers (never bigint).
import fs from 'node:fs/promises';
import os from 'node:os';
import type { WireStruct } from '../../minion/module-api.js';
import { defaultRunlevel, formFactor } from './func-info.js';

const MIB = 1024 * 1024;

async function read(file: string): Promise<string | null> {
  return fs.readFile(file, 'utf8').then((t) => t.trim(), () => null);
}

/** "key : value" lines (the first CPU block of /proc/cpuinfo, or /proc/meminfo). */
function fields(text: string | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (text ?? '').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !out.has(line.slice(0, i).trim())) out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

/** PRETTY_NAME of /etc/os-release, else "Linux 6.1.0" style. */
async function osName(): Promise<string> {
  const release = fields((await read('/etc/os-release'))?.replace(/=/g, ':') ?? null);
  return release.get('PRETTY_NAME')?.replace(/^"|"$/g, '') ?? `${os.type()} ${os.release()}`;
}

/** SELinux state as smolt gave it: enabled flag and "enforcing" / "permissive" / "disabled". */
async function selinux(): Promise<{ enabled: boolean; enforce: string }> {
  const enforce = await read('/sys/fs/selinux/enforce');
  if (enforce === null) return { enabled: false, enforce: 'disabled' };
  return { enabled: true, enforce: enforce === '1' ? 'enforcing' : 'permissive' };
}

/** The CPU facts: vendor, model, speed in MHz, bogomips (x86 "vendor_id"/"model name", others' equivalents). */
function cpuFacts(cpuinfo: Map<string, string>): WireStruct {
  const cpus = os.cpus();
  const model = cpuinfo.get('model name') ?? cpuinfo.get('cpu model') ?? cpuinfo.get('Model') ?? cpus[0]?.model ?? '';
  return {
    cpuVendor: cpuinfo.get('vendor_id') ?? cpuinfo.get('CPU implementer') ?? cpuinfo.get('vendor') ?? '',
    cpuModel: model,
    cpuSpeed: Math.round(Number(cpuinfo.get('cpu MHz') ?? cpus[0]?.speed ?? 0)),
    numCpus: cpus.length,
    bogomips: cpuinfo.get('bogomips') ?? cpuinfo.get('BogoMIPS') ?? '',
  };
}

/** Mounted block devices: [{device, size (bytes), mount, fstype}], one entry per mount point. */
export async function disks(): Promise<WireStruct[]> {
  const mounts = (await read('/proc/mounts')) ?? '';
  const out: WireStruct[] = [];
  const seen = new Set<string>();
  for (const line of mounts.split('\n')) {
    const [device = '', mount = '', fstype = ''] = line.split(' ').map((f) => f.replace(/\\040/g, ' '));
    if (!device.startsWith('/dev/') || seen.has(mount)) continue;
    seen.add(mount);
    const st = await fs.statfs(mount).catch(() => null);
    out.push({ device, size: st ? st.blocks * st.bsize : 0, mount, fstype });
  }
  return out;
}

/** Everything but the devices list. */
export async function hostFacts(): Promise<WireStruct> {
  const [cpuinfo, meminfo, sel] = await Promise.all([read('/proc/cpuinfo'), read('/proc/meminfo'), selinux()]);
  const mem = fields(meminfo);
  const swapKiB = Number.parseInt(mem.get('SwapTotal') ?? '0', 10) || 0;
  return {
    os: await osName(),
    kernelVersion: os.release(),
    platform: os.machine(),
    hostname: os.hostname(),
    ...cpuFacts(fields(cpuinfo?.split('\n\n')[0] ?? null)),
    systemMemory: Math.round(os.totalmem() / MIB),
    systemSwap: Math.round(swapKiB / 1024),
    uptime: Math.round(os.uptime()),
    language: process.env.LANG ?? 'C',
    systemVendor: (await read('/sys/class/dmi/id/sys_vendor')) ?? '',
    systemModel: (await read('/sys/class/dmi/id/product_name')) ?? '',
    selinux_enabled: sel.enabled,
    selinux_enforce: sel.enforce,
    defaultRunlevel: await defaultRunlevel(),
    formfactor: await formFactor(),
    disks: await disks(),
  };
}
