// RabbitMQ nodes of a test's or benchmark's own (own node name, ports and directory, the hard file-descriptor
// limit), so a thousand minion connections and queues never starve the shared broker on 5672, a cluster can be
// made and broken, and a node can be given TLS listeners and plugins without touching it. Stopped at the end;
// the shared epmd is left alone.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PrivateBroker {
  readonly url: string;
  readonly node: string;
  /** the node's directory (config, enabled_plugins, mnesia, logs); removed by stop() */
  readonly dir: string;
  /** the environment rabbitmqctl needs to reach this node (HOME with its Erlang cookie, PATH) */
  readonly env: Record<string, string>;
  /** rabbitmqctl against this node */
  ctl(...args: string[]): Promise<string>;
  /** user + system CPU the node's Erlang VM has used so far, in µs (from /proc; 10 ms steps) */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

export interface PrivateBrokerOptions {
  /** appended to rabbitmq.conf (after the plain TCP listener on 127.0.0.1:`port`) */
  extraConf?: string;
  /** the Erlang cookie; nodes meant to form a cluster are given the same one */
  cookie?: string;
  /** plugins to enable (the enabled_plugins file), e.g. rabbitmq_auth_mechanism_ssl */
  plugins?: string[];
  /** the Erlang distribution port (default `port` + 20000) */
  distPort?: number;
}

/**
 * Starts a node `name`@localhost on `port` (dist port `port` + 20000 unless given); resolves once it accepts
 * connections. A node that fails to start is stopped and its directory removed before the error is thrown.
 */
export async function startPrivateBroker(name: string, port: number, options: PrivateBrokerOptions = {}): Promise<PrivateBroker> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `func-${name}-`));
  const node = `${name}@localhost`;
  await fs.mkdir(path.join(dir, 'home'), { recursive: true });
  if (options.cookie) await fs.writeFile(path.join(dir, 'home', '.erlang.cookie'), options.cookie, { mode: 0o400 });
  await fs.writeFile(path.join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users.guest = true\n${options.extraConf ?? ''}`);
  await fs.writeFile(path.join(dir, 'enabled_plugins'), `[${(options.plugins ?? []).join(',')}].\n`);
  const env: Record<string, string> = {
    ...process.env as Record<string, string>, HOME: path.join(dir, 'home'), RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'), RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'), RABBITMQ_NODENAME: node,
    RABBITMQ_PID_FILE: path.join(dir, 'rabbit.pid'), RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(options.distPort ?? port + 20000), PATH: `/usr/lib/rabbitmq/bin:${process.env.PATH ?? ''}`,
  };
  const ctl = async (...args: string[]): Promise<string> => (await run('rabbitmqctl', ['-n', node, '-q', ...args], { env, timeout: 120_000 })).stdout;
  const stop = async (): Promise<void> => {
    await ctl('stop', path.join(dir, 'rabbit.pid')).catch(() => {});
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    await run('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec rabbitmq-server -detached'], { env });
    await ctl('wait', '--timeout', '60', path.join(dir, 'rabbit.pid'));
  } catch (err) {
    const log = await fs.readFile(path.join(dir, 'log', `${node}.log`), 'utf8').catch(() => '');
    await stop();
    throw new Error(`RabbitMQ node ${node} did not start: ${(err as Error).message}${log ? `\n${log.slice(-2000)}` : ''}`, { cause: err });
  }
  const cpu = async (): Promise<number> => {
    const pid = (await fs.readFile(path.join(dir, 'rabbit.pid'), 'utf8')).trim();
    const fields = (await fs.readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1e6 / 100); // utime, stime in clock ticks (USER_HZ = 100)
  };
  return { url: `amqp://guest:guest@127.0.0.1:${port}/`, node, dir, env, ctl, cpu, stop };
}
