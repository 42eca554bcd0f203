// Hardware profile of the minion from the OS (func used smolt): CPU, memory, OS, disks and PCI devices.
import { arg, defineModule, fromString, method, optional } from '../minion/module-api.js';
import { hostFacts } from './hardware/host.js';
import { pciDevices } from './hardware/pci.js';

export default defineModule({
  version: '0.0.1',
  apiVersion: '0.0.1',
  description: 'Hardware profiler.',
  methods: {
    info: method({
      description: 'A struct of hardware facts (os, kernelVersion, cpuModel, numCpus, systemMemory MiB, disks, …) and, by default, the PCI devices',
      args: [optional(fromString(arg.boolean('with_devices', 'Include the "devices" list')), true)],
      example: 'func "*" call hardware info false',
      async run([withDevices]) {
        const facts = await hostFacts();
        return withDevices ? { ...facts, devices: await pciDevices() } : facts;
      },
    }),
    inventory: method({
      description: 'info() without the facts that change all the time (bogomips, uptime), for func-inventory diffs',
      args: [],
      example: 'func "*" call hardware inventory',
      async run() {
        const { bogomips: _b, uptime: _u, ...stable } = await hostFacts();
        return { ...stable, devices: await pciDevices() };
      },
    }),
    hal_info: method({
      description: 'Always {}: HAL (lshal) is gone from modern systems; use info() for devices',
      args: [],
      example: 'func "*" call hardware hal_info',
      run: () => ({}),
    }),
  },
});
