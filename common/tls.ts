// TLS helpers shared by every transport: loading key/cert/CA/CRL files, the server and client TLS options
// (TLS 1.2+, mandatory client certificates), and the caller's identity (CN + OpenSSL subject hash) from its certificate.
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import type { Socket } from 'node:net';
import type tls from 'node:tls';
import { ConfigError } from './errors.js';
import { subjectHash } from './subject-hash.js';

/** TLS material for both ends, as PEM text: an end's identity (key, cert) and trust (CA, CRL). */
export interface TlsMaterial {
  key: string;
  cert: string;
  ca: string;
  /** certificate revocation list(s) in PEM, when present */
  crl?: string;
}

/** Who is calling, as the transport authenticated them. */
export interface PeerIdentity {
  /** subject commonName of the peer's certificate */
  cn: string;
  /** OpenSSL X509_NAME_hash of the subject, as an unsigned 32-bit integer */
  subjectHash: number;
  /** func's ACL key: `${cn}-${subjectHash}` */
  key: string;
  /** the peer's network address */
  address: string;
  /** SHA-256 fingerprint of the peer certificate, colon-separated hex */
  fingerprint256: string;
}

/** Paths of the PEM files a TLS end uses. */
export interface TlsFiles {
  key: string;
  cert: string;
  ca: string;
  /** certificate revocation list; optional */
  crl?: string;
}

function readPem(kind: string, file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(`cannot read the TLS ${kind} file ${file}: ${why}`, { cause: err });
  }
  if (!text.includes('-----BEGIN ')) throw new ConfigError(`the TLS ${kind} file ${file} holds no PEM data`);
  return text;
}

/** Reads the PEM files; a missing or unreadable file gives a ConfigError naming it. */
export function loadTlsMaterial(files: TlsFiles): TlsMaterial {
  const material: TlsMaterial = {
    key: readPem('key', files.key),
    cert: readPem('certificate', files.cert),
    ca: readPem('CA certificate', files.ca),
  };
  if (files.crl !== undefined) material.crl = readPem('CRL', files.crl);
  return material;
}

/** Server options: TLS 1.2+, a client certificate chaining to the CA is required, the CRL (if any) is honoured. */
export function serverTlsOptions(m: TlsMaterial): tls.TlsOptions {
  return {
    key: m.key, cert: m.cert, ca: m.ca, ...(m.crl ? { crl: m.crl } : {}),
    requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2',
  };
}

/** Client options: TLS 1.2+, our certificate as client identity, the peer verified against the CA (and CRL). */
export function clientTlsOptions(m: TlsMaterial): tls.ConnectionOptions {
  return {
    key: m.key, cert: m.cert, ca: m.ca, ...(m.crl ? { crl: m.crl } : {}),
    rejectUnauthorized: true, minVersion: 'TLSv1.2',
  };
}

/** func's ACL key for a caller: `${cn}-${subjectHash}` (hash in decimal). */
export function identityKey(cn: string, hash: number): string {
  return `${cn}-${hash}`;
}

type CertIdentity = Omit<PeerIdentity, 'address'>;
const CACHE_SIZE = 512;
const cache = new Map<string, CertIdentity>();

/** SHA-256 of a DER certificate as colon-separated upper-case hex (Node's fingerprint256 format). */
export function fingerprint256(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/**
 * The identity of a peer from its certificate: subject CN (the first one), OpenSSL subject hash, the
 * ACL key and the SHA-256 fingerprint. Parsed certificates are remembered (LRU, by fingerprint).
 */
export function peerIdentity(cert: { raw: Uint8Array; subject?: { CN?: string | string[] } }, address: string): PeerIdentity {
  return { ...remembered(fingerprint256(cert.raw), () => cert), address };
}

/** The identity of the certificate with fingerprint `fp` from the LRU cache, or parsed from `cert()` and cached. */
function remembered(fp: string, cert: () => { raw: Uint8Array; subject?: { CN?: string | string[] } }): CertIdentity {
  let id = cache.get(fp);
  if (id !== undefined) {
    cache.delete(fp); // refresh its place in the LRU order
  } else {
    const c = cert();
    const cn = commonNameOf(c);
    const hash = subjectHash(c.raw);
    id = { cn, subjectHash: hash, key: identityKey(cn, hash), fingerprint256: fp };
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  cache.set(fp, id);
  return id;
}

/** The subject CN as Node parsed it (the first one when there are several), or from the DER when not given. */
function commonNameOf(cert: { raw: Uint8Array; subject?: { CN?: string | string[] } }): string {
  const cn = cert.subject?.CN ?? new X509Certificate(cert.raw).subject.match(/(?:^|\n)CN=([^\n]*)/)?.[1] ?? '';
  return Array.isArray(cn) ? (cn[0] ?? '') : cn;
}

/** The peer's address, with an IPv4-mapped IPv6 prefix removed. */
export function remoteAddressOf(socket: Socket): string {
  const a = socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/**
 * The identity of the peer of a TLS connection, or null when it sent no certificate. A known certificate is
 * recognised by the fingerprint OpenSSL computes; only a new one is converted with getPeerCertificate().
 */
export function peerIdentityFromSocket(socket: tls.TLSSocket): PeerIdentity | null {
  const x509 = socket.getPeerX509Certificate();
  if (x509 === undefined) return null;
  return { ...remembered(x509.fingerprint256, () => socket.getPeerCertificate(false)), address: remoteAddressOf(socket) };
}

/** The identity given to callers of a plain-HTTP server (certmaster): no certificate, just the address. */
export function anonymousPeer(address: string): PeerIdentity {
  return { cn: '', subjectHash: 0, key: '', address, fingerprint256: '' };
}
