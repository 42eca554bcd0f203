// The one list of built-in transports: importing this module registers them. Adding a transport is one
// more line here (and its folder); nothing else branches on transport names.
import { registerTransport } from './registry.js';
import { amqpTransport } from './amqp/index.js';
import { xmlrpcTransport } from './xmlrpc/index.js';

registerTransport(xmlrpcTransport);
registerTransport(amqpTransport);

export { defineTransport, registerTransport, getTransport, transportNames } from './registry.js';
export type * from './types.js';
