// A minion's enrollment (certmaster-request, and funcd at start-up): key and CSR in cert_dir, then
// wait_for_cert against certmaster until signed, with retries and back-off, and the cert checked against the key.
import fs from 'node:fs/promises';
import path from 'node:path';
import { readCertmasterMinionConf, type CertmasterMinionConf } from '../common/config-files.js';
import { CaError, CertificateNotSignedError, ConnectionError, TimeoutError } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import { resolveMinionName } from '../common/minion-name.js';
import { funcRoot } from '../common/paths.js';
import { xmlrpcCall } from '../transport/xmlrpc/client.js';
import { certIssuedBy, certMatchesKey, pemFingerprint256 } from './ca.js';
import { createCsr, csrMatchesKey } from './csr.js';
import { readIfExists } from './files.js';
import { writeFileAtomic } from '../common/atomic-write.js';
import { checkHostName } from './host-name.js';
import { generatePrivateKey, parseKeyType } from './keys.js';

/** Why the requester is waiting before its next attempt. */
export interface WaitInfo {
  reason: 'pending' | 'unreachable';
  host: string;
  url: string;
  attempt: number;
  /** delay before the next attempt, in ms */
  retryInMs: number;
  /** SHA-256 of the CSR (compare with `certmaster-ca --fingerprint`) */
  csrFingerprint: string;
  error?: Error;
}

/** Options of requestCertificate(); the rest comes from <root>/etc/certmaster/minion.conf. */
export interface RequestCertificateOptions {
  /** FUNC_ROOT (default: the environment's) */
  root?: string;
  /** the minion's name (default: resolveMinionName, §7.5) */
  hostname?: string;
  /** overrides of /etc/certmaster/minion.conf */
  conf?: Partial<CertmasterMinionConf>;
  log?: Logger;
  onWait?: (info: WaitInfo) => void;
  /** overall limit in ms: 0 = a single attempt; absent = wait forever */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Where the enrolled minion's files are. */
export interface RequestCertificateResult {
  host: string;
  keyFile: string;
  certFile: string;
  caFile: string;
  /** number of wait_for_cert calls made (0 when the certificate was already there) */
  attempts: number;
}

/** Per-call deadline of one wait_for_cert (the original's socket timeout). */
const CALL_TIMEOUT_MS = 20000;
const MIN_CALL_TIMEOUT_MS = 2000;

interface Enrollee { host: string; url: string; keyFile: string; csrFile: string; certFile: string; caFile: string }

async function enrolleeFiles(options: RequestCertificateOptions, conf: CertmasterMinionConf): Promise<Enrollee> {
  const root = options.root ?? funcRoot();
  const host = checkHostName(
    await resolveMinionName(root, { override: options.hostname, certmaster: conf.certmaster, certmasterPort: conf.certmaster_port }),
    'minion name');
  const dir = conf.cert_dir;
  const file = (ext: string) => path.join(dir, `${host}.${ext}`);
  const hostPart = conf.certmaster.includes(':') ? `[${conf.certmaster}]` : conf.certmaster;
  return { host, url: `http://${hostPart}:${conf.certmaster_port}/`, keyFile: file('pem'), csrFile: file('csr'), certFile: file('cert'), caFile: path.join(dir, 'ca.cert') };
}

/** Creates the key (0600) and the CSR (0644) when absent; returns the CSR text and the key. */
async function ensureKeyAndCsr(e: Enrollee, conf: CertmasterMinionConf, log: Logger): Promise<{ keyPem: string; csrPem: string }> {
  await fs.mkdir(path.dirname(e.keyFile), { recursive: true, mode: 0o755 });
  let keyPem = await readIfExists(e.keyFile);
  if (keyPem === null) {
    keyPem = await generatePrivateKey(parseKeyType(conf.key_type, 'certmaster minion.conf [main] key_type'));
    await writeFileAtomic(e.keyFile, keyPem, { mode: 0o600 });
    log.info(`generated key ${e.keyFile}`);
  }
  let csrPem = await readIfExists(e.csrFile);
  if (csrPem === null || !csrMatchesKey(csrPem, keyPem)) {
    csrPem = await createCsr(keyPem, e.host);
    await writeFileAtomic(e.csrFile, csrPem, { mode: 0o644 });
    log.info(`wrote certificate request ${e.csrFile}`);
  }
  return { keyPem, csrPem };
}

function mismatch(host: string): CaError {
  return new CaError(`certificate does not match key (run certmaster-ca --clean ${host} first?)`);
}

/** One wait_for_cert call: the cert and CA PEM when signed, null when pending; unreachable → ConnectionError/TimeoutError. */
async function askOnce(e: Enrollee, csrPem: string, timeoutMs: number): Promise<{ cert: string; ca: string } | null> {
  const answer = await xmlrpcCall(e.url, 'wait_for_cert', [csrPem], { timeout: timeoutMs });
  if (!Array.isArray(answer) || answer.length !== 3 || typeof answer[0] !== 'boolean') {
    throw new CaError(`certmaster at ${e.url} gave an unexpected answer to wait_for_cert`);
  }
  const [signed, cert, ca] = answer;
  if (!signed) return null;
  if (typeof cert !== 'string' || typeof ca !== 'string' || !cert || !ca) throw new CaError(`certmaster at ${e.url} said "signed" without a certificate`);
  if (!certIssuedBy(cert, ca)) throw new CaError(`certmaster at ${e.url} returned a certificate that its CA certificate did not sign`);
  return { cert, ca };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => { clearTimeout(timer); reject(abortError(signal!)); };
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Settles like `p`, or rejects as soon as the signal aborts (a call in flight then ends on its own deadline). */
function untilAborted<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CertificateNotSignedError('certificate request aborted');
}

/**
 * Enrolls this minion with certmaster (func-compat.md §7.5): returns at once when `<host>.cert` and `ca.cert`
 * exist and match the key; otherwise makes key and CSR if needed and calls wait_for_cert until signed,
 * every retry_interval seconds growing ×1.5 up to retry_max_interval. Writes `<host>.cert` and `ca.cert` (0644).
 * Rejects with CertificateNotSignedError at the timeout, CaError when the certificate does not match the key,
 * FaultError when certmaster refuses the CSR, or the signal's reason when aborted.
 */
export async function requestCertificate(options: RequestCertificateOptions = {}): Promise<RequestCertificateResult> {
  const log = options.log ?? silentLogger;
  const conf = { ...readCertmasterMinionConf(options.root ?? funcRoot()), ...options.conf };
  const e = await enrolleeFiles(options, conf);
  const result = { host: e.host, keyFile: e.keyFile, certFile: e.certFile, caFile: e.caFile, attempts: 0 };
  const [haveKey, haveCert, haveCa] = await Promise.all([e.keyFile, e.certFile, e.caFile].map(readIfExists));
  if (haveKey && haveCert && haveCa) {
    if (!certMatchesKey(haveCert, haveKey)) throw mismatch(e.host);
    return result;
  }
  const { keyPem, csrPem } = await ensureKeyAndCsr(e, conf, log);
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let interval = Math.max(0.01, conf.retry_interval) * 1000;
  for (;;) {
    if (options.signal?.aborted) throw abortError(options.signal);
    result.attempts++;
    const signed = await attempt(e, csrPem, deadline, options, interval, result.attempts);
    if (signed) {
      if (!certMatchesKey(signed.cert, keyPem)) throw mismatch(e.host);
      await writeFileAtomic(e.certFile, signed.cert, { mode: 0o644 });
      await writeFileAtomic(e.caFile, signed.ca, { mode: 0o644 });
      log.info(`certificate for ${e.host} received from ${e.url}: ${e.certFile}`);
      return result;
    }
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), options.signal);
    interval = Math.min(interval * 1.5, Math.max(conf.retry_max_interval, conf.retry_interval) * 1000);
  }
}

