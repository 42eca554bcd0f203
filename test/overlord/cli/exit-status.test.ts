// The exit status table is one list (overlord/cli/exit-status.ts) shown the same in the README, docs/cli.md and
// the func(1) man page generated from it.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { EXIT_STATUS_TABLE } from '../../../overlord/cli/exit-status.js';
import { repoRoot } from '../../helpers/processes.js';

/** The rows of the markdown table that follows a heading mentioning "exit status". */
function markdownRows(text: string): Array<[number, string]> {
  const at = text.search(/^#+ .*exit status/im);
  expect(at, 'an exit status heading').to.be.at.least(0);
  return text.slice(at).split('\n').filter((l) => /^\| \d+ \|/.test(l)).map((l) => {
    const [, code, meaning] = /^\| (\d+) \| (.*) \|$/.exec(l)!;
    return [Number(code), meaning!];
  });
}

const normal = (s: string): string => s.replace(/[`"]/g, '');

describe('func exit status table', () => {
  for (const doc of ['README.md', 'docs/cli.md']) {
    it(`${doc} lists the same statuses and meanings`, async () => {
      const rows = markdownRows(await fs.readFile(path.join(repoRoot, doc), 'utf8'));
      expect(rows.map(([c, m]) => [c, normal(m)])).to.deep.equal(EXIT_STATUS_TABLE.map(([c, m]) => [c, normal(m)]));
    });
  }

  it('the func(1) man page has an EXIT STATUS section with every status', async () => {
    const man = await fs.readFile(path.join(repoRoot, 'dist/man/man1/func.1'), 'utf8');
    const section = man.slice(man.indexOf('.SH EXIT STATUS'), man.indexOf('.SH', man.indexOf('.SH EXIT STATUS') + 4));
    for (const [code] of EXIT_STATUS_TABLE) expect(section).to.include(`.TP\n\\fB${code}\\fR`);
  });
});
