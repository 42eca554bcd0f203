// How the contract suite reaches a minion over each registered transport: the minion.conf / overlord.conf keys
// that make it serve in a test, the host name to call, and what its wire can carry. A new transport adds one entry.
import net from 'node:net';
import type { MinionHandle } from '../../minion/daemon.js';
import { removePrefix, TEST_AMQP_URL, uniquePrefix } from '../helpers/broker.js';

/** One transport's part of the contract suite. */
export interface ContractFixture {
  /** minion.conf [main] values for a test minion called `name` (e.g. where to listen, which broker) */
  minionSettings(name: string): Promise<Record<string, string>>;
  /** overlord.conf [main] values that reach the running minion */
  overlordSettings(minion: MinionHandle): Record<string, string>;
  /** the host string a client calls for that minion */
  target(minion: MinionHandle): string;
  /** a host string nobody answers at */
  unreachableTarget(): Promise<string>;
  /** what the wire carries beyond XML-RPC's base set */
  readonly wire: {
    /** integers beyond 32 bits travel both ways (false: the minion refuses to return them, as func's does) */
    readonly bigIntResults: boolean;
    /** NaN and ±Infinity doubles travel both ways */
    readonly nonFinite: boolean;
  };
  /** a synchronous call's progress reaches CallOptions.onProgress (false: progress comes by polling async jobs) */
  readonly syncProgress: boolean;
  /** removes what the transport left outside the test's temp dirs (e.g. broker queues), after the suite */
  cleanup?(minion: MinionHandle): Promise<void>;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const xmlrpc: ContractFixture = {
  minionSettings: async (name) => ({ listen_addr: name, listen_port: '0' }),
  overlordSettings: (minion) => ({ listen_port: String(minion.addresses[0]!.port) }),
  target: (minion) => `${minion.name}:${minion.addresses[0]!.port}`,
  unreachableTarget: async () => `127.0.0.1:${await freePort('127.0.0.1')}`,
  wire: { bigIntResults: false, nonFinite: true },
  syncProgress: false,
};

/** AMQP: the test broker under a name prefix of this run; a host without a queue is unreachable (mandatory publish). */
const amqpPrefix = uniquePrefix('c');
const amqp: ContractFixture = {
  minionSettings: async () => ({ amqp_url: TEST_AMQP_URL, amqp_prefix: amqpPrefix }),
  overlordSettings: () => ({ amqp_url: TEST_AMQP_URL, amqp_prefix: amqpPrefix }),
  target: (minion) => minion.name,
  unreachableTarget: async () => 'nobody.invalid',
  wire: { bigIntResults: true, nonFinite: true },
  syncProgress: true,
  cleanup: (minion) => removePrefix(amqpPrefix, [`${amqpPrefix}.minion.${minion.name}`]),
};

/** Registered transport name → fixture. The suite fails for a registered transport missing here. */
export const contractFixtures: Readonly<Record<string, ContractFixture>> = { xmlrpc, amqp };
