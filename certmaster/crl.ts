// Making the CA's certificate revocation list: signed by the CA key, one entry per revoked serial, PEM
// relabelled "X509 CRL" (the label OpenSSL and Node read; @peculiar/x509 writes "CRL").
import * as asn1js from 'asn1js';
import { x509 } from '../common/x509.js';
import { parseCertificate } from './ca.js';
import { importSigningKeys } from './keys.js';

/** One revoked certificate. */
export interface RevokedEntry {
  /** serial number as even-length lower-case hex */
  serial: string;
  revocationDate: Date;
}

const CRL_NUMBER_OID = '2.5.29.20';

/**
 * Creates a CRL listing `revoked`, valid from `thisUpdate` to `nextUpdate`, with the CA's authority key id
 * (when it has a subject key id) and a CRL number that grows with time (seconds since the epoch).
 */
export async function createCrl(params: {
  caKeyPem: string; caCertPem: string; revoked: RevokedEntry[]; thisUpdate: Date; nextUpdate: Date;
}): Promise<string> {
  const caKeys = await importSigningKeys(params.caKeyPem, 'CA key');
  const caCert = parseCertificate(params.caCertPem, 'CA certificate');
  const extensions: x509.Extension[] = [
    new x509.Extension(CRL_NUMBER_OID, false, new asn1js.Integer({ value: Math.floor(params.thisUpdate.getTime() / 1000) }).toBER()),
  ];
  const keyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (keyId) extensions.push(new x509.AuthorityKeyIdentifierExtension(keyId));
  const crl = await x509.X509CrlGenerator.create({
    issuer: caCert.subjectName,
    thisUpdate: params.thisUpdate,
    nextUpdate: params.nextUpdate,
    entries: params.revoked.map((r) => ({ serialNumber: r.serial, revocationDate: r.revocationDate })),
    signingKey: caKeys.privateKey,
    signingAlgorithm: caKeys.signingAlgorithm,
    extensions,
  });
  return relabelCrl(crl.toString('pem')) + '\n';
}

/** Rewrites "-----BEGIN CRL-----" PEM armour to "-----BEGIN X509 CRL-----". */
export function relabelCrl(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CRL-----/g, '-----$1 X509 CRL-----');
}

/** Reads a PEM CRL (either label). */
export function parseCrl(pem: string): x509.X509Crl {
  return new x509.X509Crl(pem.replace(/-----(BEGIN|END) X509 CRL-----/g, '-----$1 CRL-----'));
}
