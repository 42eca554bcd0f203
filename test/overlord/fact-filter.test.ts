// The overlord's side of fact filters: --filter/--filteror expressions as func's serialized queries, and the
// minion's {"__fact__": [held, facts]} replies unwrapped (hosts whose query failed are left out).
import { expect } from 'chai';
import { combinedFactQuery, factQuery, unwrapFactReply } from '../../overlord/fact-filter.js';
import { ok } from '../../overlord/outcome.js';

describe('fact filters (overlord side)', () => {
  it('turns each operator into func\'s clause', () => {
    expect(factQuery('os=Linux, numCpus>=2,systemMemory<4096,runlevel<=3,numCpus>1', 'AND')).to.deep.equal(
      ['AND', [['os', 'Linux'], ['numCpus__gte', '2'], ['systemMemory__lt', '4096'], ['runlevel__lte', '3'], ['numCpus__gt', '1']]]);
    expect(factQuery('Debian in os,amd ini cpuvendor', 'OR')).to.deep.equal(['OR', [['os__contains', 'Debian'], ['cpuvendor__icontains', 'amd']]]);
  });

  it('combines --filter and --filteror with AND', () => {
    expect(combinedFactQuery('a=1', 'b=2,c=3')).to.deep.equal(['AND', [['AND', [['a', '1']]], ['OR', [['b', '2'], ['c', '3']]]]]);
    expect(combinedFactQuery(undefined, undefined)).to.equal(undefined);
  });

  it('rejects what is not a term, naming it', () => {
    expect(() => factQuery('os', 'AND')).to.throw(/fact filter "os": expected/);
    expect(() => factQuery('a b=1', 'AND')).to.throw(/"a b" is not a fact name/);
    expect(() => factQuery(' , ', 'AND')).to.throw(/empty fact filter/);
  });

  it('unwraps replies: the result when the query held, nothing when not, failures unchanged', () => {
    expect(unwrapFactReply(ok([{ __fact__: [true, { os: 'x' }] }, 3]))).to.deep.equal(ok(3));
    expect(unwrapFactReply(ok([{ __fact__: [false, { os: 'x' }] }]))).to.equal(null);
    const failed = { status: 'unreachable', type: 'ConnectionError', message: 'refused' } as const;
    expect(unwrapFactReply(failed as never)).to.equal(failed);
    expect(unwrapFactReply(ok([1, 2]))).to.deep.equal(ok([1, 2]));
  });
});
