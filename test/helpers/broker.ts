// RabbitMQ for tests: the broker at 127.0.0.1:5672 (guest/guest), a unique name prefix per test run so parallel
// runs never share queues, and removal of everything a prefix made (through the admin connection).
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';

/** The broker URL tests use (override with FUNC_TEST_AMQP_URL). */
export const TEST_AMQP_URL = process.env.FUNC_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';

/** A fresh prefix like "t3f9a1c": exchange and queue names of one test run. */
export function uniquePrefix(tag = 't'): string {
  return `${tag}${randomBytes(4).toString('hex')}`;
}

/** Deletes the exchanges and queues named by the prefix: the four exchanges, the dead queue and the given queues. */
export async function removePrefix(prefix: string, queues: string[] = [], url = TEST_AMQP_URL): Promise<void> {
  const conn = await amqp.connect(url, { noDelay: true });
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    for (const q of [`${prefix}.dead`, ...queues]) await ch.deleteQueue(q);
    for (const x of ['requests', 'replies', 'dead']) await ch.deleteExchange(`${prefix}.${x}`);
    await ch.close();
  } finally {
    await conn.close().catch(() => {});
  }
}
