// Bad input and hostile peers against a real funcd: certificates it must refuse (none, foreign CA, revoked,
// expired), malformed or oversized requests, idle and slow connections, hanging or huge methods; it keeps serving.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { signCsr } from '../../certmaster/ca.js';
import { createCsr, parseCsr } from '../../certmaster/csr.js';
import { generatePrivateKey } from '../../certmaster/keys.js';
import { createTestCa, issueMinionCert, openTestStore, type TestCa } from '../helpers/pki.js';
import { stopAll, type BinProcess } from '../helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { caCreds, eventually, makeMinion, pyCalls, pyValue, rawPost, startFuncd, writeAcl, type Creds, type TestMinion } from './funcd-harness.js';

const LIMIT = 65536;
/** How Python reports a handshake the server refused (TLS 1.3 reports it on the first read or write). */
const REFUSED = /SSL|Connection|RemoteDisconnected|BrokenPipe/;
const CALL = (method: string, params = '') => `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params}</params></methodCall>`;

async function clientCert(ca: TestCa, name: string, dir: string): Promise<Creds> {
  const f = await issueMinionCert(ca, name, dir);
  return { key: f.keyPath, cert: f.certPath, ca: path.join(ca.caDir, 'certmaster.crt') };
}

async function expiredCert(ca: TestCa, dir: string): Promise<Creds> {
  const keyPem = await generatePrivateKey('ec');
  const csr = await parseCsr(await createCsr(keyPem, 'expired.example.org'), 65536);
  const certPem = await signCsr({ csr, caKeyPem: ca.caKeyPem, caCertPem: ca.caCertPem, serial: 4242, now: new Date(Date.now() - 11 * 365 * 86400_000) });
  await fs.writeFile(path.join(dir, 'expired.pem'), keyPem);
  await fs.writeFile(path.join(dir, 'expired.cert'), certPem);
  return { key: path.join(dir, 'expired.pem'), cert: path.join(dir, 'expired.cert'), ca: path.join(ca.caDir, 'certmaster.crt') };
}

/** Opens a TLS connection (PEM texts given) and sends a request head one byte per second; resolves with how long the server took to close it. */
function slowLoris(m: TestMinion, creds: { key: string; cert: string; ca: string }): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    const sock = tls.connect({ host: m.host, port: m.port, key: creds.key, cert: creds.cert, ca: creds.ca, rejectUnauthorized: false }, () => {
      sock.write('POST /RPC2 HTTP/1.1\r\nHost: x\r\n');
      const drip = setInterval(() => { if (!sock.destroyed) sock.write('X'); }, 1000);
      sock.once('close', () => { clearInterval(drip); resolve(performance.now() - started); });
    });
    sock.on('error', () => undefined);
    sock.setTimeout(20000, () => sock.destroy());
  });
}

