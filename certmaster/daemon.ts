// The certmaster daemon as a library: reads certmaster.conf, opens the CA store (creating the CA on first
// start), keeps the CRL current, and serves wait_for_cert over plain-HTTP XML-RPC on / and /RPC2.
import { readCertmasterConf } from '../common/config-files.js';
import type { Logger } from '../common/log.js';
import { FuncPaths, funcRoot, rooted } from '../common/paths.js';
import type { ListenAddress } from '../transport/types.js';
import { certmasterErrorToWire } from '../transport/xmlrpc/faults.js';
import { XmlRpcServer } from '../transport/xmlrpc/server.js';
import { CertStore } from './cert-store.js';
import { Enrollment } from './enrollment.js';
import { requireConfigFile } from './files.js';
import { certmasterLoggers } from './logs.js';

/** Options of startCertmaster(); everything else comes from certmaster.conf. */
export interface CertmasterOptions {
  /** FUNC_ROOT (default: the environment's) */
  root?: string;
  /** certmaster.conf (default <root>/etc/certmaster/certmaster.conf); a missing explicit file is an error */
  configFile?: string;
  /** override listen_addr / listen_port (port 0 = ephemeral) */
  host?: string;
  port?: number;
  /** default: <root>/var/log/certmaster/certmaster.log at the configured log_level */
  log?: Logger;
  /** default: <root>/var/log/certmaster/audit.log */
  audit?: Logger;
}

/** A started certmaster. */
export interface RunningCertmaster {
  /** where it listens (the real port when 0 was asked) */
  address: ListenAddress;
  store: CertStore;
  stop(): Promise<void>;
}

/** How often the daemon checks that the CRL is not getting old. */
const CRL_CHECK_MS = 12 * 3600 * 1000;
/** Request limits beyond the CSR itself: XML framing of one or two params. */
const XML_OVERHEAD_BYTES = 16 * 1024;

/** Starts certmaster; resolves once it listens. */
export async function startCertmaster(options: CertmasterOptions = {}): Promise<RunningCertmaster> {
  const root = options.root ?? funcRoot();
  requireConfigFile(options.configFile);
  const conf = readCertmasterConf(root, options.configFile ?? rooted(FuncPaths.certmasterConf, root));
  const files = certmasterLoggers(root, conf.log_level);
  const log = options.log ?? files.log;
  const audit = options.audit ?? files.audit;
  const store = await CertStore.open({ root, conf, log, audit });
  await store.refreshCrl();
  const enrollment = new Enrollment(store, { autosign: conf.autosign, log });
  const server = new XmlRpcServer({
    host: options.host ?? (conf.listen_addr || '0.0.0.0'),
    port: options.port ?? conf.listen_port,
    limits: { maxBytes: conf.max_csr_bytes + XML_OVERHEAD_BYTES, maxDepth: 4, maxElements: 64 },
    errorToWire: certmasterErrorToWire,
    log,
    maxConnectionsPerPeer: conf.max_connections_per_peer,
    limitKeys: { body: 'max_csr_bytes in certmaster.conf', perPeer: 'max_connections_per_peer in certmaster.conf' },
  }, (request, ctx) => enrollment.handle(request, ctx.peer.address));
  await server.start();
  const timer = setInterval(() => {
    store.refreshCrl().catch((err: Error) => log.error(`cannot refresh the CRL: ${err.message}`));
  }, CRL_CHECK_MS).unref();
  const { host, port } = server.address;
  log.info(`certmaster started, listening on http://${host}:${port}/ (autosign ${conf.autosign ? 'on' : 'off'})`);
  audit.info('certmaster started');
  return {
    address: server.address,
    store,
    async stop() {
      clearInterval(timer);
      await server.stop();
      log.info('certmaster stopped');
    },
  };
}
