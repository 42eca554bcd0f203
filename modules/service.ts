// Controls and lists system services: systemctl when systemd is PID 1, else the /etc/init.d scripts.
// Caveat: start/stop/restart act on the real system; in a container with systemctl but no systemd the init scripts are used.
import { arg, defineModule, InvalidArgumentsError, method, ModuleError, type ModuleContext } from '../minion/module-api.js';
import { grepMethod } from './lib/grep.js';
import { detectInitSystem, type ServiceBackend, type ServiceCommand } from './service/backend.js';
import { systemdBackend } from './service/systemd.js';
import { sysvBackend } from './service/sysv.js';

/** func's service module raises codes.FuncException (its top-level import of codes), see func-compat §1.5. */
const FUNC_EXCEPTION = 'codes.FuncException';
/** Init-script and unit names: no shell metacharacters, no path separators, no leading "-" or ".". */
const SERVICE_NAME = /^[A-Za-z0-9_@][A-Za-z0-9_@.:+-]*$/;

const serviceName = arg.string('service_name', 'The name of the service, e.g. sshd', { minLength: 1, maxLength: 255 });

/** One of start/stop/restart/reload/status, described for get_method_args. */
function control(command: ServiceCommand, description: string) {
  return method({
    description,
    args: [serviceName],
    example: `func "*" call service ${command} sshd`,
    async run([name], ctx) {
      const service = checkName(name);
      const backend = await backendFor();
      if (!await backend.installed(service, ctx.signal)) throw new ModuleError(`Service not installed: ${service}`, FUNC_EXCEPTION);
      return backend.control(service, command, ctx.signal);
    },
  });
}

const get_enabled = method({
  description: 'Services and where they are enabled: [name, ["0:off", …, "6:off"]] (init scripts) or [name, "on"|"off"] (systemd)',
  args: [],
  example: 'func "*" call service get_enabled',
  run: async (_args, ctx) => (await backendFor()).enabled(ctx.signal),
});

const get_running = method({
  description: 'Every service with its state and status output: [name, "running"|"dead"|"locked"|"stopped"|…, output]',
  args: [],
  example: 'func "*" call service get_running',
  run: async (_args, ctx) => running(await backendFor(), ctx),
});

export default defineModule({
  version: '0.0.1',
  apiVersion: '0.0.1',
  description: 'Allows for service control via func.',
  available: async () => {
    const init = await detectInitSystem();
    return init.kind === null ? init.reason : true;
  },
  methods: {
    start: control('start', 'Starts a service; returns the exit code of the init system'),
    stop: control('stop', 'Stops a service; returns the exit code of the init system'),
    restart: control('restart', 'Restarts a service; returns the exit code of the init system'),
    reload: control('reload', 'Reloads a service\'s configuration; returns the exit code of the init system'),
    status: control('status', 'Status of a service as its exit code (0 running, 3 stopped, per LSB)'),
    get_enabled,
    get_running,
    grep: grepMethod('service', [['get_running', (ctx) => get_running.run([], ctx)], ['get_enabled', (ctx) => get_enabled.run([], ctx)]], 'first'),
    inventory: method({
      description: 'Both lists: {"running": get_running(), "enabled": get_enabled()}',
      args: [],
      example: 'func "*" call service inventory',
      async run(_args, ctx) {
        const backend = await backendFor();
        const [runningRows, enabled] = await Promise.all([running(backend, ctx), backend.enabled(ctx.signal)]);
        return { running: runningRows, enabled };
      },
    }),
  },
});

async function running(backend: ServiceBackend, ctx: ModuleContext) {
  ctx.progress({ status: 'querying services' });
  return backend.running(ctx.signal);
}

/** The backend for this host (detected on every call: cheap, and an init system can appear). */
async function backendFor(): Promise<ServiceBackend> {
  const init = await detectInitSystem();
  if (init.kind === 'systemd') return systemdBackend(init.systemctl);
  if (init.kind === 'sysv') return sysvBackend;
  throw new ModuleError(`no init system to drive: ${init.reason}`, FUNC_EXCEPTION);
}

/** The trimmed name (func strips spaces), or InvalidArgumentsError for anything that is not a plain service name. */
function checkName(name: string): string {
  const service = name.trim();
  if (!SERVICE_NAME.test(service) || service.includes('..')) {
    throw new InvalidArgumentsError(`service: invalid service name ${JSON.stringify(name)} (letters, digits and _ @ . : + - only)`,
      [{ name: 'service_name', expected: 'a service name like sshd', got: JSON.stringify(name) }]);
  }
  return service;
}