/** One attempt: signed material, or null after reporting why it waits; throws when the time is up. */
async function attempt(
  e: Enrollee, csrPem: string, deadline: number, options: RequestCertificateOptions, interval: number, n: number,
): Promise<{ cert: string; ca: string } | null> {
  const log = options.log ?? silentLogger;
  // the last attempt at the deadline still gets a fair chance to be answered
  const callTimeout = Math.max(MIN_CALL_TIMEOUT_MS, Math.min(CALL_TIMEOUT_MS, deadline - Date.now()));
  let info: WaitInfo = { reason: 'pending', host: e.host, url: e.url, attempt: n, retryInMs: interval, csrFingerprint: pemFingerprint256(csrPem) };
  try {
    const signed = await untilAborted(askOnce(e, csrPem, callTimeout), options.signal);
    if (signed) return signed;
  } catch (err) {
    if (!(err instanceof ConnectionError || err instanceof TimeoutError)) throw err;
    info = { ...info, reason: 'unreachable', error: err };
  }
  const why = info.reason === 'pending'
    ? `certificate request for ${e.host} is pending at ${e.url} (CSR sha256 ${info.csrFingerprint}; sign it with: certmaster-ca --sign ${e.host})`
    : `certmaster at ${e.url} is unreachable: ${info.error?.message}`;
  if (Date.now() >= deadline) throw new CertificateNotSignedError(`no certificate for ${e.host} yet: ${why}`);
  log.warn(`${why}; next try in ${(interval / 1000).toFixed(1)} s`);
  options.onWait?.(info);
  return null;
}
