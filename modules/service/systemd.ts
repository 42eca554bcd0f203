// The systemd backend of the service module: systemctl for control, list-unit-files for get_enabled and
// list-units for get_running, mapped onto func's row shapes ("foo" for foo.service).
import { runCommand } from '../lib/run-command.js';
import { SCRIPT_ENV, type EnabledRow, type RunningRow, type ServiceBackend, type ServiceCommand } from './backend.js';

const ON_STATES = new Set(['enabled', 'enabled-runtime', 'alias', 'linked', 'linked-runtime']);

function unitName(service: string): string {
  return service.includes('.') && /\.(service|socket|target|timer|mount|path)$/.test(service) ? service : `${service}.service`;
}

function shortName(unit: string): string {
  return unit.replace(/\.service$/, '');
}

function rows(text: string): string[][] {
  return text.split('\n').map((l) => l.trim().replace(/^[●*]\s*/, '')).filter((l) => l.length > 0).map((l) => l.split(/\s+/));
}

/** `systemctl list-unit-files --type=service --no-legend` → [name, "on"|"off"] (templates left out). */
export function parseUnitFiles(text: string): EnabledRow[] {
  return rows(text).filter((t) => t.length >= 2 && !(t[0] as string).endsWith('@.service'))
    .map((t) => [shortName(t[0] as string), ON_STATES.has(t[1] as string) ? 'on' : 'off']);
}

/** func's words for a unit's state: running, dead (failed), stopped (inactive), else systemd's sub-state. */
export function stateWord(active: string, sub: string): string {
  if (sub === 'running') return 'running';
  if (active === 'failed') return 'dead';
  if (active === 'inactive') return 'stopped';
  return sub;
}

/** `systemctl list-units --type=service --all --no-legend --plain` → [name, state word, "unit - description: active (sub)"]. */
export function parseUnits(text: string): RunningRow[] {
  return rows(text).filter((t) => t.length >= 4).map((t) => {
    const [unit, , active, sub, ...description] = t as [string, string, string, string, ...string[]];
    return [shortName(unit), stateWord(active, sub), `${unit} - ${description.join(' ')}: ${active} (${sub})\n`];
  });
}

export function systemdBackend(systemctl: string): ServiceBackend {
  const run = (args: string[], signal: AbortSignal) => runCommand(systemctl, ['--no-pager', ...args], { env: SCRIPT_ENV, signal });
  return {
    kind: 'systemd',
    async installed(name, signal) {
      const r = await run(['show', '--property=LoadState', '--value', '--', unitName(name)], signal);
      return r.rc === 0 && !['not-found', ''].includes(r.stdout.trim());
    },
    async control(name: string, command: ServiceCommand, signal: AbortSignal) {
      return (await run([command, '--', unitName(name)], signal)).rc;
    },
    async enabled(signal) {
      return parseUnitFiles((await run(['list-unit-files', '--type=service', '--no-legend'], signal)).stdout);
    },
    async running(signal) {
      return parseUnits((await run(['list-units', '--type=service', '--all', '--no-legend', '--plain'], signal)).stdout);
    },
  };
}
