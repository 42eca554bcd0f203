// The CA directory (`cadir`): certmaster.key (0600), certmaster.crt and serial.txt, as the Python
// certmaster lays them out; creates the CA on first use and adopts an existing one (RSA PKCS#1 included).
import fs from 'node:fs/promises';
import path from 'node:path';
import { CaError } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import { createCaCertificate, parseCertificate } from './ca.js';
import { withCaLock } from './ca-lock.js';
import { readIfExists } from './files.js';
import { writeFileAtomic } from '../common/atomic-write.js';
import { generatePrivateKey, loadPrivateKey, type KeyType } from './keys.js';

/** The CA's key pair as PEM text. */
export interface CaMaterial {
  keyPem: string;
  certPem: string;
}

/** One CA directory and the files in it. */
export class CaDirectory {
  readonly keyFile: string;
  readonly certFile: string;
  readonly serialFile: string;
  /** the CRL (PEM, "X509 CRL") kept current by RevocationList */
  readonly crlFile: string;
  /** revoked serials, one "serial-hex ISO-date host" line each */
  readonly revokedFile: string;
  private material: CaMaterial | null = null;

  constructor(readonly dir: string) {
    this.keyFile = path.join(dir, 'certmaster.key');
    this.certFile = path.join(dir, 'certmaster.crt');
    this.serialFile = path.join(dir, 'serial.txt');
    this.crlFile = path.join(dir, 'certmaster.crl');
    this.revokedFile = path.join(dir, 'revoked.txt');
  }

  /** Runs `fn` holding this directory's lock. */
  locked<T>(fn: () => Promise<T>): Promise<T> {
    return withCaLock(this.dir, fn);
  }

  /**
   * Creates the CA (key of `keyType`, CN `<hostname>-CA-KEY`) when neither certmaster.key nor certmaster.crt
   * exists; an existing pair is adopted as it is. Returns true when it created one.
   */
  async ensure(keyType: KeyType, hostname: string, log: Logger = silentLogger): Promise<boolean> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o755 });
    return this.locked(async () => {
      const [key, cert] = await Promise.all([readIfExists(this.keyFile), readIfExists(this.certFile)]);
      if (key !== null && cert !== null) return false;
      if (key !== null || cert !== null) {
        const [have, missing] = key !== null ? [this.keyFile, this.certFile] : [this.certFile, this.keyFile];
        throw new CaError(`${have} exists but ${missing} does not: restore the missing file, or remove both to create a new CA`);
      }
      const keyPem = await generatePrivateKey(keyType);
      const certPem = await createCaCertificate(keyPem, hostname);
      await writeFileAtomic(this.keyFile, keyPem, { mode: 0o600 });
      await writeFileAtomic(this.certFile, certPem, { mode: 0o644 });
      log.info(`created certificate authority ${this.certFile} (${keyType} key, CN ${hostname}-CA-KEY)`);
      return true;
    });
  }

  /**
   * Reads and checks the CA key and certificate. They are read once and then kept, as the original
   * certmaster does: replacing the CA files needs a restart.
   */
  async read(): Promise<CaMaterial> {
    if (this.material) return this.material;
    const [keyPem, certPem] = await Promise.all([readIfExists(this.keyFile), readIfExists(this.certFile)]);
    if (keyPem === null || certPem === null) {
      throw new CaError(`no certificate authority in ${this.dir} (certmaster.key and certmaster.crt); start certmaster once to create it`);
    }
    loadPrivateKey(keyPem, `CA key ${this.keyFile}`);
    parseCertificate(certPem, `CA certificate ${this.certFile}`);
    this.material = { keyPem, certPem };
    return this.material;
  }

  /** The CA certificate's PEM text. */
  async certPem(): Promise<string> {
    return (await this.read()).certPem;
  }

  /**
   * Takes the next serial number from serial.txt (last number + "\n"; the first certificate gets 1).
   * Call it inside `locked()`. A serial.txt that is not a number is an error, never a silent restart at 1.
   */
  async nextSerial(): Promise<bigint> {
    const text = await readIfExists(this.serialFile);
    let last = 0n;
    if (text !== null && text.trim() !== '') {
      if (!/^\s*\d+\s*$/.test(text)) throw new CaError(`${this.serialFile} does not hold a serial number: ${JSON.stringify(text.slice(0, 40))}`);
      last = BigInt(text.trim());
    }
    const next = last + 1n;
    await writeFileAtomic(this.serialFile, `${next}\n`, { mode: 0o644 });
    return next;
  }
}
