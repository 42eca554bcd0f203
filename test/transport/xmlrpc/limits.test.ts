// XmlRpcServer under hostile or odd input: oversized, chunked and gzip-bomb bodies, deep nesting, entity
// declarations, gzip both ways, wrong paths and methods, slow-loris clients, idle connection floods.
import { expect } from 'chai';
import net from 'node:net';
import zlib from 'node:zlib';
import { ConnectionError } from '../../../common/errors.js';
import { XmlRpcClient } from '../../../transport/xmlrpc/client.js';
import { decodeResponse, encodeCall } from '../../../transport/xmlrpc/codec.js';
import type { XmlRpcServer } from '../../../transport/xmlrpc/server.js';
import { createTlsFixtures, type TlsFixtures } from '../../helpers/tls-fixtures.js';
import {
  connectRaw, exchangeRaw, httpRequest, parseResponse, postRaw, startServer, stopAllServers,
} from './harness.js';

const LIMIT = 100_000;

function faultOf(body: Buffer): string {
  const r = decodeResponse(body);
  if (r.ok) throw new Error(`expected a fault, got ${JSON.stringify(r.value)}`);
  return r.faultString;
}

/** Opens a plain connection and resolves when the server closes it (or after `ms`, with false). */
function closedWithin(socket: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.on('close', () => { clearTimeout(timer); resolve(true); });
    socket.on('error', () => { /* a reset counts as closed */ });
  });
}

