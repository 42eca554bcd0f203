// Reads and sets kernel parameters at runtime (sysctl), falling back to /proc/sys when sysctl is absent.
// Caveat: `set` changes the running kernel's configuration; the ACL is the only barrier.
import fs from 'node:fs/promises';
import path from 'node:path';
import { arg, CommandFailedError, defineModule, InvalidArgumentsError, method, ModuleError } from '../minion/module-api.js';
import { grepMethod } from './lib/grep.js';
import { findTool, runCommand } from './lib/run-command.js';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/;

const list = method({
  description: 'Every kernel parameter as "name = value" lines (sysctl -a)',
  args: [],
  example: 'func "*" call sysctl list',
  async run(_args, ctx) {
    const sysctl = await findTool('sysctl');
    if (!sysctl) return walkProcSys();
    // sysctl -a warns about unreadable keys on stderr and may exit non-zero; the lines are what counts
    const r = await runCommand(sysctl, ['-a'], { signal: ctx.signal });
    if (r.stdout.trim() === '') throw new ModuleError(`sysctl -a printed nothing (exit ${r.rc}): ${r.stderr.trim()}`);
    return lines(r.stdout);
  },
});

export default defineModule({
  version: '0.0.1',
  apiVersion: '0.0.1',
  description: 'Configure kernel parameters at runtime',
  methods: {
    list,
    grep: grepMethod('sysctl', [['list', (ctx) => list.run([], ctx)]]),
    get: method({
      description: 'The value of one parameter, as lines (sysctl -n NAME)',
      args: [arg.string('name', 'The name of a key to read from, e.g. kernel.ostype')],
      example: 'func "*" call sysctl get kernel.hostname',
      async run([name], ctx) {
        checkName(name);
        const sysctl = await findTool('sysctl');
        if (!sysctl) return lines(await fs.readFile(procPath(name), 'utf8'));
        return lines(await sysctlChecked(sysctl, ['-n', name], ctx.signal));
      },
    }),
    set: method({
      description: 'Sets one parameter and returns sysctl\'s "name = value" lines (sysctl -w NAME=VALUE)',
      args: [
        arg.string('name', 'The name of a key to set, e.g. vm.swappiness'),
        arg.string('value', 'The value to set'),
      ],
      example: 'func "*" call sysctl set vm.swappiness 10',
      async run([name, value], ctx) {
        checkName(name);
        if (/[\0\n]/.test(value)) throw new InvalidArgumentsError('sysctl.set: the value must not contain NUL or newline characters', [{ name: 'value', expected: 'one line of text', got: 'a line break' }]);
        const sysctl = await findTool('sysctl');
        if (!sysctl) {
          await fs.writeFile(procPath(name), `${value}\n`);
          return [`${name} = ${value}`];
        }
        return lines(await sysctlChecked(sysctl, ['-w', `${name}=${value}`], ctx.signal));
      },
    }),
  },
});

/**
 * Runs sysctl for one key and returns its stdout; a non-zero exit, or an error on stderr with nothing on
 * stdout (procps exits 0 when the kernel refuses a value), is a CommandFailedError.
 */
async function sysctlChecked(sysctl: string, args: string[], signal: AbortSignal): Promise<string> {
  const r = await runCommand(sysctl, args, { signal });
  if (r.rc !== 0 || (r.stdout.trim() === '' && r.stderr.trim() !== '')) {
    throw new CommandFailedError(`sysctl exited with ${r.rc}: ${r.stderr.trim().split('\n')[0] ?? ''}`,
      { command: ['sysctl', ...args].join(' '), exitCode: r.rc, stdout: r.stdout, stderr: r.stderr });
  }
  return r.stdout;
}

/** func's result shape: stdout stripped, split at newlines. */
function lines(text: string): string[] {
  return text.trim().split('\n');
}

/** Parameter names: letters, digits, "_", ".", "-", "/" (dots and slashes separate levels); no empty level. */
function checkName(name: string): void {
  if (!NAME.test(name) || name.split(/[./]/).some((part) => part === '' || part === '..')) {
    throw new InvalidArgumentsError(`sysctl: invalid parameter name ${JSON.stringify(name)} (expected letters, digits, "_", "-", "." and "/", like kernel.hostname)`,
      [{ name: 'name', expected: 'a sysctl key like kernel.hostname', got: JSON.stringify(name) }]);
  }
}

/** /proc/sys/kernel/hostname for kernel.hostname (sysctl's rule: "." separates levels, "/" stands for a dot). */
function procPath(name: string): string {
  return path.join('/proc/sys', ...name.split('.').map((part) => part.replace(/\//g, '.')));
}

/** sysctl -a without sysctl: every readable file under /proc/sys as "name = value". */
async function walkProcSys(dir = '/proc/sys', prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const key = `${prefix}${entry.name.replace(/\./g, '/')}`;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await walkProcSys(full, `${key}.`));
    else {
      const value = await fs.readFile(full, 'utf8').catch(() => null);
      if (value !== null) out.push(...value.trim().split('\n').map((v) => `${key} = ${v.replace(/\t/g, ' ')}`));
    }
  }
  return out;
}
