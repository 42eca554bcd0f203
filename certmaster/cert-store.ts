// certmaster's on-disk store: pending CSRs in csrroot/<host>.csr, signed certificates in certroot/<host>.cert,
// the CA in cadir. The operations of certmaster-ca (list, sign, clean, revoke, …) as a library.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readCertmasterConf, type CertmasterConf } from '../common/config-files.js';
import { fnmatchToRegExp } from '../common/fnmatch.js';
import { CaError, CsrRefusedError } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import { FuncPaths, funcRoot, rooted } from '../common/paths.js';
import { subjectHash } from '../common/subject-hash.js';
import { pemFingerprint256, parseCertificate, refuseCaLookalike, signCsr } from './ca.js';
import { CaDirectory } from './ca-dir.js';
import { commonNames } from './subject.js';
import { parseCsr, type ParsedCsr } from './csr.js';
import { readIfExists, removeIfExists } from './files.js';
import { writeFileAtomic } from '../common/atomic-write.js';
import { checkHostName, hostNameProblem, MAX_HOST_NAME_LENGTH } from './host-name.js';

/** Longest file name on Linux file systems, in bytes. */
const NAME_MAX = 255;
import { parseKeyType } from './keys.js';
import { RevocationList } from './revocation.js';
import { runTriggers, type TriggerEvent, type TriggerPhase } from './triggers.js';

/** How to open a CertStore: which root and config, and where to log. */
export interface CertStoreOptions {
  /** FUNC_ROOT to resolve paths under (default: the FUNC_ROOT environment variable, else "/") */
  root?: string;
  /** certmaster.conf to read (default <root>/etc/certmaster/certmaster.conf) */
  configFile?: string;
  /** an already-read configuration (then configFile is not read) */
  conf?: CertmasterConf;
  log?: Logger;
  /** audit trail of signing, cleaning and revoking */
  audit?: Logger;
  /** host name for the CA's CN when the CA is created (default os.hostname()) */
  hostname?: string;
}

/** The matches of one host glob; `errors` holds hosts whose operation failed. */
export interface GlobResult<T> {
  pattern: string;
  matches: T[];
  errors: { host: string; error: Error }[];
}
/** A certificate just signed: its host, the CSR file it came from (if any), the cert file, serial and PEM. */
export interface SignedCert { host: string; csrFile: string | null; certFile: string; serial: bigint; certPem: string }
/** A revoked certificate: host, serial (hex) and the cert file that was removed. */
export interface RevokedCert { host: string; serial: string; certFile: string }
/** The SHA-256 fingerprint of one pending CSR or signed certificate. */
export interface Fingerprint { host: string; kind: 'csr' | 'cert'; file: string; sha256: string }

/** How many checked CSRs (by their text) are remembered. */
const CHECKED_CSR_CACHE = 512;

/** The CA's files and operations; open it with `CertStore.open()`, which creates the CA when needed. */
export class CertStore {
  readonly ca: CaDirectory;
  readonly revocations: RevocationList;
  readonly triggersDir: string;
  private readonly log: Logger;
  private readonly audit: Logger;
  private readonly checked = new Map<string, ParsedCsr>();

  private constructor(readonly conf: CertmasterConf, readonly root: string, options: CertStoreOptions) {
    this.ca = new CaDirectory(conf.cadir);
    this.revocations = new RevocationList(this.ca);
    this.triggersDir = rooted(FuncPaths.triggersDir, root);
    this.log = options.log ?? silentLogger;
    this.audit = options.audit ?? silentLogger;
  }

  /** Reads the configuration, creates the CA (first use) and the csrroot/certroot directories. */
  static async open(options: CertStoreOptions = {}): Promise<CertStore> {
    const root = options.root ?? funcRoot();
    const conf = options.conf ?? readCertmasterConf(root, options.configFile ?? rooted(FuncPaths.certmasterConf, root));
    const keyType = parseKeyType(conf.key_type, 'certmaster.conf [main] key_type');
    const store = new CertStore(conf, root, options);
    await store.ca.ensure(keyType, options.hostname ?? os.hostname(), store.log);
    await store.ca.read();
    await fs.mkdir(conf.csrroot, { recursive: true, mode: 0o755 });
    await fs.mkdir(conf.certroot, { recursive: true, mode: 0o755 });
    return store;
  }

  /** csrroot/<host>.csr (the host name is checked first, so the path never leaves csrroot). */
  csrPath(host: string): string {
    return path.join(this.conf.csrroot, `${checkHostName(host)}.csr`);
  }

  /** certroot/<host>.cert (checked like csrPath). */
  certPath(host: string): string {
    return path.join(this.conf.certroot, `${checkHostName(host)}.${this.conf.cert_extension}`);
  }

  async caCertPem(): Promise<string> {
    return this.ca.certPem();
  }

