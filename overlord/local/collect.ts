// Runs one step of a multi-call overlord operation (copyfile, getfile, grep) on a set of hosts and returns
// host → outcome; a host whose value is func's -1 failure marker can be turned into an error outcome.
import type { WireValue } from '../../transport/types.js';
import type { Overlord } from '../overlord.js';
import { remoteFailure, type HostOutcome } from '../outcome.js';

/** Calls `module.method(args)` (method given as "module.method") on exactly `hosts` and collects the outcomes. */
export async function callEach(overlord: Overlord, hosts: readonly string[], method: string, args: WireValue[]): Promise<Map<string, HostOutcome>> {
  const out = new Map<string, HostOutcome>();
  const dot = method.indexOf('.');
  for await (const e of overlord.streamHosts(hosts, method.slice(0, dot), method.slice(dot + 1), args)) if (e.kind === 'result') out.set(e.host, e.outcome);
  return out;
}

/** An ok outcome whose value is -1 (func's failure marker) becomes an error outcome saying what failed. */
export function failOnMinusOne(o: HostOutcome, what: string): HostOutcome {
  return o.status === 'ok' && o.value === -1 ? remoteFailure('func.overlord.LocalModuleError', `${what} failed on the minion (see its log)`) : o;
}
