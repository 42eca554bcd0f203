// The AMQP transport as a TransportFactory (docs/amqp-protocol.md): func over a RabbitMQ broker, signed messages,
// live progress and broadcast; plus the pieces for direct use (peers, func-amqp-setup, tests).
import { defineTransport } from '../registry.js';
import { AmqpClient } from './client.js';
import { AmqpServer } from './server.js';
import { AmqpMinionSchema, AmqpOverlordSchema } from './settings.js';

export { AmqpClient } from './client.js';
export { AmqpServer } from './server.js';
export * from './envelope.js';
export * from './naming.js';
export * from './signing.js';

/** func over AMQP 0-9-1 (RabbitMQ): `transports = xmlrpc, amqp` in minion.conf, `transport = amqp` in overlord.conf. */
export const amqpTransport = defineTransport({
  name: 'amqp',
  settings: { minion: AmqpMinionSchema, overlord: AmqpOverlordSchema },
  createServer: (init, handler) => new AmqpServer(init, handler),
  createClient: (init) => new AmqpClient(init),
});
