// Paging through a finished job's result as text (jobs.tail_output with an offset), so a result too large for one
// reply (over max_reply_bytes) can still be read in pieces from the record kept on disk.
import type { WireValue } from '../transport/types.js';
import { wireToJson } from '../transport/wire-json.js';

/** Default and largest page, in characters (UTF-16 units). */
export const DEFAULT_PAGE_CHARS = 1024 * 1024;
export const MAX_PAGE_CHARS = 16 * 1024 * 1024;

/**
 * The text of a result that pages are cut from: a string as it is; a list (command.run's [rc, stdout, stderr])
 * as its items one per line, strings as they are and other values as JSON; anything else as JSON.
 */
export function resultText(value: WireValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  const json = (v: WireValue): string => JSON.stringify(wireToJson(v));
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : json(v))).join('\n');
  return json(value);
}

/**
 * [page, next offset] of `text` from character `offset`, at most `length` characters (clamped to 1..MAX_PAGE_CHARS),
 * never splitting a surrogate pair; next offset is -1 when the page reaches the end.
 */
export function pageOf(text: string, offset: number, length: number): [string, number] {
  const size = Math.max(1, Math.min(MAX_PAGE_CHARS, Math.floor(length)));
  const start = Math.min(Math.max(0, Math.floor(offset)), text.length);
  let end = Math.min(text.length, start + size);
  const last = text.charCodeAt(end - 1);
  if (end < text.length && end - 1 > start && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return [text.slice(start, end), end >= text.length ? -1 : end];
}
