// transport/amqp/signing: signatures made with certmaster-issued keys (EC and RSA) verify; tampered bodies,
// foreign CAs, revoked certificates and stale or future-dated times are refused with their reason.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import { openTestStore, createTestCa, issueMinionCert, type TestCa } from '../../helpers/pki.js';
import { makeTempRoot, removeTempRoot } from '../../helpers/temp-root.js';
import { MessageSigner, SignatureVerifier, checkFreshness, SignatureHeaders } from '../../../transport/amqp/signing.js';
import { MessageRejectedError } from '../../../transport/amqp/rejection.js';

async function issued(ca: TestCa, name: string, dir: string, keyType: 'ec' | 'rsa' = 'ec'): Promise<MessageSigner> {
  const files = await issueMinionCert(ca, name, dir, keyType);
  return new MessageSigner(await fs.readFile(files.keyPath, 'utf8'), await fs.readFile(files.certPath, 'utf8'));
}

function reasonOf(fn: () => unknown): string {
  try { fn(); } catch (err) { expect(err).to.be.instanceOf(MessageRejectedError); return (err as MessageRejectedError).reason; }
  throw new Error('expected a rejection');
}

describe('transport/amqp/signing', function () {
  this.timeout(30_000);
  let ca: TestCa;
  let other: TestCa;
  let dir: string;
  let ec: MessageSigner;
  let rsa: MessageSigner;

  before(async () => {
    ca = await createTestCa();
    other = await createTestCa();
    dir = await makeTempRoot('amqp-signing');
    ec = await issued(ca, 'ec-host', dir);
    rsa = await issued(ca, 'rsa-host', dir, 'rsa');
  });
  after(async () => { for (const d of [ca.root, other.root, dir]) await removeTempRoot(d); });

  it('verifies EC and RSA signatures and names the signer by its certificate', async () => {
    const v = await SignatureVerifier.create({ ca: ca.caCertPem });
    const body = Buffer.from('{"v":1}');
    expect(v.verify(body, ec.sign(body)).cn).to.equal('ec-host');
    expect(v.verify(body, rsa.sign(body)).identity.key).to.equal(rsa.identity.key);
  });

  it('refuses a tampered body, a missing signature and a signature by another certificate', async () => {
    const v = await SignatureVerifier.create({ ca: ca.caCertPem });
    const headers = ec.sign(Buffer.from('{"a":1}'));
    expect(reasonOf(() => v.verify(Buffer.from('{"a":2}'), headers))).to.equal('bad-signature');
    expect(reasonOf(() => v.verify(Buffer.from('{"a":1}'), { [SignatureHeaders.CERT]: headers[SignatureHeaders.CERT] }))).to.equal('unsigned');
    const mixed = { ...headers, [SignatureHeaders.CERT]: rsa.sign(Buffer.from('x'))[SignatureHeaders.CERT]! };
    expect(reasonOf(() => v.verify(Buffer.from('{"a":1}'), mixed))).to.equal('bad-signature');
  });

  it('refuses a certificate of another CA', async () => {
    const stranger = await issued(other, 'stranger', dir);
    const v = await SignatureVerifier.create({ ca: ca.caCertPem });
    const body = Buffer.from('{}');
    expect(reasonOf(() => v.verify(body, stranger.sign(body)))).to.equal('untrusted-certificate');
  });

  it('refuses a revoked certificate once the new CRL is applied, even after it was cached', async () => {
    const victim = await issued(ca, 'victim', dir);
    const store = await openTestStore(ca);
    const v = await SignatureVerifier.create({ ca: ca.caCertPem });
    const body = Buffer.from('{}');
    expect(v.verify(body, victim.sign(body)).cn).to.equal('victim');
    await store.revoke(['victim']);
    const crl = await fs.readFile(`${ca.caDir}/certmaster.crl`, 'utf8');
    await v.setTrust({ ca: ca.caCertPem, crl });
    expect(reasonOf(() => v.verify(body, victim.sign(body)))).to.equal('revoked-certificate');
    expect(v.verify(body, ec.sign(body)).cn).to.equal('ec-host');
  });

  it('checks signed times: future-dated, expired and too long-lived messages are refused', () => {
    const now = 1_000_000_000_000;
    expect(() => checkFreshness(now, now + 30_000, now)).not.to.throw();
    expect(reasonOf(() => checkFreshness(now + 120_000, now + 150_000, now))).to.equal('future-dated');
    expect(reasonOf(() => checkFreshness(now - 60_000, now - 1, now))).to.equal('expired');
    expect(reasonOf(() => checkFreshness(now, now + 48 * 3600_000, now))).to.equal('lifetime-too-long');
  });

  it('refuses a key that does not belong to the certificate', async () => {
    const files = await issueMinionCert(ca, 'pair-a', dir);
    const filesB = await issueMinionCert(ca, 'pair-b', dir);
    const key = await fs.readFile(files.keyPath, 'utf8');
    const cert = await fs.readFile(filesB.certPath, 'utf8');
    expect(() => new MessageSigner(key, cert)).to.throw(/does not belong/);
  });
});
