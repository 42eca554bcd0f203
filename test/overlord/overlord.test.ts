// The Overlord API against real funcd processes on 127.0.0.2–4 (one free port per fleet) with a real certmaster CA:
// typed outcomes, streaming, the func-style proxy, deadlines, unreachable hosts and minion identity checks.
import { expect } from 'chai';
import { silentLogger } from '../../common/log.js';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RemoteError } from '../../common/errors.js';
import { FaultError } from '../../transport/xmlrpc/faults.js';
import { loadCredentials } from '../../overlord/credentials.js';
import { fanout } from '../../overlord/fanout.js';
import { Overlord } from '../../overlord/overlord.js';
import { xmlrpcTransport } from '../../transport/xmlrpc/index.js';
import { getTransport } from '../../transport/index.js';
import { repoRoot, stopAll } from '../helpers/processes.js';
import { startFleet, type Fleet } from './fleet.js';

const GOOD = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const IMPOSTOR = '127.0.0.5';

describe('Overlord API with real minions', function () {
  this.timeout(30000);
  let fleet: Fleet;
  const made: Overlord[] = [];
  const overlord = (spec: string, opts: ConstructorParameters<typeof Overlord>[1] = {}): Overlord => {
    const o = new Overlord(spec, { root: fleet.root, ...opts });
    made.push(o);
    return o;
  };

  before(async () => {
    fleet = await startFleet([...GOOD, IMPOSTOR], { running: GOOD });
    // the impostor serves 127.0.0.2's key and certificate under its own name
    const imp = fleet.minions.find((m) => m.name === IMPOSTOR)!;
    const src = path.join(fleet.minions[0]!.root, 'etc/pki/certmaster');
    const dst = path.join(imp.root, 'etc/pki/certmaster');
    await fs.copyFile(path.join(src, '127.0.0.2.pem'), path.join(dst, `${IMPOSTOR}.pem`));
    await fs.copyFile(path.join(src, '127.0.0.2.cert'), path.join(dst, `${IMPOSTOR}.cert`));
    await fleet.start(IMPOSTOR);
  });
  afterEach(async () => { await Promise.all(made.splice(0).map((o) => o.close())); });
  after(async () => { await fleet?.close(); await stopAll(); });

  it('returns a typed outcome per host, sorted by host', async () => {
    const results = await overlord('127.0.0.[2-4]').call('test', 'add', 1, 2);
    expect([...results.keys()]).to.deep.equal(GOOD);
    for (const o of results.values()) expect(o).to.deep.equal({ status: 'ok', value: 3 });
  });

  it('reports a remote exception as an error outcome with type, message and trace', async () => {
    const results = await overlord('127.0.0.2').call('test', 'explode');
    const o = results.get('127.0.0.2')!;
    expect(o.status).to.equal('error');
    if (o.status !== 'error') return;
    expect(o.error).to.be.instanceOf(RemoteError);
    expect(o.type).to.equal('exceptions.Exception');
    expect(o.message).to.equal('khhhhhhaaaaaan!!!!!!');
    expect(o.trace).to.be.a('string').and.not.equal('');
  });

  it('reports an unknown method as an error outcome naming it', async () => {
    const o = (await overlord('127.0.0.3').call('test', 'does_not_exist', 1, 2)).get('127.0.0.3')!;
    expect(o.status).to.equal('error');
    if (o.status === 'error') {
      expect(o.error instanceof RemoteError || o.error instanceof FaultError).to.equal(true);
      expect(o.type).to.match(/InvalidMethod|MethodNotFound/);
    }
  });

  it('streams results as each host answers', async () => {
    const seen: string[] = [];
    for await (const r of overlord('127.0.0.[2-4]').stream('test', 'echo', { a: [1, 'two'] })) {
      if (r.kind !== 'result') continue;
      expect(r.outcome).to.deep.equal({ status: 'ok', value: { a: [1, 'two'] } });
      seen.push(r.host);
    }
    expect([...seen].sort()).to.deep.equal(GOOD);
  });

  it('calls func-style through the module proxy, joining nested names', async () => {
    const o = overlord('127.0.0.[2-4]');
    const results = await o.module('test').add(20, 22);
    expect([...results.values()].map((x) => x.status === 'ok' && x.value)).to.deep.equal([42, 42, 42]);
    const nested = (await o.module('test').no.such(1)).get('127.0.0.2')!;
    // func's rule: the first name is the module, the rest the method: "test.no.such" (the minion reads module test.no)
    expect(nested.status === 'error' && nested.message).to.contain("'test.no'");
  });

  it('reports a host that misses the deadline as a timeout at the deadline, the others unaffected', async () => {
    const o = overlord('127.0.0.[2-4]');
    const client = getTransport('xmlrpc').createClient({
      options: { listen_port: fleet.port }, tls: await loadCredentials(fleet.root, o.conf), verifyHostName: true, log: silentLogger,
    });
    try {
      const started = performance.now();
      const order: string[] = [];
      const by = new Map<string, string>();
      let timeoutAt = 0;
      const stream = fanout({
        client, hosts: GOOD, timeoutMs: 1500,
        request: (h) => ({ method: 'test.sleep', params: [h === '127.0.0.3' ? 5 : 0] }),
      });
      for await (const r of stream) {
        if (r.kind !== 'result') continue;
        order.push(r.host);
        by.set(r.host, r.outcome.status);
        if (r.outcome.status === 'timeout') timeoutAt = performance.now() - started;
      }
      expect(Object.fromEntries(by)).to.deep.equal({ '127.0.0.2': 'ok', '127.0.0.3': 'timeout', '127.0.0.4': 'ok' });
      expect(order[2], 'the others are not held up by the slow host').to.equal('127.0.0.3');
      expect(timeoutAt, 'not before the deadline').to.be.at.least(1450);
    } finally {
      await client.close();
    }
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    // Each call marks itself running in a shared directory (the minions share this machine), prints how many calls
    // run at that moment, waits until a second one runs too (or every call has started; it gives up after ~4 s),
    // then marks itself done. With concurrency 2 the first two meet, and the third starts only after one is done.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'overlord-concurrency-'));
    const running = `r=$(ls ${dir} | grep -c run$); d=$(ls ${dir} | grep -c done$)`;
    const script = `touch ${dir}/$$.run; ${running}; echo $((r - d)); i=0; `
      + `while [ $((r - d)) -lt 2 ] && [ $r -lt 3 ] && [ $i -lt 200 ]; do sleep 0.02; i=$((i + 1)); ${running}; done; touch ${dir}/$$.done`;
    try {
      const results = await overlord('127.0.0.[2-4]', { concurrency: 2 }).call('command', 'run', script);
      const seen = [...results.values()].map((o) => {
        expect(o.status).to.equal('ok');
        return o.status === 'ok' ? Number((o.value as [number, string])[1]) : 0;
      });
      expect(Math.max(...seen), `calls running when each started: ${seen.join(', ')}`).to.equal(2);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a stopped minion (certificate still signed) as unreachable, the others answering', async () => {
    await fleet.stop('127.0.0.4');
    try {
      const results = await overlord('127.0.0.[2-4]').call('test', 'ping');
      expect(results.get('127.0.0.2')).to.deep.equal({ status: 'ok', value: 1 });
      expect(results.get('127.0.0.3')).to.deep.equal({ status: 'ok', value: 1 });
      const down = results.get('127.0.0.4')!;
      expect(down.status).to.equal('unreachable');
      expect(down.status === 'unreachable' && down.message).to.match(/refused/);
    } finally {
      await fleet.start('127.0.0.4');
    }
  });

  it('refuses a minion presenting another signed minion\'s certificate', async () => {
    const o = (await overlord(IMPOSTOR).call('test', 'ping')).get(IMPOSTOR)!;
    expect(o.status).to.equal('unreachable');
    if (o.status === 'unreachable') {
      expect(o.message).to.contain(`does not name host '${IMPOSTOR}'`);
      expect(o.message).to.contain('127.0.0.2');
    }
  });

  it('keeps the real minion reachable after the impostor was refused', async () => {
    expect((await overlord('127.0.0.2').call('test', 'ping')).get('127.0.0.2')).to.deep.equal({ status: 'ok', value: 1 });
  });

  it('runs an async job and reports it finished from a fresh Overlord', async () => {
    const id = await overlord('127.0.0.[2-4]').callAsync('test', 'add', 2, 3);
    expect(id).to.match(/^127\.0\.0\.\[2_4\]-test-add-\d+\.\d+$/);
    const status = await overlord('127.0.0.[2-4]').pollJob(id, { intervalMs: 100 });
    expect(status[0]).to.equal(1);
    if (status[0] === 1) expect([...status[1].values()]).to.deep.equal([{ status: 'ok', value: 5 }, { status: 'ok', value: 5 }, { status: 'ok', value: 5 }]);
    expect(await overlord('*').jobStatus('nosuch-test-add-1.0')).to.deep.equal([2, 0]);
  });

  it('refuses a reply over overlord.conf max_reply_bytes with an error saying where to raise it (default: at least the minion\'s)', async () => {
    const { settings } = xmlrpcTransport;
    expect(settings.overlord.max_reply_bytes.default).to.be.at.least(settings.minion.max_reply_bytes.default);
    const shipped = /^max_reply_bytes = (\d+)$/m.exec(await fs.readFile(path.join(repoRoot, 'etc/func/overlord.conf'), 'utf8'));
    expect(Number(shipped?.[1])).to.be.at.least(settings.minion.max_reply_bytes.default);
    await fs.mkdir(path.join(fleet.root, 'etc/func'), { recursive: true });
    const fleetConf = await fs.readFile(path.join(fleet.root, 'etc/func/overlord.conf'), 'utf8'); // the fleet's listen_port
    await fs.writeFile(path.join(fleet.root, 'etc/func/small-replies.conf'), `${fleetConf.trimEnd()}\nmax_reply_bytes = 65536\n`);
    const o = (await overlord('127.0.0.2', { config: '/etc/func/small-replies.conf' }).call('command', 'run', "head -c 200000 /dev/zero | tr '\\0' x")).get('127.0.0.2')!;
    expect(o.status, JSON.stringify(o)).to.equal('error');
    if (o.status === 'error') {
      expect(o.message).to.match(/(exceeds the limit of|inflates beyond) 65536 bytes/);
      expect(o.message).to.include(`raise max_reply_bytes in ${path.join(fleet.root, 'etc/func/small-replies.conf')} (now 65536)`);
    }
    const big = (await overlord('127.0.0.2').call('command', 'run', "head -c 20000000 /dev/zero | tr '\\0' x")).get('127.0.0.2')!;
    expect(big.status, 'a 20 MB reply passes the default limit (the CLI refused anything over 16 MiB)').to.equal('ok');
  });
});
