// OpenSSL's X509_NAME_hash (what `openssl x509 -subject_hash` prints), computed from a certificate's
// subject: SHA-1 over the canonical encoding of its RDNs, first four bytes read little-endian.
// Only asn1js is used here (no X.509 library), loaded on the first hash: a command that only calls out (func)
// never loads it, so it starts faster.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Asn1 from 'asn1js';

let loaded: typeof Asn1 | null = null;
const asn1 = (): typeof Asn1 => (loaded ??= createRequire(import.meta.url)('asn1js') as typeof Asn1);

// string types OpenSSL canonicalises (ASN1_MASK_CANON), by universal tag number → how to read the bytes
const STRING_TAGS: Record<number, 'utf8' | 'latin1' | 'utf16be' | 'utf32be'> = {
  12: 'utf8',     // UTF8String
  19: 'latin1',   // PrintableString
  20: 'latin1',   // T61String
  22: 'latin1',   // IA5String
  26: 'latin1',   // VisibleString
  28: 'utf32be',  // UniversalString
  30: 'utf16be',  // BMPString
};

function decodeString(bytes: Uint8Array, how: 'utf8' | 'latin1' | 'utf16be' | 'utf32be'): string {
  const buf = Buffer.from(bytes);
  if (how === 'utf8' || how === 'latin1') return buf.toString(how);
  if (how === 'utf16be') return Buffer.from(buf).swap16().toString('utf16le');
  let s = '';
  for (let i = 0; i + 3 < buf.length; i += 4) s += String.fromCodePoint(buf.readUInt32BE(i));
  return s;
}

/** OpenSSL's asn1_string_canon on the UTF-8 bytes: trim, fold runs of whitespace, lower-case ASCII. */
function canonical(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);
  let start = 0;
  let end = bytes.length;
  while (start < end && isSpace(bytes[start]!)) start++;
  while (end > start && isSpace(bytes[end - 1]!)) end--;
  const out: number[] = [];
  for (let i = start; i < end;) {
    if (isSpace(bytes[i]!)) {
      out.push(0x20);
      while (i < end && isSpace(bytes[i]!)) i++;
    } else {
      const b = bytes[i++]!;
      out.push(b >= 0x41 && b <= 0x5a ? b + 32 : b);
    }
  }
  return Buffer.from(out);
}

/** The hash of a DER-encoded X.509 Name. */
export function nameHash(nameDer: ArrayBuffer | Uint8Array): number {
  const der = nameDer instanceof Uint8Array ? nameDer : new Uint8Array(nameDer);
  const parsed = asn1().fromBER(der);
  if (parsed.offset === -1) throw new Error(`cannot parse X.509 name: ${parsed.result.error}`);
  const rdns = (parsed.result as Asn1.Sequence).valueBlock.value as Asn1.Set[];
  const parts: Buffer[] = [];
  for (const rdn of rdns) {
    const avas = (rdn.valueBlock.value as Asn1.Sequence[]).map((ava) => {
      const [oid, value] = ava.valueBlock.value as [Asn1.ObjectIdentifier, Asn1.BaseBlock];
      const how = value.idBlock.tagClass === 1 ? STRING_TAGS[value.idBlock.tagNumber] : undefined;
      if (!how) return ava; // not a string type: kept as it is
      const raw = new Uint8Array((value.valueBlock as unknown as { valueHexView: Uint8Array }).valueHexView);
      const canon = canonical(decodeString(raw, how));
      const utf8 = new (asn1().Utf8String)();
      utf8.valueBlock.valueHexView = new Uint8Array(canon);
      return new (asn1().Sequence)({ value: [new (asn1().ObjectIdentifier)({ value: oid.valueBlock.toString() }), utf8] });
    });
    parts.push(Buffer.from(new (asn1().Set)({ value: avas }).toBER()));
  }
  const digest = createHash('sha1').update(Buffer.concat(parts)).digest();
  return digest.readUInt32LE(0);
}

function derOf(cert: string | Uint8Array): Uint8Array {
  if (typeof cert !== 'string') return cert;
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(cert);
  if (!m) throw new Error('no PEM certificate found');
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
}

/** The subject Name of a DER certificate, as parsed ASN.1 (tbsCertificate: [version], serial, alg, issuer, validity, subject). */
function subjectOf(der: Uint8Array): Asn1.Sequence {
  const parsed = asn1().fromBER(der);
  if (parsed.offset === -1) throw new Error(`cannot parse certificate: ${parsed.result.error}`);
  const tbs = ((parsed.result as Asn1.Sequence).valueBlock.value[0] as Asn1.Sequence).valueBlock.value;
  const hasVersion = tbs[0]!.idBlock.tagClass === 3 && tbs[0]!.idBlock.tagNumber === 0;
  return tbs[hasVersion ? 5 : 4] as Asn1.Sequence;
}

/** The subject hash of a certificate given as PEM or DER. */
export function subjectHash(cert: string | Uint8Array): number {
  return nameHash(new Uint8Array(subjectOf(derOf(cert)).toBER()));
}
