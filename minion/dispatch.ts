// Turns one "module.method(params)" into a value: lookup, argument check, a ModuleContext, the deadline,
// and every failure as a FuncError. ACLs and the `async.` prefix are the daemon's, before this is called.
import { InvalidArgumentsError, MethodNotFoundError, ModuleNotFoundError, TimeoutError, asFuncError, FuncError } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import { checkArgs, isStruct } from './arg-check.js';
import { createModuleContext } from './module-context.js';
import type { ModuleRegistry, ResolvedMethod } from './registry.js';
import type { JobsView, ModuleContext } from './module-api.js';
import type { PeerIdentity, ProgressEvent, WireValue } from '../transport/types.js';

export interface DispatchOptions {
  registry: ModuleRegistry;
  /** file root of this minion (FUNC_ROOT): module options live under <root>/etc/func/modules */
  root: string;
  minionName: string;
  /** the async job store; absent → the jobs module's methods throw JobError "no job store in this process" */
  jobs?: JobsView;
  log?: Logger;
  /** seconds a call may run (0 = no limit, the default); a method's own `timeout` wins */
  callTimeoutSec?: number;
}

/** One call's details, from the transport (peer, signal, progress) and the daemon (job id, job log). */
export interface DispatchContext {
  peer: PeerIdentity;
  /** aborted when the caller goes away or the job is cancelled; the method's signal follows it */
  signal: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  jobId?: string | null;
  /** the per-job logger; default: the dispatcher's */
  log?: Logger;
}

/** "iptables.port.drop_from" → ["iptables.port", "drop_from"]: modules may contain dots, methods may not. */
export function splitMethodName(full: string): [string, string] {
  const dot = full.lastIndexOf('.');
  if (dot <= 0 || dot === full.length - 1) throw new ModuleNotFoundError(full);
  return [full.slice(0, dot), full.slice(dot + 1)];
}

/** Why a call ended early: the deadline's TimeoutError, or the caller's abort reason as a FuncError. */
function abortError(reason: unknown): FuncError {
  return reason === undefined ? asFuncError(new Error('call aborted')) : asFuncError(reason);
}

/** Dispatches calls to the modules of one registry; one instance per minion, safe for concurrent calls. */
export class Dispatcher {
  private readonly options: DispatchOptions;
  private readonly log: Logger;

  constructor(options: DispatchOptions) {
    this.options = options;
    this.log = options.log ?? silentLogger;
  }

  /**
   * Calls `module.method` with positional params. Rejects with ModuleNotFoundError (with the loader's reason
   * when the module is unavailable), MethodNotFoundError, InvalidArgumentsError, TimeoutError, or the
   * module's FuncError; anything else a module throws is wrapped by asFuncError, message kept.
   */
  async call(method: string, params: WireValue[], ctx: DispatchContext): Promise<WireValue> {
    const [moduleName, methodName] = splitMethodName(method);
    if (isStruct(params[0]) && '__fact__' in params[0]) {
      throw new InvalidArgumentsError('fact queries are not supported by this minion');
    }
    const resolved = this.lookup(moduleName, methodName);
    const values = checkArgs(`${method}()`, resolved.definition.args, params);
    return this.execute(resolved, values, ctx);
  }

  private lookup(moduleName: string, methodName: string): ResolvedMethod {
    const { registry } = this.options;
    const resolved = registry.resolve(moduleName, methodName);
    if (resolved) return resolved;
    if (registry.has(moduleName) || moduleName === 'system') throw new MethodNotFoundError(moduleName, methodName);
    throw new ModuleNotFoundError(moduleName, registry.unavailableReason(moduleName));
  }

  private contextFor(r: ResolvedMethod, ctx: DispatchContext, signal: AbortSignal): ModuleContext {
    const { registry, root, minionName, jobs } = this.options;
    return createModuleContext({
      loaded: r.loaded, root, minionName, jobs, signal,
      caller: ctx.peer, jobId: ctx.jobId ?? null, log: ctx.log ?? this.log, onProgress: ctx.onProgress,
      inventory: () => registry.inventory(),
    });
  }

  /** Runs the method under the deadline and the caller's signal; the method's signal aborts on either. */
  private execute(r: ResolvedMethod, values: WireValue[], ctx: DispatchContext): Promise<WireValue> {
    const seconds = r.definition.timeout ?? this.options.callTimeoutSec ?? 0;
    const where = `${r.module}.${r.method}()`;
    const controller = new AbortController();
    return new Promise<WireValue>((resolve, reject) => {
      const onCallerAbort = (): void => controller.abort(ctx.signal.reason);
      const onAbort = (): void => { done(); reject(abortError(controller.signal.reason)); };
      const timer = seconds > 0
        ? setTimeout(() => controller.abort(new TimeoutError(`${where} did not finish within ${seconds} s`)), seconds * 1000)
        : undefined;
      const done = (): void => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onCallerAbort);
        controller.signal.removeEventListener('abort', onAbort);
      };
      controller.signal.addEventListener('abort', onAbort, { once: true });
      if (ctx.signal.aborted) { onCallerAbort(); return; }
      ctx.signal.addEventListener('abort', onCallerAbort, { once: true });
      Promise.resolve()
        .then(() => r.definition.run(values, this.contextFor(r, ctx, controller.signal)))
        .then((v) => { done(); resolve(v === undefined ? null : v); },
          (err: unknown) => { done(); reject(this.failure(where, err)); });
    });
  }

  private failure(where: string, err: unknown): FuncError {
    const wrapped = asFuncError(err);
    if (wrapped !== err) this.log.error(`${where} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    return wrapped;
  }
}
