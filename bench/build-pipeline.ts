// Benchmark: the build pipeline's steps for a tiny package over a real funcd (mock.build, createrepo.add,
// webpage.update) against the same tools run locally, the whole pipeline through the func CLI against `func call
// test ping`, and headhunter's throughput with 1, 2 and 3 builders against 1. Run: node dist/bench/build-pipeline.js
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { headhunter } from '../examples/headhunter.js';
import { sendFile } from '../overlord/index.js';
import { Overlord } from '../overlord/overlord.js';
import type { WireStruct, WireValue } from '../transport/types.js';
import { makeSrpm } from '../test/helpers/rpm-packages.js';
import { runBin, stopAll } from '../test/helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../test/helpers/temp-root.js';
import { startFleet, type Fleet } from '../test/overlord/fleet.js';

const run = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const HH_SRPMS = Number(process.env.BENCH_HH_SRPMS ?? 6);
const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
const REPOHOST = '127.0.0.5';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}
async function medianOf(n: number, f: (i: number) => Promise<unknown>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(await timed(() => f(i)));
  return median(xs);
}
const ms = (x: number): string => `${x.toFixed(0).padStart(5)} ms`;
const line = (what: string, x: number, base: number): void => console.log(`  ${what.padEnd(56)} ${ms(x)}  (${(x / base).toFixed(2)} x baseline)`);

async function stepTimes(fleet: Fleet, work: string): Promise<void> {
  const builder = HOSTS[0]!;
  const rootOf = (h: string): string => fleet.minions.find((m) => m.name === h)!.root;
  const ov = (h: string): Overlord => new Overlord(h, { root: fleet.root, timeout: 120 });
  const b = ov(builder);
  const r = ov(REPOHOST);
  const call = async (o: Overlord, h: string, m: string, f: string, ...a: WireValue[]): Promise<WireStruct> => {
    const out = (await o.call(m, f, ...a)).get(h)!;
    if (out.status !== 'ok') throw new Error(`${m}.${f} on ${h}: ${out.message}`);
    return out.value as WireStruct;
  };
  const srpm = await makeSrpm(work, { name: 'benchtiny' });
  const remote = path.join(rootOf(builder), 'var/lib/func/srpms', path.basename(srpm));
  await sendFile(b, [builder], srpm, remote);
  let rpm = '';
  const localBuild = await medianOf(ROUNDS, (i) => run('rpmbuild', ['--rebuild', '--define', `_topdir ${work}/lrb${i}`, srpm]));
  const build = await medianOf(ROUNDS, async () => { rpm = ((await call(b, builder, 'mock', 'build', remote)).rpms as string[])[0]!; });
  const incoming = path.join(rootOf(REPOHOST), 'var/lib/func/incoming', path.basename(rpm));
  await fs.mkdir(path.dirname(incoming), { recursive: true });
  await fs.copyFile(rpm, incoming);
  const localRepo = path.join(work, 'localrepo');
  await fs.mkdir(localRepo, { recursive: true });
  await fs.copyFile(rpm, path.join(localRepo, path.basename(rpm)));
  const localCreaterepo = await medianOf(ROUNDS, () => run('createrepo_c', ['--update', localRepo]));
  const reposRoot = path.join(rootOf(REPOHOST), 'var/lib/func/repos');
  const add = await medianOf(ROUNDS, () => call(r, REPOHOST, 'createrepo', 'add', path.join(reposRoot, 'bench'), [incoming]));
  const ping = await medianOf(ROUNDS, () => call(r, REPOHOST, 'test', 'ping'));
  const page = await medianOf(ROUNDS, () => call(r, REPOHOST, 'webpage', 'update', reposRoot));
  await b.close();
  await r.close();
  console.log(`one tiny noarch package, median of ${ROUNDS}, over XML-RPC to a real funcd:`);
  line('local rpmbuild --rebuild (baseline)', localBuild, localBuild);
  line('mock.build (rpmbuild backend, via funcd)', build, localBuild);
  line('local createrepo_c --update (baseline)', localCreaterepo, localCreaterepo);
  line('createrepo.add (copy + createrepo_c, via funcd)', add, localCreaterepo);
  line('test.ping (baseline)', ping, ping);
  line('webpage.update (1 repository, via funcd)', page, ping);
}

