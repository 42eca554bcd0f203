// Async jobs end to end: `func … call --async --nopoll` submits in one process, `--jobstatus` in new processes
// reads the job store and polls the real minions (127.0.0.2–4) until PARTIAL turns FINISHED.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runBin, stopAll } from '../helpers/processes.js';
import { startFleet, type Fleet } from './fleet.js';

const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
type Status = [number, Record<string, unknown> | number];

describe('overlord async jobs across processes', function () {
  this.timeout(30000);
  let fleet: Fleet;
  const func = (...args: string[]) => runBin('func', args, { env: fleet.env, timeoutMs: 20000 });

  async function submit(...call: string[]): Promise<string> {
    const r = await func('*', 'call', '--async', '--nopoll', ...call);
    expect(r.code, r.stderr).to.equal(0);
    const m = /^JOB_ID: '(.+)'\n$/.exec(r.stdout);
    expect(m, r.stdout).to.not.equal(null);
    return m![1]!;
  }
  async function jobstatus(id: string): Promise<Status> {
    const r = await func('*', 'call', '--json', '--jobstatus', id);
    return JSON.parse(r.stdout) as Status;
  }
  async function untilFinished(id: string, seen: number[] = []): Promise<Record<string, unknown>> {
    for (let i = 0; i < 60; i++) {
      const s = await jobstatus(id);
      seen.push(s[0]);
      if (s[0] === 1) return s[1] as Record<string, unknown>;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`job ${id} did not finish; codes seen: ${seen.join(',')}`);
  }

  before(async () => { fleet = await startFleet(HOSTS); });
  after(async () => { await fleet?.close(); await stopAll(); });

  it('test.sleep: PARTIAL while the minions sleep, then FINISHED with every host\'s result', async () => {
    const id = await submit('test', 'sleep', '2');
    expect(id).to.match(/^\*-test-sleep-\d+\.\d+$/);
    expect(await jobstatus(id)).to.deep.equal([3, {}]);
    const codes: number[] = [];
    const results = await untilFinished(id, codes);
    expect(codes[0]).to.equal(3);
    expect(Object.keys(results)).to.deep.equal(HOSTS);
    for (const v of Object.values(results)) expect(v).to.be.a('number');
  });

  it('keeps an async result of inf as inf through the job store (--jobstatus --raw)', async () => {
    const id = await submit('test', 'echo', '[1e999, -1e999]');
    await untilFinished(id);
    const r = await func('*', 'call', '--raw', '--jobstatus', id);
    expect(r.stdout).to.equal(`(1, {${HOSTS.map((h) => `'${h}': [inf, -inf]`).join(', ')}})\n`);
  });

  it('shows the hosts that finished first as PARTIAL results (forced-async command.run)', async () => {
    // only the minion whose FUNC_ROOT names 127.0.0.4 waits, until the test has seen the PARTIAL status and creates
    // the gate file; command.run is async by default (async_methods.conf)
    const gate = path.join(fleet.root, `gate-${process.pid}`);
    const id = await submit('command', 'run', `case "$FUNC_ROOT" in *127.0.0.4*) while [ ! -e ${gate} ]; do sleep 0.05; done;; esac; echo done`);
    let partial: Status | null = null;
    try {
      for (let i = 0; i < 60 && partial === null; i++) {
        const s = await jobstatus(id);
        if (s[0] === 3 && Object.keys(s[1] as object).length === 2) partial = s;
        else await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await fs.writeFile(gate, '');
    }
    expect(partial).to.deep.equal([3, { '127.0.0.2': [0, 'done\n', ''], '127.0.0.3': [0, 'done\n', ''] }]);
    expect(await untilFinished(id)).to.deep.equal(Object.fromEntries(HOSTS.map((h) => [h, [0, 'done\n', '']])));
  });

  it('test.explode: FINISHED with each host\'s remote exception', async () => {
    const results = await untilFinished(await submit('test', 'explode'));
    for (const h of HOSTS) {
      expect(results[h]).to.deep.include({ error: { status: 'error', type: 'exceptions.Exception', message: 'khhhhhhaaaaaan!!!!!!', trace: (results[h] as { error: { trace: string } }).error.trace } });
    }
  });

  it('an unknown method: FINISHED with each host\'s error naming it', async () => {
    const results = await untilFinished(await submit('test', 'does_not_exist', '1', '2'));
    expect(Object.keys(results)).to.deep.equal(HOSTS);
    for (const h of HOSTS) {
      const e = (results[h] as { error: { status: string; type: string; message: string } }).error;
      expect(e.status).to.equal('error');
      expect(`${e.type} ${e.message}`).to.match(/does_not_exist|InvalidMethod/);
    }
  });

  it('polls an explicit --async call and prints every host as it finishes, exit 0', async () => {
    const r = await func('*', 'call', '--async', 'test', 'add', '40', '2');
    expect(r.stdout).to.equal(HOSTS.map((h) => `${h}: 42\n`).join(''));
    expect(r.code).to.equal(0);
  });

  it('says LOST_IN_SPACE with exit 1 for an unknown job id', async () => {
    const r = await func('*', 'call', '--json', '--jobstatus', '*-test-ping-1.000000');
    expect(JSON.parse(r.stdout)).to.deep.equal([2, 0]);
    expect(r.code).to.equal(1);
  });
});
