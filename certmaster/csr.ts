// Certificate signing requests: making one for a minion key, and reading an untrusted one on the CA with
// every check certmaster needs (size, PEM shape, signature, exactly one safe common name).
import { CsrInvalidError } from '../common/errors.js';
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

/**
 * Reads and checks an untrusted PEM CSR: at most `maxBytes` long, well-formed, its signature verifies with
 * its own key, and it has exactly one common name that is a safe host name. Throws CsrInvalidError.
 */
export async function parseCsr(text: string, maxBytes: number): Promise<ParsedCsr> {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes) throw new CsrInvalidError(`certificate request is ${size} bytes, more than max_csr_bytes = ${maxBytes}`);
  const request = decodeCsr(text);
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
