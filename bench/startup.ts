// Start-up benchmark: wall time of `func --help` and of `func @n10 call test ping` (10 loopback minions), from the
// single-file bundle (what bin/func runs) and from the unbundled tsc output, beside bare `node -e 0`, in one run;
// the call also a second time, resuming the TLS sessions the first run saved.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareFleet, startMinionHosts, stopMinionHosts, writeSizeGroups } from './fanout-fleet.js';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = path.join(os.tmpdir(), 'func-bench-startup-v1');
const REPS = 15;
const log = (s: string): void => { process.stderr.write(`${s}\n`); };

/** A command line: argv after node. */
type Cmd = { readonly label: string; readonly argv: readonly string[]; readonly expectOut?: RegExp; readonly fresh?: boolean };

const unbundled = (args: string[]): string[] =>
  ['--input-type=module', '-e', `const m = await import(${JSON.stringify(path.join(top, 'dist/overlord/cli/func.js'))}); await m.main(${JSON.stringify(args)});`];

function timeOnce(cmd: Cmd, env: NodeJS.ProcessEnv): number {
  // a fresh run has no saved TLS sessions (a first run); the run after it resumes them
  if (cmd.fresh) rmSync(path.join(env.FUNC_ROOT!, 'var/lib/func/tls-sessions'), { recursive: true, force: true });
  const started = performance.now();
  const r = spawnSync(process.execPath, cmd.argv, { env, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (r.status !== 0 || (cmd.expectOut && !cmd.expectOut.test(r.stdout))) {
    throw new Error(`${cmd.label}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  }
  return ms;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const fleet = await prepareFleet(10, log, CACHE);
  await writeSizeGroups(fleet, [10]);
  // two processes of five: ten real hosts would answer in parallel, not one after another
  const hosts = await startMinionHosts(fleet, 5, CACHE);
  const env = { ...process.env, FUNC_ROOT: fleet.caRoot };
  const func = path.join(top, 'bin/func');
  const ping = ['@n10', 'call', 'test', 'ping'];
  const cmds: Cmd[] = [
    { label: 'node -e 0', argv: ['-e', '0'] },
    { label: 'func --help', argv: [func, '--help'], expectOut: /Subcommands:/ },
    { label: 'func --help (unbundled)', argv: unbundled(['--help']), expectOut: /Subcommands:/ },
    { label: 'func @n10 call test ping', argv: [func, ...ping], expectOut: /127\.0\.1\.10/, fresh: true },
    { label: 'same, second run (resumed)', argv: [func, ...ping], expectOut: /127\.0\.1\.10/ },
    { label: 'call test ping (unbundled)', argv: unbundled(ping), expectOut: /127\.0\.1\.10/, fresh: true },
  ];
  const times = new Map<string, number[]>(cmds.map((c) => [c.label, []]));
  try {
    for (const c of cmds) timeOnce(c, env); // warm the page cache and the minions
    for (let i = 0; i < REPS; i++) for (const c of cmds) times.get(c.label)!.push(timeOnce(c, env)); // interleaved
  } finally {
    await stopMinionHosts(hosts);
  }
  const base = median(times.get('node -e 0')!);
  log(`start-up, median of ${REPS} interleaved runs (${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)}):`);
  for (const c of cmds) {
    const m = median(times.get(c.label)!);
    log(`  ${c.label.padEnd(28)} ${m.toFixed(0).padStart(5)} ms   ${(m / base).toFixed(2)}× node -e 0   (+${(m - base).toFixed(0)} ms)`);
  }
  const help = median(times.get('func --help')!);
  const call = median(times.get('func @n10 call test ping')!);
  const second = median(times.get('same, second run (resumed)')!);
  log(`  second run / first run of the 10-host call: ${(second / call).toFixed(2)}×`);
  log(`  goals: func --help < 150 ms: ${help < 150 ? 'yes' : 'NO'} (${help.toFixed(0)} ms); 10-host call < 200 ms: ${call < 200 ? 'yes' : 'NO'} (${call.toFixed(0)} ms)`);
}

main().catch((err: unknown) => {
  log(`startup benchmark failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
});
