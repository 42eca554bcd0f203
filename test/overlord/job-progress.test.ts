// Following a job's log through successive jobs.tail_output snapshots (the last N lines each time).
import { expect } from 'chai';
import { newTailLines } from '../../overlord/job-progress.js';

describe('overlord job progress: new tail lines', () => {
  it('gives every line of the first snapshot', () => {
    expect(newTailLines([], ['a', 'b'])).to.deep.equal(['a', 'b']);
  });

  it('gives only the lines after what the previous snapshot ended with', () => {
    expect(newTailLines(['a', 'b'], ['a', 'b', 'c'])).to.deep.equal(['c']);
    expect(newTailLines(['a', 'b', 'c'], ['b', 'c', 'd', 'e'])).to.deep.equal(['d', 'e']); // the window slid
    expect(newTailLines(['a', 'b'], ['a', 'b'])).to.deep.equal([]);
  });

  it('gives the whole snapshot when it shares nothing with the previous one (more lines than the window)', () => {
    expect(newTailLines(['a', 'b'], ['x', 'y'])).to.deep.equal(['x', 'y']);
  });
});
