// Shell-style wildcard matching as Python's fnmatch does it (*, ?, [seq], [!seq]), compiled to RegExp.
// Used by minion ACLs (case-sensitive, like fnmatch on POSIX) and overlord host globs (case-insensitive).

/** Options of a compiled pattern. */
export interface FnmatchOptions {
  /** match regardless of case (func's host globbing uses fnmatch → regex with IGNORECASE) */
  ignoreCase?: boolean;
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|\/-]/g;

function escapeChar(c: string): string {
  return c.replace(REGEX_SPECIAL, '\\$&');
}

/** Reads the bracket expression starting at pattern[start] === '['; null when it has no closing ']'. */
function readBracket(pattern: string, start: number): { source: string; end: number } | null {
  let i = start + 1;
  let negate = false;
  if (pattern[i] === '!') { negate = true; i++; }
  const first = i;
  // a ']' right after '[' or '[!' is a literal member, as in Python
  if (pattern[i] === ']') i++;
  while (i < pattern.length && pattern[i] !== ']') i++;
  if (i >= pattern.length) return null;
  const members = classMembers(pattern.slice(first, i));
  if (members === '') return { source: negate ? '[\\s\\S]' : '(?!)', end: i + 1 };
  return { source: `[${negate ? '^' : ''}${members}]`, end: i + 1 };
}

/** The members of a bracket expression as RegExp class text; reversed ranges are dropped (Python 3). */
function classMembers(body: string): string {
  let out = '';
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (i + 2 < body.length && body[i + 1] === '-') {
      const hi = body[i + 2]!;
      if (c <= hi) out += `${escapeChar(c)}-${escapeChar(hi)}`;
      i += 3;
    } else {
      out += escapeChar(c);
      i++;
    }
  }
  return out;
}

/** The RegExp source (without anchors) for a glob. */
export function fnmatchSource(pattern: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '*') {
      out += '[\\s\\S]*';
      while (pattern[i] === '*') i++;
      continue;
    }
    if (c === '?') { out += '[\\s\\S]'; i++; continue; }
    if (c === '[') {
      const bracket = readBracket(pattern, i);
      if (bracket) { out += bracket.source; i = bracket.end; continue; }
    }
    out += escapeChar(c);
    i++;
  }
  return out;
}

/** Compiles a glob into an anchored RegExp that matches whole strings only. */
export function fnmatchToRegExp(pattern: string, options: FnmatchOptions = {}): RegExp {
  return new RegExp(`^(?:${fnmatchSource(pattern)})$`, options.ignoreCase ? 'i' : '');
}

/** True when `name` matches the glob `pattern` (compiles the pattern; compile once for hot paths). */
export function fnmatch(name: string, pattern: string, options: FnmatchOptions = {}): boolean {
  return fnmatchToRegExp(pattern, options).test(name);
}

/** True when the text contains a wildcard character (func's "is this a glob?" test: *, ? or [). */
export function hasGlobChars(text: string): boolean {
  return /[*?[]/.test(text);
}
