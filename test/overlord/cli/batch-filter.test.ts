// Salt-style batches (a sliding window of N or N% of the hosts, --batch-wait after each return), --out txt, and
// func's fact filters (--filter / --filteror, evaluated on the minions), through bin/func against real minions.
import { expect } from 'chai';
import os from 'node:os';
import { runBin, stopAll } from '../../helpers/processes.js';
import { startFleet, type Fleet } from '../fleet.js';

const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
// each host prints when it started and ended (ns); sync command.run (forced async otherwise) via test-free echo
const TIMED = 'date +%s%N; sleep 0.4; date +%s%N';

type Span = { host: string; start: number; end: number };

function spans(json: string): Span[] {
  const doc = JSON.parse(json) as Record<string, [number, string, string]>;
  return Object.entries(doc).map(([host, [, out]]) => {
    const [a, b] = out.trim().split('\n').map((x) => Number(x) / 1e6);
    return { host, start: a!, end: b! };
  }).sort((x, y) => x.start - y.start);
}

/** The largest number of spans running at one moment. */
function maxOverlap(s: Span[]): number {
  return Math.max(...s.map((x) => s.filter((y) => y.start <= x.start && y.end > x.start).length));
}

describe('func batches, --out txt and fact filters', function () {
  this.timeout(40000);
  let fleet: Fleet;
  const func = (...args: string[]) => runBin('func', args, { env: fleet.env, timeoutMs: 30000 });

  before(async () => { fleet = await startFleet(HOSTS); });
  after(async () => { await fleet?.close(); await stopAll(); });

  it('--batch 1 runs one host at a time; --batch 2 and --batch 67% keep two in flight', async () => {
    const one = await func('*', 'call', '--json', '--batch', '1', 'command', 'run', TIMED);
    expect(one.code, one.stderr).to.equal(0);
    expect(maxOverlap(spans(one.stdout))).to.equal(1);
    for (const b of ['2', '67%']) {
      const two = await func('--batch', b, '*', 'call', '--json', 'command', 'run', TIMED);
      const s = spans(two.stdout);
      expect(maxOverlap(s), b).to.equal(2);
      // a sliding window: the third host starts when the first returns, not when the whole first pair has
      expect(s[2]!.start, b).to.be.at.least(s[0]!.end - 5);
    }
  });

  it('--batch-wait pauses after each return before the next host starts', async () => {
    const r = await func('*', 'call', '--json', '--batch', '1', '--batch-wait', '0.5', 'command', 'run', TIMED);
    const s = spans(r.stdout);
    for (let i = 1; i < s.length; i++) expect(s[i]!.start - s[i - 1]!.end).to.be.at.least(500);
  });

  it('rejects a bad --batch or --batch-wait (exit 2)', async () => {
    for (const args of [['--batch', '0'], ['--batch', '150%'], ['--batch', 'x'], ['--batch-wait', '-1']]) {
      const r = await func('*', 'ping', ...args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.stderr).to.match(/--batch/);
    }
  });

  it('--out txt prints one line per host (call, ping)', async () => {
    const r = await func('*', 'call', '--out', 'txt', 'command', 'run', 'printf "a\\nb"');
    expect(r.stdout).to.equal(HOSTS.map((h) => `${h}: [0,"a\\nb",""]\n`).join(''));
    const ping = await func('*', 'ping', '--out', 'txt');
    expect(ping.stdout).to.equal(HOSTS.map((h) => `${h}: 1\n`).join(''));
    const e = await func('*', 'call', '--out', 'txt', 'test', 'explode');
    expect(e.stdout).to.equal(HOSTS.map((h) => `${h}: ERROR exceptions.Exception: khhhhhhaaaaaan!!!!!!\n`).join(''));
  });

  it('--filter runs the method only where the facts hold; --filteror where any term holds', async () => {
    const cpus = os.cpus().length;
    const all = await func('*', 'call', '--json', '--filter', `numCpus>=${cpus},Linux ini ${'os'}`, 'test', 'add', '1', '2');
    expect(JSON.parse(all.stdout)).to.deep.equal(Object.fromEntries(HOSTS.map((h) => [h, 3])));
    expect(all.code).to.equal(0);
    const none = await func('--filter', `numCpus>${cpus}`, '*', 'call', '--json', 'test', 'add', '1', '2');
    expect(none.stdout).to.equal('');
    expect(none.stderr).to.match(/no host matched the fact filter/);
    expect(none.code).to.equal(1);
    const any = await func('*', 'ping', '--filteror', `numCpus>${cpus},numCpus=${cpus}`);
    expect(any.stdout).to.equal(HOSTS.map((h) => `[ ok ... ] ${h}\n`).join(''));
    const bad = await func('*', 'ping', '--filter', 'numCpus');
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/fact filter "numCpus"/);
  });
});
