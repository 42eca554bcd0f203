// The XML-RPC transport as a TransportFactory (func's native wire: HTTPS with mutual TLS on port 51234) with
// its own config keys, plus the codec, fault mapping, server and client for direct use (certmaster, certmaster-request).
import { opt } from '../../common/config.js';
import { defineTransport } from '../registry.js';
import { XmlRpcClient } from './client.js';
import { funcErrorToWire } from './faults.js';
import {
  DEFAULT_MAX_CONNECTIONS_PER_PEER, DEFAULT_MAX_INFLIGHT_BYTES, DEFAULT_MAX_REPLY_BYTES, XmlRpcServer,
} from './server.js';

export * from './codec.js';
export * from './faults.js';
export * from './server.js';
export * from './client.js';

/** func's port for minions. */
export const XMLRPC_PORT = 51234;

/** Where each limit of the server is set, named in the error it causes. */
const MINION_LIMIT_KEYS = {
  body: 'max_body_bytes in minion.conf', reply: 'max_reply_bytes in minion.conf',
  inFlight: 'max_inflight_bytes in minion.conf', perPeer: 'max_connections_per_peer in minion.conf',
};

/** func's XML-RPC transport: no server push (the overlord polls async jobs for progress), no many-host call. */
export const xmlrpcTransport = defineTransport({
  name: 'xmlrpc',
  settings: {
    minion: {
      listen_addr: opt('string', ''),
      listen_port: opt('int', XMLRPC_PORT),
      // beyond func: request body limit (also after gunzip), reply limit (before gzip), request body bytes held
      // at once across all connections, and connections one peer (certificate) may hold open
      max_body_bytes: opt('int', 16 * 1024 * 1024),
      max_reply_bytes: opt('int', DEFAULT_MAX_REPLY_BYTES),
      max_inflight_bytes: opt('int', DEFAULT_MAX_INFLIGHT_BYTES),
      max_connections_per_peer: opt('int', DEFAULT_MAX_CONNECTIONS_PER_PEER),
    },
    overlord: {
      listen_port: opt('int', XMLRPC_PORT),
      // beyond func: the largest reply accepted from a minion (inflated); at least the minions' own default
      max_reply_bytes: opt('int', DEFAULT_MAX_REPLY_BYTES),
    },
  },
  describeEndpoint(options) {
    return `${options.listen_addr || '0.0.0.0'}:${options.listen_port}`;
  },
  createServer(init, handler) {
    return new XmlRpcServer({
      host: init.options.listen_addr || '0.0.0.0', port: init.options.listen_port, tls: init.tls,
      errorToWire: funcErrorToWire, limits: { maxBytes: init.options.max_body_bytes }, log: init.log,
      maxReplyBytes: init.options.max_reply_bytes, maxInFlightBytes: init.options.max_inflight_bytes,
      maxConnectionsPerPeer: init.options.max_connections_per_peer, limitKeys: MINION_LIMIT_KEYS,
      ...(init.screen !== undefined ? { screen: init.screen } : {}),
    }, handler);
  },
  createClient(init) {
    return new XmlRpcClient({
      port: init.options.listen_port, tls: init.tls, verifyHostName: init.verifyHostName, keepAlive: true,
      limits: { maxBytes: init.options.max_reply_bytes },
      limitHint: `raise max_reply_bytes in ${init.settingsFile ?? 'overlord.conf'} (now ${init.options.max_reply_bytes}) to accept larger replies`,
    });
  },
});
