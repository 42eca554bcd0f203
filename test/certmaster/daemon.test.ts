// The certmaster daemon process (bin/certmaster) enrolling openssl CSRs through Python's xmlrpc.client,
// with certmaster-ca in between; every kind of bad input answered with a Fault while the daemon keeps serving.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createCsr } from '../../certmaster/csr.js';
import { generatePrivateKey } from '../../certmaster/keys.js';
import { runBin, stopAll } from '../helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import {
  listTree, openssl, opensslCsr, postHuge, postRaw, pyCall, startDaemonProcess, writeCertmasterConf, type DaemonProcess, type PyAnswer,
} from './support.js';

const CSRROOT = 'var/lib/certmaster/certmaster/csrs';
const CERTROOT = 'var/lib/certmaster/certmaster/certs';

function okValue(a: PyAnswer): [boolean, string, string] {
  expect(a, JSON.stringify(a)).to.have.property('ok');
  return (a as { ok: [boolean, string, string] }).ok;
}

function faultOf(a: PyAnswer): { fault: number; string: string } {
  expect(a, JSON.stringify(a)).to.have.property('fault');
  return a as { fault: number; string: string };
}

describe('certmaster daemon (bin/certmaster) with Python xmlrpc.client', () => {
  after(stopAll);

  describe('enrollment with autosign off', () => {
    let root: string;
    let daemon: DaemonProcess;
    before(async () => {
      root = await makeTempRoot('cm-daemon');
      await writeCertmasterConf(root, { autosign: false });
      daemon = await startDaemonProcess(root);
    });
    after(async () => { await daemon?.proc.stop(); await removeTempRoot(root); });

    for (const type of ['rsa', 'ec'] as const) {
      it(`enrolls an openssl ${type} CSR: pending, listed, signed by certmaster-ca --sign, then returned and verified`, async () => {
        const host = `py-${type}.example.net`;
        const { csrPem } = await opensslCsr(root, `/CN=${host}`, type);
        expect(okValue(await pyCall(daemon.url, 'wait_for_cert', csrPem, root))).to.deep.equal([false, '', '']);
        expect(okValue(await pyCall(daemon.url, 'wait_for_cert', csrPem, root))).to.deep.equal([false, '', '']);
        const list = await runBin('certmaster-ca', ['--list'], { root });
        expect(list.code).to.equal(0);
        expect(list.stdout.split('\n')).to.include(host);
        const sign = await runBin('certmaster-ca', ['--sign', host], { root });
        expect(sign.code, sign.stderr).to.equal(0);
        expect(sign.stdout).to.equal(`${path.join(root, CSRROOT, `${host}.csr`)} signed - cert located at ${path.join(root, CERTROOT, `${host}.cert`)}\n`);
        const [signed, certPem, caPem] = okValue(await pyCall(`${daemon.url}RPC2`, 'wait_for_cert', csrPem, root));
        expect(signed).to.equal(true);
        await fs.writeFile(path.join(root, 'got.cert'), certPem);
        await fs.writeFile(path.join(root, 'got-ca.cert'), caPem);
        expect((await openssl(['verify', '-CAfile', path.join(root, 'got-ca.cert'), path.join(root, 'got.cert')])).stdout).to.include(': OK');
        expect(await listTree(path.join(root, CSRROOT))).to.not.include(`${host}.csr`);
      });
    }

    it('answers an unknown method with Fault 1 InvalidMethodException', async () => {
      const f = faultOf(await pyCall(daemon.url, 'sign_everything', 'x', root));
      expect(f).to.deep.equal({ fault: 1, string: "<class 'certmaster.codes.InvalidMethodException'>:" });
    });

    it('writes certmaster.log and audit.log under the root', async () => {
      const logs = path.join(root, 'var/log/certmaster');
      expect(await fs.readFile(path.join(logs, 'certmaster.log'), 'utf8')).to.match(/certmaster started, listening on http:\/\/127\.0\.0\.1:\d+\//);
      expect(await fs.readFile(path.join(logs, 'audit.log'), 'utf8')).to.match(/signed py-rsa\.example\.net serial \d+ sha256 [0-9A-F:]+/);
    });
  });

  describe('autosign on, and bad input', () => {
    let root: string;
    let scratch: string;
    let daemon: DaemonProcess;
    let caCn: string;
    let caSubject: string;
    let before_: string[];
    before(async () => {
      root = await makeTempRoot('cm-daemon-bad');
      scratch = await makeTempRoot('cm-daemon-bad-scratch');
      await writeCertmasterConf(root, { autosign: true, max_csr_bytes: 3000 });
      daemon = await startDaemonProcess(root);
      const caFile = path.join(root, 'etc/pki/certmaster/ca/certmaster.crt');
      caSubject = (await openssl(['x509', '-in', caFile, '-noout', '-subject', '-nameopt', 'compat'])).stdout.replace(/^subject=\s*/, '').trim();
      caCn = /CN=([^/]+)/.exec(caSubject)![1]!;
      before_ = await state();
    });
    after(async () => { await daemon?.proc.stop(); await removeTempRoot(root); await removeTempRoot(scratch); });

    /** Files under the root apart from logs. */
    const state = async () => (await listTree(root)).filter((f) => !f.startsWith('var/log/'));

    /** Nothing appeared or vanished under the root, and the daemon still signs a good CSR. */
    async function stillServing(): Promise<void> {
      expect(await state()).to.deep.equal(before_);
      const host = `good-${Math.random().toString(36).slice(2, 8)}`;
      const answer = okValue(await pyCall(daemon.url, 'wait_for_cert', await createCsr(await generatePrivateKey('ec'), host), scratch));
      expect(answer[0]).to.equal(true);
      await fs.rm(path.join(root, CERTROOT, `${host}.cert`));
    }

    it('autosigns a good CSR at once and returns the same certificate on the next request', async () => {
      const csr = await createCsr(await generatePrivateKey('rsa'), 'auto1');
      const first = okValue(await pyCall(daemon.url, 'wait_for_cert', csr, scratch));
      expect(first[0]).to.equal(true);
      expect(okValue(await pyCall(daemon.url, 'wait_for_cert', csr, scratch))).to.deep.equal(first);
      expect(await listTree(path.join(root, CSRROOT))).to.deep.equal([]);
      before_ = await state();
    });

    const refusals: [string, () => Promise<string>, RegExp][] = [
      ['a CSR copying the CA subject', async () => (await opensslCsr(scratch, caSubject, 'rsa')).csrPem, /CertMasterException'>:refusing .*its subject is the CA's own subject/],
      ['a CSR with the CA common name', async () => (await opensslCsr(scratch, `/CN=${caCn}`, 'ec')).csrPem, /refusing .*that is the CA's common name/],
      ['a path-traversal common name', async () => (await opensslCsr(scratch, '/CN=..\\/..\\/..\\/etc\\/evil', 'ec')).csrPem, /CSR common name "\.\.\/\.\.\/\.\.\/etc\/evil" is not a safe host name: it contains "\/"/],
      ['a common name with a NUL', async () => createCsr(await generatePrivateKey('ec'), 'nul\u0000host'), /not a safe host name: it contains a NUL character/],
      ['a CSR above max_csr_bytes', async () => (await opensslCsr(scratch, '/CN=big', 'rsa', ['-addext', `subjectAltName=${Array.from({ length: 60 }, (_, i) => `DNS:host-${i}-${'x'.repeat(40)}.example`).join(',')}`])).csrPem, /more than max_csr_bytes = 3000/],
      ['a CSR whose signature was tampered with', tamperedCsr, /signature does not verify/],
      ['text that is not a CSR', async () => 'not a csr at all', /not a PEM certificate request/],
    ];
    for (const [what, make, message] of refusals) {
      it(`answers ${what} with Fault 1 naming the reason, writes nothing, and keeps serving`, async () => {
        const f = faultOf(await pyCall(daemon.url, 'wait_for_cert', await make(), scratch));
        expect(f.fault).to.equal(1);
        expect(f.string).to.match(message);
        expect(await listTree(path.join(root, CSRROOT))).to.deep.equal([]);
        expect(await listTree(path.join(root, CERTROOT))).to.deep.equal(['auto1.cert']);
        await stillServing();
      });
    }

    async function tamperedCsr(): Promise<string> {
      const { csrFile } = await opensslCsr(scratch, '/CN=tampered', 'rsa');
      await openssl(['req', '-in', csrFile, '-outform', 'DER', '-out', `${csrFile}.der`]);
      const der = await fs.readFile(`${csrFile}.der`);
      der[der.length - 3]! ^= 0x5a;
      return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`;
    }

    const rawBodies: [string, () => string, RegExp][] = [
      ['malformed XML', () => '<?xml version="1.0"?><methodCall><methodName>wait_for_cert</methodName><params>', /<name>faultCode<\/name>\s*<value><int>1<\/int>/],
      ['deep nesting', () => `<?xml version="1.0"?><methodCall><methodName>wait_for_cert</methodName><params><param>${'<value><array><data>'.repeat(200)}${'</data></array></value>'.repeat(200)}</param></params></methodCall>`, /<name>faultCode<\/name>\s*<value><int>1<\/int>/],
      ['an entity declaration', () => '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><methodCall><methodName>wait_for_cert</methodName><params><param><value><string>&lol2;</string></value></param></params></methodCall>', /<name>faultCode<\/name>\s*<value><int>1<\/int>/],
      ['a struct where the CSR string belongs', () => '<?xml version="1.0"?><methodCall><methodName>wait_for_cert</methodName><params><param><value><struct></struct></value></param></params></methodCall>', /wait_for_cert expects \(csr_pem: string/],
    ];
    for (const [what, body, expected] of rawBodies) {
      it(`answers ${what} with a Fault and keeps serving`, async () => {
        const res = await postRaw(daemon.url, body());
        expect(res.status).to.equal(200);
        expect(res.body).to.include('<fault>');
        expect(res.body).to.match(expected);
        await stillServing();
      });
    }

    it('refuses a huge body with HTTP 413, announced (Content-Length) or streamed (chunked), and keeps serving', async () => {
      const announced = await postRaw(daemon.url, '', { 'Content-Length': String(16 * 1024 * 1024) }).catch((err: Error) => ({ status: -1, body: err.message }));
      expect(announced.status, announced.body).to.equal(413);
      const streamed = await postHuge(daemon.url, 16 * 1024 * 1024);
      // the server answers 413 and closes; the client may see that answer or only the closed connection
      if (streamed.status !== 413) expect(streamed.error, JSON.stringify(streamed)).to.match(/EPIPE|ECONNRESET/);
      expect(streamed.sent).to.be.lessThan(16 * 1024 * 1024);
      await stillServing();
    });
  });
});
