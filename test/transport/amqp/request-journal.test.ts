// transport/amqp/request-journal: ids are recorded before acknowledgement, answers kept, a restart turns running
// requests into interrupted ones and keeps finished answers; expired ids are forgotten.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempRoot, removeTempRoot } from '../../helpers/temp-root.js';
import { RequestJournal } from '../../../transport/amqp/request-journal.js';

describe('transport/amqp/request-journal', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempRoot('amqp-journal'); });
  afterEach(async () => { await removeTempRoot(dir); });

  it('keeps answers across a restart and marks unfinished requests interrupted', () => {
    const file = path.join(dir, 'j.jsonl');
    const now = Date.now();
    const j = RequestJournal.open(file, now);
    j.begin([{ id: 'a', expires: now + 60_000 }], 'd1');
    j.begin([{ id: 'b', expires: now + 60_000 }], 'd2');
    j.finish(['a'], { body: Buffer.from('answer'), headers: { 'x-func-signature': 's' } });
    j.close();
    const again = RequestJournal.open(file, now + 1000);
    expect(again.lookup('a')?.state).to.equal('done');
    expect(again.lookup('a')?.reply?.body.toString()).to.equal('answer');
    expect(again.lookup('a')?.reply?.headers).to.deep.equal({ 'x-func-signature': 's' });
    expect(again.lookup('b')?.state).to.equal('interrupted');
    expect(again.lookup('b')?.digest).to.equal('d2');
    again.close();
  });

  it('forgets expired ids on open and on prune, and ignores a torn last line', () => {
    const file = path.join(dir, 'j.jsonl');
    const now = Date.now();
    const j = RequestJournal.open(file, now);
    j.begin([{ id: 'old', expires: now + 1000 }, { id: 'new', expires: now + 10 * 60_000 }], 'd');
    j.close();
    fs.appendFileSync(file, '{"id":"torn","s":"runn');
    const later = RequestJournal.open(file, now + 5 * 60_000);
    expect(later.lookup('old')).to.equal(undefined);
    expect(later.lookup('new')?.state).to.equal('interrupted');
    later.prune(now + 20 * 60_000);
    expect(later.size).to.equal(0);
    later.close();
  });

  it('records a batch in one line each way and keeps one copy of its answer across a restart', () => {
    const file = path.join(dir, 'j.jsonl');
    const now = Date.now();
    const j = RequestJournal.open(file, now);
    j.begin([{ id: 'a', expires: now + 60_000 }, { id: 'b', expires: now + 60_000 }, { id: 'c', expires: now + 60_000 }], 'batch-digest');
    j.finish(['a', 'b'], { body: Buffer.from('batch answer'), headers: { 'x-func-signature': 's' } });
    j.finish(['zz'], { body: Buffer.from('unknown id'), headers: {} });
    j.close();
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).to.have.length(2);
    const again = RequestJournal.open(file, now + 1000);
    expect(['a', 'b', 'c'].map((id) => again.lookup(id)?.state)).to.deep.equal(['done', 'done', 'interrupted']);
    expect(again.lookup('b')?.digest).to.equal('batch-digest');
    expect(again.lookup('a')?.reply).to.equal(again.lookup('b')?.reply);
    expect(again.lookup('a')?.reply?.body.toString()).to.equal('batch answer');
    again.close();
    const doneLines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"done"'));
    expect(doneLines).to.have.length(1); // the rewrite on open keeps the shared answer once
    expect(JSON.parse(doneLines[0]!).ids).to.have.members(['a', 'b']);
  });

  it('reads the one-id lines of journals written before batches', () => {
    const file = path.join(dir, 'j.jsonl');
    const now = Date.now();
    fs.writeFileSync(file, [
      { id: 'old-done', e: now + 60_000, d: 'd1', s: 'running' }, { id: 'old-done', s: 'done', b: Buffer.from('answer').toString('base64'), h: { k: 'v' } },
      { id: 'old-running', e: now + 60_000, d: 'd2', s: 'running' },
    ].map((l) => JSON.stringify(l)).join('\n') + '\n');
    const j = RequestJournal.open(file, now);
    expect(j.lookup('old-done')?.reply?.body.toString()).to.equal('answer');
    expect([j.lookup('old-done')?.state, j.lookup('old-running')?.state, j.lookup('old-running')?.digest]).to.deep.equal(['done', 'interrupted', 'd2']);
    j.close();
  });

  it('works in memory when no file is given', () => {
    const j = RequestJournal.open(null);
    j.begin([{ id: 'x', expires: Date.now() + 1000 }], 'd');
    expect(j.lookup('x')?.state).to.equal('running');
    j.close();
  });
});
