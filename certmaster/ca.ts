// The CA's pure operations over PEM text: making the self-signed CA certificate, signing a checked CSR
// into a minion certificate, and the comparisons certmaster needs (cert ↔ key, fingerprints).
import crypto from 'node:crypto';
import { CaError, CsrRefusedError } from '../common/errors.js';
import { fingerprint256 } from '../common/tls.js';
import { nameHash } from '../common/subject-hash.js';
import { x509 } from '../common/x509.js';
import type { ParsedCsr } from './csr.js';
import { caExtensions, minionExtensions } from './extensions.js';
import { importSigningKeys, publicKeyDer } from './keys.js';
import { commonNames, funcSubject } from './subject.js';

/** Validity of every certificate certmaster makes: 10 years (365*10 days), as the original. */
export const VALIDITY_DAYS = 3650;
const DAY_MS = 24 * 3600 * 1000;
/** Certificates start a minute in the past so that a slightly slow peer clock accepts them at once. */
const BACKDATE_MS = 60 * 1000;

/** The CA's common name for a host: `<hostname>-CA-KEY`. */
export function caCommonName(hostname: string): string {
  return `${hostname}-CA-KEY`;
}

/** A serial number as @peculiar/x509 wants it: even-length hex, positive (a leading 00 when the top bit is set). */
export function serialHex(serial: bigint | number): string {
  let hex = BigInt(serial).toString(16);
  if (hex.length % 2) hex = '0' + hex;
  if (/^[89a-f]/.test(hex)) hex = '00' + hex;
  return hex;
}

function validity(now: Date): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  return { notBefore, notAfter: new Date(notBefore.getTime() + VALIDITY_DAYS * DAY_MS) };
}

/** Makes the self-signed CA certificate (CN `<hostname>-CA-KEY`, random positive serial, 10 years) for a key. */
export async function createCaCertificate(keyPem: string, hostname: string, now = new Date()): Promise<string> {
  const keys = await importSigningKeys(keyPem, 'CA key');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialHex(BigInt('0x' + crypto.randomBytes(16).toString('hex')) >> 1n),
    name: funcSubject(caCommonName(hostname)),
    keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
    signingAlgorithm: keys.signingAlgorithm,
    extensions: await caExtensions(keys.publicKey, hostname),
    ...validity(now),
  });
  return cert.toString('pem') + '\n';
}

/** Parses a PEM certificate; a bad one is a CaError naming what it was. */
export function parseCertificate(pem: string, what = 'certificate'): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch (err) {
    throw new CaError(`cannot read ${what}: ${(err as Error).message}`, { cause: err });
  }
}

/** What identifies the CA to a CSR check: its subject's name hash and its common names (lower-cased). */
interface CaIdentity { pem: string; hash: number; cns: string[] }
let lastCaIdentity: CaIdentity | null = null;

function caIdentity(caCertPem: string): CaIdentity {
  if (lastCaIdentity?.pem !== caCertPem) {
    const ca = parseCertificate(caCertPem, 'CA certificate');
    lastCaIdentity = {
      pem: caCertPem,
      hash: nameHash(ca.subjectName.toArrayBuffer()),
      cns: commonNames(ca.subjectName).map((cn) => cn.toLowerCase()),
    };
  }
  return lastCaIdentity;
}

/**
 * Refuses a CSR that would impersonate the CA (§10.1): a subject equal to the CA's (same OpenSSL name hash,
 * so the same func ACL identity) or a CN equal to the CA's CN, compared case-insensitively.
 */
export function refuseCaLookalike(csr: ParsedCsr, caCertPem: string): void {
  const ca = caIdentity(caCertPem);
  if (csr.subjectHash === ca.hash) {
    throw new CsrRefusedError(`refusing to sign a request for "${csr.cn}": its subject is the CA's own subject`);
  }
  if (ca.cns.includes(csr.cn.toLowerCase())) {
    throw new CsrRefusedError(`refusing to sign a request for "${csr.cn}": that is the CA's common name`);
  }
}

/** Signs a checked CSR: subject and key copied from it, issuer the CA, the given serial, minion extensions. */
export async function signCsr(params: {
  csr: ParsedCsr; caKeyPem: string; caCertPem: string; serial: bigint | number; now?: Date;
}): Promise<string> {
  const { csr, caKeyPem, caCertPem } = params;
  refuseCaLookalike(csr, caCertPem);
  const caKeys = await importSigningKeys(caKeyPem, 'CA key');
  const caCert = parseCertificate(caCertPem, 'CA certificate');
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const publicKey = csr.request.publicKey;
  const keyType = publicKey.algorithm.name === 'RSASSA-PKCS1-v1_5' || publicKey.algorithm.name === 'RSA-PSS' ? 'rsa' : 'ec';
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialHex(params.serial),
    subject: csr.request.subjectName,
    issuer: caCert.subjectName,
    publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: caKeys.signingAlgorithm,
    extensions: await minionExtensions(publicKey, keyType, csr.cn, caKeyId),
    ...validity(params.now ?? new Date()),
  });
  return cert.toString('pem') + '\n';
}

/** True when the certificate carries the public key of the private key. */
export function certMatchesKey(certPem: string, keyPem: string): boolean {
  const cert = new crypto.X509Certificate(certPem);
  const certKey = cert.publicKey.export({ type: 'spki', format: 'der' });
  return certKey.equals(publicKeyDer(keyPem));
}

/** True when `caCertPem` issued `certPem` (names chain and the signature verifies with the CA key). */
export function certIssuedBy(certPem: string, caCertPem: string): boolean {
  try {
    const cert = new crypto.X509Certificate(certPem);
    const ca = new crypto.X509Certificate(caCertPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** SHA-256 over the DER of the first PEM block (certificate or CSR), as `AA:BB:…` (openssl's format). */
export function pemFingerprint256(pem: string): string {
  const m = /-----BEGIN [^-]+-----([\s\S]+?)-----END [^-]+-----/.exec(pem);
  if (!m) throw new CaError('no PEM block to fingerprint');
  return fingerprint256(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}
