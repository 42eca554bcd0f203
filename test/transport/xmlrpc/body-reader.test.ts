// Request bodies under hostile senders (issue 8, items 4, 6 and 7): the caller is screened as soon as the method
// name is read (a refused caller never gets its params read), over-long method names are refused first, a 413
// closes the connection while the sender is still sending, and body bytes in flight have one shared cap (503).
import { expect } from 'chai';
import type net from 'node:net';
import { AccessDeniedError } from '../../../common/errors.js';
import { InFlightBudget, methodNameIn } from '../../../transport/xmlrpc/body-reader.js';
import { decodeCall, decodeResponse, encodeCall } from '../../../transport/xmlrpc/codec.js';
import { createTlsFixtures, type TlsFixtures } from '../../helpers/tls-fixtures.js';
import { connectRaw, eventually, httpRequest, parseResponse, postRaw, rawTls, startServer, stopAllServers } from './harness.js';

/** Collects what the server sends until it closes the connection (or `ms` pass); when it closed, and the bytes. */
function watch(socket: net.Socket, ms: number): Promise<{ closedAfterMs: number | null; raw: Buffer }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { socket.destroy(); resolve({ closedAfterMs: null, raw: Buffer.concat(chunks) }); }, ms);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => { /* a reset counts as closed */ });
    socket.on('close', () => { clearTimeout(timer); resolve({ closedAfterMs: Date.now() - t0, raw: Buffer.concat(chunks) }); });
  });
}

/** Keeps writing `total` bytes of filler (as Python's sendall does) until done or the socket fails. */
function keepSending(socket: net.Socket, total: number): void {
  const piece = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  const pump = (): void => {
    while (sent < total && !socket.destroyed) {
      sent += piece.length;
      if (!socket.write(piece)) { socket.once('drain', pump); return; }
    }
  };
  pump();
}

const HEAD = '<?xml version="1.0"?>\n<methodCall>\n<methodName>';

