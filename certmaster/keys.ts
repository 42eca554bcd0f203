// Private keys for the CA and minions: generation (ECDSA P-256 or RSA-2048), loading any PEM form
// (PKCS#8, PKCS#1 "RSA PRIVATE KEY" as the Python certmaster wrote, SEC1) into WebCrypto signing keys.
import crypto, { type KeyObject, type webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { CaError, ConfigError } from '../common/errors.js';
import { subtle } from '../common/x509.js';

/** The key types certmaster makes: `ec` = ECDSA P-256 (default), `rsa` = RSA-2048. */
export type KeyType = 'ec' | 'rsa';

/** A private key ready for @peculiar/x509: the WebCrypto pair and the signature algorithm to use with it. */
export interface SigningKeys {
  privateKey: webcrypto.CryptoKey;
  publicKey: webcrypto.CryptoKey;
  /** SHA-256 with the key's algorithm */
  signingAlgorithm: webcrypto.Algorithm | webcrypto.EcdsaParams;
  /** 'rsa' or 'ec' */
  type: KeyType;
}

const generateKeyPair = promisify(crypto.generateKeyPair);

const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** Reads a `key_type` config value; anything but ec/rsa is a ConfigError naming the value. */
export function parseKeyType(value: string, where = 'key_type'): KeyType {
  const v = value.trim().toLowerCase();
  if (v === 'ec' || v === 'rsa') return v;
  throw new ConfigError(`${where}: expected "ec" or "rsa", got ${JSON.stringify(value)}`);
}

/** Generates a new private key and returns it as PKCS#8 PEM (without blocking the event loop). */
export async function generatePrivateKey(type: KeyType = 'ec'): Promise<string> {
  const pair = type === 'rsa'
    ? await generateKeyPair('rsa', { modulusLength: 2048 })
    : await generateKeyPair('ec', { namedCurve: 'prime256v1' });
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** Parses a PEM private key of any common form; a bad key is a CaError saying which file/role it was. */
export function loadPrivateKey(pem: string, what = 'private key'): KeyObject {
  try {
    return crypto.createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new CaError(`cannot read ${what}: ${(err as Error).message}`, { cause: err });
  }
}

/** Imports a PEM private key (any form) as a WebCrypto signing pair. Only RSA and NIST EC keys are supported. */
export async function importSigningKeys(pem: string, what = 'private key'): Promise<SigningKeys> {
  const key = loadPrivateKey(pem, what);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const spki = crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });
  let importAlg: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
  let signingAlgorithm: webcrypto.Algorithm | webcrypto.EcdsaParams;
  let type: KeyType;
  if (key.asymmetricKeyType === 'rsa') {
    importAlg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    signingAlgorithm = importAlg;
    type = 'rsa';
  } else if (key.asymmetricKeyType === 'ec' && CURVES[key.asymmetricKeyDetails?.namedCurve ?? '']) {
    importAlg = { name: 'ECDSA', namedCurve: CURVES[key.asymmetricKeyDetails!.namedCurve!]! };
    signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as webcrypto.EcdsaParams;
    type = 'ec';
  } else {
    throw new CaError(`${what}: unsupported key type ${key.asymmetricKeyType} (expected RSA or EC P-256/384/521)`);
  }
  const privateKey = await subtle.importKey('pkcs8', pkcs8, importAlg, false, ['sign']);
  const publicKey = await subtle.importKey('spki', spki, importAlg, true, ['verify']);
  return { privateKey, publicKey, signingAlgorithm, type };
}

/** The DER SubjectPublicKeyInfo of a private key, for comparing it with a certificate's key. */
export function publicKeyDer(privatePem: string): Buffer {
  return crypto.createPublicKey(loadPrivateKey(privatePem)).export({ type: 'spki', format: 'der' });
}
