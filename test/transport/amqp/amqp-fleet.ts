// A test fleet served over AMQP: real funcd processes with `transports = amqp` under a unique name prefix on the
// real broker, and the overlord's overlord.conf set to `transport = amqp`; closing removes queues and exchanges.
import fs from 'node:fs/promises';
import path from 'node:path';
import { removePrefix, TEST_AMQP_URL, uniquePrefix } from '../../helpers/broker.js';
import { startFleet, type Fleet } from '../../overlord/fleet.js';

export interface AmqpFleet extends Fleet {
  readonly prefix: string;
}

/** Starts minions `names` (those in `running`, default all) serving AMQP only; the overlord calls over AMQP. */
export async function startAmqpFleet(names: readonly string[], options: { running?: readonly string[]; minionConf?: Record<string, string>; overlordConf?: Record<string, string> } = {}): Promise<AmqpFleet> {
  const prefix = uniquePrefix();
  const amqp = { amqp_url: TEST_AMQP_URL, amqp_prefix: prefix };
  const fleet = await startFleet(names, { running: options.running, minionConf: { transports: 'amqp', ...amqp, ...options.minionConf } });
  const conf = { transport: 'amqp', ...amqp, ...options.overlordConf };
  await fs.appendFile(path.join(fleet.root, 'etc/func/overlord.conf'), Object.entries(conf).map(([k, v]) => `${k} = ${v}\n`).join(''));
  return {
    ...fleet, prefix,
    async close() {
      await fleet.close();
      await removePrefix(prefix, names.map((n) => `${prefix}.minion.${n}`));
    },
  };
}