describe('transport/xmlrpc request bodies', function () {
  this.timeout(30000);
  let pki: TlsFixtures;
  before(async () => { pki = await createTlsFixtures(); });
  after(async () => { await stopAllServers(); await pki.cleanup(); });

  it('finds the method name in the head of a body, and refuses one over 256 bytes or none in the first 4 KiB', () => {
    expect(methodNameIn(Buffer.from(`${HEAD}test.ping</methodName>`))).to.equal('test.ping');
    expect(methodNameIn(Buffer.from(`${HEAD}a&amp;b&#46;c</methodName>`))).to.equal('a&b.c');
    expect(methodNameIn(Buffer.from(`${HEAD}test.pi`))).to.equal(null);
    expect(methodNameIn(Buffer.from(`${HEAD}\n  test.ping \n</methodName>`))).to.equal('test.ping');
    expect(methodNameIn(Buffer.from(`${HEAD}test.ping</method`))).to.equal(null);
    expect(() => methodNameIn(Buffer.from(`${HEAD}<![CDATA[test.ping]]></methodName>`))).to.throw(/must hold plain text/);
    expect(() => methodNameIn(Buffer.from(`${HEAD}${'m'.repeat(300)}`))).to.throw(/longer than 256 bytes/);
    expect(() => methodNameIn(Buffer.alloc(5000, 0x20))).to.throw(/no <methodName> within the first 4096 bytes/);
    expect(() => decodeCall(encodeCall('m'.repeat(257), []))).to.throw(/longer than 256 bytes/);
  });

  it('keeps a shared budget of bytes in flight', () => {
    const b = new InFlightBudget(100);
    expect(b.take(60)).to.equal(true);
    expect(b.take(60)).to.equal(false);
    b.release(60);
    expect(b.take(100)).to.equal(true);
    expect(b.inUse).to.equal(100);
  });

  it('refuses a screened caller as soon as the method name arrives, without waiting for the 15 MB of params', async () => {
    const seen: string[] = [];
    const server = await startServer({
      tls: pki.material(pki.server),
      screen: (method, peer) => { seen.push(`${peer.cn} ${method}`); if (method !== 'test.echo') throw new AccessDeniedError(`${method} is not allowed for ${peer.key}`); },
    });
    const socket = await connectRaw(server.address.port, rawTls(pki.material(pki.client)));
    const outcome = watch(socket, 5000);
    socket.write(httpRequest('POST', '/RPC2', { Host: 'x', 'Content-Length': 15_000_000 }, `${HEAD}secret.read</methodName>\n<params><param><value><string>`));
    const { closedAfterMs, raw } = await outcome; // nothing more is sent: only the head and the method name
    expect(closedAfterMs, 'the server answered and closed without the body').to.be.a('number').and.below(2000);
    const res = parseResponse(raw, true)!;
    expect(res.headers.connection).to.equal('close');
    const decoded = decodeResponse(res.body);
    expect(decoded.ok).to.equal(false);
    expect((decoded as { faultString: string }).faultString).to.match(/AccessToMethodDenied'>:secret\.read is not allowed for client1\.example\.org-\d+/);
    expect(seen).to.deep.equal(['client1.example.org secret.read']);
    expect(decodeResponse((await postRaw(server.address.port, encodeCall('test.echo', ['after']), { tls: rawTls(pki.material(pki.client)) })).body))
      .to.deep.equal({ ok: true, value: 'after' });
  });

  it('refuses a method name over 256 bytes before it has all arrived, on a server without a screen (certmaster)', async () => {
    const server = await startServer();
    const socket = await connectRaw(server.address.port);
    const outcome = watch(socket, 5000);
    socket.write(httpRequest('POST', '/RPC2', { Host: 'x', 'Content-Length': 80_000 }, `${HEAD}${'m'.repeat(1000)}`));
    const { closedAfterMs, raw } = await outcome;
    expect(closedAfterMs).to.be.a('number');
    const decoded = decodeResponse(parseResponse(raw, true)!.body);
    expect((decoded as { faultString: string }).faultString).to.match(/method name longer than 256 bytes refused$/);
  });

  it('closes the connection right after a 413, so a sender still sending fails within a second', async () => {
    const server = await startServer({ limits: { maxBytes: 1_000_000 } });
    for (const announced of [17 * 1024 * 1024, undefined]) {
      const socket = await connectRaw(server.address.port);
      const outcome = watch(socket, 5000);
      const headers: Record<string, string | number> = { Host: 'x', ...(announced ? { 'Content-Length': announced } : { 'Transfer-Encoding': 'chunked' }) };
      socket.write(httpRequest('POST', '/RPC2', headers, announced ? `${HEAD}test.echo</methodName>` : ''));
      if (announced) keepSending(socket, announced);
      else for (let i = 0; i < 40; i++) socket.write(`10000\r\n${i === 0 ? `${HEAD}test.echo</methodName>`.padEnd(65536, ' ') : ' '.repeat(65536)}\r\n`);
      const { closedAfterMs, raw } = await outcome;
      expect(closedAfterMs, `closed (${announced ? 'Content-Length' : 'chunked'})`).to.be.a('number').and.below(1000);
      expect(raw.toString('latin1')).to.match(/^HTTP\/1\.1 413 /);
    }
  });

  it('answers 503 when the body bytes in flight across connections would pass the shared cap', async () => {
    const server = await startServer({ maxInFlightBytes: 300_000, limitKeys: { inFlight: 'max_inflight_bytes in minion.conf' } });
    const first = await connectRaw(server.address.port);
    const firstOutcome = watch(first, 3000);
    first.write(httpRequest('POST', '/RPC2', { Host: 'x', 'Content-Length': 400_000 }, `${HEAD}test.echo</methodName>`.padEnd(250_000, ' ')));
    expect(await eventually(() => server.bodyBytesInFlight === 250_000), 'the first body held, unfinished').to.equal(true);
    const second = await connectRaw(server.address.port);
    const secondOutcome = watch(second, 3000);
    second.write(httpRequest('POST', '/RPC2', { Host: 'x', 'Content-Length': 100_000 }, `${HEAD}test.echo</methodName>`.padEnd(100_000, ' ')));
    const { raw } = await secondOutcome;
    const res = parseResponse(raw, true)!;
    expect(res.status).to.equal(503);
    expect(res.headers['retry-after']).to.equal('1');
    expect(res.body.toString()).to.include('the limit of 300000 bytes (max_inflight_bytes in minion.conf) is reached');
    first.destroy();
    await firstOutcome;
    expect(decodeResponse((await postRaw(server.address.port, encodeCall('test.echo', ['freed']))).body)).to.deep.equal({ ok: true, value: 'freed' });
  });
});
