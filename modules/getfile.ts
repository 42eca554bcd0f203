// Serves a file in 60000-byte chunks, each base64-encoded with the SHA-1 of that base64 text (getfile.get on the overlord).
// Caveat: by default reads any regular file the minion's user can read; set allowed_paths in getfile.conf to narrow it.
import crypto from 'node:crypto';
import type fs from 'node:fs/promises';
import { arg, defineModule, fromString, method, ModuleError, type ModuleContext } from '../minion/module-api.js';
import { allowedPathsOption, checkAllowedPath, openRegularFile } from './lib/file-access.js';

/** func's chunk size: the overlord asks for chunk n and gets bytes [n*60000, (n+1)*60000). */
const CHUNK = 60000;
/** A file that reports size 0 (/proc) is probed chunk by chunk up to this many chunks (about 58 MiB). */
const MAX_PROBED_CHUNKS = 1024;

export default defineModule({
  version: '0.0.1',
  apiVersion: '0.0.1',
  description: 'Get a file, chunk by chunk.',
  options: {
    // fnmatch globs of the real paths that may be read (e.g. "/var/log/*, /etc/motd"); empty = any path
    allowed_paths: allowedPathsOption,
  },
  methods: {
    chunkslen: method({
      description: 'Number of 60000-byte chunks in the file, or -1 when it cannot be opened or is not a regular file',
      args: [arg.string('filename', 'Path of the file on the minion')],
      example: 'func "*" call getfile chunkslen /var/log/messages',
      async run([filename], ctx) {
        const fh = await openForRead(filename, ctx);
        if (!fh) return -1;
        try {
          const st = await fh.stat();
          if (st.size > 0) return Math.ceil(st.size / CHUNK);
          // /proc files and the like report size 0: probe each chunk's first byte, as func does (bounded)
          const probe = Buffer.alloc(1);
          let n = 0;
          while ((await fh.read(probe, 0, 1, n * CHUNK)).bytesRead > 0) {
            ctx.signal.throwIfAborted();
            if (++n > MAX_PROBED_CHUNKS) {
              throw new ModuleError(`getfile: ${filename} reports size 0 but holds more than ${MAX_PROBED_CHUNKS} chunks; not served`, 'exceptions.IOError');
            }
          }
          return n;
        } finally {
          await fh.close();
        }
      },
    }),
    getchunk: method({
      description: 'Chunk number N of the file as [sha1 hex of the base64 text, base64 text], or [-1, ""] when it cannot be opened',
      args: [
        fromString(arg.int('chunknum', 'Chunk number, from 0', { min: 0 })),
        arg.string('filename', 'Path of the file on the minion'),
      ],
      example: 'func "*" call getfile getchunk 0 /var/log/messages',
      async run([chunknum, filename], ctx) {
        const fh = await openForRead(filename, ctx);
        if (!fh) return [-1, ''];
        try {
          const buf = Buffer.alloc(CHUNK);
          let got = 0;
          for (let r = -1; r !== 0 && got < CHUNK; got += r) {
            ctx.signal.throwIfAborted();
            r = (await fh.read(buf, got, CHUNK - got, chunknum * CHUNK + got)).bytesRead;
          }
          const text = buf.subarray(0, got).toString('base64');
          return [crypto.createHash('sha1').update(text, 'latin1').digest('hex'), text];
        } finally {
          await fh.close();
        }
      },
    }),
  },
});

/**
 * Opens a regular file for reading after the allow-list check (a refused path throws); null, logged, when it
 * cannot be opened or is a directory, device, FIFO or socket.
 */
async function openForRead(filename: string, ctx: ModuleContext): Promise<fs.FileHandle | null> {
  await checkAllowedPath(filename, ctx.options.allowed_paths, 'getfile');
  try {
    return await openRegularFile(filename, 'getfile');
  } catch (err) {
    ctx.log.warn(`getfile: unable to read ${filename}: ${(err as Error).message}`);
    return null;
  }
}
