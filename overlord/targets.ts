// Target expansion as func's Minions class does it (func-compat.md §4.1, §4.8): ";"-separated host globs
// matched case-insensitively against signed certs (+ peers), @group and @group:glob, exclusions, down hosts.
// Beyond func: "~regex" elements (or every element with the regex option) match names by full regex.
import fs from 'node:fs';
import { fnmatchToRegExp, hasGlobChars } from '../common/fnmatch.js';
import { ConfigError, TargetError } from '../common/errors.js';
import { GroupsFile } from './groups.js';
import { hostAliases } from './host-aliases.js';
import { compareHosts } from './outcome.js';

/** Where target names come from. */
export interface TargetSources {
  /** directory of signed certificates `<host>.<certExtension>` */
  readonly certroot: string;
  /** extra certificate directory searched too (certmaster's peerroot when peering is on) */
  readonly peerroot?: string;
  readonly certExtension: string;
  /** func's groups file (conf backend); absent → no groups */
  readonly groupsFile?: string;
  /** file of host names to skip, one per line, "#" comments */
  readonly hostDownList?: string;
  /** call names that match no certificate literally, as func's allow_unknown_minions */
  readonly allowUnknownMinions: boolean;
  /** a group backend other than "conf" is reported as a ConfigError when a group is used */
  readonly groupsBackend?: string;
  /** DNS names of a literal name (canonical name and aliases); default: hostAliases (DNS + reverse) */
  readonly resolveAliases?: (name: string) => Promise<string[]>;
  /** receives func's stderr notes (unreadable cert dir); default: ignored */
  readonly warn?: (message: string) => void;
}

/** Per-expansion choices. */
export interface ExpandOptions {
  /** a spec of hosts to leave out (same syntax as the target) */
  readonly exclude?: string;
  /** treat every non-group element as a regular expression */
  readonly regex?: boolean;
}

/** Expands target specs into host names. Reads the directories afresh for every expansion. */
export class TargetResolver {
  private indexed: { names: ReadonlySet<string>; index: Map<string, string[]> } | null = null;

  constructor(readonly sources: TargetSources) {}

  /** Every host with a signed (or peer) certificate, sorted. */
  knownHosts(): string[] {
    return [...(this.certNames() ?? [])].sort(compareHosts);
  }

  /** Hosts for spec minus exclusions, before down hosts are removed; [] when nothing matches. */
  async match(spec: string, options: ExpandOptions = {}): Promise<string[]> {
    const names = this.certNames();
    const included = await this.hostsFor(spec, names, options);
    if (options.exclude) {
      for (const h of await this.hostsFor(options.exclude, names, options)) included.delete(h);
    }
    return [...included].sort(compareHosts);
  }

  /** The hosts to call: match() without the down hosts. Throws TargetError when nothing is left. */
  async expand(spec: string, options: ExpandOptions = {}): Promise<string[]> {
    const down = this.downHosts();
    const hosts = (await this.match(spec, options)).filter((h) => !down.has(h));
    if (hosts.length === 0) throw new TargetError(`Can't find any minions matching "${spec}".`);
    return hosts;
  }

