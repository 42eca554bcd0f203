// funcd as a library: startMinion() prepares one minion from its root (config, name, TLS, ACL, modules), opens
// its job store and starts every configured transport with one CallHandler. Many minions may share a process.
import { readMinionConf } from '../common/config-files.js';
import { createLogger, type Logger } from '../common/log.js';
import { FuncPaths, rooted } from '../common/paths.js';
import '../transport/index.js';
import { getTransport } from '../transport/registry.js';
import type { ListenAddress, ServerLimits, TlsMaterial, TransportFactory, TransportServer } from '../transport/types.js';
import { remoteErrorList } from '../transport/xmlrpc/faults.js';
import { AuditLog } from './audit-log.js';
import { createCallHandler, createCallScreen } from './call-handler.js';
import { CrlWatcher } from './crl-watch.js';
import { Dispatcher } from './dispatch.js';
import { ChildProcessJobLauncher } from './job-runner.js';
import { JobStore } from './job-store.js';
import { prepareMinion, type MinionSetup } from './minion-setup.js';

/** Where the async job records of a minion live (rooted). */
export const JOBS_DIR = '/var/lib/func/jobs';

/** How to start one minion. */
export interface MinionOptions {
  /** the minion's file root: everything per minion comes from here */
  root: string;
  /** minion.conf to read instead of <root>/etc/func/minion.conf */
  configFile?: string;
  /** overrides minion_name and name resolution */
  name?: string;
  /** overrides listen_addr */
  host?: string;
  /** overrides listen_port (of the first transport); 0 = an ephemeral port */
  port?: number;
  /** func.log logger; default: <root>/var/log/func/func.log at log_level */
  log?: Logger;
  /** transports to serve; default: minion.conf `transports` looked up in the transport registry */
  transports?: TransportFactory[];
  /** how often the CRL file is polled for changes, ms (default 1000) */
  crlPollMs?: number;
  /** told why the minion waits for certmaster (no certificate yet), before it waits */
  onEnrollmentWait?: (hint: string) => void;
}

/** A running minion. */
export interface MinionHandle {
  name: string;
  /** where each transport listens, in the order of the transports */
  addresses: ListenAddress[];
  /** the prepared configuration (paths, identities, ACL) */
  setup: MinionSetup;
  /** stops the transports and the job store (running jobs are killed and recorded as interrupted) */
  stop(): Promise<void>;
}

/** A transport server that can swap its TLS material at run time (XmlRpcServer can; it also drops revoked peers). */
interface TlsSwappable { setTls(material: TlsMaterial): unknown }
function canSwapTls(s: TransportServer): s is TransportServer & TlsSwappable {
  return typeof (s as Partial<TlsSwappable>).setTls === 'function';
}

function openJobStore(setup: MinionSetup, log: Logger): JobStore {
  const { root, conf, name } = setup;
  const jobsDir = rooted(JOBS_DIR, root);
  const launcher = new ChildProcessJobLauncher({
    root, minionName: name, moduleList: conf.module_list, jobsDir, methodLogDir: conf.method_log_dir, retentionSec: conf.job_retention,
  });
  return new JobStore({
    dir: jobsDir, methodLogDir: conf.method_log_dir, retentionSec: conf.job_retention, launcher, log, adminKeys: [setup.caIdentity.key],
    failureToWire: (f) => remoteErrorList(f.type, f.message, f.trace),
  });
}

