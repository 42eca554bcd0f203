// The CA library against the openssl CLI: CA and minion certificate profiles, CSR checks, serials,
// refusals of CA look-alikes and unsafe names, and adoption of a Python-certmaster RSA CA directory.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { certMatchesKey, pemFingerprint256 } from '../../certmaster/ca.js';
import { CertStore } from '../../certmaster/cert-store.js';
import { createCsr, parseCsr } from '../../certmaster/csr.js';
import { generatePrivateKey } from '../../certmaster/keys.js';
import { CaError, CsrInvalidError, CsrRefusedError } from '../../common/errors.js';
import { createTestCa, writeIni, type TestCa } from '../helpers/pki.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { openssl, opensslCsr } from './support.js';

async function rejection(p: Promise<unknown>): Promise<Error> {
  try { await p; } catch (err) { return err as Error; }
  throw new Error('expected a rejection');
}

describe('certmaster CA library', () => {
  let scratch: string;
  const roots: string[] = [];
  before(async () => { scratch = await makeTempRoot('cm-ca-scratch'); });
  after(async () => { for (const r of [scratch, ...roots]) await removeTempRoot(r); });

  async function newCa(keyType: 'ec' | 'rsa' = 'ec'): Promise<{ ca: TestCa; store: CertStore }> {
    const ca = await createTestCa({ keyType });
    roots.push(ca.root);
    return { ca, store: await CertStore.open({ root: ca.root }) };
  }

  for (const keyType of ['ec', 'rsa'] as const) {
    it(`makes a ${keyType} CA certificate with func's subject, CA:TRUE (critical) and keyCertSign, cRLSign, digitalSignature`, async () => {
      const { ca } = await newCa(keyType);
      const file = path.join(ca.caDir, 'certmaster.crt');
      const text = (await openssl(['x509', '-in', file, '-noout', '-text'])).stdout;
      expect(text).to.match(/Subject: C ?= ?UN, ST ?= ?FC, L ?= ?Certmaster-town, O ?= ?certmaster, OU ?= ?slave-key, CN ?= ?\S+-CA-KEY, emailAddress ?= ?root@\S+-CA-KEY/);
      expect(text).to.match(/Basic Constraints: critical\s+CA:TRUE/);
      expect(text).to.match(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
      expect(text).to.include(keyType === 'ec' ? 'ecdsa-with-SHA256' : 'sha256WithRSAEncryption');
      const days = (Date.parse((await openssl(['x509', '-in', file, '-noout', '-enddate'])).stdout.split('=')[1]!) - Date.now()) / 86400e3;
      expect(days).to.be.within(3640, 3651);
      expect((await fs.stat(path.join(ca.caDir, 'certmaster.key'))).mode & 0o777).to.equal(0o600);
    });
  }

  for (const csrType of ['rsa', 'ec'] as const) {
    it(`signs an openssl ${csrType} CSR into a minion certificate that openssl verifies`, async () => {
      const { ca, store } = await newCa();
      const { csrPem } = await opensslCsr(scratch, `/CN=web-${csrType}.example.org`, csrType);
      const signed = await store.signRequest(await store.checkCsr(csrPem));
      const certFile = path.join(ca.certroot, `web-${csrType}.example.org.cert`);
      expect(await fs.readFile(certFile, 'utf8')).to.equal(signed.certPem);
      const caFile = path.join(ca.caDir, 'certmaster.crt');
      expect((await openssl(['verify', '-CAfile', caFile, certFile])).stdout).to.include(': OK');
      const text = (await openssl(['x509', '-in', certFile, '-noout', '-text'])).stdout;
      expect(text).to.match(/Basic Constraints: critical\s+CA:FALSE/);
      expect(text).to.match(csrType === 'rsa' ? /Key Usage: critical\s+Digital Signature, Key Encipherment/ : /Key Usage: critical\s+Digital Signature\n/);
      expect(text).to.match(/Extended Key Usage:\s+TLS Web Server Authentication, TLS Web Client Authentication/);
      expect(text).to.match(/Subject Alternative Name:\s+DNS:web-[a-z]+\.example\.org/);
      expect(text).to.match(/Serial Number: 1 \(0x1\)/);
    });
  }

  it('gives a host named by an IP address an IP subjectAltName, and its own CSRs pass openssl req -verify', async () => {
    const { ca, store } = await newCa();
    const key = await generatePrivateKey('ec');
    const csrPem = await createCsr(key, '127.0.0.9');
    const csrFile = path.join(scratch, 'ip.csr');
    await fs.writeFile(csrFile, csrPem);
    expect((await openssl(['req', '-in', csrFile, '-noout', '-verify'])).stderr + '').to.match(/verify OK/i);
    await store.signRequest(await store.checkCsr(csrPem));
    const text = (await openssl(['x509', '-in', path.join(ca.certroot, '127.0.0.9.cert'), '-noout', '-ext', 'subjectAltName'])).stdout;
    expect(text).to.include('IP Address:127.0.0.9');
    expect(certMatchesKey(await fs.readFile(path.join(ca.certroot, '127.0.0.9.cert'), 'utf8'), key)).to.equal(true);
    expect(certMatchesKey(await fs.readFile(path.join(ca.caDir, 'certmaster.crt'), 'utf8'), key)).to.equal(false);
  });

  it('takes serials from serial.txt (first is 1) and never gives two concurrent signings the same serial', async () => {
    const { ca, store } = await newCa();
    const csrs = await Promise.all(Array.from({ length: 16 }, async (_, i) => store.checkCsr(await createCsr(await generatePrivateKey('ec'), `node${i}`))));
    const signedAll = await Promise.all(csrs.map((c) => store.signRequest(c)));
    const serials = signedAll.map((s) => Number(s.serial)).sort((a, b) => a - b);
    expect(serials).to.deep.equal(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(await fs.readFile(path.join(ca.caDir, 'serial.txt'), 'utf8')).to.equal('16\n');
  });

  it('refuses a CSR copying the CA subject, or carrying the CA common name', async () => {
    const { ca, store } = await newCa();
    const caSubject = (await openssl(['x509', '-in', path.join(ca.caDir, 'certmaster.crt'), '-noout', '-subject', '-nameopt', 'compat'])).stdout.replace(/^subject=\s*/, '').trim();
    const caCn = /CN=([^/]+)/.exec(caSubject)![1]!;
    const same = await opensslCsr(scratch, caSubject, 'rsa');
    const err1 = await rejection(store.checkCsr(same.csrPem));
    expect(err1).to.be.instanceOf(CsrRefusedError);
    expect(err1.message).to.include("its subject is the CA's own subject");
    const cnOnly = await opensslCsr(scratch, `/O=elsewhere/CN=${caCn.toUpperCase()}`, 'ec');
    const err2 = await rejection(store.checkCsr(cnOnly.csrPem));
    expect(err2).to.be.instanceOf(CsrRefusedError);
    expect(err2.message).to.include("the CA's common name");
    expect(await fs.readdir(ca.certroot)).to.deep.equal([]);
  });

  it('rejects unsafe common names with a message saying why', async () => {
    const key = await generatePrivateKey('ec');
    const cases: [string, RegExp][] = [
      ['../../etc/passwd', /contains "\/"/], ['a\\b', /contains "\\\\"/], ['a\u0000b', /a NUL character/],
      ['.hidden', /starts with "\."/], ['-x', /starts with "-"/], ['a..b', /contains "\.\."/],
      ['x'.repeat(254), /254 characters long/], ['sp ace', /contains " "/],
    ];
    for (const [cn, why] of cases) {
      const err = await rejection(parseCsr(await createCsr(key, cn), 65536));
      expect(err, cn).to.be.instanceOf(CsrInvalidError);
      expect(err.message).to.match(/is not a safe host name/).and.to.match(why);
    }
    expect((await parseCsr(await createCsr(key, 'Ok_name-1.example'), 65536)).cn).to.equal('Ok_name-1.example');
  });

  it('rejects a CSR whose signature was tampered with, one above max_csr_bytes, and text that is no CSR', async () => {
    const { csrFile } = await opensslCsr(scratch, '/CN=tampered', 'rsa');
    const derFile = `${csrFile}.der`;
    await openssl(['req', '-in', csrFile, '-outform', 'DER', '-out', derFile]);
    const bytes = await fs.readFile(derFile);
    bytes[bytes.length - 5]! ^= 0xff;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${bytes.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect((await rejection(parseCsr(tampered, 65536))).message).to.include('signature does not verify');
    const good = await fs.readFile(csrFile, 'utf8');
    const tooBig = await rejection(parseCsr(good, 100));
    expect(tooBig).to.be.instanceOf(CsrInvalidError);
    expect(tooBig.message).to.match(/is \d+ bytes, more than max_csr_bytes = 100/);
    expect((await rejection(parseCsr('hello', 65536))).message).to.include('not a PEM certificate request');
  });

  it('fingerprints like openssl -fingerprint -sha256', async () => {
    const { ca } = await newCa();
    const file = path.join(ca.caDir, 'certmaster.crt');
    const ours = pemFingerprint256(await fs.readFile(file, 'utf8'));
    expect((await openssl(['x509', '-in', file, '-noout', '-fingerprint', '-sha256'])).stdout.trim()).to.equal(`sha256 Fingerprint=${ours}`);
  });

  it('adopts a Python-certmaster-style RSA CA directory (PKCS#1 key, serial.txt) and signs and revokes with it', async () => {
    const root = await makeTempRoot('cm-old-ca');
    roots.push(root);
    const cadir = path.join(root, 'etc/pki/certmaster/ca');
    await fs.mkdir(cadir, { recursive: true });
    const keyFile = path.join(cadir, 'certmaster.key');
    await openssl(['genrsa', '-traditional', '-out', keyFile, '2048']);
    const subj = '/C=UN/ST=FC/L=Certmaster-town/O=certmaster/OU=slave-key/CN=oldhost-CA-KEY/emailAddress=root@oldhost-CA-KEY';
    await openssl(['req', '-new', '-key', keyFile, '-subj', subj, '-out', path.join(root, 'ca.csr')]);
    const ext = path.join(root, 'ext.cnf');
    await fs.writeFile(ext, 'basicConstraints=critical,CA:TRUE\n');
    await openssl(['x509', '-req', '-in', path.join(root, 'ca.csr'), '-signkey', keyFile, '-days', '3650', '-sha1', '-set_serial', '0', '-extfile', ext, '-out', path.join(cadir, 'certmaster.crt')]);
    await fs.writeFile(path.join(cadir, 'serial.txt'), '41\n');
    const keyBefore = await fs.readFile(keyFile, 'utf8');
    expect(keyBefore).to.match(/^-----BEGIN RSA PRIVATE KEY-----/);
    await writeIni(path.join(root, 'etc/certmaster/certmaster.conf'), { key_type: 'ec' });

    const store = await CertStore.open({ root });
    const { csrPem } = await opensslCsr(root, '/CN=legacy-minion', 'ec');
    const signed = await store.signRequest(await store.checkCsr(csrPem));
    expect(Number(signed.serial)).to.equal(42);
    expect(await fs.readFile(keyFile, 'utf8')).to.equal(keyBefore);
    const caFile = path.join(cadir, 'certmaster.crt');
    expect((await openssl(['verify', '-CAfile', caFile, signed.certFile])).stdout).to.include(': OK');
    const hold = path.join(root, 'legacy.cert');
    await fs.copyFile(signed.certFile, hold);
    await store.revoke(['legacy-minion']);
    const crlFile = path.join(cadir, 'certmaster.crl');
    expect((await openssl(['crl', '-in', crlFile, '-noout', '-CAfile', caFile])).stderr).to.match(/verify OK/);
    expect((await openssl(['crl', '-in', crlFile, '-noout', '-text'])).stdout).to.match(/Serial Number: 2A/);
  });

  it('refuses to run on a cadir that holds a key but no certificate', async () => {
    const root = await makeTempRoot('cm-half-ca');
    roots.push(root);
    const cadir = path.join(root, 'etc/pki/certmaster/ca');
    await fs.mkdir(cadir, { recursive: true });
    await fs.writeFile(path.join(cadir, 'certmaster.key'), await generatePrivateKey('ec'), { mode: 0o600 });
    const err = await rejection(CertStore.open({ root }));
    expect(err).to.be.instanceOf(CaError);
    expect(err.message).to.match(/certmaster\.key exists but .*certmaster\.crt does not/);
    expect(await fs.readdir(cadir)).to.deep.equal(['certmaster.key']);
  });
});
