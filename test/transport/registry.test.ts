// The transport registry and the built-in list: xmlrpc is registered by transport/index.ts, unknown names fail
// with the known ones, and the registered factory builds a server and a client that talk to each other.
import { expect } from 'chai';
import { silentLogger } from '../../common/log.js';
import { ConfigError } from '../../common/errors.js';
import { getTransport, registerTransport, transportNames } from '../../transport/index.js';
import type { TransportFactory } from '../../transport/types.js';
import { xmlrpcTransport } from '../../transport/xmlrpc/index.js';
import { createTlsFixtures } from '../helpers/tls-fixtures.js';
import { testHandler } from './xmlrpc/harness.js';

describe('transport/registry', () => {
  it('has xmlrpc registered by transport/index', () => {
    expect(transportNames()).to.include('xmlrpc');
    expect(getTransport('xmlrpc')).to.equal(xmlrpcTransport);
    expect(xmlrpcTransport.name).to.equal('xmlrpc');
    expect(Object.keys(xmlrpcTransport.settings.minion)).to.have.members(['listen_addr', 'listen_port', 'max_body_bytes', 'max_reply_bytes', 'max_inflight_bytes', 'max_connections_per_peer']);
    expect(Object.keys(xmlrpcTransport.settings.overlord)).to.have.members(['listen_port', 'max_reply_bytes']);
    expect(xmlrpcTransport.settings.overlord.listen_port.default).to.equal(51234);
  });

  it('refuses an unknown name with ConfigError listing the known transports', () => {
    expect(() => getTransport('carrier-pigeon')).to.throw(ConfigError, /unknown transport 'carrier-pigeon'; known transports: .*xmlrpc/);
  });

  it('refuses a second, different factory under a taken name but accepts the same one again', () => {
    registerTransport(xmlrpcTransport);
    const impostor: TransportFactory = { ...xmlrpcTransport };
    expect(() => registerTransport(impostor)).to.throw(ConfigError, /already registered/);
    expect(getTransport('xmlrpc')).to.equal(xmlrpcTransport);
  });

  it('builds a working server and client from the xmlrpc factory', async () => {
    const pki = await createTlsFixtures();
    const factory = getTransport('xmlrpc');
    const server = factory.createServer({
      options: { listen_addr: '127.0.0.1', listen_port: 0, max_body_bytes: 4096 }, tls: pki.material(pki.server),
      minionName: 'localhost', log: silentLogger, reportState: () => undefined,
    }, testHandler());
    const client = factory.createClient({ options: { listen_port: 0 }, tls: pki.material(pki.client), verifyHostName: true, log: silentLogger });
    try {
      await server.start();
      expect(server.status()).to.deep.equal({ state: 'serving', endpoint: `127.0.0.1:${server.address!.port}` });
      expect(await client.call(`localhost:${server.address!.port}`, { method: 'test.echo', params: ['via factory'] })).to.equal('via factory');
      const tooBig = await client.call(`localhost:${server.address!.port}`, { method: 'test.echo', params: ['x'.repeat(5000)] }).catch((e: unknown) => e);
      expect(tooBig).to.be.instanceOf(Error).and.have.property('message').that.matches(/HTTP 413/);
    } finally {
      await client.close();
      await server.stop();
      await pki.cleanup();
    }
  });
});
