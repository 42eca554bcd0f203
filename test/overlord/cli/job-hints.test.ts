// The follow-up commands printed for a job the CLI stops following: exact, and safe to paste into a shell.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { jobHints, shellQuote } from '../../../overlord/cli/job-hints.js';

describe('job follow-up hints', () => {
  it('quotes words only when the shell would change them', () => {
    expect(shellQuote('127.0.0.2')).to.equal('127.0.0.2');
    expect(shellQuote('*')).to.equal("'*'");
    expect(shellQuote("it's")).to.equal("'it'\\''s'");
    for (const w of ['*', "a'b", 'web*;db1', '$(rm -rf x)', '*-command-run-1764748800.123456']) {
      expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(w)}`], { encoding: 'utf8' })).to.equal(w);
    }
  });

  it('names the job and both commands', () => {
    expect(jobHints('*-command-run-1.5', '*', 'interrupted')).to.equal(
      "interrupted; job *-command-run-1.5 keeps running on the minions.\n"
      + "  status: func '*' call --jobstatus '*-command-run-1.5'\n"
      + "  cancel: func '*' call --cancel '*-command-run-1.5'\n");
  });

  it('repeats the run\'s -c FILE in both commands, so they read the same overlord config', () => {
    expect(jobHints('web1-command-run-2.5', 'web1', 'interrupted', '/etc/func/other overlord.conf')).to.equal(
      "interrupted; job web1-command-run-2.5 keeps running on the minions.\n"
      + "  status: func -c '/etc/func/other overlord.conf' web1 call --jobstatus web1-command-run-2.5\n"
      + "  cancel: func -c '/etc/func/other overlord.conf' web1 call --cancel web1-command-run-2.5\n");
  });
});
