// Which certificates a CRL revokes, for servers that must drop connections opened before a revocation.
// The X.509 library is loaded on first use only (a minion that never sees a CRL change never pays for it).
import type { X509Certificate } from 'node:crypto';

/** Serial numbers as compared here: lower-case hex without leading zeros. */
function normalSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

/**
 * For each certificate (undefined = none), whether one of the CRLs in `crlPem` (one or more PEM blocks) lists it:
 * same issuer name and serial number. A CRL that cannot be parsed revokes nothing (TLS still refuses new handshakes
 * according to what OpenSSL made of it).
 */
export async function revokedBy(crlPem: string, certs: ReadonlyArray<X509Certificate | undefined>): Promise<boolean[]> {
  if (!certs.some((c) => c !== undefined)) return certs.map(() => false);
  const { x509 } = await import('./x509.js');
  const lists: Array<{ issuer: string; serials: Set<string> }> = [];
  for (const block of crlPem.match(/-----BEGIN X509 CRL-----[\s\S]*?-----END X509 CRL-----/g) ?? []) {
    try {
      const crl = new x509.X509Crl(block);
      lists.push({ issuer: crl.issuer, serials: new Set(crl.entries.map((e) => normalSerial(e.serialNumber))) });
    } catch { /* unreadable block: skipped */ }
  }
  return certs.map((cert) => {
    if (cert === undefined) return false;
    const serial = normalSerial(cert.serialNumber);
    const issuer = new x509.X509Certificate(cert.raw).issuer;
    return lists.some((l) => l.issuer === issuer && l.serials.has(serial));
  });
}
