// funcd on the wire as func's original overlord meets it (func-compat.md §11): no Connection header and a new
// connection per call still get replies above 8 KB; keep-alive only when asked; audit and func logs written.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { subjectHash } from '../../common/subject-hash.js';
import { createTestCa, type TestCa } from '../helpers/pki.js';
import { stopAll } from '../helpers/processes.js';
import { removeTempRoot } from '../helpers/temp-root.js';
import { caCreds, eventually, makeMinion, pyCalls, rawPost, startFuncd, type Creds, type TestMinion } from './funcd-harness.js';

const CALL = (method: string, params = '') => `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params}</params></methodCall>`;

describe('funcd wire habits', function () {
  let ca: TestCa;
  let minion: TestMinion;
  let overlord: Creds;

  before(async function () {
    this.timeout(30000);
    ca = await createTestCa();
    minion = await makeMinion(ca, { name: 'wire.example.org', host: '127.0.3.20' });
    overlord = caCreds(ca);
    await startFuncd(minion);
  });

  after(async () => {
    await stopAll();
    await Promise.all([minion?.root, ca?.root].filter(Boolean).map((d) => removeTempRoot(d!)));
  });

  it('gives func\'s certmaster SSL client (no Connection header, reads until close) small and large replies in full', async () => {
    const r = await pyCalls(minion, overlord, [
      { method: 'test.ping' }, { method: 'test.output', params: [20000] }, { method: 'test.output', params: [1_000_000] },
    ], { mode: 'raw', timeout: 5 });
    for (const x of r) {
      expect(x.status, JSON.stringify(x)).to.equal('HTTP/1.1 200 OK');
      expect(x.headers).to.not.have.property('connection');
    }
    expect(r[0]!.value).to.equal(1);
    expect((r[1]!.value as string).length).to.equal(20000);
    expect((r[2]!.value as string).length).to.equal(1_000_000);
    expect(r[1]!.headers!['content-encoding']).to.equal('gzip');
  });

  it('serves Python\'s ServerProxy with a new connection per call and with one reused proxy', async () => {
    const calls = [{ method: 'test.add', params: [20, 3] }, { method: 'test.output', params: [20000] }, { method: 'test.ping' }];
    for (const mode of ['per_call', 'proxy'] as const) {
      const r = await pyCalls(minion, overlord, [...calls, ...calls], { mode });
      expect(r.map((x) => typeof x.value === 'string' ? x.value.length : x.value), mode).to.deep.equal([23, 20000, 1, 23, 20000, 1]);
    }
  });

  it('keeps the connection open only for a client that asks for keep-alive', async () => {
    const [key, cert, caPem] = await Promise.all([overlord.key, overlord.cert, overlord.ca].map((f) => fs.readFile(f, 'utf8')));
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, key, cert, ca: caPem, checkServerIdentity: () => undefined });
    const post = () => new Promise<{ reused: boolean; body: string }>((resolve, reject) => {
      const req = https.request({ host: minion.host, port: minion.port, path: '/RPC2', method: 'POST', agent, headers: { 'Content-Type': 'text/xml' } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ reused: req.reusedSocket, body }));
      });
      req.on('error', reject);
      req.end(CALL('test.ping'));
    });
    const first = await post();
    const second = await post();
    agent.destroy();
    expect(first.body).to.contain('<int>1</int>');
    expect(second.body).to.contain('<int>1</int>');
    expect(second.reused).to.equal(true);
  });

  it('answers on / and /RPC2 only, and to POST only', async () => {
    const root = await rawPost(minion, overlord, CALL('test.ping'), {});
    expect(root.status).to.equal(200);
    const [key, cert, caPem] = await Promise.all([overlord.key, overlord.cert, overlord.ca].map((f) => fs.readFile(f, 'utf8')));
    const status = (method: string, p: string) => new Promise<number>((resolve, reject) => {
      https.request({ host: minion.host, port: minion.port, path: p, method, key, cert, ca: caPem, agent: false, checkServerIdentity: () => undefined }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    expect(await status('GET', '/RPC2')).to.equal(501);
    expect(await status('POST', '/other')).to.equal(404);
  });

  it('writes one audit line per call with the caller\'s address, CN, subject hash, method and abbreviated params', async () => {
    const big = 'x'.repeat(5000);
    await pyCalls(minion, overlord, [{ method: 'test.add', params: [1, 5] }, { method: 'test.echo', params: [big] }, { method: 'async.test.ping' }]);
    const caCn = /CN=([^,\n]+)/.exec(new (await import('node:crypto')).X509Certificate(await fs.readFile(overlord.cert)).subject.replace(/\n/g, ','))![1]!;
    const hash = subjectHash(await fs.readFile(overlord.cert, 'utf8'));
    const auditFile = path.join(minion.root, 'var/log/func/audit.log');
    await eventually(async () => (await fs.readFile(auditFile, 'utf8')).includes(' test.ping called with []'), 2000, 'the audit lines');
    const audit = await fs.readFile(auditFile, 'utf8');
    const lines = audit.trim().split('\n');
    const add = lines.find((l) => l.endsWith(' test.add called with [1, 5]'));
    expect(add).to.match(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} - 127\\.\\d+\\.\\d+\\.\\d+ ${caCn} ${hash} test\\.add called with \\[1, 5\\]$`));
    const echo = lines.find((l) => l.includes(' test.echo '))!;
    expect(echo.length).to.be.lessThan(400);
    expect(echo).to.match(/called with \['x{100,}\.\.\.$/);
    expect(lines.some((l) => l.includes(' test.ping called with []'))).to.equal(true);
    const funcLog = await fs.readFile(path.join(minion.root, 'var/log/func/func.log'), 'utf8');
    expect(funcLog).to.match(new RegExp(` - INFO - minion wire\\.example\\.org serving on 127\\.0\\.3\\.20:${minion.port}`));
  });
});
