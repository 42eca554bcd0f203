// The minion's one CallHandler, in func's dispatch order (func-compat.md §1.3): strip "async.", check the ACL
// first, write the audit line, then start an async job or dispatch the call. The caller comes only from ctx.peer.
import { AccessDeniedError, AclError, ConfigError, JobError, FuncError } from '../common/errors.js';
import { clip, silentLogger, type Logger } from '../common/log.js';
import { refuseLongMethodName } from '../common/method-name.js';
import type { CallHandler, CallScreen, PeerIdentity, WireValue } from '../transport/types.js';
import type { MinionAcl } from './acl.js';
import type { AuditLog } from './audit-log.js';
import type { Dispatcher } from './dispatch.js';
import type { JobStore } from './job-store.js';
import type { ModuleRegistry } from './registry.js';

/** The parts of a running minion that answer calls. */
export interface CallHandlerParts {
  acl: MinionAcl;
  audit: AuditLog;
  dispatcher: Dispatcher;
  jobs: JobStore;
  registry: ModuleRegistry;
  log?: Logger;
}

const ASYNC_PREFIX = 'async.';
/** IPython's tab-completion probes, answered with every handler name (after the ACL check), as func does. */
const COMPLETION_PROBES = new Set(['trait_names', '_getAttributeNames']);
/**
 * The jobs methods only ever show or act on the caller's own jobs (the job store checks the owner), so a caller
 * with any ACL entry may use them on the jobs it started, e.g. the CLI polling the command.run job it just began.
 */
const OWN_JOB_METHODS = new Set(['jobs.job_status', 'jobs.tail_output', 'jobs.get_progress', 'jobs.list', 'jobs.cancel']);

/** The method without "async.", and whether it had the prefix. */
function splitAsync(full: string): { method: string; isAsync: boolean } {
  const isAsync = full.startsWith(ASYNC_PREFIX);
  return { method: isAsync ? full.slice(ASYNC_PREFIX.length) : full, isAsync };
}

/**
 * Decides whether `peer` may call `full` (with or without "async."): refuses over-long names first, then asks the
 * ACL; a denial is logged (caller strings clipped) and thrown as AccessDeniedError naming method, key and ACL dir.
 */
function checkAccess(parts: CallHandlerParts, log: Logger, full: string, peer: PeerIdentity): string {
  refuseLongMethodName(full);
  const { method } = splitAsync(full);
  let allowed: boolean;
  try {
    allowed = peer.key !== '' && (parts.acl.allows(peer.key, method) || (OWN_JOB_METHODS.has(method) && parts.acl.hasEntry(peer.key)));
  } catch (err) {
    if (err instanceof ConfigError) { log.error(`ACL error, refusing ${clip(method)} from ${peer.key}: ${err.message}`); throw new AclError(err.message, { cause: err }); }
    throw err;
  }
  if (!allowed) {
    const who = peer.key || 'a caller without a certificate';
    log.warn(`${peer.address} ${peer.key || '(no certificate)'} denied ${clip(full)}`);
    throw new AccessDeniedError(`${clip(method)} is not allowed for ${who}: no rule for that key in ${parts.acl.directory}/*.acl allows it`);
  }
  return method;
}

/** The early check the transports make before reading a call's params (the same ACL decision as the handler's). */
export function createCallScreen(parts: CallHandlerParts): CallScreen {
  const log = parts.log ?? silentLogger;
  return (method, peer) => { checkAccess(parts, log, method, peer); };
}

/** Builds the handler every transport of one minion shares. */
export function createCallHandler(parts: CallHandlerParts): CallHandler {
  const log = parts.log ?? silentLogger;
  return async (request, ctx) => {
    const peer = ctx.peer;
    const method = checkAccess(parts, log, request.method, peer);
    if (COMPLETION_PROBES.has(method)) return parts.registry.allHandlerNames();
    parts.audit.record(peer, method, request.params);
    if (splitAsync(request.method).isAsync) return submitJob(parts, method, request.params, ctx.peer, ctx.onProgress); // job progress pushed where the transport carries it
    return parts.dispatcher.call(method, request.params, ctx); // ctx itself: its signal is made only if a method asks
  };
}

async function submitJob(parts: CallHandlerParts, method: string, params: WireValue[], peer: Parameters<JobStore['submit']>[2],
  follow: Parameters<JobStore['submit']>[3]): Promise<string> {
  try {
    return await parts.jobs.submit(method, params, peer, follow);
  } catch (err) {
    if (err instanceof FuncError) throw err;
    throw new JobError(`cannot start job ${clip(method)}: ${(err as Error).message}`, { cause: err });
  }
}
