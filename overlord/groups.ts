// func's host groups, "conf" backend (func-compat.md §4.8): /etc/func/groups, one INI section per group,
// option `host` = members separated by "," or ";". Group names and members are lower-cased.
import fs from 'node:fs';
import { parseIni } from '../common/config.js';
import { ConfigError } from '../common/errors.js';
import { writeFileAtomicSync } from '../common/atomic-write.js';

/** Splits a member list the way func's groups parser does (";" or ","), trimmed, lower-cased, unique. */
export function parseMemberList(text: string): string[] {
  const parts = text.split(/[;,]/).map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0);
  return [...new Set(parts)];
}

/** The groups file in memory; change it, then save(). */
export class GroupsFile {
  private readonly table = new Map<string, string[]>();

  /** @param file the groups file path (already rooted) */
  constructor(readonly file: string) {}

  /** Reads the file; a missing file is an empty set of groups. */
  static load(file: string): GroupsFile {
    const g = new GroupsFile(file);
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new ConfigError(`cannot read groups file ${file}: ${(err as Error).message}`, { cause: err });
      }
    }
    for (const [section, body] of Object.entries(parseIni(text, file))) {
      if (section === '') continue;
      const name = section.trim().toLowerCase();
      const members = parseMemberList(body.host ?? '');
      g.table.set(name, [...new Set([...(g.table.get(name) ?? []), ...members])]);
    }
    return g;
  }

  /** Group names, sorted. */
  groups(): string[] {
    return [...this.table.keys()].sort();
  }

  /** True when the group exists. */
  has(group: string): boolean {
    return this.table.has(group.toLowerCase());
  }

  /** The literal members of a group (maybe globs), in file order; [] for an unknown group. */
  members(group: string): string[] {
    return [...(this.table.get(group.toLowerCase()) ?? [])];
  }

  /** Adds an empty group; false when it already exists. */
  addGroup(group: string): boolean {
    const name = group.trim().toLowerCase();
    if (name === '' || this.table.has(name)) return false;
    this.table.set(name, []);
    return true;
  }

  /** Removes a group; false when it did not exist. */
  removeGroup(group: string): boolean {
    return this.table.delete(group.toLowerCase());
  }

  /** Adds hosts to a group (created when missing); returns the hosts that were not members yet. */
  addHosts(group: string, hosts: readonly string[]): string[] {
    const name = group.trim().toLowerCase();
    const current = this.table.get(name) ?? [];
    const added = parseMemberList(hosts.join(',')).filter((h) => !current.includes(h));
    this.table.set(name, [...current, ...added]);
    return added;
  }

  /** Removes hosts from a group; returns the hosts that were members. */
  removeHosts(group: string, hosts: readonly string[]): string[] {
    const name = group.toLowerCase();
    const current = this.table.get(name);
    if (!current) return [];
    const drop = new Set(parseMemberList(hosts.join(',')));
    this.table.set(name, current.filter((h) => !drop.has(h)));
    return current.filter((h) => drop.has(h));
  }

  /** The file text func writes: "[name]\nhost = a,b,c\n" per group. */
  render(): string {
    return this.groups().map((g) => `[${g}]\nhost = ${this.members(g).join(',')}\n`).join('\n');
  }

  /** Writes the file atomically. */
  save(): void {
    writeFileAtomicSync(this.file, this.render());
  }
}
