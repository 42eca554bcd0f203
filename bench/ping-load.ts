// The load generator of bench/minion-calls.ts, in a process of its own: on each IPC request it runs one round of
// test.ping calls (TlsPingClient, N in flight) and answers with the calls done, the time and its own CPU time.
// Usage (from minion-calls): node dist/bench/ping-load.js KEY CERT CA
import fs from 'node:fs';
import { TlsPingClient, type PingCreds } from './tls-ping-client.js';

/** One round to run. */
export interface RoundRequest { host: string; port: number; keepAlive: boolean; inFlight: number; ms: number; maxCalls: number }

/** What a round did. */
export interface RoundResult { calls: number; seconds: number; cpuMs: number; tls: string; error?: string }

async function round(creds: PingCreds, r: RoundRequest): Promise<RoundResult> {
  const clients = Array.from({ length: r.inFlight }, () => new TlsPingClient(r.host, r.port, creds, r.keepAlive));
  let calls = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + r.ms;
  try {
    await Promise.all(clients.map(async (c) => {
      while (performance.now() < deadline && calls < r.maxCalls) { await c.ping(); calls++; }
    }));
  } finally {
    for (const c of clients) c.close();
  }
  const used = process.cpuUsage(cpu);
  return { calls, seconds: (performance.now() - started) / 1000, cpuMs: (used.user + used.system) / 1000, tls: clients[0]?.tlsParameters ?? '' };
}

function main(): void {
  const [key, cert, ca] = process.argv.slice(2).map((f) => fs.readFileSync(f, 'utf8'));
  if (!key || !cert || !ca || !process.send) throw new Error('usage: ping-load.js KEY CERT CA (as an IPC child of minion-calls)');
  const creds: PingCreds = { key, cert, ca };
  process.on('message', (r: RoundRequest) => {
    round(creds, r).then((res) => process.send!(res), (err: unknown) => process.send!({ calls: 0, seconds: 0, cpuMs: 0, tls: '', error: String(err) }));
  });
  process.on('disconnect', () => process.exit(0));
}

main();
