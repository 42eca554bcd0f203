// RabbitMQ nodes of the benchmarks' own (own node name, ports and directory, the hard file-descriptor limit), so
// a thousand minion connections and queues never starve the shared broker on 5672, and a cluster can be made and
// broken without touching it. Stopped at the end; the shared epmd is left alone.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PrivateBroker {
  readonly url: string;
  readonly node: string;
  /** rabbitmqctl against this node */
  ctl(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts a node `name`@localhost on `port` (dist port `port` + 20000); resolves once it accepts connections.
 * Nodes meant to form a cluster are given the same Erlang `cookie`.
 */
export async function startPrivateBroker(name: string, port: number, options: { extraConf?: string; cookie?: string } = {}): Promise<PrivateBroker> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `func-${name}-`));
  const node = `${name}@localhost`;
  await fs.mkdir(path.join(dir, 'home'), { recursive: true });
  if (options.cookie) await fs.writeFile(path.join(dir, 'home', '.erlang.cookie'), options.cookie, { mode: 0o400 });
  await fs.writeFile(path.join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users.guest = true\n${options.extraConf ?? ''}`);
  await fs.writeFile(path.join(dir, 'enabled_plugins'), '[].\n');
  const env = {
    ...process.env, HOME: path.join(dir, 'home'), RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'), RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'), RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_NODENAME: node, RABBITMQ_PID_FILE: path.join(dir, 'rabbit.pid'), RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(port + 20000), PATH: `/usr/lib/rabbitmq/bin:${process.env.PATH ?? ''}`,
  };
  const ctl = async (...args: string[]): Promise<string> => (await run('rabbitmqctl', ['-n', node, '-q', ...args], { env, timeout: 120_000 })).stdout;
  await run('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec rabbitmq-server -detached'], { env });
  await ctl('wait', '--timeout', '60', path.join(dir, 'rabbit.pid'));
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}/`, node, ctl,
    async stop() {
      await ctl('stop', path.join(dir, 'rabbit.pid')).catch(() => {});
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
