// Hosts many minions in one process for the fan-out benchmark (startMinion as a library, one root each).
// Usage: node dist/bench/minion-host.js <file with a JSON list of {name, root}>; prints "ready N", stops on SIGTERM.
import fs from 'node:fs';
import { silentLogger } from '../common/log.js';
import { startMinion, type MinionHandle } from '../minion/daemon.js';
import { BENCH_PORT } from './fanout-fleet.js';

async function main(): Promise<void> {
  const list = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as Array<{ name: string; root: string }>;
  const handles: MinionHandle[] = [];
  for (const m of list) {
    handles.push(await startMinion({
      root: m.root, name: m.name, settings: { listen_addr: m.name, listen_port: String(BENCH_PORT) }, log: silentLogger, crlPollMs: 600000,
    }));
  }
  const stop = (): void => { void Promise.allSettled(handles.map((h) => h.stop())).then(() => process.exit(0)); };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`ready ${handles.length}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`minion-host: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
