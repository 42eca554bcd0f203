// Keeps a manifest of files to track (/etc/func/modules/filetracker.conf under the minion root) and reports
// their metadata and checksums for func-inventory.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { accepting, arg, defineModule, fromString, method, optional, type ModuleContext, type WireValue } from '../minion/module-api.js';
import { rooted } from '../common/paths.js';
import { fnmatch } from '../common/fnmatch.js';
import { glob } from './lib/glob.js';
import { openRegularFile, readBoundedText } from './lib/file-access.js';
import { replaceOwnedFileWith } from './lib/safe-write.js';

/** The content of a tracked file with full scan is shown up to this size; a larger file gets a note instead. */
const MAX_SCANNED_BYTES = 4 * 1024 * 1024;

const STATE_FILE = '/etc/func/modules/filetracker.conf';

/** tracked path → scan mode (0: metadata only, otherwise the content is reported too); insertion order kept */
type Manifest = Map<string, number>;

const globsArg = (what: string) => accepting(arg.string('file_name_globs', `Path or glob (or a list of them) to ${what}`), 'list');
const flag = (name: string, description: string) => optional(accepting(fromString(arg.int(name, description)), 'boolean'), 0);
const onOff = (name: string, description: string) => optional(accepting(fromString(arg.boolean(name, description)), 'int'), true);

export default defineModule({
  version: '0.0.1',
  apiVersion: '0.0.2',
  description: 'Maintains a manifest of files to keep track of.',
  // func's options file is named after the class; filetracker.conf is the manifest itself
  optionsFile: 'FileTracker',
  methods: {
    track: method({
      description: 'Adds files (paths, globs or a list of them) to the manifest; returns 1',
      args: [
        globsArg('track'),
        flag('full_scan', '1: also report the file content in inventory'),
        flag('recursive', '1: also track everything below matched directories'),
        flag('files_only', '1: track regular files only (not directories)'),
      ],
      example: 'func "*" call filetracker track "/etc/*.conf"',
      async run([globs, fullScan, recursive, filesOnly], ctx) {
        const manifest = await load(ctx);
        for (const pattern of patterns(globs)) {
          let names = await glob(pattern);
          if (recursive) names = [...names, ...(await Promise.all(names.map(walk))).flat()];
          if (filesOnly) names = (await Promise.all(names.map(async (n) => (await isFile(n)) ? [n] : []))).flat();
          for (const name of names) manifest.set(name, Number(fullScan));
        }
        await save(ctx, manifest);
        return 1;
      },
    }),
    untrack: method({
      description: 'Removes the tracked files matching the globs (a path, glob or list) from the manifest; returns 1',
      args: [globsArg('stop tracking')],
      example: 'func "*" call filetracker untrack "/etc/*.conf"',
      async run([globs], ctx) {
        const manifest = await load(ctx);
        const list = patterns(globs);
        for (const name of [...manifest.keys()]) if (list.some((g) => fnmatch(name, g))) manifest.delete(name);
        await save(ctx, manifest);
        return 1;
      },
    }),
    inventory: method({
      description: 'The tracked files: [path, mode, mtime, uid, gid, md5] lists (flatten false) or func\'s text report (flatten true)',
      args: [
        onOff('flatten', 'true: one text report for clean diffs; false: a list per file'),
        onOff('checksum_enabled', 'false: skip the MD5 checksums ("N/A")'),
      ],
      example: 'func "*" call filetracker inventory false',
      async run([flatten, checksumEnabled], ctx) {
        const entries: Array<string | WireValue[]> = [];
        for (const [name, scan] of await load(ctx)) entries.push(await describe(name, scan, Boolean(checksumEnabled), ctx.signal));
        return flatten ? entries.map((e) => (typeof e === 'string' ? e : `\n${flat(e)}`)).join('') : entries;
      },
    }),
  },
});

function patterns(globs: string | WireValue[]): string[] {
  return (Array.isArray(globs) ? globs : [globs]).map(String);
}

function stateFile(ctx: ModuleContext): string {
  return rooted(STATE_FILE, ctx.minion.root);
}

/** Reads the manifest: "<scan mode> <path>" lines; a mode of "0" is 0, anything else 1. */
async function load(ctx: ModuleContext): Promise<Manifest> {
  const text = await fs.readFile(stateFile(ctx), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  const manifest: Manifest = new Map();
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+)\s+(.+?)\s*$/.exec(line);
    if (m) manifest.set(m[2] as string, m[1] === '0' ? 0 : 1);
  }
  return manifest;
}

/** Writes the manifest in func's format, atomically. */
async function save(ctx: ModuleContext, manifest: Manifest): Promise<void> {
  const file = stateFile(ctx);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const text = [...manifest].map(([name, scan]) => `${scan}     ${name}\n`).join('');
  await replaceOwnedFileWith(file, Buffer.from(text, 'utf8'), { mode: 0o644 });
}

async function isFile(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isFile(), () => false);
}

/** Everything below a directory (os.walk order: not following symlinked directories). */
async function walk(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const full = `${dir}/${e.name}`;
    out.push(full);
    if (e.isDirectory()) out.push(...await walk(full));
  }
  return out;
}

/** MD5 of a regular file, streamed (func's __sumfile); stops when `signal` aborts. */
async function md5(file: string, signal: AbortSignal): Promise<string> {
  const fh = await openRegularFile(file, 'filetracker');
  try {
    const hash = crypto.createHash('md5');
    for await (const chunk of fh.createReadStream({ autoClose: false, signal })) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } finally {
    await fh.close();
  }
}

/** One tracked path: "<path>: does not exist\n", or [path, mode, mtime, uid, gid, md5 | "N/A", (data), ({files})]. */
async function describe(name: string, scan: number, checksum: boolean, signal: AbortSignal): Promise<string | WireValue[]> {
  const st = await fs.stat(name).catch(() => null);
  if (!st) return `${name}: does not exist\n`;
  const sum = checksum && st.isFile() ? await md5(name, signal) : 'N/A';
  const entry: WireValue[] = [name, st.mode, Math.floor(st.mtimeMs / 1000), st.uid, st.gid, sum];
  if (scan !== 0 && st.isFile()) {
    entry.push(st.size > MAX_SCANNED_BYTES ? `[filetracker: ${st.size} bytes, over ${MAX_SCANNED_BYTES}: content not shown]`
      : await readBoundedText(name, MAX_SCANNED_BYTES, signal, 'filetracker').catch((err: Error) => {
        if (signal.aborted) throw err;
        return `[filetracker: ${err.message}]`;
      }));
  }
  if (st.isDirectory()) entry.push({ files: await glob(`${name.endsWith('/') ? name : `${name}/`}*`) });
  return entry;
}

/** func's flattened text of one entry. */
function flat(e: WireValue[]): string {
  const [name, mode, mtime, uid, gid, sum] = e;
  let text = `${String(name)}:  mode=${String(mode)}  mtime=${String(mtime)}  uid=${String(uid)}  gid=${String(gid)}  md5sum=${String(sum)}\n`;
  for (const extra of e.slice(6)) {
    if (typeof extra === 'string') text += `*** DATA ***\n${extra}\n*** END DATA ***\n\n`;
    else text += `*** FILES ***\n${((extra as { files: string[] }).files).join('\n')}\n*** END FILES ***\n\n`;
  }
  return text;
}
