// common/proc-table against real processes: a child started with an environment mark is in the table with this
// process as its parent and its own process group, carries the mark, and is gone once it has been reaped.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect } from 'chai';
import { hasEnvMark, readProcTable } from '../../common/proc-table.js';

describe('common/proc-table', () => {
  it('lists a marked child with its parent and group, reads its mark, and drops it once reaped', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore', env: { ...process.env, PROC_TABLE_TEST: 'yes' } });
    await once(child, 'spawn');
    const pid = child.pid!;
    try {
      const entry = readProcTable().find((p) => p.pid === pid);
      expect(entry).to.deep.include({ pid, ppid: process.pid, pgid: pid });
      expect(entry!.state).to.match(/^[RSD]$/);
      expect(hasEnvMark(pid, 'PROC_TABLE_TEST=yes')).to.equal(true);
      expect(hasEnvMark(pid, 'PROC_TABLE_TEST=no')).to.equal(false);
      expect(hasEnvMark(process.pid, 'PROC_TABLE_TEST=yes')).to.equal(false);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(readProcTable().some((p) => p.pid === pid)).to.equal(false);
    expect(hasEnvMark(pid, 'PROC_TABLE_TEST=yes')).to.equal(false);
  });
});
