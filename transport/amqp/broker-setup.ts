// What func-amqp-setup does (docs/amqp-protocol.md §8): through rabbitmqctl, a vhost and a broker user per minion
// and overlord with permissions confining each to its own queue; through an admin connection, the topology.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { BrokerUnavailableError, ConfigError } from '../../common/errors.js';
import { declareExchanges, declareMinionQueue, type QueueType } from './declare.js';
import { Topology, type BrokerPermissions } from './naming.js';

/** One broker user to create (or update): its name and password (generated when absent). */
export interface BrokerAccount { name: string; password?: string }

export interface BrokerSetupPlan {
  vhost: string;
  prefix: string;
  queueType: QueueType;
  minions: BrokerAccount[];
  overlords: BrokerAccount[];
  /** URL of a user allowed to create things, without vhost: amqp://guest:guest@127.0.0.1:5672 */
  adminUrl: string;
  /** the rabbitmqctl command (default "rabbitmqctl") and extra arguments such as ["-n", "rabbit@host"] */
  rabbitmqctl?: string[];
  log?: (line: string) => void;
}

/** A created account and the amqp_url it should use. */
export interface CreatedAccount { name: string; role: 'minion' | 'overlord'; password: string; url: string }

/** Runs rabbitmqctl; rejects with BrokerUnavailableError carrying its output. */
function rabbitmqctl(cmd: string[], args: string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd[0]!, [...cmd.slice(1), '-q', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new BrokerUnavailableError(`rabbitmqctl ${args[0]} failed: ${(stderr || stdout || err.message).trim()}`, { cause: err }));
      else resolve(stdout);
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** Parses an admin URL into its parts; a malformed one is a ConfigError. */
function adminParts(url: string): URL {
  try {
    const u = new URL(url);
    if (u.protocol !== 'amqp:' && u.protocol !== 'amqps:') throw new Error(`unsupported scheme ${u.protocol}`);
    return u;
  } catch (err) {
    throw new ConfigError(`--admin-url ${url}: ${(err as Error).message}`, { cause: err });
  }
}

/** The URL a user connects with: the admin URL's host and port, the user's credentials, the vhost. */
export function accountUrl(adminUrl: string, vhost: string, name: string, password: string): string {
  const u = adminParts(adminUrl);
  return `${u.protocol}//${encodeURIComponent(name)}:${encodeURIComponent(password)}@${u.host}/${encodeURIComponent(vhost)}`;
}

async function ensureUser(cmd: string[], vhost: string, account: BrokerAccount, perms: BrokerPermissions): Promise<string> {
  const password = account.password ?? randomBytes(18).toString('base64url');
  // `--`: a password may start with "-" (a generated one does 1 time in 64), which rabbitmqctl took for an option
  try {
    await rabbitmqctl(cmd, ['add_user', '--', account.name, password]);
  } catch (err) {
    if (!/already.exists/i.test((err as Error).message)) throw err;
    await rabbitmqctl(cmd, ['change_password', '--', account.name, password]);
  }
  await rabbitmqctl(cmd, ['set_permissions', '-p', vhost, account.name, perms.configure, perms.write, perms.read]);
  await rabbitmqctl(cmd, ['set_topic_permissions', '-p', vhost, account.name, perms.topic.exchange, perms.topic.write, perms.topic.read]);
  return password;
}

/**
 * Creates the vhost, gives the admin user full rights in it, declares exchanges and minion queues over an
 * admin connection, then creates each user with confined permissions. Safe to run again (passwords are reset).
 */
export async function setupBroker(plan: BrokerSetupPlan): Promise<CreatedAccount[]> {
  const cmd = plan.rabbitmqctl ?? ['rabbitmqctl'];
  const log = plan.log ?? (() => {});
  const topo = new Topology(plan.prefix);
  const admin = adminParts(plan.adminUrl);
  await rabbitmqctl(cmd, ['add_vhost', plan.vhost]);
  await rabbitmqctl(cmd, ['set_permissions', '-p', plan.vhost, decodeURIComponent(admin.username), '.*', '.*', '.*']);
  log(`vhost ${plan.vhost} ready`);
  const conn = await amqp.connect(`${admin.protocol}//${admin.username}:${admin.password}@${admin.host}/${encodeURIComponent(plan.vhost)}`, { noDelay: true })
    .catch((err: Error) => { throw new BrokerUnavailableError(`cannot connect to ${admin.host} as ${admin.username}: ${err.message}`, { cause: err }); });
  try {
    const ch = await conn.createChannel();
    await declareExchanges(ch, topo, plan.queueType);
    for (const m of plan.minions) await declareMinionQueue(ch, topo, m.name, plan.queueType);
    await ch.close();
  } finally {
    await conn.close().catch(() => {});
  }
  log(`exchanges and ${plan.minions.length} minion queue(s) declared (prefix ${plan.prefix}, ${plan.queueType})`);
  const created: CreatedAccount[] = [];
  const add = async (a: BrokerAccount, role: CreatedAccount['role'], perms: BrokerPermissions) => {
    const password = await ensureUser(cmd, plan.vhost, a, perms);
    created.push({ name: a.name, role, password, url: accountUrl(plan.adminUrl, plan.vhost, a.name, password) });
    log(`${role} user ${a.name} ready`);
  };
  for (const m of plan.minions) await add(m, 'minion', topo.minionPermissions(m.name));
  for (const o of plan.overlords) await add(o, 'overlord', topo.overlordPermissions());
  return created;
}

/** Removes users and the vhost made by setupBroker (tests and decommissioning). */
export async function teardownBroker(vhost: string, users: string[], cmdArgs: string[] = ['rabbitmqctl']): Promise<void> {
  for (const u of users) await rabbitmqctl(cmdArgs, ['delete_user', u]).catch(() => {});
  await rabbitmqctl(cmdArgs, ['delete_vhost', vhost]).catch(() => {});
}
