// Open connections per peer (issue 8, items 3 and 7): a peer holding more than maxConnectionsPerPeer connections
// has the extra ones closed, and when a new CRL revokes a peer, its connections that are already open (keep-alive)
// are closed within a second instead of calling on.
import { expect } from 'chai';
import type tls from 'node:tls';
import { XmlRpcClient } from '../../../transport/xmlrpc/client.js';
import { encodeCall, decodeResponse } from '../../../transport/xmlrpc/codec.js';
import { createTlsFixtures, type TlsFixtures } from '../../helpers/tls-fixtures.js';
import { connectRaw, httpRequest, rawTls, requestOnSocket, startServer, stopAllServers } from './harness.js';

/** Resolves with how long after `t0` the socket closed, or null after `ms`. */
function closeTime(socket: tls.TLSSocket, t0: number, ms: number): Promise<number | null> {
  return new Promise((resolve) => {
    if (socket.destroyed) { resolve(Date.now() - t0); return; }
    const timer = setTimeout(() => resolve(null), ms);
    socket.on('error', () => { /* a reset counts as closed */ });
    socket.once('close', () => { clearTimeout(timer); resolve(Date.now() - t0); });
  });
}

const keepAliveEcho = (v: string) => httpRequest('POST', '/RPC2',
  { Host: 'x', Connection: 'keep-alive', 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(encodeCall('test.echo', [v])) }, encodeCall('test.echo', [v]));

describe('transport/xmlrpc connections per peer', function () {
  this.timeout(30000);
  let pki: TlsFixtures;
  before(async () => { pki = await createTlsFixtures(); });
  after(async () => { await stopAllServers(); await pki.cleanup(); });

  it('closes a peer\'s connections beyond maxConnectionsPerPeer and keeps serving other peers', async () => {
    const server = await startServer({ tls: pki.material(pki.server), maxConnectionsPerPeer: 2 });
    const port = server.address.port;
    const mine = await Promise.all([0, 1].map(() => connectRaw(port, rawTls(pki.material(pki.client))) as Promise<tls.TLSSocket>));
    for (const s of mine) expect(decodeResponse((await requestOnSocket(s, keepAliveEcho('ok'))).body)).to.deep.equal({ ok: true, value: 'ok' });
    const third = await connectRaw(port, rawTls(pki.material(pki.client))) as tls.TLSSocket;
    expect(await closeTime(third, Date.now(), 2000), 'the third connection is closed').to.be.a('number');
    const other = new XmlRpcClient({ tls: pki.material(pki.other), port });
    expect(await other.call('localhost', { method: 'test.echo', params: ['other peer'] })).to.equal('other peer');
    await other.close();
    mine.forEach((s) => s.destroy());
  });

  it('closes the open keep-alive connection of a peer within a second of a CRL that revokes it', async () => {
    const server = await startServer({ tls: pki.material(pki.server) });
    const port = server.address.port;
    const revoked = await connectRaw(port, rawTls(pki.material(pki.revoked))) as tls.TLSSocket;
    const good = await connectRaw(port, rawTls(pki.material(pki.client))) as tls.TLSSocket;
    for (const s of [revoked, good]) expect(decodeResponse((await requestOnSocket(s, keepAliveEcho('before'))).body).ok).to.equal(true);
    const t0 = Date.now();
    const closed = closeTime(revoked, t0, 3000);
    server.updateTls(pki.material(pki.server, { crl: true }));
    const after = await closed;
    expect(after, 'the revoked peer\'s connection was closed').to.be.a('number').and.below(1000);
    expect(revoked.destroyed).to.equal(true);
    expect(decodeResponse((await requestOnSocket(good, keepAliveEcho('still'))).body)).to.deep.equal({ ok: true, value: 'still' });
    good.destroy();
  });
});