async function cliPipeline(fleet: Fleet, work: string): Promise<void> {
  const builder = HOSTS[0]!;
  const rootOf = (h: string): string => fleet.minions.find((m) => m.name === h)!.root;
  const func = async (...args: string[]): Promise<string> => {
    const r = await runBin('func', args, { env: fleet.env, timeoutMs: 120000 });
    if (r.code !== 0) throw new Error(`func ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const ping = await medianOf(3, () => func(builder, 'call', 'test', 'ping'));
  const srpm = await makeSrpm(work, { name: 'benchcli' });
  const whole = await medianOf(3, async (i) => {
    const remote = path.join(rootOf(builder), 'var/lib/func/srpms', path.basename(srpm));
    await func(builder, 'copyfile', '-f', srpm, '--remotepath', remote);
    const out = JSON.parse(await func(builder, 'call', '--json', 'mock', 'build', remote)) as Record<string, { rpms: string[] }>;
    const rpm = out[builder]!.rpms[0]!;
    await func(builder, 'getfile', '--remotesource', rpm, '--localdir', path.join(work, `cli${i}`));
    const incoming = path.join(rootOf(REPOHOST), 'var/lib/func/incoming', path.basename(rpm));
    await func(REPOHOST, 'copyfile', '-f', path.join(work, `cli${i}`, builder, path.basename(rpm)), '--remotepath', incoming);
    const reposRoot = path.join(rootOf(REPOHOST), 'var/lib/func/repos');
    await func(REPOHOST, 'call', 'createrepo', 'add', path.join(reposRoot, 'cli'), JSON.stringify([incoming]));
    await func(REPOHOST, 'call', 'webpage', 'update', reposRoot);
  });
  console.log('the whole pipeline through the func CLI (6 func processes: copyfile, call mock build, getfile, copyfile, call createrepo add, call webpage update), median of 3:');
  line('func <host> call test ping (baseline: one func process)', ping, ping);
  line('whole pipeline', whole, ping);
}

async function throughput(fleet: Fleet, work: string, sleepSeconds: number): Promise<void> {
  const rootOf = (h: string): string => fleet.minions.find((m) => m.name === h)!.root;
  const build = sleepSeconds > 0 ? `sleep ${sleepSeconds}` : 'true';
  const results: Array<[number, number]> = [];
  for (const n of [1, 2, 3]) {
    const srpms = await Promise.all(Array.from({ length: HH_SRPMS }, (_, i) => makeSrpm(path.join(work, `hh${sleepSeconds}-${n}`), { name: `hh${n}p${i}`, build })));
    const report = await headhunter({
      builders: HOSTS.slice(0, n), repoHost: REPOHOST, srpms, root: fleet.root, print: () => undefined, pollMs: 100,
      paths: {
        srpmDir: (h) => path.join(rootOf(h), 'var/lib/func/srpms'),
        incomingDir: path.join(rootOf(REPOHOST), 'var/lib/func/incoming'),
        reposRoot: path.join(rootOf(REPOHOST), 'var/lib/func/repos'),
        repodir: path.join(rootOf(REPOHOST), `var/lib/func/repos/hh${sleepSeconds}-${n}`),
      },
    });
    const published = report.builds.filter((b) => b.state === 'published').length;
    if (published !== HH_SRPMS) throw new Error(`headhunter published ${published}/${HH_SRPMS}\n${report.table}`);
    results.push([n, (published / report.seconds) * 60]);
  }
  console.log(`headhunter, ${HH_SRPMS} SRPMs whose %build is "${build}", builds/min:`);
  for (const [n, perMin] of results) console.log(`  ${n} builder${n > 1 ? 's' : ' '} ${perMin.toFixed(1).padStart(7)} builds/min  (${(perMin / results[0]![1]).toFixed(2)} x 1 builder)`);
}

async function main(): Promise<void> {
  const fleet = await startFleet(HOSTS);
  const work = await makeTempRoot('bench-build-pipeline');
  try {
    await stepTimes(fleet, work);
    await cliPipeline(fleet, work);
    await throughput(fleet, work, 0);
    await throughput(fleet, work, 2);
  } finally {
    await fleet.close();
    await stopAll();
    await removeTempRoot(work);
  }
}

await main();
