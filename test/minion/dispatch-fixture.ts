// Shared set-up for the tests that call modules through the real loader, registry and Dispatcher:
// a temp minion root holding func's Test.conf, a caller identity, and a helper that awaits a rejection.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { makeTempRoot } from '../helpers/temp-root.js';
import { repoRoot } from '../helpers/processes.js';
import { loadModules, type LoadOptions } from '../../minion/loader.js';
import { ModuleRegistry } from '../../minion/registry.js';
import { Dispatcher, type DispatchContext, type DispatchOptions } from '../../minion/dispatch.js';
import type { PeerIdentity, WireValue } from '../../transport/types.js';

export const testPeer: PeerIdentity = {
  cn: 'overlord.example.org', subjectHash: 2243050812, key: 'overlord.example.org-2243050812',
  address: '127.0.0.1', fingerprint256: 'AA:BB',
};

/** A temp minion root with the shipped etc/func/modules/Test.conf copied in. */
export async function makeMinionRoot(prefix: string): Promise<string> {
  const root = await makeTempRoot(prefix);
  const confDir = path.join(root, 'etc/func/modules');
  await fs.mkdir(confDir, { recursive: true });
  await fs.copyFile(path.join(repoRoot, 'etc/func/modules/Test.conf'), path.join(confDir, 'Test.conf'));
  return root;
}

/** Writes module files (name → JavaScript source) into a directory. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
}

export interface TestMinion {
  registry: ModuleRegistry;
  dispatcher: Dispatcher;
  /** calls with a fresh, never-aborted signal */
  call(method: string, ...params: WireValue[]): Promise<WireValue>;
}

/** Loads modules (default: the real modules/ dir) and builds a Dispatcher over them. */
export async function startMinion(
  options: Omit<DispatchOptions, 'registry' | 'minionName'> & LoadOptions & { minionName?: string },
): Promise<TestMinion> {
  const registry = new ModuleRegistry(await loadModules({ dir: options.dir, moduleList: options.moduleList }));
  const dispatcher = new Dispatcher({ ...options, registry, minionName: options.minionName ?? 'minion1.example.org' });
  const call = (method: string, ...params: WireValue[]): Promise<WireValue> =>
    dispatcher.call(method, params, callContext());
  return { registry, dispatcher, call };
}

/** A DispatchContext with the test peer and a signal that is not aborted (unless one is given). */
export function callContext(extra: Partial<DispatchContext> = {}): DispatchContext {
  return { peer: testPeer, signal: new AbortController().signal, ...extra };
}

/** Awaits a promise that must reject with an instance of `type`; returns the error. */
export async function rejection<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(type);
    return err as E;
  }
  expect.fail(`expected a ${type.name}, but the call succeeded`);
}
