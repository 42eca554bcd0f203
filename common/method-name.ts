// func-ts's one rule on the length of a method name from any caller (issue 8): over 256 bytes it is refused before
// anything else (before the ACL, before any log line), by the minion and by every transport that sees it early.
import { ProtocolError } from './errors.js';

/** The longest method name accepted, in UTF-8 bytes (func's are under 64). */
export const MAX_METHOD_NAME_BYTES = 256;

/** Throws ProtocolError "‹prefix›method name longer than 256 bytes refused" for a longer name. */
export function refuseLongMethodName(name: string, prefix = ''): void {
  // a name of more than 256 UTF-16 units has more than 256 bytes: the cheap test first (names can be 15 MB)
  if (name.length > MAX_METHOD_NAME_BYTES || Buffer.byteLength(name) > MAX_METHOD_NAME_BYTES) {
    throw new ProtocolError(`${prefix}method name longer than ${MAX_METHOD_NAME_BYTES} bytes refused`);
  }
}
