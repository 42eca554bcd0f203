// Message signatures (docs/amqp-protocol.md §5): the sender signs the exact body bytes with its certmaster-issued
// key (ECDSA P-256 or RSA, SHA-256, DER); the receiver checks the carried certificate against CA + CRL once per
// fingerprint (cached), then one signature check per message; freshness of the signed sent/expires times.
import crypto, { X509Certificate, type KeyObject } from 'node:crypto';
import { CertificateNotSignedError, CertificateRevokedError, ConfigError } from '../../common/errors.js';
import { peerIdentity } from '../../common/tls.js';
import type { PeerIdentity } from '../types.js';
import { MessageRejectedError, RejectReasons } from './rejection.js';

/** The AMQP header names of the signature scheme. */
export const SignatureHeaders = {
  /** base64 of the DER signature over the body bytes */
  SIGNATURE: 'x-func-signature',
  /** base64 of the signer's DER certificate */
  CERT: 'x-func-cert',
} as const;

/** Signs bodies with one key pair; its certificate travels with every message. */
export class MessageSigner {
  private readonly key: KeyObject;
  private readonly certB64: string;
  /** the signer's certificate identity (CN, subject hash, ACL key, fingerprint) */
  readonly identity: Omit<PeerIdentity, 'address'>;

  constructor(keyPem: string, certPem: string) {
    let cert: X509Certificate;
    try {
      this.key = crypto.createPrivateKey(keyPem);
      cert = new X509Certificate(certPem);
    } catch (err) {
      throw new ConfigError(`AMQP signing: cannot read the key or certificate: ${(err as Error).message}`, { cause: err });
    }
    if (!cert.checkPrivateKey(this.key)) throw new ConfigError(`AMQP signing: the key does not belong to the certificate of ${cert.subject}`);
    this.certB64 = cert.raw.toString('base64');
    const { address: _, ...identity } = peerIdentity({ raw: cert.raw }, '');
    this.identity = identity;
  }

  /** The two signature headers for `body`. */
  sign(body: Uint8Array): Record<string, string> {
    const signature = crypto.sign('sha256', body, { key: this.key, dsaEncoding: 'der' });
    return { [SignatureHeaders.SIGNATURE]: signature.toString('base64'), [SignatureHeaders.CERT]: this.certB64 };
  }
}

/** The trust anchor of a verifier: the CA certificate and its CRL (PEM). */
export interface TrustMaterial { ca: string; crl?: string | undefined }

/**
 * A certificate that passed the checks: its CN at once, its full identity (OpenSSL subject hash for the ACL key)
 * computed on first use only — a minion needs it for every caller, an overlord never does.
 */
export class VerifiedSigner {
  private full: Omit<PeerIdentity, 'address'> | undefined;
  private asPeer: PeerIdentity | undefined;
  constructor(readonly cn: string, readonly key: KeyObject, readonly notBefore: number, readonly notAfter: number, private readonly raw: Buffer) {}

  /** CN, subject hash, ACL key and fingerprint, as over TLS. */
  get identity(): Omit<PeerIdentity, 'address'> {
    if (this.full === undefined) {
      const { address: _, ...id } = peerIdentity({ raw: this.raw }, '');
      this.full = id;
    }
    return this.full;
  }

  /**
   * The caller as the minion's handler sees it: one object per signer, so what is cached per caller (the audit
   * log's line prefix) is computed once, not per call.
   */
  get peer(): PeerIdentity {
    this.asPeer ??= { ...this.identity, address: 'amqp' };
    return this.asPeer;
  }
}

/** How long a message may be valid, and how far clocks may disagree. */
export interface FreshnessRules { maxSkewMs: number; maxLifetimeMs: number }
export const DEFAULT_FRESHNESS: Readonly<FreshnessRules> = Object.freeze({ maxSkewMs: 60_000, maxLifetimeMs: 24 * 3600_000 });

/** Verifies signed bodies; certificates already checked against the current CA and CRL are cached by fingerprint. */
export class SignatureVerifier {
  private ca!: X509Certificate;
  private revoked = new Set<string>();
  private readonly known = new Map<string, VerifiedSigner>();

  private constructor(private readonly cacheSize: number) {}

  /** Builds a verifier; a CRL that is unreadable or not signed by the CA is a ConfigError. */
  static async create(trust: TrustMaterial, cacheSize = 4096): Promise<SignatureVerifier> {
    const v = new SignatureVerifier(cacheSize);
    await v.setTrust(trust);
    return v;
  }

  /** Replaces CA and CRL (e.g. the CRL file changed); forgets every cached certificate. */
  async setTrust(trust: TrustMaterial): Promise<void> {
    let ca: X509Certificate;
    try { ca = new X509Certificate(trust.ca); } catch (err) {
      throw new ConfigError(`AMQP: cannot read the CA certificate: ${(err as Error).message}`, { cause: err });
    }
    const revoked = trust.crl ? await revokedSerials(trust.crl, trust.ca) : new Set<string>();
    this.ca = ca;
    this.revoked = revoked;
    this.known.clear();
  }

