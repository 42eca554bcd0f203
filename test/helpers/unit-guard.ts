// Loaded by .mocharc.unit.json only: a test in the unit list that starts a process or opens a network socket fails
// at once, naming what it did, so that `npm run test:unit` stays in-process and takes seconds.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const require = createRequire(import.meta.url);

function refuse(what: string): () => never {
  return () => {
    throw new Error(`unit tests start no processes and open no sockets, but this one called ${what}: `
      + 'move its file from .mocharc.unit.json to the whole suite');
  };
}

const childProcess = require('node:child_process') as Record<string, unknown>;
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
  childProcess[name] = refuse(`child_process.${name}()`);
}
const net = require('node:net') as typeof import('node:net');
net.Server.prototype.listen = refuse('net.Server#listen()') as never;
net.Socket.prototype.connect = refuse('net.Socket#connect()') as never;
// the ESM named exports (import { spawn } from 'node:child_process') follow the patched CommonJS ones
syncBuiltinESMExports();
