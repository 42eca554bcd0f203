// XmlRpcServer: mutual-TLS authentication (CA, rogue CA, CRL, expiry, CA cert as client), per-connection peer
// identity, every failure answered on the wire, HTTP framing of compat §11, aborts and prompt stop().
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { ConnectionError, RemoteError, TimeoutError } from '../../../common/errors.js';
import { FaultError } from '../../../transport/xmlrpc/faults.js';
import type { WireStruct } from '../../../transport/types.js';
import { XmlRpcClient } from '../../../transport/xmlrpc/client.js';
import { decodeResponse, encodeCall } from '../../../transport/xmlrpc/codec.js';
import { certmasterErrorToWire } from '../../../transport/xmlrpc/faults.js';
import type { XmlRpcServer } from '../../../transport/xmlrpc/server.js';
import { createTlsFixtures, type Pem, type TlsFixtures } from '../../helpers/tls-fixtures.js';
import {
  connectRaw, eventually, exchangeRaw, httpRequest, postRaw, rawTls, requestOnSocket, startServer, stopAllServers,
  testHandler, type HandlerLog,
} from './harness.js';

const run = promisify(execFile);

async function opensslHash(certFile: string): Promise<number> {
  const { stdout } = await run('openssl', ['x509', '-noout', '-subject_hash', '-in', certFile]);
  return parseInt(stdout.trim(), 16);
}

