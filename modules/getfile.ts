// Serves a file in 60000-byte chunks, each base64-encoded with the SHA-1 of that base64 text (getfile.get on the overlord).
// Caveat: reads any file the minion's user can read; the ACL is the only barrier.
import crypto from 'node:crypto';
import { constants as C } from 'node:fs';
import fs from 'node:fs/promises';
import { arg, defineModule, fromString, method } from '../minion/module-api.js';

/** func's chunk size: the overlord asks for chunk n and gets bytes [n*60000, (n+1)*60000). */
const CHUNK = 60000;

export default defineModule({
  version: '0.0.1',
  apiVersion: '0.0.1',
  description: 'Get a file, chunk by chunk.',
  methods: {
    chunkslen: method({
      description: 'Number of 60000-byte chunks in the file, or -1 when it cannot be opened',
      args: [arg.string('filename', 'Path of the file on the minion')],
      example: 'func "*" call getfile chunkslen /var/log/messages',
      async run([filename], ctx) {
        const fh = await openForRead(filename, (m) => ctx.log.warn(m));
        if (!fh) return -1;
        try {
          const st = await fh.stat();
          if (st.isFile() && st.size > 0) return Math.ceil(st.size / CHUNK);
          // /proc files and the like report size 0: probe each chunk's first byte, as func does
          const probe = Buffer.alloc(1);
          let n = 0;
          while ((await fh.read(probe, 0, 1, n * CHUNK)).bytesRead > 0) n += 1;
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
        const fh = await openForRead(filename, (m) => ctx.log.warn(m));
        if (!fh) return [-1, ''];
        try {
          const buf = Buffer.alloc(CHUNK);
          let got = 0;
          for (let r = -1; r !== 0 && got < CHUNK; got += r) {
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

/** Opens a regular file (or a /proc-like one) for reading; null, logged, when that fails. */
async function openForRead(filename: string, warn: (m: string) => void): Promise<fs.FileHandle | null> {
  try {
    const fh = await fs.open(filename, C.O_RDONLY | C.O_NONBLOCK);
    if ((await fh.stat()).isDirectory()) {
      await fh.close();
      warn(`getfile: ${filename} is a directory`);
      return null;
    }
    return fh;
  } catch (err) {
    warn(`getfile: unable to open ${filename}: ${(err as Error).message}`);
    return null;
  }
}
