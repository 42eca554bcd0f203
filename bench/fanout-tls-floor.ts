// The floor under any TLS fan-out on this machine: bare mutual-TLS handshakes (no HTTP, no XML-RPC, no name check)
// from one Node process to the same minions, 64 at a time, one shared SecureContext. Printed beside the callers' times.
import tls from 'node:tls';
import { readOverlordConf } from '../common/config-files.js';
import { loadCredentials } from '../overlord/credentials.js';
import { BENCH_PORT } from './fanout-fleet.js';

function handshake(host: string, context: tls.SecureContext, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tls.connect({ host, port, secureContext: context, checkServerIdentity: () => undefined });
    // no name check, so Node need not build the certificate object it hands to one (a quarter of the client's CPU)
    s.getPeerCertificate = (() => ({})) as unknown as tls.TLSSocket['getPeerCertificate'];
    s.once('secureConnect', () => { s.destroy(); resolve(true); });
    s.once('error', () => { s.destroy(); resolve(false); });
  });
}

/** Seconds for one handshake with every host (64 in flight), and how many succeeded. */
export async function timeTlsFloor(caRoot: string, hosts: readonly string[], port = BENCH_PORT): Promise<[number, number]> {
  const material = await loadCredentials(caRoot, readOverlordConf(caRoot));
  const started = performance.now();
  const context = tls.createSecureContext({ key: material.key, cert: material.cert, ca: material.ca, minVersion: 'TLSv1.2' });
  let next = 0;
  let ok = 0;
  await Promise.all(Array.from({ length: Math.min(64, hosts.length) }, async () => {
    while (next < hosts.length) if (await handshake(hosts[next++]!, context, port)) ok++;
  }));
  return [(performance.now() - started) / 1000, ok];
}
