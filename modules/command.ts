// Runs shell commands on the minion and checks whether a command exists.
// Caveat: `run` executes arbitrary shell code as the minion's user (root on a normal install); the ACL is the only barrier.
import { arg, defineModule, InvalidArgumentsError, method, optional, type WireStruct } from '../minion/module-api.js';
import { isExecutable, runCommand } from './lib/run-command.js';

/** Captured output is kept up to this many bytes per stream, then truncated with a marker line. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export default defineModule({
  version: '0.0.1',
  apiVersion: '0.0.2',
  description: 'Works with shell commands.',
  methods: {
    run: method({
      description: 'Runs a command through /bin/sh -c and returns [rc, stdout, stderr] (rc is -N when killed by signal N)',
      args: [
        arg.string('command', 'The shell command line to run (not for interactive commands)'),
        optional(arg.hash('env', 'When given, REPLACES the whole environment of the command (func semantics)')),
      ],
      example: 'func "*" call command run "ls -l /tmp"',
      // Output is decoded as UTF-8; bytes that are not valid UTF-8 arrive as U+FFFD, and the XML-RPC codec
      // replaces characters XML cannot carry, so odd output never breaks the reply. Each stream is capped at
      // 64 MiB; beyond that it is truncated and a "[func: output truncated …]" line is appended. Each output
      // line is also reported as it comes (ctx.progress), so a caller can follow a long command live.
      async run([command, env], ctx) {
        const r = await runCommand('/bin/sh', ['-c', command], {
          env: env === null ? process.env : environment(env),
          signal: ctx.signal,
          maxBytes: MAX_OUTPUT_BYTES,
          onLine: (line) => ctx.progress({ message: line }),
        });
        return [r.rc, r.stdout, r.stderr];
      },
    }),
    exists: method({
      description: 'True when the given path exists and is executable (as func, the path is checked, PATH is not searched)',
      args: [arg.string('command', 'Path of the command, e.g. /usr/bin/rsync')],
      example: 'func "*" call command exists /usr/bin/rsync',
      async run([command]) {
        return command.length > 0 && await isExecutable(command);
      },
    }),
  },
});

/** The env struct as a process environment: strings as they are, numbers and booleans as text. */
function environment(env: WireStruct): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') out[key] = String(value);
    else {
      throw new InvalidArgumentsError(`command.run: environment variable '${key}' must be a string, got ${value === null ? 'nil' : typeof value}`,
        [{ name: 'env', expected: 'hash of strings', got: `${key}: ${value === null ? 'nil' : typeof value}` }]);
    }
    if (key.includes('=') || key.includes('\0') || out[key]!.includes('\0')) {
      throw new InvalidArgumentsError(`command.run: environment variable name '${key}' or its value is not valid`,
        [{ name: 'env', expected: 'names without "=" and values without NUL', got: key }]);
    }
  }
  return out;
}
