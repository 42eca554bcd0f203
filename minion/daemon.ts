// funcd as a library: startMinion() prepares one minion from its root (config, name, TLS, ACL, modules), opens
// its job store and starts every configured transport with one CallHandler (retrying those that cannot start yet). Many minions may share a process.
import { applySection } from '../common/config.js';
import { MinionConfSchema, readMinionConf } from '../common/config-files.js';
import { createLogger, type Logger } from '../common/log.js';
import { FuncPaths, rooted } from '../common/paths.js';
import { remoteErrorList } from '../common/remote-failure.js';
import '../transport/index.js';
import { getTransport, transportNames } from '../transport/registry.js';
import type { ListenAddress, TlsMaterial, TransportFactory } from '../transport/types.js';
import { AuditLog } from './audit-log.js';
import { createCallHandler, createCallScreen } from './call-handler.js';
import { CrlWatcher } from './crl-watch.js';
import { Dispatcher } from './dispatch.js';
import { ChildProcessJobLauncher } from './job-runner.js';
import { JobStore } from './job-store.js';
import { prepareMinion, type MinionSetup } from './minion-setup.js';
import { TransportSupervisor, type TransportReport } from './transport-supervisor.js';
import { TRANSPORT_STATES_FILE, writeTransportStates } from './transport-states.js';

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
  /** minion.conf [main] values (raw strings) that replace the file's, e.g. { listen_port: '0' } */
  settings?: Record<string, string>;
  /** func.log logger; default: <root>/var/log/func/func.log at log_level */
  log?: Logger;
  /** transports to serve; default: minion.conf `transports` looked up in the transport registry */
  transports?: TransportFactory[];
  /** how often the CRL file is polled for changes, ms (default 1000) */
  crlPollMs?: number;
  /** told why the minion waits for certmaster (no certificate yet), before it waits */
  onEnrollmentWait?: (hint: string) => void;
  /** first delay before a transport that cannot start yet is tried again, ms (default 1000, doubling to 60000) */
  transportRetryMs?: number;
}

/** A running minion. */
export interface MinionHandle {
  name: string;
  /** where each listening transport listens (the real port once serving), in the order of the transports */
  readonly addresses: ListenAddress[];
  /** each transport's state: serving, retrying (with why), stopped */
  transports(): TransportReport[];
  /** the prepared configuration (paths, identities, ACL) */
  setup: MinionSetup;
  /** stops the transports and the job store (running jobs are killed and recorded as interrupted) */
  stop(): Promise<void>;
}

function openJobStore(setup: MinionSetup, log: Logger): JobStore {
  const { root, conf, name } = setup;
  const jobsDir = rooted(JOBS_DIR, root);
  const launcher = new ChildProcessJobLauncher({
    root, minionName: name, moduleList: conf.module_list, jobsDir, methodLogDir: conf.method_log_dir, retentionSec: conf.job_retention,
  });
  return new JobStore({
    dir: jobsDir, methodLogDir: conf.method_log_dir, retentionSec: conf.job_retention, launcher, log, adminKeys: [setup.caIdentity.key],
    failureToWire: (f) => remoteErrorList(f),
  });
}

function superviseTransports(
  setup: MinionSetup, factories: TransportFactory[], handlerParts: Parameters<typeof createCallHandler>[0], log: Logger, firstRetryMs?: number,
): TransportSupervisor {
  const handler = createCallHandler(handlerParts);
  const screen = createCallScreen(handlerParts);
  const stateFile = rooted(TRANSPORT_STATES_FILE, setup.root);
  const supervisor = new TransportSupervisor({
    log, onChange: (reports) => writeTransportStates(stateFile, reports, log), ...(firstRetryMs !== undefined ? { firstRetryMs } : {}),
  });
  for (const factory of factories) {
    const options = applySection(factory.settings.minion, setup.raw);
    supervisor.add(factory.name, (reportState) => factory.createServer({ options, tls: setup.tls, minionName: setup.name, log, reportState, screen }, handler));
  }
  return supervisor;
}

function watchCrl(setup: MinionSetup, supervisor: TransportSupervisor, log: Logger, intervalMs?: number): CrlWatcher {
  const file = setup.files.crl ?? `${setup.certDir}/crl.pem`;
  const watcher = new CrlWatcher({
    file, log, ...(intervalMs !== undefined ? { intervalMs } : {}),
    onChange: (crl) => {
      const material: TlsMaterial = { ...setup.tls };
      if (crl === undefined) delete material.crl; else material.crl = crl;
      try {
        supervisor.updateTls(material);
        setup.tls = material;
      } catch (err) {
        log.error(`cannot apply CRL ${file}: ${(err as Error).message}; keeping the previous one`);
      }
    },
  });
  watcher.start();
  return watcher;
}

/** Warns about minion.conf keys that neither func-ts nor any registered transport knows (func ignores them too). */
function warnUnknownKeys(setup: MinionSetup, factories: TransportFactory[], log: Logger): void {
  const known = new Set(Object.keys(MinionConfSchema));
  for (const f of [...factories, ...transportNames().map((n) => getTransport(n))]) for (const k of Object.keys(f.settings.minion)) known.add(k);
  for (const key of Object.keys(setup.raw.values)) {
    if (!known.has(key)) log.warn(`${setup.raw.file} [main] ${key}: unknown key, ignored`);
  }
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
  const setup = await prepareMinion({ root, configFile: options.configFile, name: options.name, log, settings: options.settings, onEnrollmentWait: options.onEnrollmentWait });
  const factories = options.transports ?? setup.conf.transports.map((t) => getTransport(t));
  warnUnknownKeys(setup, factories, log);
  for (const factory of factories) applySection(factory.settings.minion, setup.raw); // a bad value fails here, before anything starts
  const jobs = openJobStore(setup, log);
  await jobs.open();
  const audit = new AuditLog(rooted(`${FuncPaths.funcLogDir}/audit.log`, root));
  const dispatcher = new Dispatcher({ registry: setup.registry, root, minionName: setup.name, jobs, log, callTimeoutSec: setup.conf.call_timeout });
  let supervisor: TransportSupervisor;
  try {
    supervisor = superviseTransports(setup, factories, { acl: setup.acl, audit, dispatcher, jobs, registry: setup.registry, log }, log, options.transportRetryMs);
    await supervisor.start();
  } catch (err) {
    await jobs.close();
    await audit.close();
    throw err;
  }
  const crl = watchCrl(setup, supervisor, log, options.crlPollMs);
  log.info(`minion ${setup.name} serving on ${supervisor.reports().map((r) => `${r.endpoint || '-'} (${r.transport}${r.state === 'serving' ? '' : `, ${r.state}`})`).join(', ')}`);
  let stopping: Promise<void> | null = null;
  return {
    name: setup.name,
    get addresses() { return supervisor.servers().flatMap((s) => (s.address ? [s.address] : [])); },
    transports: () => supervisor.reports(),
    setup,
    stop: () => (stopping ??= (async () => {
      crl.stop();
      await supervisor.stop();
      await jobs.close();
      await audit.close();
      log.info(`minion ${setup.name} stopped`);
    })()),
  };
}
