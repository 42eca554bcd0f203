// Test fleet for the overlord's integration tests: one real certmaster CA (the overlord's FUNC_ROOT) and real
// funcd processes on 127.0.0.2, 127.0.0.3, … on one free port picked per fleet (written to the overlord's
// overlord.conf as listen_port), each in its own FUNC_ROOT with a signed certificate.
import fs from 'node:fs/promises';
import path from 'node:path';
import { createTestCa, issueMinionCert, writeMinionConfs, type TestCa } from '../helpers/pki.js';
import { freePort } from '../helpers/ports.js';
import { spawnBin, waitForOutput, type BinProcess } from '../helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';

/** One minion of the fleet. */
export interface FleetMinion {
  readonly name: string;
  readonly root: string;
  proc: BinProcess | null;
}

/** A CA plus minions. */
export interface Fleet {
  readonly ca: TestCa;
  /** the overlord's FUNC_ROOT (the CA's root: certroot and the CA key pair are there) */
  readonly root: string;
  readonly minions: FleetMinion[];
  /** the overlord's environment for bin/func */
  readonly env: Record<string, string>;
  /** the port every fleet member listens on (the overlord's listen_port) */
  readonly port: number;
  start(name: string): Promise<void>;
  stop(name: string): Promise<void>;
  /** stops every minion and removes every temp dir */
  close(): Promise<void>;
}

async function startMinionProcess(m: FleetMinion): Promise<void> {
  const proc = spawnBin('funcd', [], { root: m.root });
  m.proc = proc;
  await waitForOutput(proc, /serving\.\.\./, 15000);
}

/**
 * Creates the CA, signs a certificate for every name (all of them become targets), writes each minion's
 * confs (listen_addr = its name, one free port shared by all) and starts funcd for every name in `running` (default: all).
 */
export async function startFleet(names: readonly string[], options: { running?: readonly string[]; minionConf?: Record<string, string> } = {}): Promise<Fleet> {
  const ca = await createTestCa();
  const minions: FleetMinion[] = [];
  const port = await freePort(...names);
  await writeIniFile(path.join(ca.root, 'etc/func/overlord.conf'), `[main]\nlisten_port = ${port}\n`);
  for (const name of names) {
    const root = await makeTempRoot(`func-minion-${name}`);
    await issueMinionCert(ca, name, root);
    await writeMinionConfs(root, { name, listenAddr: name, port, extra: options.minionConf });
    minions.push({ name, root, proc: null });
  }
  const find = (name: string): FleetMinion => {
    const m = minions.find((x) => x.name === name);
    if (!m) throw new Error(`no minion ${name} in the fleet`);
    return m;
  };
  const fleet: Fleet = {
    ca, root: ca.root, minions, port, env: { FUNC_ROOT: ca.root },
    start: (name) => startMinionProcess(find(name)),
    async stop(name) {
      const m = find(name);
      await m.proc?.stop();
      m.proc = null;
    },
    async close() {
      await Promise.all(minions.map(async (m) => { await m.proc?.stop(); m.proc = null; }));
      await Promise.all([...minions.map((m) => removeTempRoot(m.root)), removeTempRoot(ca.root)]);
    },
  };
  try {
    await Promise.all((options.running ?? names).map((n) => fleet.start(n)));
  } catch (err) {
    await fleet.close();
    throw err;
  }
  return fleet;
}

/** Writes a file under the overlord's root (e.g. etc/func/groups), creating directories. */
export async function writeRootFile(fleet: Fleet, rel: string, text: string): Promise<string> {
  const file = path.join(fleet.root, rel);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
  return file;
}

async function writeIniFile(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
}