describe('transport/xmlrpc/server limits', function () {
  let server: XmlRpcServer;
  let port: number;
  const echo = (v: string) => encodeCall('test.echo', [v]);

  before(async () => {
    server = await startServer({ limits: { maxBytes: LIMIT }, headersTimeoutMs: 500, requestTimeoutMs: 1500 });
    port = server.address.port;
  });
  after(stopAllServers);

  it('answers 413 to an oversized Content-Length before any body is sent, and closes', async () => {
    const socket = await connectRaw(port);
    const r = await exchangeRaw(socket, httpRequest('POST', '/RPC2', { Host: 'x', 'Content-Length': 50_000_000 }));
    const res = parseResponse(r.raw, r.endedByServer)!;
    expect(res.status).to.equal(413);
    expect(res.headers.connection).to.equal('close');
    expect(r.endedByServer).to.equal(true);
    expect(decodeResponse((await postRaw(port, echo('after'))).body)).to.deep.equal({ ok: true, value: 'after' });
  });

  it('cuts a chunked body off at the limit with 413', async () => {
    const socket = await connectRaw(port);
    const chunk = `<methodCall><methodName>test.echo</methodName>${'z'.repeat(30_000)}`;
    const body = `${`${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(5)}0\r\n\r\n`;
    const r = await exchangeRaw(socket, httpRequest('POST', '/RPC2', { Host: 'x', 'Transfer-Encoding': 'chunked' }, body));
    expect(parseResponse(r.raw, r.endedByServer)!.status).to.equal(413);
  });

  it('accepts a gzip request body and refuses a gzip bomb with 413', async () => {
    const zipped = await postRaw(port, zlib.gzipSync(echo('zipped')), { headers: { 'Content-Encoding': 'gzip' } });
    expect(decodeResponse(zipped.body)).to.deep.equal({ ok: true, value: 'zipped' });
    const bomb = zlib.gzipSync(Buffer.concat([Buffer.from('<methodCall><methodName>test.echo</methodName>'), Buffer.alloc(20_000_000, 0x20)]));
    expect(bomb.length).to.be.below(LIMIT);
    const r = await postRaw(port, bomb, { headers: { 'Content-Encoding': 'gzip' } });
    expect(r.status).to.equal(413);
    expect(r.body.toString()).to.match(/inflates beyond the limit of 100000 bytes/);
  });

  it('answers 400 to a body that is not gzip and 415 to an unknown Content-Encoding', async () => {
    expect((await postRaw(port, 'not gzip', { headers: { 'Content-Encoding': 'gzip' } })).status).to.equal(400);
    expect((await postRaw(port, echo('x'), { headers: { 'Content-Encoding': 'br' } })).status).to.equal(415);
  });

  it('gzips replies over 1400 bytes only for clients that accept gzip', async () => {
    const big = encodeCall('test.big', [5000]);
    const zipped = await postRaw(port, big, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(zipped.headers['content-encoding']).to.equal('gzip');
    expect(decodeResponse(zipped.body)).to.deep.equal({ ok: true, value: 'x'.repeat(5000) });
    expect((await postRaw(port, big)).headers).not.to.have.property('content-encoding');
    expect((await postRaw(port, encodeCall('test.big', [100]), { headers: { 'Accept-Encoding': 'gzip' } })).headers)
      .not.to.have.property('content-encoding');
  });

  it('answers values nested beyond the depth limit, entity declarations and element floods with Faults', async () => {
    const deep = `<?xml version="1.0"?><methodCall><methodName>test.echo</methodName><params><param>${'<value><array><data>'.repeat(70)}${'</data></array></value>'.repeat(70)}</param></params></methodCall>`;
    expect(faultOf((await postRaw(port, deep)).body)).to.match(/^<type 'exceptions.ValueError'>:XML-RPC: values nested deeper than 64/);
    const laughs = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><methodCall><methodName>&b;</methodName></methodCall>';
    expect(faultOf((await postRaw(port, laughs)).body)).to.match(/^<class 'xml.parsers.expat.ExpatError'>:XML-RPC: a DOCTYPE is not allowed/);
    const small = await startServer({ limits: { maxElements: 50 } });
    const flood = encodeCall('test.echo', [Array.from({ length: 60 }, () => 1)]);
    expect(faultOf((await postRaw(small.address.port, flood)).body)).to.match(/more than 50 elements/);
    expect(decodeResponse((await postRaw(port, echo('still here'))).body)).to.deep.equal({ ok: true, value: 'still here' });
  });

  it('answers 404 off / and /RPC2 and 501 to other methods than POST', async () => {
    expect((await postRaw(port, echo('x'), { path: '/other' })).status).to.equal(404);
    expect((await postRaw(port, echo('x'), { path: '/RPC2?x=1' })).status).to.equal(404);
    expect((await postRaw(port, '', { method: 'GET', path: '/RPC2' })).status).to.equal(501);
    expect((await postRaw(port, echo('x'), { path: '/' })).status).to.equal(200);
  });

  it('times out a slow-loris client trickling its headers', async () => {
    const socket = await connectRaw(port);
    socket.write('POST /RPC2 HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => { if (!socket.destroyed) socket.write('X-Slow: 1\r\n'); }, 100);
    try {
      expect(await closedWithin(socket, 8000)).to.equal(true);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  });

  it('times out a client trickling its body', async () => {
    const socket = await connectRaw(port);
    socket.write('POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
    const trickle = setInterval(() => { if (!socket.destroyed) socket.write('<'); }, 100);
    try {
      expect(await closedWithin(socket, 8000)).to.equal(true);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  });

  describe('connection floods over TLS', () => {
    let pki: TlsFixtures;
    before(async () => { pki = await createTlsFixtures(); });
    after(async () => { await pki.cleanup(); });

    it('serves a real call while 1,000 idle TCP connections are held open', async function () {
      this.timeout(30_000);
      const tlsServer = await startServer({ tls: pki.material(pki.server) });
      const idle: net.Socket[] = [];
      const client = new XmlRpcClient({ tls: pki.material(pki.client), port: tlsServer.address.port });
      try {
        for (let batch = 0; batch < 10; batch++) {
          idle.push(...await Promise.all(Array.from({ length: 100 }, () => connectRaw(tlsServer.address.port))));
        }
        expect(idle.filter((s) => !s.destroyed)).to.have.length(1000);
        expect(await client.call('localhost', { method: 'test.echo', params: ['alive'] }, { timeout: 10_000 })).to.equal('alive');
      } finally {
        await client.close();
        for (const s of idle) s.destroy();
      }
    });

    it('drops connections beyond maxConnections and serves again once they go', async () => {
      const capped = await startServer({ tls: pki.material(pki.server), maxConnections: 2 });
      const client = new XmlRpcClient({ tls: pki.material(pki.client), port: capped.address.port, keepAlive: false });
      const hogs = [await connectRaw(capped.address.port), await connectRaw(capped.address.port)];
      try {
        expect(await client.call('localhost', { method: 'test.echo', params: [1] }).catch((e: unknown) => e)).to.be.instanceOf(ConnectionError);
        const gone = hogs.map((s) => new Promise((r) => s.on('close', r)));
        hogs.forEach((s) => s.destroy());
        await Promise.all(gone);
        expect(await client.call('localhost', { method: 'test.echo', params: [2] })).to.equal(2);
      } finally {
        await client.close();
        hogs.forEach((s) => s.destroy());
      }
    });
  });
});
