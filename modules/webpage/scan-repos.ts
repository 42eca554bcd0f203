// Finds the yum/dnf repositories under a directory (each a directory with repodata/repomd.xml) and reads what
// the page lists from their metadata: the primary file's packages (name, epoch, version, release, arch, summary).
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { SaxesParser } from 'saxes';

const gunzip = promisify(zlib.gunzip);

/** One package of a repository. */
export interface RepoPackage { name: string; epoch: string; version: string; release: string; arch: string; summary: string }

/** One repository as found on disk. */
export interface ScannedRepo {
  /** its path relative to the scanned directory, with "/" separators */
  name: string;
  dir: string;
  packages: RepoPackage[];
  arches: string[];
  /** repomd.xml's revision (or the file's mtime), epoch seconds */
  updated: number;
}

/** How deep below the root repositories are looked for (Copr: <owner>/<project>/<chroot>). */
const MAX_DEPTH = 4;
/** The most primary metadata read per repository (uncompressed). */
const MAX_PRIMARY_BYTES = 256 * 1024 * 1024;

/** Elements' text and attributes of an XML document, one callback per closed element. */
function walkXml(xml: string, onElement: (name: string, attrs: Record<string, string>, text: string) => void): void {
  const parser = new SaxesParser({ xmlns: false });
  const stack: Array<{ name: string; attrs: Record<string, string>; text: string }> = [];
  parser.on('opentag', (t) => { stack.push({ name: t.name, attrs: t.attributes as Record<string, string>, text: '' }); });
  parser.on('text', (t) => { const top = stack.at(-1); if (top) top.text += t; });
  parser.on('closetag', () => { const e = stack.pop(); if (e) onElement(e.name, e.attrs, e.text); });
  parser.write(xml).close();
}

/** The primary metadata's location and the revision from repomd.xml. */
function readRepomd(xml: string): { primary: string | null; revision: number | null } {
  let primary: string | null = null;
  let revision: number | null = null;
  let location: string | null = null;
  walkXml(xml, (name, attrs, text) => {
    if (name === 'location') location = attrs.href ?? null;
    else if (name === 'data') { if (attrs.type === 'primary') primary = location; location = null; }
    else if (name === 'revision' && /^\d+$/.test(text.trim())) revision = Number(text.trim());
  });
  return { primary, revision };
}

async function readMaybeCompressed(file: string): Promise<string> {
  const raw = await fs.readFile(file);
  if (file.endsWith('.gz')) return (await gunzip(raw, { maxOutputLength: MAX_PRIMARY_BYTES })).toString('utf8');
  if (file.endsWith('.xml')) return raw.toString('utf8');
  throw new Error(`${path.basename(file)}: only gzip-compressed or plain primary metadata can be read`);
}

function readPrimary(xml: string): RepoPackage[] {
  const out: RepoPackage[] = [];
  let cur: Partial<RepoPackage> = {};
  walkXml(xml, (name, attrs, text) => {
    if (name === 'name') cur.name = text;
    else if (name === 'arch') cur.arch = text;
    else if (name === 'summary') cur.summary = text;
    else if (name === 'version') { cur.epoch = attrs.epoch ?? '0'; cur.version = attrs.ver ?? ''; cur.release = attrs.rel ?? ''; }
    else if (name === 'package') {
      out.push({ name: cur.name ?? '', epoch: cur.epoch ?? '0', version: cur.version ?? '', release: cur.release ?? '', arch: cur.arch ?? '', summary: cur.summary ?? '' });
      cur = {};
    }
  });
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version) || a.arch.localeCompare(b.arch));
}

/** Reads one repository's metadata. */
export async function readRepo(root: string, dir: string): Promise<ScannedRepo> {
  const repomdFile = path.join(dir, 'repodata', 'repomd.xml');
  const { primary, revision } = readRepomd(await fs.readFile(repomdFile, 'utf8'));
  if (primary === null) throw new Error(`${repomdFile} names no primary metadata`);
  const primaryFile = path.resolve(dir, primary);
  if (!primaryFile.startsWith(path.join(dir, 'repodata') + path.sep)) throw new Error(`${repomdFile}: primary location ${primary} is outside repodata/`);
  const packages = readPrimary(await readMaybeCompressed(primaryFile));
  const updated = revision ?? Math.floor((await fs.stat(repomdFile)).mtimeMs / 1000);
  const arches = [...new Set(packages.map((p) => p.arch))].sort();
  return { name: path.relative(root, dir).split(path.sep).join('/'), dir, packages, arches, updated };
}

/** Every repository directory under `root` (not following symlinks, skipping hidden directories), sorted by name. */
export async function findRepoDirs(root: string, depth = 0): Promise<string[]> {
  const found: string[] = [];
  const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  if (entries.some((e) => e.isDirectory() && e.name === 'repodata') && depth > 0) {
    const hasRepomd = await fs.access(path.join(root, 'repodata', 'repomd.xml')).then(() => true, () => false);
    if (hasRepomd) return [root];
  }
  if (depth >= MAX_DEPTH) return found;
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'repodata') found.push(...await findRepoDirs(path.join(root, e.name), depth + 1));
  }
  return found;
}
