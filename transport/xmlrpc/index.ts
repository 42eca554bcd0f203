// The XML-RPC transport as a TransportFactory (func's native wire: HTTPS with mutual TLS on port 51234) with
// its own config keys, plus the codec, fault mapping, server and client for direct use (certmaster, certmaster-request).
import { opt } from '../../common/config.js';
import { defineTransport } from '../registry.js';
import { XmlRpcClient } from './client.js';
import { funcErrorToWire } from './faults.js';
import { XmlRpcServer } from './server.js';

export * from './codec.js';
export * from './faults.js';
export * from './server.js';
export * from './client.js';

/** func's port for minions. */
export const XMLRPC_PORT = 51234;

/** func's XML-RPC transport: no server push (the overlord polls async jobs for progress), no many-host call. */
export const xmlrpcTransport = defineTransport({
  name: 'xmlrpc',
  settings: {
    minion: {
      listen_addr: opt('string', ''),
      listen_port: opt('int', XMLRPC_PORT),
      // beyond func: request body limit (also after gunzip)
      max_body_bytes: opt('int', 16 * 1024 * 1024),
    },
    overlord: {
      listen_port: opt('int', XMLRPC_PORT),
    },
  },
  describeEndpoint(options) {
    return `${options.listen_addr || '0.0.0.0'}:${options.listen_port}`;
  },
  createServer(init, handler) {
    return new XmlRpcServer({
      host: init.options.listen_addr || '0.0.0.0', port: init.options.listen_port, tls: init.tls,
      errorToWire: funcErrorToWire, limits: { maxBytes: init.options.max_body_bytes }, log: init.log,
    }, handler);
  },
  createClient(init) {
    return new XmlRpcClient({ port: init.options.listen_port, tls: init.tls, verifyHostName: init.verifyHostName, keepAlive: true });
  },
});
