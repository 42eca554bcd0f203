// A real minion core for module tests: the compiled modules/ loaded by the real loader, a ModuleRegistry and a
// Dispatcher over a temp root, an anonymous test peer, and a logger that records what the modules log.
import { loadModules } from '../../minion/loader.js';
import { ModuleRegistry } from '../../minion/registry.js';
import { Dispatcher } from '../../minion/dispatch.js';
import type { Logger } from '../../common/log.js';
import type { PeerIdentity, ProgressEvent, WireValue } from '../../transport/types.js';
import { makeTempRoot, removeTempRoot } from './temp-root.js';

export const anonymousPeer: PeerIdentity = { cn: 'test', subjectHash: 0, key: 'test-0', address: '127.0.0.1', fingerprint256: '' };

export interface LogLine { level: 'debug' | 'info' | 'warn' | 'error'; message: string }

export interface CallExtras {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export interface ModuleHarness {
  /** the minion's file root (a temp dir) */
  root: string;
  /** every line logged through the dispatcher's and the modules' logger */
  logs: LogLine[];
  dispatcher: Dispatcher;
  registry: ModuleRegistry;
  call(method: string, ...params: WireValue[]): Promise<WireValue>;
  callWith(method: string, params: WireValue[], extras: CallExtras): Promise<WireValue>;
  /** removes the temp root */
  close(): Promise<void>;
}

function recordingLogger(lines: LogLine[]): Logger {
  const add = (level: LogLine['level']) => (message: string): void => { lines.push({ level, message }); };
  return { debug: add('debug'), info: add('info'), warn: add('warn'), error: add('error') };
}

/** Builds a Dispatcher over the compiled modules with a fresh temp root named after `prefix`. */
export async function moduleHarness(prefix: string): Promise<ModuleHarness> {
  const root = await makeTempRoot(prefix);
  const logs: LogLine[] = [];
  const registry = new ModuleRegistry(await loadModules());
  const dispatcher = new Dispatcher({ registry, root, minionName: 'test-minion', log: recordingLogger(logs) });
  const callWith = (method: string, params: WireValue[], extras: CallExtras): Promise<WireValue> =>
    dispatcher.call(method, params, { peer: anonymousPeer, signal: extras.signal ?? new AbortController().signal, onProgress: extras.onProgress });
  return {
    root, logs, dispatcher, registry,
    call: (method, ...params) => callWith(method, params, {}),
    callWith,
    close: () => removeTempRoot(root),
  };
}
