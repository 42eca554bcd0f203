// The X.509 extensions certmaster puts in the certificates it makes: a CA profile and a minion profile.
import type { webcrypto } from 'node:crypto';
import { x509 } from '../common/x509.js';
import { isIpAddress } from './host-name.js';
import type { KeyType } from './keys.js';

/** subjectAltName for a host: an IP entry when the name is an address, else a DNS entry. */
export function subjectAltNameFor(host: string): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension([{ type: isIpAddress(host) ? 'ip' : 'dns', value: host }]);
}

/**
 * The CA's extensions: CA:TRUE (critical); keyCertSign + cRLSign + digitalSignature (the overlord uses the
 * CA key pair as its TLS client identity, func-compat.md §11); subject key id; subjectAltName of the host.
 */
export async function caExtensions(publicKey: webcrypto.CryptoKey, host: string): Promise<x509.Extension[]> {
  const usages = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature;
  return [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    subjectAltNameFor(host),
  ];
}

/**
 * A minion's extensions: CA:FALSE (critical), digitalSignature (+keyEncipherment for RSA), serverAuth +
 * clientAuth, subjectAltName, subject key id and, when the CA has one, the authority key id.
 */
export async function minionExtensions(
  publicKey: x509.PublicKey, keyType: KeyType, host: string, caKeyId: string | undefined,
): Promise<x509.Extension[]> {
  let usages = x509.KeyUsageFlags.digitalSignature;
  if (keyType === 'rsa') usages |= x509.KeyUsageFlags.keyEncipherment;
  const exts: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    subjectAltNameFor(host),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
  ];
  if (caKeyId) exts.push(new x509.AuthorityKeyIdentifierExtension(caKeyId));
  return exts;
}
