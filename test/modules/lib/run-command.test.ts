// runCommand's live lines: each output line handed over as the child writes it (before it exits), both streams,
// a last line without newline at exit, long lines cut.
import { expect } from 'chai';
import { MAX_LINE_CHARS, runCommand } from '../../../modules/lib/run-command.js';

describe('modules/lib/run-command onLine', () => {
  it('hands over each line as it is written, before the command ends', async () => {
    const seen: Array<[string, string]> = [];
    let ended = false;
    let endedAtFirstLine: boolean | undefined;
    const run = runCommand('/bin/sh', ['-c', 'echo one; sleep 0.3; echo two >&2; printf three'], {
      onLine: (line, stream) => { endedAtFirstLine ??= ended; seen.push([stream, line]); },
    });
    void run.then(() => { ended = true; });
    const r = await run;
    expect(endedAtFirstLine).to.equal(false);
    expect(seen).to.deep.equal([['stdout', 'one'], ['stderr', 'two'], ['stdout', 'three']]);
    expect([r.stdout, r.stderr]).to.deep.equal(['one\nthree', 'two\n']);
  });

  it('cuts lines longer than MAX_LINE_CHARS into pieces', async () => {
    const pieces: string[] = [];
    await runCommand('/bin/sh', ['-c', `head -c ${MAX_LINE_CHARS + 10} /dev/zero | tr '\\0' x; echo`], { onLine: (l) => pieces.push(l) });
    expect(pieces.map((p) => p.length)).to.deep.equal([MAX_LINE_CHARS, 10]);
  });
});
