// Process reporting and control: ps listings, per-program memory, kill/pkill and the load average.
// Caveat: kill and pkill signal any process the minion's user may signal (root: all of them); the ACL is the only barrier.
import fs from 'node:fs/promises';
import { accepting, arg, defineModule, method, ModuleError, optional } from '../minion/module-api.js';
import { findTool, runCommand } from './lib/run-command.js';
import { grepMethod } from './lib/grep.js';
import { memoryByProgram } from './process/mem.js';

/** func's process module raises func.minion.codes.FuncException (an absolute import). */
const FUNC_EXCEPTION = 'func.minion.codes.FuncException';

const mem = method({
  description: 'Per-program memory use as [[private, shared, total, program]…] (strings like "49.8 MiB")',
  args: [],
  example: 'func "*" call process mem',
  run: () => memoryByProgram(),
});

const info = method({
  description: 'ps output as a list of lines, each split into whitespace-separated tokens (func splits the command too)',
  args: [optional(arg.string('flags', 'Flags for ps (several may be given, separated by spaces)'), '-auxh')],
  example: 'func "*" call process info "-auxh"',
  async run([flags], ctx) {
    const args = flags.split(/\s+/).filter((f) => f.length > 0);
    const r = await runCommand(await tool('ps'), args, { signal: ctx.signal, env: { ...process.env, LANG: 'C' } });
    // ps warns about odd flag formats; warnings are not errors
    if (r.stderr.trim() !== '' && !r.stderr.startsWith('Warning')) throw new ModuleError(r.stderr.split('\n')[0] ?? '', FUNC_EXCEPTION);
    return r.stdout.split('\n').map((line) => line.split(/\s+/).filter((t) => t.length > 0)).filter((t) => t.length > 0);
  },
});

export default defineModule({
  version: '0.0.1',
  apiVersion: '0.0.1',
  description: 'Process related reporting and control.',
  methods: {
    info,
    mem,
    memory: { ...mem, description: 'Same as mem', example: 'func "*" call process memory' },
    grep: grepMethod('process', [['info', (ctx) => info.run(['-auxh'], ctx)]]),
    kill: method({
      description: 'Sends a signal to one process with /bin/kill and returns its exit code (pid 0 and process groups are refused)',
      args: [
        accepting(arg.int('pid', 'The pid of the process to signal'), 'string'),
        optional(arg.string('signal', 'Signal name or number, e.g. TERM, KILL, HUP, 9'), 'TERM'),
      ],
      example: 'func "*" call process kill 4242 HUP',
      async run([pid, signal], ctx) {
        const id = String(pid).trim();
        if (id === '0') throw new ModuleError('Killing pid group 0 not permitted', FUNC_EXCEPTION);
        if (!/^\d+$/.test(id)) throw new ModuleError(`Invalid pid ${JSON.stringify(String(pid))}: expected a positive process id (process groups are not permitted)`, FUNC_EXCEPTION);
        const sig = signal === '' ? '-TERM' : signal.startsWith('-') ? signal : `-${signal}`;
        if (!/^-[A-Za-z0-9+]+$/.test(sig)) throw new ModuleError(`Invalid signal ${JSON.stringify(signal)}`, FUNC_EXCEPTION);
        const kill = await fs.access('/bin/kill').then(() => '/bin/kill', () => tool('kill'));
        return (await runCommand(kill, [sig, id], { signal: ctx.signal })).rc;
      },
    }),
    pkill: method({
      description: 'Signals processes by name with pkill and returns its exit code (0 matched, 1 none)',
      args: [
        arg.string('name', 'Process name pattern (a regular expression, as pkill takes it)', { minLength: 1 }),
        optional(arg.string('level', 'One pkill option such as "-9" or "-f" (empty: TERM by name)'), ''),
      ],
      example: 'func "*" call process pkill thunderbird -9',
      async run([name, level], ctx) {
        if (level !== '' && !/^-[A-Za-z0-9+]+$/.test(level)) throw new ModuleError(`Invalid level ${JSON.stringify(level)}: expected an option like "-9"`, FUNC_EXCEPTION);
        const args = level === '' ? ['--', name] : [level, '--', name];
        return (await runCommand(await tool('pkill'), args, { signal: ctx.signal })).rc;
      },
    }),
    loadavg: method({
      description: 'The five fields of /proc/loadavg as strings (1, 5, 15 minute loads, runnable/total, last pid)',
      args: [],
      example: 'func "*" call process loadavg',
      async run() {
        return (await fs.readFile('/proc/loadavg', 'utf8')).trim().split(' ');
      },
    }),
  },
});

/** A system tool's path, or a ModuleError naming what is missing. */
async function tool(name: string): Promise<string> {
  const found = await findTool(name);
  if (!found) throw new ModuleError(`${name} not found on PATH`, FUNC_EXCEPTION);
  return found;
}
