// Hardware profile of the minion from the OS (func used smolt): info() in func's shape (func's keys, string
// values) with the PCI devices, facts() with typed values and extras (disks, hostname, uptime), grep(word).
import { arg, defineModule, fromString, method, optional, type WireStruct, type WireValue } from '../minion/module-api.js';
import { funcDevice, funcInfo, pyStr } from './hardware/func-info.js';
import { hostFacts } from './hardware/host.js';
import { pciDevices } from './hardware/pci.js';

/** func's grep result key of a method of this module. */
const GREP_INFO_KEY = 'func.minion.modules.hardware.info';

/** The facts --filter queries see: typed host facts plus func's fact tags (runlevel, kernel, cpuvendor, cpumodel). */
async function queryFacts(): Promise<WireStruct> {
  const f = await hostFacts();
  const { disks: _d, ...scalars } = f;
  return { ...scalars, runlevel: f.defaultRunlevel ?? null, kernel: f.kernelVersion ?? '', cpuvendor: f.cpuVendor ?? '', cpumodel: f.cpuModel ?? '' };
}

async function info(withDevices: boolean): Promise<WireStruct> {
  const base: WireStruct = funcInfo(await hostFacts());
  return withDevices ? { ...base, devices: (await pciDevices()).map(funcDevice) } : base;
}

/** Entries of info() that contain the word (lower case): {key: value} for facts, whole devices. */
async function grepInfo(word: string): Promise<WireValue[]> {
  const needle = word.trim().toLowerCase();
  const found: WireValue[] = [];
  for (const [k, v] of Object.entries(await info(true))) {
    if (k === 'devices') {
      for (const d of v as WireStruct[]) if (Object.values(d).some((x) => pyStr(x).toLowerCase().includes(needle))) found.push(d);
    } else if (k.toLowerCase().includes(needle) || pyStr(v).toLowerCase().includes(needle)) {
      found.push({ [k]: v });
    }
  }
  return found;
}

export default defineModule({
  version: '0.0.1',
  apiVersion: '0.0.1',
  description: 'Hardware profiler.',
  facts: queryFacts,
  methods: {
    info: method({
      description: "func's hardware facts (os, defaultRunlevel, cpuModel, numCpus, systemMemory MiB, formfactor, …) as strings and, by default, the PCI devices",
      args: [optional(fromString(arg.boolean('with_devices', 'Include the "devices" list')), true)],
      example: 'func "*" call hardware info false',
      run: ([withDevices]) => info(withDevices),
    }),
    facts: method({
      description: 'The hardware facts with typed values (numbers, booleans) plus disks, hostname and uptime',
      args: [],
      example: 'func "*" call hardware facts',
      run: () => hostFacts(),
    }),
    inventory: method({
      description: 'info() without bogomips (it changes all the time), for func-inventory diffs',
      args: [],
      example: 'func "*" call hardware inventory',
      async run() {
        const { bogomips: _b, ...stable } = await info(true);
        return stable;
      },
    }),
    hal_info: method({
      description: 'Always {}: HAL (lshal) is gone from modern systems; use info() for devices',
      args: [],
      example: 'func "*" call hardware hal_info',
      run: () => ({}),
    }),
    grep: method({
      description: 'Facts and devices of info() containing the word (case-insensitive)',
      args: [arg.string('word', 'The word to search for')],
      example: 'func "*" call hardware grep intel',
      run: async ([word]) => ({ [GREP_INFO_KEY]: await grepInfo(word) }),
    }),
  },
});
