// Minion enrollment: requestCertificate() against an in-process certmaster, and bin/certmaster-request
// against bin/certmaster started after it — key/CSR/cert files and modes, waiting reasons, back-off, timeouts.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { CertStore } from '../../certmaster/cert-store.js';
import { createCsr } from '../../certmaster/csr.js';
import { generatePrivateKey } from '../../certmaster/keys.js';
import { startCertmaster, type RunningCertmaster } from '../../certmaster/daemon.js';
import { requestCertificate, type WaitInfo } from '../../certmaster/request.js';
import { CaError, CertificateNotSignedError } from '../../common/errors.js';
import { silentLogger } from '../../common/log.js';
import { createTestCa, writeMinionConfs, type TestCa } from '../helpers/pki.js';
import { runBin, spawnBin, stopAll, waitForOutput } from '../helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { openssl, startDaemonProcess, writeCertmasterConf } from './support.js';

/** A port nothing listens on right now (bound to 0, then released). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try { await p; } catch (err) { return err as Error; }
  throw new Error('expected a rejection');
}

const mode = async (f: string) => (await fs.stat(f)).mode & 0o777;

describe('certmaster enrollment (requestCertificate, certmaster-request)', () => {
  const cleanup: string[] = [];
  after(async () => { await stopAll(); for (const d of cleanup) await removeTempRoot(d); });

  async function tempRoot(prefix: string): Promise<string> {
    const d = await makeTempRoot(prefix);
    cleanup.push(d);
    return d;
  }

  describe('requestCertificate()', () => {
    let ca: TestCa;
    let daemon: RunningCertmaster;
    before(async () => {
      ca = await createTestCa();
      cleanup.push(ca.root);
      const conf = path.join(ca.root, 'autosign.conf');
      await fs.writeFile(conf, '[main]\nautosign = yes\n');
      daemon = await startCertmaster({ root: ca.root, configFile: conf, host: '127.0.0.1', port: 0, log: silentLogger, audit: silentLogger });
    });
    after(async () => { await daemon?.stop(); });

    for (const keyType of ['ec', 'rsa'] as const) {
      it(`enrolls with autosign: ${keyType} key 0600, CSR, cert and ca.cert 0644; the cert verifies and matches the key`, async () => {
        const minion = await tempRoot('cm-req-minion');
        await writeMinionConfs(minion, { name: `Node-${keyType}.Example`, certmasterPort: daemon.address.port });
        const extra = keyType === 'rsa' ? 'key_type = rsa\n' : '';
        await fs.appendFile(path.join(minion, 'etc/certmaster/minion.conf'), extra);
        const result = await requestCertificate({ root: minion });
        const dir = path.join(minion, 'etc/pki/certmaster');
        const host = `node-${keyType}.example`;
        expect(result).to.deep.equal({
          host, keyFile: path.join(dir, `${host}.pem`), certFile: path.join(dir, `${host}.cert`), caFile: path.join(dir, 'ca.cert'), attempts: 1,
        });
        expect(await mode(result.keyFile)).to.equal(0o600);
        for (const f of [path.join(dir, `${host}.csr`), result.certFile, result.caFile]) expect(await mode(f)).to.equal(0o644);
        expect(await fs.readFile(result.keyFile, 'utf8')).to.include('PRIVATE KEY');
        const keyText = (await openssl(['pkey', '-in', result.keyFile, '-noout', '-text'])).stdout;
        expect(keyText).to.match(keyType === 'rsa' ? /Private-Key: \(2048 bit/ : /NIST CURVE: P-256/);
        expect((await openssl(['verify', '-CAfile', result.caFile, result.certFile])).stdout).to.include(': OK');
        const again = await requestCertificate({ root: minion });
        expect(again.attempts).to.equal(0);
      });
    }

    it('replaces a left-over CSR that was made for another key', async () => {
      const minion = await tempRoot('cm-req-stale-csr');
      await writeMinionConfs(minion, { name: 'stale', certmasterPort: daemon.address.port });
      const dir = path.join(minion, 'etc/pki/certmaster');
      await fs.mkdir(dir, { recursive: true });
      const staleCsr = await createCsr(await generatePrivateKey('ec'), 'stale');
      await fs.writeFile(path.join(dir, 'stale.csr'), staleCsr);
      const result = await requestCertificate({ root: minion });
      expect(await fs.readFile(path.join(dir, 'stale.csr'), 'utf8')).to.not.equal(staleCsr);
      expect((await openssl(['verify', '-CAfile', result.caFile, result.certFile])).stdout).to.include(': OK');
    });

    it('refuses a certificate that does not match its key, saying how to fix it', async () => {
      const minion = await tempRoot('cm-req-mismatch');
      await writeMinionConfs(minion, { name: 'rekeyed', certmasterPort: daemon.address.port });
      await requestCertificate({ root: minion });
      await fs.rm(path.join(minion, 'etc/pki/certmaster'), { recursive: true });
      const err = await rejection(requestCertificate({ root: minion }));
      expect(err).to.be.instanceOf(CaError);
      expect(err.message).to.equal('certificate does not match key (run certmaster-ca --clean rekeyed first?)');
      expect(await fs.readdir(path.join(minion, 'etc/pki/certmaster'))).to.not.include('rekeyed.cert');
    });

    it('says why it waits (unreachable, then pending), backs off ×1.5 up to the maximum, and finishes once signed', async () => {
      const caRoot = await tempRoot('cm-req-late-ca');
      await writeCertmasterConf(caRoot, { autosign: false });
      const port = await freePort();
      const minion = await tempRoot('cm-req-late');
      await writeMinionConfs(minion, { name: 'late1', certmasterPort: port });
      const waits: WaitInfo[] = [];
      let late: RunningCertmaster | undefined;
      const started = requestCertificate({
        root: minion, conf: { retry_interval: 0.1, retry_max_interval: 0.25 },
        onWait: (info) => {
          waits.push(info);
          if (info.reason === 'unreachable' && waits.length === 4) {
            void startCertmaster({ root: caRoot, host: '127.0.0.1', port, log: silentLogger, audit: silentLogger }).then((d) => { late = d; });
          }
          if (info.reason === 'pending' && late) void late.store.sign(['late1']);
        },
      });
      try {
        const result = await started;
        expect(result.host).to.equal('late1');
        expect(waits[0]).to.include({ reason: 'unreachable', attempt: 1, retryInMs: 100 });
        expect(waits[0]!.error?.message).to.match(/ECONNREFUSED|refused|connect/i);
        expect(waits.map((w) => w.reason).slice(0, 4)).to.deep.equal(['unreachable', 'unreachable', 'unreachable', 'unreachable']);
        expect(waits.map((w) => w.reason)).to.include('pending');
        expect(waits.map((w) => Math.round(w.retryInMs)).slice(0, 5)).to.deep.equal([100, 150, 225, 250, 250]);
        expect(waits.find((w) => w.reason === 'pending')!.csrFingerprint).to.match(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      } finally {
        await late?.stop();
      }
    });

    it('gives up with CertificateNotSignedError at the timeout, after one attempt with timeout 0, and on abort', async () => {
      const port = await freePort();
      const minion = await tempRoot('cm-req-timeout');
      await writeMinionConfs(minion, { name: 'never', certmasterPort: port });
      const t0 = performance.now();
      let waits = 0;
      const timedOut = await rejection(requestCertificate({ root: minion, timeoutMs: 500, conf: { retry_interval: 0.1 }, onWait: () => { waits++; } }));
      expect(timedOut).to.be.instanceOf(CertificateNotSignedError);
      expect(timedOut.message).to.match(/^no certificate for never yet: certmaster at http:\/\/127\.0\.0\.1:\d+\/ is unreachable/);
      expect(waits, 'it kept retrying until the timeout').to.be.at.least(2);
      expect(performance.now() - t0, 'not before the timeout').to.be.at.least(450);
      let attempts = 0;
      const once = await rejection(requestCertificate({ root: minion, timeoutMs: 0, onWait: () => { attempts++; } }));
      expect(once).to.be.instanceOf(CertificateNotSignedError);
      expect(attempts).to.equal(0);
      const ac = new AbortController();
      const aborted = await rejection(requestCertificate({ root: minion, signal: ac.signal, conf: { retry_interval: 0.05 }, onWait: () => ac.abort(new Error('stop now')) }));
      expect(aborted.message).to.equal('stop now');
    });

    it('stops at once on abort even while a call hangs on a silent server', async () => {
      const held: net.Socket[] = [];
      const ac = new AbortController();
      // the call is aborted once it hangs: when the silent server has taken its connection
      const silent = net.createServer((sock) => { held.push(sock); ac.abort(new Error('enough')); });
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      try {
        const minion = await tempRoot('cm-req-silent');
        await writeMinionConfs(minion, { name: 'hung', certmasterPort: (silent.address() as net.AddressInfo).port });
        const err = await rejection(requestCertificate({ root: minion, signal: ac.signal }));
        expect(err.message).to.equal('enough');
        expect(held).to.have.length(1);
      } finally {
        for (const sock of held) sock.destroy();
        await new Promise((r) => silent.close(r));
      }
    });
  });

  describe('bin/certmaster-request', () => {
    it('waits for a certmaster started after it, is signed by certmaster-ca --sign, and writes its files', async () => {
      const caRoot = await tempRoot('cm-req-cli-ca');
      const port = await freePort();
      await writeCertmasterConf(caRoot, { autosign: false, listen_port: port });
      const minion = await tempRoot('cm-req-cli');
      await writeMinionConfs(minion, { name: 'ignored-name', certmasterPort: port });
      const req = spawnBin('certmaster-request', ['--hostname', 'CLI-Minion'], { root: minion });
      await waitForOutput(req, /certmaster at http:\/\/127\.0\.0\.1:\d+\/ is unreachable.*next try in 0\.2 s/, 15000);
      const daemon = await startDaemonProcess(caRoot);
      expect(daemon.port).to.equal(port);
      await waitForOutput(req, /certificate request for cli-minion is pending .*certmaster-ca --sign cli-minion/, 15000);
      const sign = await runBin('certmaster-ca', ['--sign', 'cli-minion'], { root: caRoot });
      expect(sign.code, sign.stderr).to.equal(0);
      const { code } = await req.exited;
      const certFile = path.join(minion, 'etc/pki/certmaster/cli-minion.cert');
      expect(code, req.output().stderr).to.equal(0);
      expect(req.output().stdout).to.include(`certificate for cli-minion: ${certFile}`);
      expect((await openssl(['verify', '-CAfile', path.join(minion, 'etc/pki/certmaster/ca.cert'), certFile])).stdout).to.include(': OK');
      await daemon.proc.stop();
    });

    it('with --wait 0 makes one attempt and exits 1 saying the request is pending', async () => {
      const ca = await createTestCa();
      cleanup.push(ca.root);
      const daemon = await startDaemonProcess(ca.root);
      const minion = await tempRoot('cm-req-cli-wait');
      await writeMinionConfs(minion, { name: 'patient', certmasterPort: daemon.port });
      const r = await runBin('certmaster-request', ['--wait', '0'], { root: minion });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/certmaster-request: no certificate for patient yet: certificate request for patient is pending/);
      expect(await (await CertStore.open({ root: ca.root })).list()).to.deep.equal(['patient']);
      await daemon.proc.stop();
    });
  });
});
