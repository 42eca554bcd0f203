// docs/errors.md and common/errors.ts list the same codes and classes, in both directions.
import { expect } from 'chai';
import fs from 'node:fs';
import * as errors from '../../common/errors.js';
import { ErrorCodes, FuncError } from '../../common/errors.js';

const table = fs.readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map([...table.matchAll(/^\| `(FUNC_ERR_\w+)` \| `(\w+)` \|/gm)].map((m) => [m[1]!, m[2]!]));

describe('common/errors catalogue', () => {
  it('documents every code with the class that raises it', () => {
    for (const code of Object.values(ErrorCodes)) expect(documented.has(code), `${code} missing from docs/errors.md`).to.equal(true);
  });

  it('documents no code that does not exist, and each documented class carries its code', () => {
    const classes = errors as unknown as Record<string, new (...a: never[]) => FuncError>;
    for (const [code, className] of documented) {
      expect(Object.values(ErrorCodes)).to.include(code);
      expect(classes[className], `${className} is not exported`).to.be.a('function');
      expect(classes[className]!.prototype).to.be.instanceOf(FuncError);
    }
  });

  it('wraps a foreign error keeping its message and cause', () => {
    const cause = new RangeError('bad range');
    const wrapped = errors.asFuncError(cause);
    expect(wrapped).to.be.instanceOf(errors.ModuleError);
    expect(wrapped.message).to.equal('bad range');
    expect(wrapped.cause).to.equal(cause);
  });
});
