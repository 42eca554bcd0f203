// The logger's guards against caller-chosen text (issue 8, item 4): clip() for caller strings and a cap on every
// line written, so one request can never write megabytes (or forged extra lines) into a log file.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { clip, createLogger, MAX_LOG_MESSAGE } from '../../common/log.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';

describe('common/log', () => {
  it('clips caller strings, counting what was cut, and shows control characters as "?"', () => {
    expect(clip('test.ping')).to.equal('test.ping');
    expect(clip(`${'m'.repeat(300)}`)).to.equal(`${'m'.repeat(256)}…(44 more)`);
    expect(clip('a\nFAKE - ERROR - b\r', 40)).to.equal('a?FAKE - ERROR - b?');
  });

  it('caps every line it writes at MAX_LOG_MESSAGE characters', async () => {
    const dir = await makeTempRoot('log-test');
    try {
      const file = path.join(dir, 'func.log');
      const log = createLogger({ file, level: 'DEBUG' });
      log.warn(`denied ${'x'.repeat(15_000_000)}`);
      const text = await fs.readFile(file, 'utf8');
      expect(text.length).to.be.below(MAX_LOG_MESSAGE + 200);
      expect(text).to.match(/…\(14995911 more characters\)\n$/);
    } finally {
      await removeTempRoot(dir);
    }
  });
});