describe('funcd limits and bad input', function () {
  let ca: TestCa;
  let other: TestCa;
  let minion: TestMinion;
  let overlord: Creds;
  let funcd: BinProcess;
  let scratch: string;
  let loris: Promise<number>;
  const ping = async (creds: Creds = overlord) => (await pyCalls(minion, creds, [{ method: 'test.ping' }], { timeout: 5 }))[0]!;
  const stillServing = async () => {
    expect(await pyValue(minion, overlord, 'test.ping')).to.equal(1);
    expect(funcd.child.exitCode).to.equal(null);
  };

  before(async function () {
    this.timeout(40000);
    [ca, other] = await Promise.all([createTestCa(), createTestCa()]);
    scratch = await makeTempRoot('funcd-limits-clients');
    minion = await makeMinion(ca, {
      name: 'limits.example.org', host: '127.0.3.40', extra: { max_body_bytes: String(LIMIT), call_timeout: '1' },
    });
    overlord = caCreds(ca);
    await writeAcl(minion, 'clients.acl', '*.example.org-* = test.*\n');
    const store = await openTestStore(ca);
    await clientCert(ca, 'revoked.example.org', scratch);
    await store.revoke(['revoked.example.org']);
    await fs.copyFile(store.ca.crlFile, path.join(minion.root, 'etc/pki/certmaster/crl.pem'));
    funcd = await startFuncd(minion);
    const [key, cert, caPem] = await Promise.all([overlord.key, overlord.cert, overlord.ca].map((f) => fs.readFile(f, 'utf8')));
    loris = slowLoris(minion, { key, cert, ca: caPem });
  });

  after(async () => {
    await stopAll();
    await Promise.all([minion?.root, scratch, ca?.root, other?.root].filter(Boolean).map((d) => removeTempRoot(d!)));
  });

  it('refuses a caller without a client certificate', async () => {
    const r = (await pyCalls(minion, { ca: overlord.ca }, [{ method: 'test.ping' }], { timeout: 5 }))[0]!;
    expect(r.error?.type, JSON.stringify(r)).to.match(REFUSED);
    await stillServing();
  });

  it('refuses a certificate from another CA', async () => {
    const foreign = await clientCert(other, 'foreign.example.org', path.join(scratch, 'foreign'));
    const r = await ping({ ...foreign, ca: overlord.ca });
    expect(r.error?.type, JSON.stringify(r)).to.match(REFUSED);
    await stillServing();
  });

  it('refuses an expired certificate', async () => {
    const r = await ping(await expiredCert(ca, scratch));
    expect(r.error?.type, JSON.stringify(r)).to.match(REFUSED);
    await stillServing();
  });

  it('refuses a certificate revoked in the CRL it started with, and one revoked while it runs', async () => {
    const revoked = { key: path.join(scratch, 'etc/pki/certmaster/revoked.example.org.pem'), cert: path.join(scratch, 'etc/pki/certmaster/revoked.example.org.cert'), ca: overlord.ca };
    expect((await ping(revoked)).error?.type).to.match(REFUSED);
    const late = await clientCert(ca, 'late.example.org', path.join(scratch, 'late'));
    expect((await ping(late)).value).to.equal(1);
    const store = await openTestStore(ca);
    await store.revoke(['late.example.org']);
    await fs.copyFile(store.ca.crlFile, path.join(minion.root, 'etc/pki/certmaster/crl.pem'));
    await eventually(async () => (await ping(late)).error !== undefined, 10000, 'the new CRL to be applied', 250);
    await stillServing();
  });

  it('answers malformed XML, too deep nesting and entity declarations with Faults', async () => {
    const deep = `${'<value><array><data>'.repeat(100)}<value><int>1</int></value>${'</data></array></value>'.repeat(100)}`;
    const cases = [
      '<methodCall><methodName>test.ping</methodName><params>',
      CALL('test.echo', `<param>${deep}</param>`),
      `<?xml version="1.0"?><!DOCTYPE m [<!ENTITY big "${'a'.repeat(100)}">]>${CALL('test.echo', '<param><value><string>&big;</string></value></param>')}`,
    ];
    for (const body of cases) {
      const r = await rawPost(minion, overlord, body);
      expect(r.status).to.equal(200);
      expect(r.body, body.slice(0, 60)).to.match(/<fault>[\s\S]*<name>faultCode<\/name>\s*<value><int>1<\/int><\/value>/);
    }
    await stillServing();
  });

  it('refuses a body over max_body_bytes, with or without Content-Length, before reading it all', async () => {
    const declared = await rawPost(minion, overlord, CALL('test.echo', `<param><value><string>${'a'.repeat(LIMIT)}</string></value></param>`));
    expect(declared.status).to.equal(413);
    const [key, cert, caPem] = await Promise.all([overlord.key, overlord.cert, overlord.ca].map((f) => fs.readFile(f, 'utf8')));
    const total = 4 * 1024 * 1024;
    const outcome = await new Promise<{ status: number; sent: number }>((resolve) => {
      let sent = 0;
      let done = false;
      const finish = (status: number) => { if (!done) { done = true; resolve({ status, sent }); } };
      const req = https.request({ host: minion.host, port: minion.port, path: '/RPC2', method: 'POST', key, cert, ca: caPem, agent: false, checkServerIdentity: () => undefined }, (res) => { res.resume(); finish(res.statusCode ?? 0); });
      req.on('error', () => finish(-1));
      const chunk = Buffer.alloc(16384, 'a');
      const pump = () => {
        while (!done && sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) { req.once('drain', pump); return; }
        }
        if (!done) req.end();
      };
      req.write('<?xml version="1.0"?><methodCall><methodName>test.echo</methodName><params><param><value><string>');
      pump();
    });
    expect(outcome.status === 413 || outcome.status === -1, JSON.stringify(outcome)).to.equal(true);
    expect(outcome.sent).to.be.lessThan(total);
    await stillServing();
  });

  it('still serves a real call while 1,000 idle connections are held open', async () => {
    const sockets = await Promise.all(Array.from({ length: 1000 }, () => new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: minion.host, port: minion.port }, () => resolve(s));
      s.on('error', reject);
    })));
    try {
      expect(await pyValue(minion, overlord, 'test.add', [40, 2])).to.equal(42);
    } finally {
      for (const s of sockets) s.destroy();
    }
    await stillServing();
  });

  it('ends a call that runs past call_timeout, and returns a method\'s 5 MB output whole', async () => {
    const r = await pyCalls(minion, overlord, [{ method: 'test.sleep', params: [10] }, { method: 'test.explode' }, { method: 'test.output', params: [5_000_000] }]);
    const timedOut = r[0]!.value as unknown[];
    expect(timedOut.slice(0, 2)).to.deep.equal(['REMOTE_ERROR', 'func.minion.codes.FuncException']);
    expect(timedOut[2]).to.match(/did not finish within 1 s/);
    expect((r[1]!.value as unknown[])[2]).to.equal('khhhhhhaaaaaan!!!!!!');
    expect((r[2]!.value as string).length).to.equal(5_000_000);
    await stillServing();
  });

  it('closes a slow-loris connection that never finishes its request head', async function () {
    this.timeout(25000);
    // the drip keeps the connection from idling, so only the server's request-head deadline ends it (else: test timeout)
    const closedAfter = await loris;
    expect(closedAfter, 'not before the server\'s head deadline').to.be.at.least(5000);
    await stillServing();
  });
});
