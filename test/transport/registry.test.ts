// The transport registry and the built-in list: xmlrpc is registered by transport/index.ts, unknown names fail
// with the known ones, and the registered factory builds a server and a client that talk to each other.
import { expect } from 'chai';
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
    expect(xmlrpcTransport).to.deep.include({ name: 'xmlrpc', defaultPort: 51234, capabilities: { streamsProgress: false } });
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
    const server = factory.createServer({ host: '127.0.0.1', port: 0, tls: pki.material(pki.server), maxBodyBytes: 4096 }, testHandler());
    const client = factory.createClient({ port: 0, tls: pki.material(pki.client) });
    try {
      await server.start();
      expect(await client.call(`localhost:${server.address.port}`, { method: 'test.echo', params: ['via factory'] })).to.equal('via factory');
      const tooBig = await client.call(`localhost:${server.address.port}`, { method: 'test.echo', params: ['x'.repeat(5000)] }).catch((e: unknown) => e);
      expect(tooBig).to.be.instanceOf(Error).and.have.property('message').that.matches(/HTTP 413/);
    } finally {
      await client.close();
      await server.stop();
      await pki.cleanup();
    }
  });
});
