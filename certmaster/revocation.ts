// Revocation: the list of revoked serials in <cadir>/revoked.txt and the CRL <cadir>/certmaster.crl made
// from it, re-signed with a fresh thisUpdate/nextUpdate on every revoke and whenever it grows old.
import { CaError } from '../common/errors.js';
import type { CaDirectory } from './ca-dir.js';
import { createCrl, parseCrl, type RevokedEntry } from './crl.js';
import { readIfExists } from './files.js';
import { writeFileAtomic } from '../common/atomic-write.js';

/** How long a CRL is valid; the daemon re-signs it when less than half of this is left. */
export const CRL_VALIDITY_DAYS = 90;
const DAY_MS = 24 * 3600 * 1000;

/** One line of revoked.txt. */
export interface RevokedRecord extends RevokedEntry {
  host: string;
}

function parseLine(line: string, file: string, n: number): RevokedRecord {
  const [serial, date, host] = line.trim().split(/\s+/);
  const when = new Date(date ?? '');
  if (!serial || !/^[0-9a-f]+$/.test(serial) || Number.isNaN(when.getTime())) {
    throw new CaError(`${file}:${n}: expected "<serial hex> <ISO date> <host>", got ${JSON.stringify(line)}`);
  }
  return { serial, revocationDate: when, host: host ?? '' };
}

/** The revoked serials of one CA and its CRL. Mutating calls must run inside `ca.locked()`. */
export class RevocationList {
  constructor(private readonly ca: CaDirectory) {}

  /** Every revoked certificate recorded so far. */
  async records(): Promise<RevokedRecord[]> {
    const text = (await readIfExists(this.ca.revokedFile)) ?? '';
    return text.split('\n').flatMap((line, i) => (line.trim() === '' ? [] : [parseLine(line, this.ca.revokedFile, i + 1)]));
  }

  /** Records a serial as revoked (once) and re-signs the CRL. */
  async add(serialHex: string, host: string, now = new Date()): Promise<void> {
    const serial = serialHex.toLowerCase().replace(/^0+(?=.)/, '');
    const records = await this.records();
    if (!records.some((r) => r.serial.replace(/^0+(?=.)/, '') === serial)) {
      records.push({ serial: serial.length % 2 ? `0${serial}` : serial, revocationDate: now, host });
      const text = records.map((r) => `${r.serial} ${r.revocationDate.toISOString()} ${r.host}\n`).join('');
      await writeFileAtomic(this.ca.revokedFile, text, { mode: 0o644 });
    }
    await this.regenerate(now);
  }

  /** Writes a freshly signed CRL of all recorded serials, valid from `now` for CRL_VALIDITY_DAYS. */
  async regenerate(now = new Date()): Promise<string> {
    const { keyPem, certPem } = await this.ca.read();
    const pem = await createCrl({
      caKeyPem: keyPem, caCertPem: certPem, revoked: await this.records(),
      thisUpdate: now, nextUpdate: new Date(now.getTime() + CRL_VALIDITY_DAYS * DAY_MS),
    });
    await writeFileAtomic(this.ca.crlFile, pem, { mode: 0o644 });
    return pem;
  }

  /** Re-signs the CRL when it is missing, unreadable or past half its validity; true when it did. */
  async refreshIfStale(now = new Date()): Promise<boolean> {
    const pem = await readIfExists(this.ca.crlFile);
    if (pem !== null) {
      try {
        const next = parseCrl(pem).nextUpdate;
        if (next && next.getTime() - now.getTime() > (CRL_VALIDITY_DAYS / 2) * DAY_MS) return false;
      } catch { /* unreadable: rewrite it */ }
    }
    await this.regenerate(now);
    return true;
  }
}
