// The minion's one CallHandler, in func's dispatch order (func-compat.md §1.3): strip "async.", check the ACL
// first, write the audit line, then start an async job or dispatch the call. The caller comes only from ctx.peer.
import { AccessDeniedError, AclError, ConfigError, JobError, FuncError } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import type { CallHandler, WireValue } from '../transport/types.js';
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


/** Builds the handler every transport of one minion shares. */
export function createCallHandler(parts: CallHandlerParts): CallHandler {
  const log = parts.log ?? silentLogger;
  return async (request, ctx) => {
    const isAsync = request.method.startsWith(ASYNC_PREFIX);
    const method = isAsync ? request.method.slice(ASYNC_PREFIX.length) : request.method;
    const peer = ctx.peer;
    let allowed: boolean;
    try {
      allowed = peer.key !== '' && parts.acl.allows(peer.key, method);
    } catch (err) {
      if (err instanceof ConfigError) { log.error(`ACL error, refusing ${method} from ${peer.key}: ${err.message}`); throw new AclError(err.message, { cause: err }); }
      throw err;
    }
    if (!allowed) {
      log.warn(`${peer.address} ${peer.key || '(no certificate)'} denied ${request.method}`);
      throw new AccessDeniedError(`${peer.key || 'a caller without a certificate'} may not call ${method}`);
    }
    if (COMPLETION_PROBES.has(method)) return parts.registry.allHandlerNames();
    parts.audit.record(peer, method, request.params);
    if (isAsync) return submitJob(parts, method, request.params, ctx.peer);
    return parts.dispatcher.call(method, request.params, ctx); // ctx itself: its signal is made only if a method asks
  };
}

async function submitJob(parts: CallHandlerParts, method: string, params: WireValue[], peer: Parameters<JobStore['submit']>[2]): Promise<string> {
  try {
    return await parts.jobs.submit(method, params, peer);
  } catch (err) {
    if (err instanceof FuncError) throw err;
    throw new JobError(`cannot start job ${method}: ${(err as Error).message}`, { cause: err });
  }
}
