// XmlRpcClient and xmlrpcCall against our server: keep-alive reuse, deadlines, cancellation, refused
// connections, host-name verification, Fault / REMOTE_ERROR mapping, response limits and host:port parsing.
import { expect } from 'chai';
import net from 'node:net';
import {
  ConnectionError, PayloadTooLargeError, ProtocolError, RemoteError, TimeoutError,
} from '../../../common/errors.js';
import { FaultError } from '../../../transport/xmlrpc/faults.js';
import { XmlRpcClient, parseHostPort, xmlrpcCall } from '../../../transport/xmlrpc/client.js';
import type { XmlRpcServer } from '../../../transport/xmlrpc/server.js';
import { createTlsFixtures, type TlsFixtures } from '../../helpers/tls-fixtures.js';
import { eventually, startServer, stopAllServers, testHandler, type HandlerLog } from './harness.js';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('transport/xmlrpc/client', function () {
  let pki: TlsFixtures;
  let server: XmlRpcServer;
  const log: HandlerLog = { signals: [] };
  const clients: XmlRpcClient[] = [];
  const newClient = (options: ConstructorParameters<typeof XmlRpcClient>[0] = {}) => {
    const c = new XmlRpcClient({ tls: pki.material(pki.client), port: server.address.port, ...options });
    clients.push(c);
    return c;
  };

  before(async () => {
    pki = await createTlsFixtures();
    server = await startServer({ tls: pki.material(pki.server) }, testHandler(log));
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stopAllServers();
    await pki.cleanup();
  });

  it('reuses one connection for sequential calls with keep-alive, and opens one per call without', async () => {
    const reuse = newClient();
    let before = server.connectionsAccepted;
    for (let i = 0; i < 5; i++) expect(await reuse.call('localhost', { method: 'test.add', params: [i, 1] })).to.equal(i + 1);
    expect(server.connectionsAccepted - before).to.equal(1);
    const fresh = newClient({ keepAlive: false });
    before = server.connectionsAccepted;
    for (let i = 0; i < 5; i++) await fresh.call('localhost', { method: 'test.echo', params: [i] });
    expect(server.connectionsAccepted - before).to.equal(5);
  });

  it('runs concurrent calls over at most maxSockets connections', async () => {
    const pooled = newClient({ maxSockets: 2 });
    const before = server.connectionsAccepted;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => pooled.call('localhost', { method: 'test.echo', params: [i] })));
    expect(results).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(server.connectionsAccepted - before).to.be.at.most(2);
  });

  it('rejects with TimeoutError at the deadline and destroys the request', async () => {
    const before = log.signals.length;
    const t0 = performance.now();
    const err = await newClient().call('localhost', { method: 'test.hang', params: [] }, { timeout: 300 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TimeoutError);
    expect((err as Error).message).to.equal(`localhost:${server.address.port}: no reply within 300 ms`);
    expect(performance.now() - t0, 'not before the deadline').to.be.at.least(250);
    expect(await eventually(() => log.signals[before]?.aborted === true)).to.equal(true);
  });

  it('reports TimeoutError, not a reset, when the deadline passes while the body is arriving', async () => {
    const sockets: net.Socket[] = [];
    const stalling = net.createServer((socket) => {
      sockets.push(socket);
      socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n<?xml'));
      socket.on('error', () => { /* the client resets it */ });
    });
    await new Promise<void>((r) => stalling.listen(0, '127.0.0.1', r));
    try {
      const port = (stalling.address() as net.AddressInfo).port;
      const plain = new XmlRpcClient({ port });
      clients.push(plain);
      const err = await plain.call('127.0.0.1', { method: 'test.echo', params: [1] }, { timeout: 300 }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(TimeoutError);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => stalling.close(r));
    }
  });

  it('rejects when its signal aborts, with the reason if it is a FuncError', async () => {
    const ac = new AbortController();
    const before = log.signals.length;
    const pending = newClient().call('localhost', { method: 'test.hang', params: [] }, { signal: ac.signal }).catch((e: unknown) => e);
    expect(await eventually(() => log.signals.length > before), 'the server runs the call').to.equal(true);
    ac.abort();
    expect(await pending).to.be.instanceOf(ConnectionError).and.have.property('message').that.matches(/call cancelled/);
    const reason = new TimeoutError('overlord gave up');
    expect(await newClient().call('localhost', { method: 'test.echo', params: [1] }, { signal: AbortSignal.abort(reason) }).catch((e: unknown) => e))
      .to.equal(reason);
  });

  it('names host and cause when the connection is refused', async () => {
    const port = await freePort();
    const err = await newClient({ port }).call('127.0.0.1', { method: 'test.echo', params: [1] }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConnectionError);
    expect((err as Error).message).to.equal(`127.0.0.1:${port}: connection refused`);
  });

  it('verifies that the certificate names the host called (DNS or IP SAN)', async () => {
    expect(await newClient().call('localhost', { method: 'test.echo', params: ['dns'] })).to.equal('dns');
    expect(await newClient().call('127.0.0.1', { method: 'test.echo', params: ['ip'] })).to.equal('ip');
    const impostor = await startServer({ tls: pki.material(pki.other) });
    const err = await newClient({ port: impostor.address.port }).call('localhost', { method: 'test.echo', params: [1] }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConnectionError);
    expect((err as Error).message).to.match(/the certificate presented does not name host 'localhost' \(it names DNS:other.example.org\)/);
    expect(await newClient({ port: impostor.address.port, verifyHostName: false }).call('localhost', { method: 'test.echo', params: [2] })).to.equal(2);
  });

  it('refuses a server whose certificate comes from another CA', async () => {
    const rogue = await startServer({ tls: { ...pki.material(pki.rogue), ca: pki.ca.cert } });
    const err = await newClient({ port: rogue.address.port }).call('localhost', { method: 'test.echo', params: [1] }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConnectionError).and.have.property('message').that.matches(/TLS failure/);
  });

  it('turns REMOTE_ERROR lists into RemoteError and faults into FaultError', async () => {
    const remote = await newClient().call('localhost', { method: 'test.explode', params: [] }).catch((e: unknown) => e);
    expect(remote).to.be.instanceOf(RemoteError).and.include({ remoteType: 'exceptions.Exception', message: 'khhhhhhaaaaaan!!!!!!' });
    const fault = await newClient().call('localhost', { method: 'test.deny', params: [] }).catch((e: unknown) => e);
    expect(fault).to.be.instanceOf(FaultError).and.include({ faultCode: 1, faultString: "<class 'func.minion.codes.AccessToMethodDenied'>:caller may not call test.deny" });
  });

  it('reads gzip replies and enforces its response limit', async () => {
    expect(((await newClient().call('localhost', { method: 'test.big', params: [200_000] })) as string).length).to.equal(200_000);
    const small = newClient({ limits: { maxBytes: 1000 } });
    expect(await small.call('localhost', { method: 'test.big', params: [5000] }).catch((e: unknown) => e)).to.be.instanceOf(PayloadTooLargeError);
    expect(await small.call('localhost', { method: 'test.echo', params: ['fits'] })).to.equal('fits');
  });

  it('reports an HTTP error status as ProtocolError', async () => {
    const err = await newClient({ path: '/nowhere' }).call('localhost', { method: 'test.echo', params: [1] }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError).and.have.property('message').that.matches(/HTTP 404 Not Found/);
  });

  describe('xmlrpcCall', () => {
    it('calls a plain-HTTP URL, returning REMOTE_ERROR lists as values and rejecting faults', async () => {
      const plain = await startServer();
      const url = `http://127.0.0.1:${plain.address.port}/`;
      expect(await xmlrpcCall(url, 'test.echo', [[1, 'two']])).to.deep.equal([1, 'two']);
      expect((await xmlrpcCall(url, 'test.explode', []) as unknown[]).slice(0, 3))
        .to.deep.equal(['REMOTE_ERROR', 'exceptions.Exception', 'khhhhhhaaaaaan!!!!!!']);
      expect(await xmlrpcCall(url, 'test.deny', []).catch((e: unknown) => e)).to.be.instanceOf(FaultError);
      expect(await xmlrpcCall(url, 'test.hang', [], { timeout: 200 }).catch((e: unknown) => e)).to.be.instanceOf(TimeoutError);
    });

    it('calls an https URL with TLS material', async () => {
      const url = `https://localhost:${server.address.port}/RPC2`;
      expect(await xmlrpcCall(url, 'test.add', [20, 22], { tls: pki.material(pki.client) })).to.equal(42);
      expect(await xmlrpcCall('ftp://x/', 'a', []).catch((e: unknown) => e)).to.be.instanceOf(ConnectionError);
    });
  });

  it('parses host, host:port and IPv6 forms', () => {
    expect(parseHostPort('minion1', 51234)).to.deep.equal({ host: 'minion1', port: 51234 });
    expect(parseHostPort('minion1:8000', 51234)).to.deep.equal({ host: 'minion1', port: 8000 });
    expect(parseHostPort('[::1]:8000', 51234)).to.deep.equal({ host: '::1', port: 8000 });
    expect(parseHostPort('::1', 51234)).to.deep.equal({ host: '::1', port: 51234 });
    expect(() => parseHostPort('minion1:99999', 51234)).to.throw(ConnectionError, /invalid port/);
    expect(() => parseHostPort('a:b:c', 51234)).to.throw(ConnectionError);
  });
});
