// Turns one "module.method(params)" into a value: lookup, argument check, a ModuleContext, the deadline,
// and every failure as a FuncError. ACLs and the `async.` prefix are the daemon's, before this is called.
import { InvalidArgumentsError, MethodNotFoundError, ModuleNotFoundError, TimeoutError, asFuncError, FuncError } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import { checkArgs } from './arg-check.js';
import { evaluateFactQuery, factQueryParam, gatherFacts, parseFactQuery } from './fact-query.js';
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

/** What a method's signal comes from: the caller's context, or the AbortController of a call with a deadline. */
interface SignalSource { readonly signal: AbortSignal }

function isThenable(v: unknown): v is PromiseLike<WireValue> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function callName(r: ResolvedMethod): string {
  return `${r.module}.${r.method}()`;
}

/** Dispatches calls to the modules of one registry; one instance per minion, safe for concurrent calls. */
export class Dispatcher {
  private readonly options: DispatchOptions;
  private readonly log: Logger;
  private readonly inventory: () => Record<string, string[]>;

  constructor(options: DispatchOptions) {
    this.options = options;
    this.log = options.log ?? silentLogger;
    this.inventory = () => options.registry.inventory();
  }

  /**
   * Calls `module.method` with positional params. Rejects with ModuleNotFoundError (with the loader's reason
   * when the module is unavailable), MethodNotFoundError, InvalidArgumentsError, TimeoutError, or the
   * module's FuncError; anything else a module throws is wrapped by asFuncError, message kept.
   */
  async call(method: string, params: WireValue[], ctx: DispatchContext): Promise<WireValue> {
    const [moduleName, methodName] = splitMethodName(method);
    const query = factQueryParam(params);
    if (query !== undefined) return this.callIfFactsHold(method, query, params.slice(1), ctx);
    const resolved = this.lookup(moduleName, methodName);
    const values = checkArgs(`${method}()`, resolved.definition.args, params);
    return this.execute(resolved, values, ctx);
  }

  /** func's fact-query reply: [{"__fact__": [false, facts]}], or [{"__fact__": [true, facts]}, result] after the call. */
  private async callIfFactsHold(method: string, query: WireValue, params: WireValue[], ctx: DispatchContext): Promise<WireValue> {
    const parsed = parseFactQuery(query);
    const facts = await gatherFacts(this.options.registry);
    if (!evaluateFactQuery(parsed, facts)) return [{ __fact__: [false, facts] }];
    return [{ __fact__: [true, facts] }, await this.call(method, params, ctx)];
  }

  private lookup(moduleName: string, methodName: string): ResolvedMethod {
    const { registry } = this.options;
    const resolved = registry.resolve(moduleName, methodName);
    if (resolved) return resolved;
    if (registry.has(moduleName) || moduleName === 'system') throw new MethodNotFoundError(moduleName, methodName);
    throw new ModuleNotFoundError(moduleName, registry.unavailableReason(moduleName));
  }

  private contextFor(r: ResolvedMethod, ctx: DispatchContext, signalOf: SignalSource): ModuleContext {
    const { root, minionName, jobs } = this.options;
    return createModuleContext({
      loaded: r.loaded, root, minionName, jobs, signalOf,
      caller: ctx.peer, jobId: ctx.jobId ?? null, log: ctx.log ?? this.log, onProgress: ctx.onProgress,
      inventory: this.inventory,
    });
  }

  /** Runs the method under the deadline (if any) and the caller's signal; the method's signal aborts on either. */
  private execute(r: ResolvedMethod, values: WireValue[], ctx: DispatchContext): Promise<WireValue> {
    const seconds = r.definition.timeout ?? this.options.callTimeoutSec ?? 0;
    if (!(seconds > 0)) return this.run(r, values, ctx, ctx);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeoutError(`${callName(r)} did not finish within ${seconds} s`)), seconds * 1000);
    const caller = ctx.signal;
    const onCallerAbort = (): void => controller.abort(caller.reason);
    if (caller.aborted) onCallerAbort(); else caller.addEventListener('abort', onCallerAbort, { once: true });
    return this.run(r, values, ctx, controller).finally(() => {
      clearTimeout(timer);
      caller.removeEventListener('abort', onCallerAbort);
    });
  }

  /**
   * Runs the method with the signal of `source` and rejects as soon as that signal aborts, whether or not the
   * method notices. A method that answers synchronously needs no abort listener at all.
   */
  private run(r: ResolvedMethod, values: WireValue[], ctx: DispatchContext, source: SignalSource): Promise<WireValue> {
    const signal = source.signal;
    if (signal.aborted) return Promise.reject(abortError(signal.reason));
    let result: WireValue | PromiseLike<WireValue> | undefined;
    try {
      result = r.definition.run(values, this.contextFor(r, ctx, source));
    } catch (err) {
      return Promise.reject(this.failure(r, err));
    }
    if (!isThenable(result)) return Promise.resolve(result === undefined ? null : result);
    const pending = result;
    return new Promise<WireValue>((resolve, reject) => {
      const onAbort = (): void => reject(abortError(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      pending.then(
        (v) => { signal.removeEventListener('abort', onAbort); resolve(v === undefined ? null : v); },
        (err: unknown) => { signal.removeEventListener('abort', onAbort); reject(this.failure(r, err)); });
    });
  }

  private failure(r: ResolvedMethod, err: unknown): FuncError {
    const wrapped = asFuncError(err);
    if (wrapped !== err) this.log.error(`${callName(r)} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    return wrapped;
  }
}
