// Just a very simple example module: func's `test`, the model every other module file follows, and the
// methods the test suites and benchmarks use (progress, output).
import { setTimeout as delay } from 'node:timers/promises';
import {
  accepting, arg, defineModule, fromString, method, opt, optionItems, ModuleError,
  type OptionValue, type WireValue,
} from '../minion/module-api.js';

/** func's Test.Config.testvalue: a class attribute, not an option, so the file's `testvalue = 100` never shows. */
const TEST_VALUE = 'this is a test. It is only a test';
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const OUTPUT_LINE = 'The quick brown fox jumps over the lazy dog; func test output.\n';

export default defineModule({
  name: 'test',
  version: '11.11.11',
  apiVersion: '0.0.1',
  description: 'Just a very simple example module',
  optionsFile: 'Test',
  options: {
    example: opt('string', '1'),
    string_option: opt('string', 'some string here'),
    int_option: opt('int', 37),
    bool_option: opt('bool', true),
    float_option: opt('float', 3.14159),
  },
  methods: {
    ping: method({
      description: 'Ping the minion', args: [], example: 'func "*" call test ping',
      run: () => 1,
    }),
    add: method({
      description: 'Gives back the sum of 2 integers',
      args: [accepting(arg.int('numb1', 'An int'), 'string', 'float'), accepting(arg.int('numb2', 'An int'), 'string', 'float')],
      example: 'func "*" call test add 1 2',
      run: ([a, b]) => add(a, b),
    }),
    echo: method({
      description: 'Echoes back the sent data', args: [arg.any('data', 'The message to send')],
      example: 'func "*" call test echo "hello world"',
      run: ([data]) => data,
    }),
    sleep: method({
      description: 'Sleep for a while',
      args: [fromString(accepting(arg.int('t', 'Num of sec', { min: 0 }), 'float'))],
      example: 'func "*" call test sleep 5',
      run: async ([t], ctx) => {
        const total = Math.trunc(t);
        for (let s = 1; s <= total; s++) {
          await delay(1000, undefined, { signal: ctx.signal });
          ctx.progress({ current: s, total });
        }
        return Date.now() / 1000;
      },
    }),
    explode: method({
      description: 'Raises an exception', args: [], example: 'func "*" call test explode',
      run: () => { throw new ModuleError('khhhhhhaaaaaan!!!!!!'); },
    }),
    explode_no_string: method({
      description: 'Raises an exception without a message', args: [], example: 'func "*" call test explode_no_string',
      run: () => { throw new ModuleError(''); },
    }),
    bigint: method({
      description: 'Returns a number greater than 2^32-1', args: [], example: 'func "*" call test bigint',
      run: () => 2n ** 32n,
    }),
    configfoo: method({
      description: 'Returns the options config', args: [], example: 'func "*" call test configfoo',
      run: (_args, ctx) => optionItems(ctx.options),
    }),
    config_save: method({
      description: 'Saves the options config', args: [], example: 'func "*" call test config_save',
      run: async (_args, ctx) => optionItems(await ctx.saveOptions({})),
    }),
    config_set: method({
      description: 'Sets one option, saves the options config and returns it',
      args: [arg.string('key_name', 'The option to set'), accepting(arg.string('value', 'Its new value'), 'int', 'float', 'boolean')],
      example: 'func "*" call test config_set example 5000',
      run: async ([key, value], ctx) => {
        if (!(key in ctx.options)) throw noOption(key);
        return optionItems(await ctx.saveOptions({ [key]: value }));
      },
    }),
    config_get: method({
      description: 'Returns the value of one option', args: [arg.string('key_name', 'The option to read')],
      example: 'func "*" call test config_get string_option',
      run: ([key], ctx): OptionValue => {
        if (key in ctx.options) return ctx.options[key] as OptionValue;
        if (key === 'testvalue') return TEST_VALUE;
        throw noOption(key);
      },
    }),
    config_get_test: method({
      description: 'Returns the test value of the options config', args: [], example: 'func "*" call test config_get_test',
      run: () => TEST_VALUE,
    }),
    progress: method({
      description: 'Reports progress in steps (and logs func\'s "Progress report N/M completed" lines), then returns the step count',
      args: [fromString(arg.int('steps', 'How many steps', { min: 0, max: 100_000 })),
        fromString(arg.int('delay_ms', 'Milliseconds between steps', { min: 0, max: 3_600_000 }))],
      example: 'func "*" call test progress 10 500',
      run: async ([steps, delayMs], ctx) => {
        for (let i = 1; i <= steps; i++) {
          await delay(delayMs, undefined, { signal: ctx.signal });
          ctx.progress({ current: i, total: steps });
          ctx.log.info(`Progress report ${i}/${steps} completed`);
        }
        return steps;
      },
    }),
    output: method({
      description: 'Returns a text of exactly n_bytes bytes (for tests of large results)',
      args: [fromString(arg.int('n_bytes', 'Size of the text in bytes', { min: 0, max: MAX_OUTPUT_BYTES }))],
      example: 'func "*" call test output 1048576',
      run: ([n]) => OUTPUT_LINE.repeat(Math.ceil(n / OUTPUT_LINE.length)).slice(0, n),
    }),
  },
});

/** Python's `+` on what func's test.add receives: numbers add, strings concatenate, a mix is a TypeError. */
function add(a: number | string, b: number | string): WireValue {
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (typeof a !== 'string' && typeof b !== 'string') {
    if (typeof a === 'number' && typeof b === 'number') return a + b;
    return Number.isInteger(Number(a)) && Number.isInteger(Number(b)) ? BigInt(a) + BigInt(b) : Number(a) + Number(b);
  }
  const py = (v: unknown): string => (typeof v === 'string' ? 'str' : 'int');
  throw new ModuleError(`unsupported operand type(s) for +: '${py(a)}' and '${py(b)}'`, 'exceptions.TypeError');
}

function noOption(key: string): ModuleError {
  return new ModuleError(`'Config' object has no attribute '${key}'`, 'exceptions.AttributeError');
}
