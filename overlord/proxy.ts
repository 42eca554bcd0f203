// func's attribute-chaining call style for the API: overlord.module('service').status('sshd'); further
// attributes join the method name with "." (module('iptables').port.drop_from(22) → iptables.port.drop_from).
import type { WireValue } from '../transport/types.js';
import type { CallResults } from './outcome.js';

/** A callable method name; further property access extends the name. */
export type MethodProxy = ((...args: WireValue[]) => Promise<CallResults>) & { readonly [sub: string]: MethodProxy };

/** A module: every property is a method. */
export type ModuleProxy = { readonly [method: string]: MethodProxy };

type Invoke = (method: string, args: WireValue[]) => Promise<CallResults>;

function methodProxy(invoke: Invoke, path: string): MethodProxy {
  const fn = (...args: WireValue[]): Promise<CallResults> => invoke(path, args);
  return new Proxy(fn, {
    get(target, prop, receiver) {
      // promise-like probing (await proxy) and symbols must not become method names
      if (typeof prop === 'symbol' || prop === 'then') return Reflect.get(target, prop, receiver);
      return methodProxy(invoke, `${path}.${prop}`);
    },
  }) as MethodProxy;
}

/** Builds the proxy for one module; `invoke(method, args)` does the call. */
export function makeModuleProxy(invoke: Invoke): ModuleProxy {
  return new Proxy({}, {
    get(_target, prop) {
      if (typeof prop === 'symbol' || prop === 'then') return undefined;
      return methodProxy(invoke, prop);
    },
  }) as ModuleProxy;
}
