// The overlord's job store: func's job-id format, timestamps, atomic JSON records, expiry after an hour.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { JobCodes, OverlordJobStore, RETAIN_SECONDS, formatJobId, overlordJobIdTime } from '../../overlord/job-store.js';
import { loadOutcome, storeOutcome } from '../../overlord/stored-value.js';
import { wireFromJson, wireToJson } from '../../transport/wire-json.js';
import { FaultError } from '../../transport/xmlrpc/faults.js';
import { RemoteError } from '../../common/errors.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';

describe('overlord job store', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempRoot('func-jobs'); });
  afterEach(async () => { await removeTempRoot(dir); });

  it('formats ids as <spec>-<module>-<method>-<epoch> with "-" inside components replaced', () => {
    const id = formatJobId('web-1.example.org;*', 'my-mod', 'do-it', 1382476364.234531);
    expect(id).to.equal('web_1.example.org;*-my_mod-do_it-1382476364.234531');
    expect(id.split('-')).to.have.length(4);
    expect(overlordJobIdTime(id)).to.equal(1382476364.234531);
    expect(overlordJobIdTime('1382476364.234531-minion')).to.equal(1382476364.234531);
    expect(overlordJobIdTime('garbage')).to.equal(null);
  });

  it('keeps records across store instances and lists them with their codes', () => {
    const now = Date.now() / 1000;
    const id = formatJobId('*', 'test', 'sleep', now);
    new OverlordJobStore(dir).save({ id, spec: '*', module: 'test', method: 'sleep', created: now, code: JobCodes.PARTIAL, hosts: { a: { state: 'pending', minionJobId: '1-minion' } } });
    const other = new OverlordJobStore(dir);
    expect(other.load(id)?.hosts).to.deep.equal({ a: { state: 'pending', minionJobId: '1-minion' } });
    expect(other.list()).to.deep.equal([{ id, code: JobCodes.PARTIAL }]);
    expect(other.load('nosuch')).to.equal(null);
  });

  it('purges records older than an hour whenever it writes', async () => {
    let clock = 1_000_000;
    const store = new OverlordJobStore(dir, () => clock);
    const old = formatJobId('*', 'test', 'ping', clock);
    store.save({ id: old, spec: '*', module: 'test', method: 'ping', created: clock, code: JobCodes.FINISHED, hosts: {} });
    clock += RETAIN_SECONDS - 1;
    const young = formatJobId('*', 'test', 'ping', clock);
    store.save({ id: young, spec: '*', module: 'test', method: 'ping', created: clock, code: JobCodes.FINISHED, hosts: {} });
    expect(store.load(old)).to.not.equal(null);
    clock += 2;
    expect(store.load(old)).to.equal(null);
    expect(store.purge()).to.deep.equal([old]);
    expect((await fs.readdir(dir)).map((f) => decodeURIComponent(f))).to.deep.equal([`${young}.json`]);
  });

  it('stores wire values and outcomes losslessly', () => {
    const value = { big: 2n ** 40n, bytes: new Uint8Array([0, 255]), when: new Date('1974-01-05T11:59:00Z'), $wire: 'x', list: [null, true, 1.5, 'é', Infinity, -Infinity, NaN] };
    const round = wireFromJson(JSON.parse(JSON.stringify(wireToJson(value))));
    expect(round).to.deep.equal(value);
    const remote = loadOutcome(JSON.parse(JSON.stringify(storeOutcome({ status: 'error', error: new RemoteError('exceptions.Exception', 'boom', 'tb'), type: 'exceptions.Exception', message: 'boom', trace: 'tb' }))));
    expect(remote.status).to.equal('error');
    if (remote.status === 'error') {
      expect(remote.error).to.be.instanceOf(RemoteError);
      expect([remote.type, remote.message, remote.trace]).to.deep.equal(['exceptions.Exception', 'boom', 'tb']);
    }
    const fault = loadOutcome(JSON.parse(JSON.stringify(storeOutcome({ status: 'error', error: new FaultError(1, 'denied'), type: 'xmlrpclib.Fault', message: 'Fault 1: denied', trace: '' }))));
    expect(fault.status === 'error' && fault.error instanceof RemoteError && [fault.error.remoteType, fault.message]).to.deep.equal(['xmlrpclib.Fault', 'Fault 1: denied']);
    const t = loadOutcome(JSON.parse(JSON.stringify(storeOutcome({ status: 'timeout', timeoutMs: 1500, message: 'late' }))));
    expect(t).to.deep.equal({ status: 'timeout', timeoutMs: 1500, message: 'late' });
  });

  it('writes one JSON file per job under the store directory', async () => {
    const id = formatJobId('a/b', 'test', 'ping', Date.now() / 1000);
    new OverlordJobStore(dir).save({ id, spec: 'a/b', module: 'test', method: 'ping', created: Date.now() / 1000, code: JobCodes.RUNNING, hosts: {} });
    const files = await fs.readdir(dir);
    expect(files).to.have.length(1);
    expect(JSON.parse(await fs.readFile(path.join(dir, files[0]!), 'utf8')).id).to.equal(id);
  });
});