  /**
   * The signer of `body`, after checking certificate (chain, validity, CRL) and signature.
   * Throws MessageRejectedError with reason unsigned, untrusted-certificate, revoked-certificate or bad-signature.
   */
  verify(body: Uint8Array, headers: Record<string, unknown> | undefined, now = Date.now()): VerifiedSigner {
    const sig = headers?.[SignatureHeaders.SIGNATURE];
    const cert = headers?.[SignatureHeaders.CERT];
    if (typeof sig !== 'string' || typeof cert !== 'string' || sig === '' || cert === '') {
      throw new MessageRejectedError(RejectReasons.UNSIGNED, `headers ${SignatureHeaders.SIGNATURE} and ${SignatureHeaders.CERT} are required`);
    }
    const signer = this.signer(cert, now);
    let good = false;
    try {
      good = crypto.verify('sha256', body, { key: signer.key, dsaEncoding: 'der' }, Buffer.from(sig, 'base64'));
    } catch { /* a malformed signature is a bad one */ }
    if (!good) throw new MessageRejectedError(RejectReasons.SIGNATURE, `the signature of ${signer.cn} does not match the body`);
    return signer;
  }

  private signer(certB64: string, now: number): VerifiedSigner {
    let s = this.known.get(certB64);
    if (s === undefined) {
      s = this.check(certB64);
      if (this.known.size >= this.cacheSize) this.known.delete(this.known.keys().next().value!);
      this.known.set(certB64, s);
    }
    if (now < s.notBefore || now > s.notAfter) {
      throw new MessageRejectedError(RejectReasons.UNTRUSTED, `the certificate of ${s.cn} is not valid now`,
        { cause: new CertificateNotSignedError(`certificate of ${s.cn} is outside its validity period`) });
    }
    return s;
  }

  /** First sight of a certificate: parse, chain to the CA, CRL. */
  private check(certB64: string): VerifiedSigner {
    let cert: X509Certificate;
    try { cert = new X509Certificate(Buffer.from(certB64, 'base64')); } catch (err) {
      throw new MessageRejectedError(RejectReasons.UNTRUSTED, `the ${SignatureHeaders.CERT} header is not a DER certificate`, { cause: err });
    }
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? '';
    if (!cert.checkIssued(this.ca) || !cert.verify(this.ca.publicKey)) {
      throw new MessageRejectedError(RejectReasons.UNTRUSTED, `the certificate of ${cn} is not signed by this CA`,
        { cause: new CertificateNotSignedError(`certificate of ${cn} (${cert.fingerprint256}) is not signed by ${this.ca.subject.replace(/\n/g, ', ')}`) });
    }
    if (this.revoked.has(normalSerial(cert.serialNumber))) {
      throw new MessageRejectedError(RejectReasons.REVOKED, `the certificate of ${cn} is revoked`,
        { cause: new CertificateRevokedError(`certificate of ${cn} (serial ${cert.serialNumber}) is revoked`) });
    }
    return new VerifiedSigner(cn, cert.publicKey, Date.parse(cert.validFrom), Date.parse(cert.validTo), cert.raw);
  }
}

/**
 * Checks the signed times of a message: not from the future (beyond the skew), not expired, and not valid for
 * longer than the lifetime limit. Throws MessageRejectedError (future-dated, expired, lifetime-too-long).
 */
export function checkFreshness(sent: number, expires: number, now = Date.now(), rules: FreshnessRules = DEFAULT_FRESHNESS): void {
  if (sent > now + rules.maxSkewMs) throw new MessageRejectedError(RejectReasons.FUTURE, `sent ${new Date(sent).toISOString()} is in the future (now ${new Date(now).toISOString()})`);
  if (expires <= now) throw new MessageRejectedError(RejectReasons.EXPIRED, `expired at ${new Date(expires).toISOString()}`);
  if (expires - sent > rules.maxLifetimeMs) throw new MessageRejectedError(RejectReasons.LIFETIME, `valid for ${expires - sent} ms, longer than the limit of ${rules.maxLifetimeMs} ms`);
}

/** Serials as lower-case hex without leading zeros. */
function normalSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

/** The revoked serials of a CRL, after checking that the CA signed it. */
async function revokedSerials(crlPem: string, caPem: string): Promise<Set<string>> {
  const out = new Set<string>();
  const blocks = crlPem.match(/-----BEGIN (?:X509 )?CRL-----[\s\S]+?-----END (?:X509 )?CRL-----/g) ?? [];
  if (blocks.length === 0) throw new ConfigError('AMQP: the CRL holds no "BEGIN X509 CRL" block');
  const { x509 } = await import('../../common/x509.js'); // the X.509 library loads only when there is a CRL
  const ca = new x509.X509Certificate(caPem);
  for (const block of blocks) {
    let crl: InstanceType<typeof x509.X509Crl>;
    try { crl = new x509.X509Crl(block.replace(/-----(BEGIN|END) X509 CRL-----/g, '-----$1 CRL-----')); } catch (err) {
      throw new ConfigError(`AMQP: cannot read the CRL: ${(err as Error).message}`, { cause: err });
    }
    if (!await crl.verify({ publicKey: ca })) throw new ConfigError('AMQP: the CRL is not signed by the CA');
    for (const e of crl.entries) out.add(normalSerial(e.serialNumber));
  }
  return out;
}
