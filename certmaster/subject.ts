// func's subject template for every key certmaster makes: C=UN, ST=FC, L=Certmaster-town, O=certmaster,
// OU=slave-key, CN=<name>, emailAddress=root@<name> (func-compat.md §7.2), with openssl's string types.
import { x509 } from '../common/x509.js';

/** Attribute OIDs of the template. */
export const NameOids = {
  C: '2.5.4.6',
  ST: '2.5.4.8',
  L: '2.5.4.7',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  emailAddress: '1.2.840.113549.1.9.1',
} as const;

/** The subject func gives a key named `cn` (a minion host name, or `<host>-CA-KEY` for the CA). */
export function funcSubject(cn: string): x509.Name {
  return new x509.Name([
    { [NameOids.C]: [{ printableString: 'UN' }] },
    { [NameOids.ST]: [{ utf8String: 'FC' }] },
    { [NameOids.L]: [{ utf8String: 'Certmaster-town' }] },
    { [NameOids.O]: [{ utf8String: 'certmaster' }] },
    { [NameOids.OU]: [{ utf8String: 'slave-key' }] },
    { [NameOids.CN]: [{ utf8String: cn }] },
    { [NameOids.emailAddress]: [{ ia5String: `root@${cn}` }] },
  ]);
}

/** The commonName values of a name (usually exactly one). */
export function commonNames(name: x509.Name): string[] {
  return name.getField(NameOids.CN);
}
