// Issue 8 against a real bin/funcd: a job result too large to send (48 MiB of '&') is an error naming
// max_reply_bytes while funcd lives on and jobs.tail_output pages through it; jobs belong to their caller; a CRL
// change closes a revoked peer's open connection; a huge method name from a stranger costs the log nothing.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { FaultError } from '../../transport/xmlrpc/faults.js';
import type { WireValue } from '../../transport/types.js';
import { XmlRpcClient } from '../../transport/xmlrpc/client.js';
import { encodeCall } from '../../transport/xmlrpc/codec.js';
import { createTestCa, issueMinionCert, openTestStore, type TestCa } from '../helpers/pki.js';
import { stopAll, type BinProcess } from '../helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { caCreds, eventually, makeMinion, startFuncd, writeAcl, type Creds, type TestMinion } from './funcd-harness.js';

const MiB = 1024 * 1024;

describe('funcd under hostile callers (issue 8)', function () {
  this.timeout(60000);
  let ca: TestCa;
  let minion: TestMinion;
  let funcd: BinProcess;
  let scratch: string;
  const clients: XmlRpcClient[] = [];
  const ids: Record<string, Creds> = {};

  const clientFor = async (creds: Creds): Promise<XmlRpcClient> => {
    const [key, cert, caPem] = await Promise.all([creds.key, creds.cert, creds.ca].map((f) => fs.readFile(f, 'utf8')));
    const c = new XmlRpcClient({ tls: { key, cert, ca: caPem }, port: minion.port, verifyHostName: false, limits: { maxBytes: 64 * MiB } });
    clients.push(c);
    return c;
  };
  const call = (c: XmlRpcClient, method: string, ...params: WireValue[]) => c.call(minion.host, { method, params });
  const failure = (p: Promise<unknown>) => p.then((v) => { throw new Error(`expected a failure, got ${JSON.stringify(v).slice(0, 200)}`); }, (e: unknown) => e as Error);
  const finished = async (c: XmlRpcClient, id: string) => eventually(async () => {
    const s = await call(c, 'jobs.job_status', id).catch(() => [1]);
    return (s as WireValue[])[0] !== 0;
  }, 30000, `job ${id}`, 100);

  before(async function () {
    this.timeout(60000);
    ca = await createTestCa();
    scratch = await makeTempRoot('funcd-hostile-clients');
    minion = await makeMinion(ca, { name: 'hostile.example.org', host: '127.0.3.80', extra: { max_reply_bytes: String(4 * MiB) } });
    for (const name of ['runner', 'nosy', 'doomed', 'stranger']) {
      const dir = path.join(scratch, name);
      const f = await issueMinionCert(ca, `${name}.example.org`, dir);
      ids[name] = { key: f.keyPath, cert: f.certPath, ca: f.caPath };
    }
    await writeAcl(minion, 'hostile.acl', 'runner.example.org-* = command.run\nnosy.example.org-* = jobs.*\ndoomed.example.org-* = test.*\n');
    funcd = await startFuncd(minion);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stopAll();
    await removeTempRoot(minion.root);
    await removeTempRoot(scratch);
  });

  it('answers job_status of a 48 MiB "&" result with an error naming max_reply_bytes, again and again, and keeps serving', async () => {
    const admin = await clientFor(caCreds(ca));
    const id = await call(admin, 'async.command.run', "head -c 50331648 /dev/zero | tr '\\0' '&'") as string;
    await finished(admin, id);
    for (let i = 0; i < 2; i++) {
      const err = await failure(call(admin, 'jobs.job_status', id));
      expect(err).to.be.instanceOf(FaultError);
      expect(err.message).to.include(`limit of ${4 * MiB} bytes (max_reply_bytes in minion.conf)`).and.include('jobs.tail_output');
      expect(await call(admin, 'test.ping')).to.equal(1);
    }
    const [page, next] = await call(admin, 'jobs.tail_output', id, 0, 100000) as [string, number];
    expect(page).to.equal(`0\n${'&'.repeat(99998)}`);
    expect(next).to.equal(100000);
    expect(funcd.child.exitCode).to.equal(null);
  });

  it('pages through a whole job result with jobs.tail_output <id> <offset> <length>', async () => {
    const admin = await clientFor(caCreds(ca));
    const id = await call(admin, 'async.command.run', "head -c 2000000 /dev/zero | tr '\\0' 'x'; printf '<&>\\n\\344\\275\\240'") as string;
    await finished(admin, id);
    let text = '';
    for (let offset = 0; offset >= 0;) {
      const [page, next] = await call(admin, 'jobs.tail_output', id, offset, 300000) as [string, number];
      text += page;
      offset = next;
    }
    expect(text).to.equal(`0\n${'x'.repeat(2000000)}<&>\n\u4f60\n`);
  });

  it('lets the caller poll the job it started although its ACL allows command.run only, so nothing runs twice', async () => {
    const runner = await clientFor(ids.runner!);
    const marker = path.join(scratch, 'ran.txt');
    const id = await call(runner, 'async.command.run', `echo once >> ${marker}; id -u`) as string;
    await finished(runner, id);
    const [code, result] = await call(runner, 'jobs.job_status', id) as [number, WireValue[]];
    expect(code).to.equal(1);
    expect(result[0]).to.equal(0);
    expect(await call(runner, 'jobs.list')).to.have.length(1);
    expect(await fs.readFile(marker, 'utf8')).to.equal('once\n');
    const denied = await failure(call(runner, 'test.ping'));
    expect(denied.message).to.match(/AccessToMethodDenied'>:test\.ping is not allowed for runner\.example\.org-\d+: no rule for that key in .*\/etc\/func\/minion-acl\.d\/\*\.acl/);
  });

  it('keeps a caller\'s jobs from other callers allowed jobs.*, and shows them to the CA identity', async () => {
    const runner = await clientFor(ids.runner!);
    const nosy = await clientFor(ids.nosy!);
    const admin = await clientFor(caCreds(ca));
    const id = await call(runner, 'async.command.run', 'sleep 30') as string;
    for (const method of ['jobs.job_status', 'jobs.tail_output', 'jobs.get_progress', 'jobs.cancel']) {
      const err = await failure(call(nosy, method, id));
      expect(err.message, method).to.include(`job ${id} belongs to another caller`);
    }
    expect(await call(nosy, 'jobs.list')).to.deep.equal([]);
    expect((await call(admin, 'jobs.list') as Array<{ id: string }>).map((j) => j.id)).to.include(id);
    expect(await call(runner, 'jobs.cancel', id)).to.equal(true);
    expect(await call(admin, 'jobs.job_status', id)).to.deep.include.members([1]);
  });

  it('closes the open connection of a peer whose certificate a new CRL revokes, within a second of the reload', async () => {
    const creds = ids.doomed!;
    const [key, cert, caPem] = await Promise.all([creds.key, creds.cert, creds.ca].map((f) => fs.readFile(f, 'utf8')));
    const store = await openTestStore(ca);
    await store.revoke(['doomed.example.org']); // the CA's CRL; the minion gets it only once the connection is open
    const socket = tls.connect({ host: minion.host, port: minion.port, key, cert, ca: caPem, rejectUnauthorized: false });
    await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    socket.setMaxListeners(20);
    const body = encodeCall('test.ping', []);
    const answered = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
    socket.write(`POST /RPC2 HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(await answered).to.match(/^HTTP\/1\.1 200 /);
    const closed = new Promise<number>((resolve) => { socket.on('error', () => undefined); socket.once('close', () => resolve(Date.now())); });
    await fs.copyFile(store.ca.crlFile, path.join(minion.root, 'etc/pki/certmaster/crl.pem'));
    const written = Date.now();
    const at = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
    expect(at, 'the connection was closed').to.not.equal(-1);
    expect(at - written, 'poll (1 s) plus close').to.be.below(2200);
    const log = await fs.readFile(path.join(minion.root, 'var/log/func/func.log'), 'utf8');
    expect(log).to.match(/closing the connection of .*revoked by the new CRL/);
  });

  it('refuses a 15 MB method name from a caller without an ACL entry at 256 bytes, logging a few hundred bytes at most', async () => {
    const logFile = path.join(minion.root, 'var/log/func/func.log');
    const before = (await fs.stat(logFile)).size;
    const creds = ids.stranger!;
    const [key, cert, caPem] = await Promise.all([creds.key, creds.cert, creds.ca].map((f) => fs.readFile(f, 'utf8')));
    const socket = tls.connect({ host: minion.host, port: minion.port, key, cert, ca: caPem, rejectUnauthorized: false });
    await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    let reply = '';
    socket.on('data', (d: Buffer) => { reply += d.toString(); });
    socket.on('error', () => undefined);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(`POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 15000100\r\n\r\n<?xml version="1.0"?><methodCall><methodName>`);
    const piece = 'm'.repeat(65536);
    for (let sent = 0; sent < 15_000_000 && !socket.destroyed; sent += piece.length) {
      if (!socket.write(piece)) {
        await new Promise<void>((resolve) => {
          const go = (): void => { socket.off('drain', go).off('close', go); resolve(); };
          socket.on('drain', go).on('close', go);
        });
      }
    }
    await closed;
    expect(reply).to.include('method name longer than 256 bytes refused');
    const grown = (await fs.stat(logFile)).size - before;
    expect(grown, 'bytes added to func.log').to.be.below(2048);
    const admin = await clientFor(caCreds(ca));
    expect(await call(admin, 'test.ping')).to.equal(1);
  });
});