  /** Names listed in host_down_list. */
  downHosts(): Set<string> {
    const file = this.sources.hostDownList;
    if (!file) return new Set();
    let text: string;
    try { text = fs.readFileSync(file, 'utf8'); } catch { return new Set(); }
    return new Set(text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
  }

  private async hostsFor(spec: string, names: ReadonlySet<string> | null, options: ExpandOptions): Promise<Set<string>> {
    const out = new Set<string>();
    for (const raw of spec.split(';')) {
      const element = raw.trim();
      if (element === '') continue;
      const found = element.startsWith('@')
        ? await this.groupHosts(element.slice(1), names, options)
        : await this.elementHosts(element, names, options);
      for (const h of found) out.add(h);
    }
    return out;
  }

  /** `@g` → every member expanded through the cert dir; `@g:glob` → cert-dir matches that are members. */
  private async groupHosts(body: string, names: ReadonlySet<string> | null, options: ExpandOptions): Promise<Set<string>> {
    const groups = this.loadGroups();
    const colon = body.indexOf(':');
    const group = colon === -1 ? body : body.slice(0, colon);
    const members = groups.members(group);
    if (colon === -1) {
      const out = new Set<string>();
      for (const m of members) for (const h of await this.elementHosts(m, names, {})) out.add(h);
      return out;
    }
    const memberSet = new Set(members);
    const matched = await this.elementHosts(body.slice(colon + 1), names, options);
    return new Set([...matched].filter((h) => memberSet.has(h.toLowerCase())));
  }

  private loadGroups(): GroupsFile {
    const backend = this.sources.groupsBackend ?? 'conf';
    if (backend !== 'conf') {
      throw new ConfigError(`overlord.conf backend = ${backend}: only the "conf" groups backend is supported`);
    }
    return this.sources.groupsFile ? GroupsFile.load(this.sources.groupsFile) : new GroupsFile('');
  }

  private async elementHosts(element: string, names: ReadonlySet<string> | null, options: ExpandOptions): Promise<Set<string>> {
    if (names === null) return new Set(this.sources.allowUnknownMinions ? [element] : []);
    const isRegex = options.regex === true || element.startsWith('~');
    if (!isRegex && !hasGlobChars(element)) {
      // a plain name: one lookup instead of a scan (group files list hundreds of them)
      const hit = this.lowerIndex(names).get(element.toLowerCase());
      return hit !== undefined ? new Set(hit) : this.literalHosts(element, names);
    }
    const re = isRegex ? compileRegex(element.startsWith('~') ? element.slice(1) : element)
      : fnmatchToRegExp(element, { ignoreCase: true });
    return new Set([...names].filter((n) => re.test(n)));
  }

  /** Lower-cased name → the names on disk (several when they differ only in case); built once per name set. */
  private lowerIndex(names: ReadonlySet<string>): Map<string, string[]> {
    if (this.indexed?.names === names) return this.indexed.index;
    const index = new Map<string, string[]>();
    for (const n of names) {
      const k = n.toLowerCase();
      index.set(k, [...(index.get(k) ?? []), n]);
    }
    this.indexed = { names, index };
    return index;
  }

  /** A literal name without a cert: try its DNS names, then allow_unknown_minions. */
  private async literalHosts(element: string, names: ReadonlySet<string>): Promise<Set<string>> {
    const resolve = this.sources.resolveAliases ?? hostAliases;
    const index = this.lowerIndex(names);
    const found = new Set<string>();
    for (const alias of await resolve(element)) for (const hit of index.get(alias.toLowerCase()) ?? []) found.add(hit);
    if (found.size === 0 && this.sources.allowUnknownMinions) found.add(element);
    return found;
  }

  /** Host names from the cert directories; null when certroot cannot be read. */
  private certNames(): Set<string> | null {
    const suffix = `.${this.sources.certExtension}`;
    const out = new Set<string>();
    const dirs = [this.sources.certroot, this.sources.peerroot].filter((d): d is string => !!d);
    for (const [i, dir] of dirs.entries()) {
      let entries: string[];
      try {
        entries = fs.readdirSync(dir);
      } catch {
        if (i > 0) continue; // a missing peerroot is normal
        if (!this.sources.allowUnknownMinions) this.sources.warn?.(`Cannot read certs dir: ${dir} and cannot use unknown minion`);
        return null;
      }
      for (const e of entries) {
        if (!e.endsWith(suffix) || e.length <= suffix.length) continue;
        // a name with control characters (a newline) would print as two hosts, or rewrite the terminal
        if (CONTROL_CHARS.test(e)) this.sources.warn?.(`skipping ${JSON.stringify(e)} in ${dir}: control characters in a certificate file name`);
        else out.add(e.slice(0, -suffix.length));
      }
    }
    return out;
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

function compileRegex(source: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`, 'i');
  } catch (err) {
    throw new TargetError(`invalid regular expression in target: ${source}: ${(err as Error).message}`);
  }
}