  /** Host names with a pending CSR, sorted. */
  async list(): Promise<string[]> {
    return namesWithExtension(this.conf.csrroot, '.csr');
  }

  /** Host names with a signed certificate, sorted; only those matching a glob when globs are given. */
  async listSigned(globs: string[] = []): Promise<string[]> {
    const names = await namesWithExtension(this.conf.certroot, `.${this.conf.cert_extension}`);
    if (globs.length === 0) return names;
    return [...new Set(globs.flatMap((g) => matchHosts(names, g)))].sort();
  }

  /** `<CN>-<decimal subject hash>` of each signed certificate (func's identity of a host). */
  async certHashes(globs: string[] = []): Promise<string[]> {
    const out: string[] = [];
    for (const host of await this.listSigned(globs)) {
      const pem = await readIfExists(this.certPath(host));
      if (pem === null) continue;
      const cn = commonNames(parseCertificate(pem, this.certPath(host)).subjectName)[0] ?? host;
      out.push(`${cn}-${subjectHash(pem)}`);
    }
    return out;
  }

  /** The stored certificate of a host, or null. */
  async readCert(host: string): Promise<string | null> {
    return readIfExists(this.certPath(host));
  }

  /** The pending CSR text of a host, or null. */
  async readCsr(host: string): Promise<string | null> {
    return readIfExists(this.csrPath(host));
  }

  /**
   * Checks an untrusted CSR text (size, signature, CN) and refuses one that imitates the CA. Minions send
   * the same CSR again and again while they wait, so CSRs that passed are remembered by their text.
   */
  async checkCsr(text: string): Promise<ParsedCsr> {
    let csr = this.checked.get(text);
    if (csr) {
      this.checked.delete(text); // re-insert: most recently used last
    } else {
      csr = await parseCsr(text, this.conf.max_csr_bytes, { allowWeakKeys: this.conf.allow_weak_keys });
      this.refuseUnstorable(csr.cn);
      if (this.checked.size >= CHECKED_CSR_CACHE) this.checked.delete(this.checked.keys().next().value!);
    }
    this.checked.set(text, csr);
    refuseCaLookalike(csr, await this.caCertPem());
    return csr;
  }

  /** The longest host name whose files (<host>.csr, <host>.<cert_extension>) fit a file name (255 bytes). */
  get maxStorableHostName(): number {
    return Math.min(MAX_HOST_NAME_LENGTH, NAME_MAX - 1 - Math.max('csr'.length, Buffer.byteLength(this.conf.cert_extension)));
  }

  /** Refuses, before anything is signed or a serial used, a host name too long to be stored as a file name. */
  private refuseUnstorable(host: string): void {
    const max = this.maxStorableHostName;
    if (Buffer.byteLength(host) > max) {
      throw new CsrRefusedError(`host name of ${host.length} characters is too long: this CA stores host names of at most ${max} characters `
        + `(its files are named <host>.${this.conf.cert_extension})`);
    }
  }

  /** Stores a checked CSR as pending (csrroot/<host>.csr, 0644). */
  async storeCsr(csr: ParsedCsr): Promise<string> {
    const file = this.csrPath(csr.cn);
    await writeFileAtomic(file, csr.pem, { mode: 0o644 });
    this.audit.info(`request stored for ${csr.cn} (CSR sha256 ${pemFingerprint256(csr.pem)})`);
    return file;
  }

  /** Runs the trigger scripts of an event for a host. */
  async trigger(event: TriggerEvent, phase: TriggerPhase, host: string): Promise<void> {
    await runTriggers(this.triggersDir, event, phase, host, this.log);
  }

  /**
   * Signs a checked CSR: sign/pre triggers, then (holding the CA lock) the next serial and the certificate
   * written to certroot, the pending CSR removed, sign/post triggers.
   */
  async signRequest(csr: ParsedCsr, options: { withTriggers?: boolean } = {}): Promise<SignedCert> {
    const withTriggers = options.withTriggers ?? true;
    if (withTriggers) await this.trigger('sign', 'pre', csr.cn);
    const certFile = this.certPath(csr.cn);
    const { serial, certPem } = await this.ca.locked(async () => {
      const { keyPem, certPem: caCertPem } = await this.ca.read();
      refuseCaLookalike(csr, caCertPem);
      const serial = await this.ca.nextSerial();
      const pem = await signCsr({ csr, caKeyPem: keyPem, caCertPem, serial });
      await writeFileAtomic(certFile, pem, { mode: 0o644 });
      return { serial, certPem: pem };
    });
    const csrFile = this.csrPath(csr.cn);
    const hadCsr = await removeIfExists(csrFile);
    this.log.info(`signed ${csr.cn}: ${certFile} (serial ${serial})`);
    this.audit.info(`signed ${csr.cn} serial ${serial} sha256 ${pemFingerprint256(certPem)}`);
    if (withTriggers) await this.trigger('sign', 'post', csr.cn);
    return { host: csr.cn, csrFile: hadCsr ? csrFile : null, certFile, serial, certPem };
  }