describe('transport/xmlrpc/server', function () {
  let pki: TlsFixtures;
  let server: XmlRpcServer;
  const log: HandlerLog = { signals: [] };
  const clients: XmlRpcClient[] = [];
  const clientFor = (id: Pem, port = server.address.port) => {
    const c = new XmlRpcClient({ tls: pki.material(id), port, keepAlive: false });
    clients.push(c);
    return c;
  };

  before(async () => {
    pki = await createTlsFixtures();
    server = await startServer({ tls: pki.material(pki.server, { crl: true }) }, testHandler(log));
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stopAllServers();
    await pki.cleanup();
  });

  describe('mutual TLS', () => {
    it('gives the handler the peer identity: CN, OpenSSL subject hash in decimal, ACL key, fingerprint', async () => {
      const peer = await clientFor(pki.client).call('localhost', { method: 'test.whoami', params: [] }) as WireStruct;
      const hash = await opensslHash(pki.client.certFile);
      expect(peer).to.deep.equal({
        cn: 'client1.example.org', subjectHash: hash, key: `client1.example.org-${hash}`, address: '127.0.0.1',
        fingerprint256: new X509Certificate(pki.client.cert).fingerprint256,
      });
    });

    it('accepts the CA certificate itself as client identity, with the CRL in force', async () => {
      const peer = await clientFor(pki.ca).call('localhost', { method: 'test.whoami', params: [] }) as WireStruct;
      expect(peer.key).to.equal(`func-test-CA-${await opensslHash(pki.ca.certFile)}`);
    });

    it('keeps identities per connection under concurrent callers', async () => {
      const a = clientFor(pki.client);
      const b = clientFor(pki.other);
      const calls = Array.from({ length: 20 }, (_, i) => (i % 2 ? b : a).call('localhost', { method: 'test.whoami', params: [] }));
      const cns = (await Promise.all(calls)).map((p) => (p as WireStruct).cn);
      expect(cns).to.deep.equal(Array.from({ length: 20 }, (_, i) => (i % 2 ? 'other.example.org' : 'client1.example.org')));
    });

    it('refuses a client without a certificate, and keeps serving', async () => {
      const socket = await connectRaw(server.address.port, { ca: pki.ca.cert, servername: 'localhost' }).catch((e: Error) => e);
      if (!(socket instanceof Error)) {
        const r = await exchangeRaw(socket, httpRequest('POST', '/RPC2', { 'Content-Length': 0 }));
        expect(r.raw.toString('latin1')).not.to.match(/^HTTP\//);
      }
      expect(await clientFor(pki.client).call('localhost', { method: 'test.echo', params: [1] })).to.equal(1);
    });

    for (const [what, pick] of [
      ['a certificate from another CA', (f: TlsFixtures) => f.rogue],
      ['a revoked certificate (CRL)', (f: TlsFixtures) => f.revoked],
      ['an expired certificate', (f: TlsFixtures) => f.expired],
    ] as const) {
      it(`refuses ${what}, and keeps serving`, async () => {
        const err = await clientFor(pick(pki)).call('localhost', { method: 'test.echo', params: [1] }).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(ConnectionError);
        expect(await clientFor(pki.client).call('localhost', { method: 'test.echo', params: [2] })).to.equal(2);
      });
    }

    it('takes a new CRL at run time with updateTls()', async () => {
      const open = await startServer({ tls: pki.material(pki.server) });
      const revoked = clientFor(pki.revoked, open.address.port);
      expect(await revoked.call('localhost', { method: 'test.echo', params: [3] })).to.equal(3);
      open.updateTls(pki.material(pki.server, { crl: true }));
      expect(await revoked.call('localhost', { method: 'test.echo', params: [4] }).catch((e: unknown) => e)).to.be.instanceOf(ConnectionError);
      expect(await clientFor(pki.client, open.address.port).call('localhost', { method: 'test.echo', params: [5] })).to.equal(5);
    });
  });

  describe('failures on the wire', () => {
    const call = (method: string, params: never[] = []) =>
      clientFor(pki.client).call('localhost', { method, params }).catch((e: unknown) => e);

    it('answers malformed XML with an ExpatError Fault and then serves the next call', async () => {
      const r = await postRaw(server.address.port, '<methodCall><methodName>x</methodName><params>', { tls: rawTls(pki.material(pki.client)) });
      expect(r.status).to.equal(200);
      const decoded = decodeResponse(r.body);
      expect(decoded.ok).to.equal(false);
      expect((decoded as { faultString: string }).faultString).to.match(/^<class 'xml.parsers.expat.ExpatError'>:XML-RPC: malformed XML/);
      expect(await call('test.echo')).to.equal(null);
    });

    it("answers AccessDeniedError with func's Fault type and our message", async () => {
      expect(await call('test.deny')).to.be.instanceOf(FaultError)
        .and.include({ faultCode: 1, faultString: "<class 'func.minion.codes.AccessToMethodDenied'>:caller may not call test.deny" });
    });

    it('answers unmarshallable results with Faults: a bigint beyond 32 bits, undefined', async () => {
      expect(await call('test.bigint')).to.include({ faultString: "<type 'exceptions.OverflowError'>:int exceeds XML-RPC limits" });
      expect(await call('test.bad_return')).to.include({ faultString: "<type 'exceptions.TypeError'>:cannot marshal <type 'undefined'> objects" });
    });

    it('answers a throwing handler with a REMOTE_ERROR list (trace without checkout paths) and stays up', async () => {
      const plain = await call('test.throw_plain') as RemoteError;
      expect(plain).to.be.instanceOf(RemoteError).and.include({ remoteType: 'exceptions.Exception', message: 'plain failure' });
      expect(plain.trace).to.match(/^at /);
      expect(plain.trace).not.to.include(process.cwd());
      expect(await call('test.throw_string')).to.include({ remoteType: 'exceptions.Exception', message: 'a bare string' });
      expect(await call('nosuch.method')).to.include({ remoteType: 'func.minion.codes.InvalidMethodException' });
      expect(await call('test.echo')).to.equal(null);
    });

    it('answers a call that outlives callTimeoutMs with a FuncException and aborts its signal', async () => {
      const slowLog: HandlerLog = { signals: [] };
      const s = await startServer({ tls: pki.material(pki.server), callTimeoutMs: 300 }, testHandler(slowLog));
      const err = await clientFor(pki.client, s.address.port).call('localhost', { method: 'test.hang', params: [] }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(RemoteError).and.include({ remoteType: 'func.minion.codes.FuncException' });
      expect((err as RemoteError).message).to.match(/call to test.hang did not finish within 300 ms/);
      expect(slowLog.signals[0]!.aborted).to.equal(true);
      expect(slowLog.signals[0]!.reason).to.be.instanceOf(TimeoutError);
      expect(await clientFor(pki.client, s.address.port).call('localhost', { method: 'test.echo', params: [7] })).to.equal(7);
    });

    it('aborts the handler signal when the caller goes away', async () => {
      const before = log.signals.length;
      const err = await clientFor(pki.client).call('localhost', { method: 'test.hang', params: [] }, { timeout: 200 }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(TimeoutError);
      expect(await eventually(() => log.signals[before]?.aborted === true)).to.equal(true);
    });

    it("maps errors certmaster's way on a plain-HTTP server, with an anonymous peer", async () => {
      const cm = await startServer({ errorToWire: certmasterErrorToWire });
      const plain = new XmlRpcClient({ port: cm.address.port });
      clients.push(plain);
      expect(await plain.call('127.0.0.1', { method: 'test.whoami', params: [] }))
        .to.deep.equal({ cn: '', subjectHash: 0, key: '', address: '127.0.0.1', fingerprint256: '' });
      expect(await plain.call('127.0.0.1', { method: 'nosuch', params: [] }).catch((e: unknown) => e))
        .to.include({ faultString: "<class 'certmaster.codes.InvalidMethodException'>:" });
      expect(await plain.call('127.0.0.1', { method: 'test.throw_plain', params: [] }).catch((e: unknown) => e))
        .to.include({ faultString: "<class 'certmaster.codes.CertMasterException'>:plain failure" });
    });
  });

  describe('HTTP framing (compat §11)', () => {
    const bigCall = encodeCall('test.big', [10_000]);

    it('answers a request without Connection header with no Connection header, then closes TLS and TCP', async () => {
      const r = await postRaw(server.address.port, bigCall, { tls: rawTls(pki.material(pki.client)) });
      expect(r.statusLine).to.equal('HTTP/1.1 200 OK');
      expect(r.headers).not.to.have.property('connection');
      expect(r.headers).not.to.have.property('keep-alive');
      expect(r.headers['content-length']).to.equal(String(r.raw.length - r.raw.indexOf('\r\n\r\n') - 4));
      expect(decodeResponse(r.body)).to.deep.equal({ ok: true, value: 'x'.repeat(10_000) });
      expect(r.endedByServer).to.equal(true);
    });

    it('does the same with a gzip reply', async () => {
      const r = await postRaw(server.address.port, bigCall, { tls: rawTls(pki.material(pki.client)), headers: { 'Accept-Encoding': 'gzip' } });
      expect(r.headers['content-encoding']).to.equal('gzip');
      expect(r.headers).not.to.have.property('connection');
      expect(decodeResponse(r.body)).to.deep.equal({ ok: true, value: 'x'.repeat(10_000) });
      expect(r.endedByServer).to.equal(true);
    });

    it('keeps the connection for two calls when keep-alive is asked for', async () => {
      const accepted = server.connectionsAccepted;
      const socket = await connectRaw(server.address.port, rawTls(pki.material(pki.client)));
      try {
        const req = (n: number) => httpRequest('POST', '/RPC2', { Host: 'localhost', Connection: 'keep-alive', 'Content-Length': Buffer.byteLength(encodeCall('test.echo', [n])) }, encodeCall('test.echo', [n]));
        const first = await requestOnSocket(socket, req(1));
        const second = await requestOnSocket(socket, req(2));
        expect(first.headers.connection).to.equal('keep-alive');
        expect([decodeResponse(first.body), decodeResponse(second.body)]).to.deep.equal([{ ok: true, value: 1 }, { ok: true, value: 2 }]);
        expect(server.connectionsAccepted - accepted).to.equal(1);
      } finally {
        socket.destroy();
      }
    });

    it("announces the close to Python 3's xmlrpc.client, which reuses connections", async () => {
      const r = await postRaw(server.address.port, bigCall, { tls: rawTls(pki.material(pki.client)), headers: { 'User-Agent': 'Python-xmlrpc/3.11' } });
      expect(r.headers.connection).to.equal('close');
      expect(r.endedByServer).to.equal(true);
    });
  });

  describe('stop()', () => {
    it('closes idle and busy connections promptly and fails the call in flight', async function () {
      // promptly: well before Node would drop the idle connections by itself (5 s keep-alive, 10 s headers timeout)
      this.timeout(4000);
      const log: HandlerLog = { signals: [] };
      const s = await startServer({ tls: pki.material(pki.server) }, testHandler(log));
      const c = new XmlRpcClient({ tls: pki.material(pki.client), port: s.address.port });
      clients.push(c);
      expect(await c.call('localhost', { method: 'test.echo', params: [1] })).to.equal(1); // leaves an idle pooled connection
      const idle = await connectRaw(s.address.port);
      const idleClosed = new Promise<void>((resolve) => idle.on('close', () => resolve()));
      const hanging = c.call('localhost', { method: 'test.hang', params: [] }).catch((e: unknown) => e);
      expect(await eventually(() => log.signals.length === 2), 'the server runs the hanging call').to.equal(true);
      await s.stop();
      expect(await hanging).to.be.instanceOf(ConnectionError);
      await idleClosed;
    });
  });
});
