// certmaster's refusals before signing (issue 8, items 9 and 4): host names too long to store are refused before a
// serial is used, without internal paths; weak keys and SHA-1 signatures are refused unless allow_weak_keys; a
// bogus 80 KB method name costs certmaster.log a few hundred bytes.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CertStore } from '../../certmaster/cert-store.js';
import { createCsr } from '../../certmaster/csr.js';
import { startCertmaster } from '../../certmaster/daemon.js';
import { generatePrivateKey } from '../../certmaster/keys.js';
import { CsrRefusedError } from '../../common/errors.js';
import { encodeCall } from '../../transport/xmlrpc/codec.js';
import { createTestCa, type TestCa } from '../helpers/pki.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { opensslCsr, postRaw } from './support.js';

/** A valid host name of exactly `n` characters (labels of at most 63). */
function hostOf(n: number): string {
  const labels: string[] = [];
  let left = n;
  while (left > 0) {
    const len = Math.min(63, left);
    labels.push('h'.repeat(len));
    left -= len + 1;
  }
  const name = labels.join('.');
  return name.length > n ? name.slice(0, n) : name;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try { await p; } catch (err) { return err as Error; }
  throw new Error('expected a rejection');
}

describe('certmaster CSR policy', function () {
  this.timeout(60000);
  let scratch: string;
  let ca: TestCa;
  let store: CertStore;
  before(async () => {
    scratch = await makeTempRoot('cm-policy-scratch');
    ca = await createTestCa();
    store = await CertStore.open({ root: ca.root });
  });
  after(async () => { await removeTempRoot(scratch); await removeTempRoot(ca.root); });

  it('signs and stores host names up to 250 characters (the temporary file name used to overflow at 232)', async () => {
    const host = hostOf(250);
    expect(store.maxStorableHostName).to.equal(250);
    const csrPem = await createCsr(await generatePrivateKey('ec'), host); // openssl req stops at 64 characters
    const signed = await store.signRequest(await store.checkCsr(csrPem));
    expect(await fs.readFile(path.join(ca.certroot, `${host}.cert`), 'utf8')).to.equal(signed.certPem);
  });

  it('refuses 251–253 character host names before signing: no serial used, no internal path in the message', async () => {
    const serial = () => fs.readFile(path.join(ca.caDir, 'serial.txt'), 'utf8').catch(() => 'none');
    const serialBefore = await serial();
    for (const n of [251, 253]) {
      const csrPem = await createCsr(await generatePrivateKey('ec'), hostOf(n));
      const err = await rejection(store.checkCsr(csrPem));
      expect(err).to.be.instanceOf(CsrRefusedError);
      expect(err.message).to.match(new RegExp(`host name of ${n} characters is too long: this CA stores host names of at most 250 characters`));
      expect(err.message).to.not.include(ca.root);
    }
    expect(await serial()).to.equal(serialBefore);
    expect(await fs.readdir(ca.csrroot)).to.deep.equal([]);
  });

  it('refuses RSA keys under 2048 bits, EC keys under 256 bits and SHA-1 signatures, saying how to allow them', async () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['rsa1024', ['-newkey', 'rsa:1024'], /1024-bit RSA key; at least 2048 bits are required/],
      ['ec224', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-224'], /EC key on curve secp224r1 \(224 bits\); at least 256 bits are required/],
      ['sha1', ['-newkey', 'rsa:2048', '-sha1'], /signed with SHA-1; SHA-256 or stronger is required/],
    ];
    for (const [name, args, message] of cases) {
      const { csrPem } = await opensslCsr(scratch, `/CN=${name}.example.org`, 'rsa', args);
      const err = await rejection(store.checkCsr(csrPem));
      expect(err, name).to.be.instanceOf(CsrRefusedError);
      expect(err.message, name).to.match(message).and.include('allow_weak_keys = yes in certmaster.conf');
    }
    const lenient = await CertStore.open({ root: ca.root, conf: { ...store.conf, allow_weak_keys: true } });
    const { csrPem } = await opensslCsr(scratch, '/CN=old.example.org', 'rsa', ['-newkey', 'rsa:1024', '-sha1']);
    expect((await lenient.checkCsr(csrPem)).cn).to.equal('old.example.org');
  });

  it('answers an 80 KB bogus method name with a Fault and logs at most a few hundred bytes of it', async () => {
    const cm = await startCertmaster({ root: ca.root });
    try {
      const logFile = path.join(ca.root, 'var/log/certmaster/certmaster.log');
      const before = (await fs.stat(logFile)).size;
      const url = `http://127.0.0.1:${cm.address.port}/`;
      for (let i = 0; i < 20; i++) {
        const r = await postRaw(url, encodeCall(`bogus${'x'.repeat(80_000)}`, []), { 'Content-Type': 'text/xml' });
        expect(r.body).to.include('method name longer than 256 bytes refused');
      }
      const r = await postRaw(url, encodeCall(`bogus${'y'.repeat(200)}`, []), { 'Content-Type': 'text/xml' });
      expect(r.body).to.include('InvalidMethodException');
      expect((await fs.stat(logFile)).size - before).to.be.below(2048);
    } finally {
      await cm.stop();
    }
  });
});