  /** Signs the pending CSRs matching each glob (certmaster-ca --sign). */
  async sign(globs: string[]): Promise<GlobResult<SignedCert>[]> {
    const pending = await this.list();
    return eachMatch(globs, pending, async (host) => {
      const text = await readIfExists(this.csrPath(host));
      if (text === null) throw new CaError(`${this.csrPath(host)} disappeared before it could be signed`);
      const csr = await this.checkCsr(text);
      if (csr.cn !== host) throw new CaError(`${this.csrPath(host)} holds a request for "${csr.cn}", not "${host}"`);
      return this.signRequest(csr);
    });
  }

  /** Deletes the CSRs and certificates matching each glob, with remove triggers (certmaster-ca --clean). */
  async clean(globs: string[]): Promise<GlobResult<{ host: string; files: string[] }>[]> {
    const names = [...new Set([...(await this.list()), ...(await this.listSigned())])].sort();
    return eachMatch(globs, names, async (host) => {
      await this.trigger('remove', 'pre', host);
      const files = [];
      for (const file of [this.csrPath(host), this.certPath(host)]) if (await removeIfExists(file)) files.push(file);
      this.log.info(`cleaned out ${files.join(', ')} for ${host}`);
      this.audit.info(`cleaned ${host}`);
      await this.trigger('remove', 'post', host);
      return { host, files };
    });
  }

  /** Revokes the signed certificates matching each glob: CRL updated, cert deleted, remove triggers. */
  async revoke(globs: string[]): Promise<GlobResult<RevokedCert>[]> {
    return eachMatch(globs, await this.listSigned(), async (host) => {
      const certFile = this.certPath(host);
      const pem = await readIfExists(certFile);
      if (pem === null) throw new CaError(`${certFile} disappeared before it could be revoked`);
      const serial = parseCertificate(pem, certFile).serialNumber.toLowerCase();
      await this.trigger('remove', 'pre', host);
      await this.ca.locked(() => this.revocations.add(serial, host));
      await removeIfExists(certFile);
      this.log.info(`revoked ${host} (serial ${serial}); CRL ${this.ca.crlFile} updated`);
      this.audit.info(`revoked ${host} serial ${serial}`);
      await this.trigger('remove', 'post', host);
      return { host, serial, certFile };
    });
  }

  /** SHA-256 fingerprints of the pending CSRs and signed certificates matching each glob. */
  async fingerprints(globs: string[]): Promise<GlobResult<Fingerprint>[]> {
    const entries: Fingerprint[] = [];
    for (const [kind, names] of [['csr', await this.list()], ['cert', await this.listSigned()]] as const) {
      for (const host of names) {
        const file = kind === 'csr' ? this.csrPath(host) : this.certPath(host);
        const pem = await readIfExists(file);
        if (pem !== null) entries.push({ host, kind, file, sha256: pemFingerprint256(pem) });
      }
    }
    return globs.map((pattern) => {
      const hosts = new Set(matchHosts(entries.map((e) => e.host), pattern));
      return { pattern, matches: entries.filter((e) => hosts.has(e.host)), errors: [] };
    });
  }

  /** Re-signs the CRL when it is missing or old (the daemon calls this at start and periodically). */
  async refreshCrl(): Promise<boolean> {
    return this.ca.locked(() => this.revocations.refreshIfStale());
  }
}

/** The names (sorted) matching a host glob, as Python's glob on POSIX matches them (case-sensitive). */
function matchHosts(names: readonly string[], pattern: string): string[] {
  const re = fnmatchToRegExp(pattern);
  return names.filter((n) => re.test(n)).sort();
}

/** The host names of the files in `dir` ending in `ext`, sorted; files that are not `<safe host name><ext>` are ignored. */
async function namesWithExtension(dir: string, ext: string): Promise<string[]> {
  const files = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  return files.filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length)).filter((h) => hostNameProblem(h) === null).sort();
}

/** Applies `fn` to every name matching each glob, collecting results and per-host errors. */
async function eachMatch<T>(globs: string[], names: string[], fn: (host: string) => Promise<T>): Promise<GlobResult<T>[]> {
  const results: GlobResult<T>[] = [];
  for (const pattern of globs) {
    const result: GlobResult<T> = { pattern, matches: [], errors: [] };
    for (const host of matchHosts(names, pattern)) {
      try {
        result.matches.push(await fn(host));
      } catch (error) {
        result.errors.push({ host, error: error as Error });
      }
    }
    results.push(result);
  }
  return results;
}
