// The XML-RPC transport as a TransportFactory (func's native wire: HTTPS with mutual TLS on port 51234),
// plus the codec, fault mapping, server and client for direct use (certmaster, certmaster-request).
import type { TransportFactory } from '../types.js';
import { XmlRpcClient } from './client.js';
import { funcErrorToWire } from './faults.js';
import { XmlRpcServer } from './server.js';

export * from './codec.js';
export * from './faults.js';
export * from './server.js';
export * from './client.js';

/** func's XML-RPC transport: no native progress streaming (the overlord polls async jobs instead). */
export const xmlrpcTransport: TransportFactory = {
  name: 'xmlrpc',
  defaultPort: 51234,
  capabilities: { streamsProgress: false },
  createServer(options, handler) {
    return new XmlRpcServer({
      host: options.host, port: options.port, tls: options.tls, errorToWire: funcErrorToWire,
      ...(options.maxBodyBytes !== undefined ? { limits: { maxBytes: options.maxBodyBytes } } : {}),
      ...(options.screen !== undefined ? { screen: options.screen } : {}),
      ...(options.log !== undefined ? { log: options.log } : {}),
      ...(options.limits?.maxReplyBytes !== undefined ? { maxReplyBytes: options.limits.maxReplyBytes } : {}),
      ...(options.limits?.maxInFlightBytes !== undefined ? { maxInFlightBytes: options.limits.maxInFlightBytes } : {}),
      ...(options.limits?.maxConnectionsPerPeer !== undefined ? { maxConnectionsPerPeer: options.limits.maxConnectionsPerPeer } : {}),
      ...(options.limits?.keys !== undefined ? { limitKeys: options.limits.keys } : {}),
    }, handler);
  },
  createClient(options) {
    return new XmlRpcClient({
      port: options.port, tls: options.tls,
      ...(options.verifyHostName !== undefined ? { verifyHostName: options.verifyHostName } : {}),
      ...(options.keepAlive !== undefined ? { keepAlive: options.keepAlive } : {}),
      ...(options.maxReplyBytes !== undefined ? { limits: { maxBytes: options.maxReplyBytes } } : {}),
      ...(options.maxReplyHint !== undefined ? { limitHint: options.maxReplyHint } : {}),
    });
  },
};
