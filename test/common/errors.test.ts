// docs/errors.md and common/errors.ts list the same codes and classes, in both directions, and every documented
// class, built with real arguments, carries its documented code and name.
import { expect } from 'chai';
import fs from 'node:fs';
import * as errors from '../../common/errors.js';
import { ErrorCodes, FuncError } from '../../common/errors.js';

const table = fs.readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map([...table.matchAll(/^\| `(FUNC_ERR_\w+)` \| `(\w+)` \|/gm)].map((m) => [m[1]!, m[2]!]));

type ErrorClass = new (...args: never[]) => FuncError;
const exported = Object.entries(errors as unknown as Record<string, unknown>)
  .filter((e): e is [string, ErrorClass] => typeof e[1] === 'function' && (e[1] as { prototype?: unknown }).prototype instanceof FuncError);

/** Constructor arguments for the classes that take more than a message; any other class gets ('it broke'). */
const SAMPLE_ARGS: Record<string, unknown[]> = {
  FaultError: [1, 'exceptions.Exception:boom'],
  ModuleNotFoundError: ['rpms', 'rpm not found on PATH'],
  MethodNotFoundError: ['test', 'nope'],
  InvalidArgumentsError: ['test.add(): bad', [{ name: 'numb1', expected: 'int', got: "string 'x'" }]],
  MarshalError: ['int exceeds XML-RPC limits', 'exceptions.OverflowError'],
  ModuleError: ['it broke', 'exceptions.OSError'],
  CommandFailedError: ['ls failed', { command: 'ls', exitCode: 2, stdout: '', stderr: 'no such file' }],
  RemoteError: ['exceptions.ValueError', 'bad value', 'Traceback …'],
};

describe('common/errors catalogue', () => {
  it('documents every code with the class that raises it', () => {
    for (const code of Object.values(ErrorCodes)) expect(documented.has(code), `${code} missing from docs/errors.md`).to.equal(true);
  });

  it('documents every exported FuncError class', () => {
    const classes = new Set(documented.values());
    expect(exported.length).to.be.above(10);
    for (const [name] of exported) expect(classes.has(name), `${name} is exported by common/errors.ts but not in docs/errors.md`).to.equal(true);
  });

  it('builds every documented class: it is a FuncError with the documented code, its own name and a message', () => {
    const classes = Object.fromEntries(exported);
    for (const [code, className] of documented) {
      expect(Object.values(ErrorCodes), `${code} is documented but not in ErrorCodes`).to.include(code);
      const Cls = classes[className];
      expect(Cls, `${className} is documented but not exported by common/errors.ts`).to.be.a('function');
      const err = new Cls!(...(SAMPLE_ARGS[className] ?? ['it broke']) as never[]);
      expect(err, className).to.be.instanceOf(FuncError).and.instanceOf(Error);
      expect(err.code, className).to.equal(code);
      expect(err.name).to.equal(className);
      expect(err.message, className).to.be.a('string').that.is.not.empty;
      expect(err.toWire()).to.include({ code, type: className, message: err.message });
    }
  });

  it('keeps the details a class is built with', () => {
    expect(new errors.ModuleNotFoundError('rpms', 'rpm not found on PATH').message).to.equal("module 'rpms' is not available: rpm not found on PATH");
    expect(new errors.MethodNotFoundError('test', 'nope').message).to.equal("module 'test' has no method 'nope'");
    expect(new errors.RemoteError('exceptions.ValueError', 'bad value', 'tb')).to.include({ remoteType: 'exceptions.ValueError', trace: 'tb' });
    expect(new errors.InvalidArgumentsError('bad', [{ name: 'a', expected: 'int', got: 'nil' }]).problems).to.have.length(1);
  });

  it('wraps a foreign error keeping its message and cause', () => {
    const cause = new RangeError('bad range');
    const wrapped = errors.asFuncError(cause);
    expect(wrapped).to.be.instanceOf(errors.ModuleError);
    expect(wrapped.message).to.equal('bad range');
    expect(wrapped.cause).to.equal(cause);
  });
});
