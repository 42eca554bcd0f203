// `command run` text output: the return code, stdout and stderr per host, FAILED for a non-zero return code.
import { expect } from 'chai';
import { failedRc, renderRcText } from '../../../overlord/cli/command-run-view.js';
import { ok } from '../../../overlord/outcome.js';

describe('command run text output', () => {
  it('shows ok with the return code and the output indented', () => {
    expect(renderRcText('h1', ok([0, 'one\ntwo\n', '']), false)).to.equal('h1: ok (rc 0)\n  stdout:\n    one\n    two\n');
  });

  it('marks a non-zero return code FAILED, with stderr', () => {
    expect(renderRcText('h2', ok([3, '', 'boom\n']), false)).to.equal('h2: FAILED (rc 3)\n  stderr:\n    boom\n');
    expect(failedRc(ok([3, '', 'boom\n']))).to.equal(true);
    expect(failedRc(ok([0, 'x', '']))).to.equal(false);
    expect(failedRc(ok('not a triple'))).to.equal(false);
  });

  it('falls back to the plain rendering for other values', () => {
    expect(renderRcText('h3', ok(5), false)).to.equal('h3: 5\n');
  });
});
