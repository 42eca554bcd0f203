// Certificate signing requests: making one for a minion key, and reading an untrusted one on the CA with
// every check certmaster needs (size, PEM shape, signature, exactly one safe common name).
import { createPublicKey } from 'node:crypto';
import { CsrInvalidError, CsrRefusedError } from '../common/errors.js';
import { nameHash } from '../common/subject-hash.js';
import { x509 } from '../common/x509.js';
import { checkHostName } from './host-name.js';
import { importSigningKeys, publicKeyDer } from './keys.js';
import { commonNames, funcSubject } from './subject.js';
import { subjectAltNameFor } from './extensions.js';

/** A CSR that parsed, verified and names a safe host. */
export interface ParsedCsr {
  /** the CSR re-encoded as canonical PEM */
  pem: string;
  /** the subject commonName, which is the host name */
  cn: string;
  /** OpenSSL's hash of the subject (func's identity is `<cn>-<subjectHash>`) */
  subjectHash: number;
  request: x509.Pkcs10CertificateRequest;
}

const PEM_BLOCK = /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END (?:NEW )?CERTIFICATE REQUEST-----/;

/** Makes a PEM CSR for `cn` with func's subject template and a subjectAltName, signed by the key. */
export async function createCsr(keyPem: string, cn: string): Promise<string> {
  const keys = await importSigningKeys(keyPem, `key for ${cn}`);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: funcSubject(cn),
    keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
    signingAlgorithm: keys.signingAlgorithm,
    extensions: [subjectAltNameFor(cn)],
  });
  return csr.toString('pem') + '\n';
}

/** Parses PEM text into a request object; anything that is not one PEM CSR is a CsrInvalidError. */
function decodeCsr(text: string): x509.Pkcs10CertificateRequest {
  const m = PEM_BLOCK.exec(text);
  if (!m) throw new CsrInvalidError('not a PEM certificate request (expected a "-----BEGIN CERTIFICATE REQUEST-----" block)');
  try {
    return new x509.Pkcs10CertificateRequest(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  } catch (err) {
    throw new CsrInvalidError(`the certificate request cannot be parsed: ${(err as Error).message}`, { cause: err });
  }
}

/** Weakest keys and digests accepted unless allow_weak_keys is set. */
export const MIN_RSA_BITS = 2048;
export const MIN_EC_BITS = 256;
const EC_CURVE_BITS: Record<string, number> = {
  prime192v1: 192, secp192k1: 192, secp224r1: 224, secp224k1: 224, prime256v1: 256, secp256k1: 256, secp384r1: 384, secp521r1: 521,
};
const WEAK_DIGESTS = new Set(['SHA-1', 'MD5', 'MD2', 'MD4']);

/** Refuses (CsrRefusedError) an RSA key under MIN_RSA_BITS, an EC key under MIN_EC_BITS, or a SHA-1/MD5 signature. */
function refuseWeakCsr(request: x509.Pkcs10CertificateRequest): void {
  const how = 'refused (set allow_weak_keys = yes in certmaster.conf to accept such requests from old minions)';
  let details: { modulusLength?: number; namedCurve?: string } | undefined;
  let type: string | undefined;
  try {
    const key = createPublicKey({ key: Buffer.from(request.publicKey.rawData), format: 'der', type: 'spki' });
    type = key.asymmetricKeyType;
    details = key.asymmetricKeyDetails;
  } catch (err) {
    throw new CsrInvalidError(`the certificate request's public key cannot be read: ${(err as Error).message}`, { cause: err });
  }
  if ((type === 'rsa' || type === 'rsa-pss') && (details?.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw new CsrRefusedError(`the certificate request has a ${details?.modulusLength ?? '?'}-bit RSA key; at least ${MIN_RSA_BITS} bits are required: ${how}`);
  }
  if (type === 'ec') {
    const bits = EC_CURVE_BITS[details?.namedCurve ?? ''] ?? 0;
    if (bits < MIN_EC_BITS) throw new CsrRefusedError(`the certificate request has an EC key on curve ${details?.namedCurve ?? 'unknown'} (${bits || '?'} bits); at least ${MIN_EC_BITS} bits are required: ${how}`);
  }
  if (type === 'dsa') throw new CsrRefusedError(`the certificate request has a DSA key; use RSA (${MIN_RSA_BITS}+ bits) or EC (P-256+): ${how}`);
  const digest = (request.signatureAlgorithm as { hash?: { name?: string } }).hash?.name;
  if (digest !== undefined && WEAK_DIGESTS.has(digest.toUpperCase())) {
    throw new CsrRefusedError(`the certificate request is signed with ${digest}; SHA-256 or stronger is required: ${how}`);
  }
}

/** How untrusted CSRs are checked. */
export interface CsrCheckOptions {
  /** accept RSA keys under 2048 bits, EC keys under 256 bits and SHA-1 signatures (allow_weak_keys) */
  allowWeakKeys?: boolean;
}

/**
 * Reads and checks an untrusted PEM CSR: at most `maxBytes` long, well-formed, a strong enough key and digest
 * (unless allowWeakKeys), its signature verifies with its own key, and it has exactly one common name that is a
 * safe host name. Throws CsrInvalidError, or CsrRefusedError for a weak key or digest.
 */
export async function parseCsr(text: string, maxBytes: number, options: CsrCheckOptions = {}): Promise<ParsedCsr> {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes) throw new CsrInvalidError(`certificate request is ${size} bytes, more than max_csr_bytes = ${maxBytes}`);
  const request = decodeCsr(text);
  if (!options.allowWeakKeys) refuseWeakCsr(request);
  let valid = false;
  try {
    valid = await request.verify();
  } catch (err) {
    throw new CsrInvalidError(`the certificate request's signature cannot be checked: ${(err as Error).message}`, { cause: err });
  }
  if (!valid) throw new CsrInvalidError('the certificate request\'s signature does not verify with its public key');
  const cns = commonNames(request.subjectName);
  if (cns.length !== 1) throw new CsrInvalidError(`the certificate request must have exactly one common name (CN), it has ${cns.length}`);
  const cn = checkHostName(cns[0]!, 'CSR common name');
  return { pem: request.toString('pem') + '\n', cn, subjectHash: nameHash(request.subjectName.toArrayBuffer()), request };
}

/** True when the PEM CSR carries the public key of the private key (false for an unreadable CSR). */
export function csrMatchesKey(csrPem: string, keyPem: string): boolean {
  try {
    const spki = Buffer.from(new x509.Pkcs10CertificateRequest(csrPem).publicKey.rawData);
    return spki.equals(publicKeyDer(keyPem));
  } catch {
    return false;
  }
}
