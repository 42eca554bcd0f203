// TLS sessions kept on disk by the overlord: a new client (as a second `func` run) resumes the saved session;
// files are 0600 in a 0700 directory; a changed or removed minion certificate, a newer CRL or an expired
// session means a full handshake. A real HTTPS server reports whether each connection was resumed.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { FileTlsSessionStore, sessionExpiry } from '../../overlord/tls-session-store.js';
import { XmlRpcClient } from '../../transport/xmlrpc/client.js';
import { createTlsFixtures, type TlsFixtures } from '../helpers/tls-fixtures.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { runBin, stopAll } from '../helpers/processes.js';
import { startFleet } from './fleet.js';

const REPLY = '<?xml version="1.0"?><methodResponse><params><param><value><int>1</int></value></param></params></methodResponse>';

describe('TLS sessions on disk', function () {
  this.timeout(30000);
  let pki: TlsFixtures;
  let dir: string;
  let server: https.Server;
  let port: number;
  const resumed: boolean[] = [];
  const certroot = (): string => path.join(dir, 'certs');
  const store = (crl?: string): FileTlsSessionStore => new FileTlsSessionStore(path.join(dir, 'sessions'), (h) => path.join(certroot(), `${h}.cert`), crl);

  /** One call from a new client (a new process would be the same: nothing but the store is shared). */
  async function callOnce(s: FileTlsSessionStore): Promise<boolean> {
    const client = new XmlRpcClient({ port, tls: pki.material(pki.client), tlsSessions: s });
    try {
      expect(await client.call('127.0.0.1', { method: 'test.ping', params: [] })).to.equal(1);
    } finally {
      await client.close();
      await s.flush();
    }
    return resumed.at(-1)!;
  }

  before(async () => {
    pki = await createTlsFixtures();
    dir = await makeTempRoot('func-tls-sessions');
    await fs.mkdir(certroot());
    server = https.createServer({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      resumed.push((req.socket as TLSSocket).isSessionReused());
      req.resume();
      req.on('end', () => { res.setHeader('Content-Type', 'text/xml'); res.end(REPLY); });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(async () => {
    await fs.rm(path.join(dir, 'sessions'), { recursive: true, force: true });
    await fs.writeFile(path.join(certroot(), '127.0.0.1.cert'), pki.server.cert);
  });
  after(async () => {
    server?.close();
    await stopAll();
    await pki?.cleanup();
    if (dir) await removeTempRoot(dir);
  });

  it('resumes the saved session from a new client; the files are private', async () => {
    expect(await callOnce(store())).to.equal(false);
    const files = await fs.readdir(path.join(dir, 'sessions'));
    expect(files).to.deep.equal([`127.0.0.1_${port}.session`]);
    expect((await fs.stat(path.join(dir, 'sessions'))).mode & 0o777).to.equal(0o700);
    expect((await fs.stat(path.join(dir, 'sessions', files[0]!))).mode & 0o777).to.equal(0o600);
    const saved = JSON.parse(await fs.readFile(path.join(dir, 'sessions', files[0]!), 'utf8')) as { session: string; expires: number };
    const expiry = sessionExpiry(Buffer.from(saved.session, 'base64'));
    expect(expiry).to.be.a('number');
    expect(expiry! - Date.now()).to.be.within(1000, 7200_000 + 5000); // the ticket's lifetime (OpenSSL's default 2 h)
    expect(saved.expires).to.equal(expiry);
    expect(await callOnce(store())).to.equal(true);
  });

  it('never resumes when the minion\'s signed certificate changed or was removed (revoked, cleaned)', async () => {
    await callOnce(store());
    await fs.writeFile(path.join(certroot(), '127.0.0.1.cert'), pki.other.cert);
    expect(await callOnce(store())).to.equal(false);
    await fs.writeFile(path.join(certroot(), '127.0.0.1.cert'), pki.server.cert);
    await callOnce(store());
    await fs.rm(path.join(certroot(), '127.0.0.1.cert'));
    expect(await callOnce(store())).to.equal(false);
  });

  it('never resumes a session saved before the CRL last changed', async () => {
    const crl = path.join(dir, 'crl.pem');
    await fs.writeFile(crl, pki.crl);
    await callOnce(store(crl));
    expect(await callOnce(store(crl))).to.equal(true);
    const later = new Date(Date.now() + 2000);
    await fs.utimes(crl, later, later);
    expect(await callOnce(store(crl))).to.equal(false);
  });

  it('drops an expired session', async () => {
    await callOnce(store());
    const file = path.join(dir, 'sessions', `127.0.0.1_${port}.session`);
    const saved = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    await fs.writeFile(file, JSON.stringify({ ...saved, expires: Date.now() - 1 }));
    expect(await callOnce(store())).to.equal(false);
  });

  it('the func CLI keeps sessions under <FUNC_ROOT>/var/lib/func/tls-sessions, one 0600 file per host', async () => {
    const fleet = await startFleet(['127.0.0.2', '127.0.0.3']);
    try {
      const first = await runBin('func', ['*', 'ping'], { env: fleet.env });
      expect(first.stdout).to.equal('[ ok ... ] 127.0.0.2\n[ ok ... ] 127.0.0.3\n');
      const sessions = path.join(fleet.root, 'var/lib/func/tls-sessions');
      const files = (await fs.readdir(sessions)).sort();
      expect(files).to.deep.equal([`127.0.0.2_${fleet.port}.session`, `127.0.0.3_${fleet.port}.session`]);
      for (const f of files) expect((await fs.stat(path.join(sessions, f))).mode & 0o777).to.equal(0o600);
      const second = await runBin('func', ['*', 'ping'], { env: fleet.env });
      expect(second.stdout).to.equal(first.stdout);
    } finally {
      await fleet.close();
    }
  });
});