async function startServers(setup: MinionSetup, options: MinionOptions, factories: TransportFactory[], parts: Parameters<typeof createCallHandler>[0]): Promise<TransportServer[]> {
  const handler = createCallHandler(parts);
  const screen = createCallScreen(parts);
  const { conf } = setup;
  const limits: ServerLimits = {
    maxReplyBytes: conf.max_reply_bytes, maxInFlightBytes: conf.max_inflight_bytes, maxConnectionsPerPeer: conf.max_connections_per_peer,
    keys: {
      body: 'max_body_bytes in minion.conf', reply: 'max_reply_bytes in minion.conf',
      inFlight: 'max_inflight_bytes in minion.conf', perPeer: 'max_connections_per_peer in minion.conf',
    },
  };
  const host = options.host ?? (setup.conf.listen_addr || '0.0.0.0');
  const servers: TransportServer[] = [];
  try {
    for (const [i, factory] of factories.entries()) {
      const port = i === 0 ? options.port ?? setup.conf.listen_port : factory.defaultPort;
      const server = factory.createServer({ host, port, tls: setup.tls, maxBodyBytes: setup.conf.max_body_bytes, screen, limits, log: parts.log }, handler);
      await server.start();
      servers.push(server);
    }
  } catch (err) {
    await Promise.allSettled(servers.map((s) => s.stop()));
    throw err;
  }
  return servers;
}

function watchCrl(setup: MinionSetup, servers: TransportServer[], log: Logger, intervalMs?: number): CrlWatcher {
  const file = setup.files.crl ?? `${setup.certDir}/crl.pem`;
  const watcher = new CrlWatcher({
    file, log, ...(intervalMs !== undefined ? { intervalMs } : {}),
    onChange: (crl) => {
      const material: TlsMaterial = { ...setup.tls };
      if (crl === undefined) delete material.crl; else material.crl = crl;
      try {
        for (const s of servers) if (canSwapTls(s)) s.setTls(material);
        setup.tls = material;
      } catch (err) {
        log.error(`cannot apply CRL ${file}: ${(err as Error).message}; keeping the previous one`);
      }
    },
  });
  watcher.start();
  return watcher;
}

/** The minion's func.log (<root>/var/log/func/func.log) at minion.conf's log_level. */
export function minionLogger(root: string, configFile?: string, stderr = false): Logger {
  let level = 'INFO';
  try { level = readMinionConf(root, configFile ?? rooted(FuncPaths.minionConf, root)).log_level; } catch { /* reported by prepareMinion */ }
  return createLogger({ file: rooted(`${FuncPaths.funcLogDir}/func.log`, root), level, stderr });
}

/**
 * Starts one minion from `options.root`: reads minion.conf, resolves its name, finds (or enrolls for) its
 * certificate, loads the ACL and modules, opens the job store (ending jobs a previous run left running) and
 * starts each transport. Rejects with ConfigError (bad config or ACL, missing files) or ConnectionError (cannot listen).
 */
export async function startMinion(options: MinionOptions): Promise<MinionHandle> {
  const root = options.root;
  const log = options.log ?? minionLogger(root, options.configFile);
  const setup = await prepareMinion({ root, configFile: options.configFile, name: options.name, log, onEnrollmentWait: options.onEnrollmentWait });
  const factories = options.transports ?? setup.conf.transports.map((t) => getTransport(t));
  const jobs = openJobStore(setup, log);
  await jobs.open();
  const audit = new AuditLog(rooted(`${FuncPaths.funcLogDir}/audit.log`, root));
  const dispatcher = new Dispatcher({ registry: setup.registry, root, minionName: setup.name, jobs, log, callTimeoutSec: setup.conf.call_timeout });
  let servers: TransportServer[];
  try {
    servers = await startServers(setup, options, factories, { acl: setup.acl, audit, dispatcher, jobs, registry: setup.registry, log });
  } catch (err) {
    await jobs.close();
    await audit.close();
    throw err;
  }
  const crl = watchCrl(setup, servers, log, options.crlPollMs);
  log.info(`minion ${setup.name} serving on ${servers.map((s) => `${s.address.host}:${s.address.port}`).join(', ')}`);
  let stopping: Promise<void> | null = null;
  return {
    name: setup.name,
    addresses: servers.map((s) => s.address),
    setup,
    stop: () => (stopping ??= (async () => {
      crl.stop();
      await Promise.allSettled(servers.map((s) => s.stop()));
      await jobs.close();
      await audit.close();
      log.info(`minion ${setup.name} stopped`);
    })()),
  };
}
