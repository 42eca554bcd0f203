// Benchmark: wait_for_cert calls per second answered by a certmaster process (bin/certmaster) to 16
// concurrent clients, for an already-signed host (cert returned) beside a pending one ([false, "", ""]);
// plus the wall time of a whole `certmaster-ca --sign` process. Run: node dist/bench/certmaster-wait.js
import { createCsr } from '../certmaster/csr.js';
import { CertStore } from '../certmaster/cert-store.js';
import { generatePrivateKey } from '../certmaster/keys.js';
import { xmlrpcCall } from '../transport/xmlrpc/client.js';
import { createTestCa } from '../test/helpers/pki.js';
import { runBin, spawnBin, waitForOutput } from '../test/helpers/processes.js';
import { removeTempRoot } from '../test/helpers/temp-root.js';

const CLIENTS = 16;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

/** Runs CLIENTS loops of wait_for_cert(csr) for SECONDS; returns calls per second. */
async function callsPerSecond(url: string, csr: string, expectSigned: boolean): Promise<number> {
  const end = Date.now() + SECONDS * 1000;
  let calls = 0;
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (Date.now() < end) {
      const answer = await xmlrpcCall(url, 'wait_for_cert', [csr], { timeout: 10000 });
      if (!Array.isArray(answer) || answer[0] !== expectSigned) throw new Error(`unexpected answer ${JSON.stringify(answer).slice(0, 80)}`);
      calls++;
    }
  }));
  return calls / SECONDS;
}

/** Wall time of one certmaster-ca run in ms; a failed run throws. */
async function timed(args: string[], root: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const r = await runBin('certmaster-ca', args, { root });
  if (r.code !== 0) throw new Error(`certmaster-ca ${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** wait_for_cert throughput against a bin/certmaster process serving this CA. */
async function measureWaitForCert(store: CertStore, root: string): Promise<void> {
  const signedCsr = await createCsr(await generatePrivateKey('ec'), 'bench-signed');
  await store.signRequest(await store.checkCsr(signedCsr));
  const pendingCsr = await createCsr(await generatePrivateKey('ec'), 'bench-pending');
  const daemon = spawnBin('certmaster', [], { root });
  try {
    const url = (await waitForOutput(daemon, /listening on (\S+)/, 15000))[1]!;
    await xmlrpcCall(url, 'wait_for_cert', [pendingCsr]);
    await callsPerSecond(url, signedCsr, true); // warm-up
    const pending = await callsPerSecond(url, pendingCsr, false);
    const signed = await callsPerSecond(url, signedCsr, true);
    console.log(`wait_for_cert, ${CLIENTS} concurrent clients, new connection per call, ${SECONDS} s each:`);
    console.log(`  pending CSR  ([false,"",""]) : ${pending.toFixed(0)} calls/s (baseline)`);
    console.log(`  signed host  ([true,cert,ca]) : ${signed.toFixed(0)} calls/s (${(signed / pending).toFixed(2)} x baseline)`);
  } finally {
    await daemon.stop();
  }
}

/** Wall time of whole `certmaster-ca --sign` processes beside `--version` (start-up and imports only). */
async function measureSign(store: CertStore, root: string): Promise<void> {
  const signTimes: number[] = [];
  const versionTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const host = `sign-bench-${i}`;
    await store.storeCsr(await store.checkCsr(await createCsr(await generatePrivateKey('ec'), host)));
    signTimes.push(await timed(['--sign', host], root));
    versionTimes.push(await timed(['--version'], root));
  }
  const show = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
  console.log(`certmaster-ca --sign    (whole process, 5 runs): ${show(signTimes)}`);
  console.log(`certmaster-ca --version (node start + CLI imports, baseline): ${show(versionTimes)}`);
}

async function main(): Promise<void> {
  const ca = await createTestCa();
  try {
    const store = await CertStore.open({ root: ca.root });
    await measureWaitForCert(store, ca.root);
    await measureSign(store, ca.root);
  } finally {
    await removeTempRoot(ca.root);
  }
}

await main();
