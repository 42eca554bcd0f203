// Large replies (issue 8, items 1 and 2): encoded in bounded pieces (48 MiB of '&' no longer aborts the process),
// streamed with or without gzip, refused over max_reply_bytes with an error naming the key, and sent without
// stalling the other callers of the same server.
import { expect } from 'chai';
import https from 'node:https';
import { PayloadTooLargeError } from '../../../common/errors.js';
import { FaultError } from '../../../transport/xmlrpc/faults.js';
import type { WireValue } from '../../../transport/types.js';
import { XmlRpcClient } from '../../../transport/xmlrpc/client.js';
import { encodeCall, encodeResponse, responsePieces } from '../../../transport/xmlrpc/codec.js';
import { replyBound } from '../../../transport/xmlrpc/reply-writer.js';
import { createTlsFixtures, type TlsFixtures } from '../../helpers/tls-fixtures.js';
import { startServer, stopAllServers, testHandler } from './harness.js';

const MiB = 1024 * 1024;

describe('transport/xmlrpc large replies', function () {
  this.timeout(60000);
  let pki: TlsFixtures;
  before(async () => { pki = await createTlsFixtures(); });
  after(async () => { await stopAllServers(); await pki.cleanup(); });

  it('encodes 48 MiB of "&" in bounded pieces (the whole-string escape aborted the process)', () => {
    const text = '&'.repeat(48 * MiB);
    let bytes = 0;
    let largest = 0;
    for (const piece of responsePieces(text)) {
      bytes += Buffer.byteLength(piece);
      largest = Math.max(largest, piece.length);
    }
    const overhead = Buffer.byteLength(encodeResponse(''));
    expect(bytes).to.equal(overhead + 5 * 48 * MiB);
    expect(largest).to.be.at.most(2 * MiB);
  });

  it('keeps surrogate pairs, CR and forbidden characters right across slice boundaries', () => {
    const unit = `a\u{1F600}<\r\u0001`;
    const text = unit.repeat(40000); // 240000 units: several 64 Ki slices, pairs land on boundaries
    const joined = [...responsePieces([text, new Uint8Array(200_000).fill(7)])].join('');
    expect(joined).to.equal(encodeResponse([text, new Uint8Array(200_000).fill(7)]));
    expect(joined).to.include('a\u{1F600}&lt;&#13;\uFFFD');
    expect(joined).to.not.match(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('bounds a reply from above without encoding it, and gives up (Infinity) on values that may not marshal', () => {
    const value: WireValue = { out: '<'.repeat(1000), n: [1, 2, 3], b: new Uint8Array(300) };
    expect(replyBound(value, 64)).to.be.at.least(Buffer.byteLength(encodeResponse(value)));
    expect(replyBound([2n ** 40n], 64)).to.equal(Infinity);
    expect(replyBound([[[[1]]]], 3)).to.equal(Infinity);
  });

  it('streams a reply of several MiB intact, gzip or not, to our client and to a plain HTTPS reader', async () => {
    const big = `${'<&>'.repeat(2 * MiB)}end`;
    const server = await startServer({ tls: pki.material(pki.server) }, async (req) => (req.method === 'test.big' ? big : testHandler()(req, { peer: {} as never, signal: new AbortController().signal })));
    const client = new XmlRpcClient({ tls: pki.material(pki.client), port: server.address.port, limits: { maxBytes: 64 * MiB } });
    expect(await client.call('localhost', { method: 'test.big', params: [] })).to.equal(big); // our client asks for gzip
    await client.close();
    const plain = await new Promise<{ headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const m = pki.material(pki.client);
      const req = https.request({ host: '127.0.0.1', port: server.address.port, path: '/RPC2', method: 'POST', key: m.key, cert: m.cert, ca: m.ca, servername: 'localhost', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end(encodeCall('test.big', []));
    });
    expect(plain.headers['content-encoding']).to.equal(undefined);
    expect(plain.body).to.equal(encodeResponse(big));
  });

  it('answers a reply over maxReplyBytes with a Fault naming the limit and its key, and keeps serving', async () => {
    const server = await startServer({
      tls: pki.material(pki.server), maxReplyBytes: 2 * MiB, limitKeys: { reply: 'max_reply_bytes in minion.conf' },
    }, async (req) => (req.method === 'jobs.job_status' ? [1, '&'.repeat(MiB)] : 'small'));
    const client = new XmlRpcClient({ tls: pki.material(pki.client), port: server.address.port, limits: { maxBytes: 64 * MiB } });
    const err = await client.call('localhost', { method: 'jobs.job_status', params: ['1.5-minion'] }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(FaultError);
    expect((err as FaultError).faultString).to.include('limit of 2097152 bytes (max_reply_bytes in minion.conf)').and.include('jobs.tail_output');
    expect(await client.call('localhost', { method: 'test.ping', params: [] })).to.equal('small');
    await client.close();
  });

  it('gives the client\'s own limit a hint saying where to raise it', async () => {
    const server = await startServer({ tls: pki.material(pki.server) }, async () => 'y'.repeat(3 * MiB));
    const client = new XmlRpcClient({ tls: pki.material(pki.client), port: server.address.port, limits: { maxBytes: MiB }, limitHint: 'raise max_reply_bytes in /etc/func/overlord.conf' });
    const err = await client.call('localhost', { method: 'test.big', params: [] }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(PayloadTooLargeError);
    expect((err as Error).message).to.match(/1048576 bytes; raise max_reply_bytes in \/etc\/func\/overlord\.conf$/);
    await client.close();
  });

  it('answers another caller within 100 ms while a 40 MiB reply full of "<" is being sent', async () => {
    const big = '<'.repeat(40 * MiB);
    const server = await startServer({ tls: pki.material(pki.server) }, async (req) => (req.method === 'test.big' ? big : 1));
    const m = pki.material(pki.client);
    let received = 0;
    const download = new Promise<void>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: server.address.port, path: '/RPC2', method: 'POST', key: m.key, cert: m.cert, ca: m.ca, servername: 'localhost', agent: false }, (res) => {
        res.on('data', (d: Buffer) => { received += d.length; }).on('end', resolve).on('error', reject);
      });
      req.on('error', reject);
      req.end(encodeCall('test.big', []));
    });
    const client = new XmlRpcClient({ tls: m, port: server.address.port });
    await client.call('localhost', { method: 'test.ping', params: [] }); // connection and TLS session made
    const latencies: number[] = [];
    let done = false;
    void download.finally(() => { done = true; });
    while (!done) {
      const t0 = performance.now();
      await client.call('localhost', { method: 'test.ping', params: [] });
      if (received > 0 && !done) latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 5));
    }
    await download;
    await client.close();
    expect(received).to.be.at.least(160 * MiB);
    expect(latencies.length).to.be.at.least(5);
    expect(Math.max(...latencies), `ping latencies during the reply: ${latencies.map((l) => l.toFixed(1)).join(' ')}`).to.be.below(100);
  });
});
