// The rule for a minion's host name on the CA side: it becomes a file name in csrroot/certroot, so only
// characters that are safe there are allowed (a fix of func-compat.md §10.1; the original only drops / and \).
import net from 'node:net';
import { CsrInvalidError } from '../common/errors.js';
import { clip } from '../common/log.js';

/** Longest host name accepted (a DNS name's limit). */
export const MAX_HOST_NAME_LENGTH = 253;

const ALLOWED = /^[A-Za-z0-9._-]+$/;
const RULE = 'allowed: letters, digits, ".", "_" and "-", not starting with "." or "-", no "..", at most 253 characters';

/** Says why `name` is not a safe host name, or returns null when it is. */
export function hostNameProblem(name: string): string | null {
  if (name.length === 0) return 'it is empty';
  if (name.length > MAX_HOST_NAME_LENGTH) return `it is ${name.length} characters long`;
  const bad = [...name].find((c) => !ALLOWED.test(c));
  if (bad !== undefined) return `it contains ${describeChar(bad)}`;
  if (name.startsWith('.') || name.startsWith('-')) return `it starts with "${name[0]}"`;
  if (name.includes('..')) return 'it contains ".."';
  return null;
}

function describeChar(c: string): string {
  const code = c.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f) return code === 0 ? 'a NUL character' : `the control character U+${code.toString(16).padStart(4, '0')}`;
  return JSON.stringify(c);
}

/**
 * Throws CsrInvalidError when `name` (a CSR's common name) cannot be used as a host/file name.
 * @param what how to name the value in the message, e.g. 'CSR common name'
 */
export function checkHostName(name: string, what = 'host name'): string {
  const problem = hostNameProblem(name);
  if (problem) throw new CsrInvalidError(`${what} ${JSON.stringify(clip(name, 300))} is not a safe host name: ${problem} (${RULE})`);
  return name;
}

/** True when the host name is an IPv4 or IPv6 address (the certificate then carries an IP subjectAltName). */
export function isIpAddress(name: string): boolean {
  return net.isIP(name) !== 0;
}
