// common/tls: loading PEM files with clear errors, and the peer identity (CN, OpenSSL subject hash, ACL key,
// fingerprint) computed from a certificate, checked against the openssl CLI.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../../common/errors.js';
import { anonymousPeer, identityKey, loadTlsMaterial, peerIdentity } from '../../common/tls.js';
import { createTlsFixtures, type TlsFixtures } from '../helpers/tls-fixtures.js';

const run = promisify(execFile);

describe('common/tls', () => {
  let pki: TlsFixtures;
  before(async () => { pki = await createTlsFixtures(); });
  after(async () => { await pki.cleanup(); });

  it('loads key, certificate, CA and CRL files', () => {
    const m = loadTlsMaterial({ key: pki.client.keyFile, cert: pki.client.certFile, ca: pki.ca.certFile, crl: pki.crlFile });
    expect(m).to.deep.equal({ key: pki.client.key, cert: pki.client.cert, ca: pki.ca.cert, crl: pki.crl });
    expect(loadTlsMaterial({ key: pki.client.keyFile, cert: pki.client.certFile, ca: pki.ca.certFile })).not.to.have.property('crl');
  });

  it('names the file it cannot read, or that holds no PEM', async () => {
    const missing = path.join(pki.dir, 'missing.pem');
    expect(() => loadTlsMaterial({ key: missing, cert: pki.client.certFile, ca: pki.ca.certFile }))
      .to.throw(ConfigError, `cannot read the TLS key file ${missing}: ENOENT`);
    const junk = path.join(pki.dir, 'junk.cert');
    await fs.writeFile(junk, 'not a certificate');
    expect(() => loadTlsMaterial({ key: pki.client.keyFile, cert: junk, ca: pki.ca.certFile }))
      .to.throw(ConfigError, `the TLS certificate file ${junk} holds no PEM data`);
  });

  it('computes the identity of a certificate as openssl does, for any address', async () => {
    const { stdout } = await run('openssl', ['x509', '-noout', '-subject_hash', '-in', pki.other.certFile]);
    const hash = parseInt(stdout.trim(), 16);
    const x = new X509Certificate(pki.other.cert);
    const id = peerIdentity({ raw: x.raw }, '10.1.2.3');
    expect(id).to.deep.equal({
      cn: 'other.example.org', subjectHash: hash, key: `other.example.org-${hash}`,
      fingerprint256: x.fingerprint256, address: '10.1.2.3',
    });
    expect(peerIdentity({ raw: x.raw }, '10.9.9.9')).to.deep.equal({ ...id, address: '10.9.9.9' });
  });

  it('builds ACL keys and anonymous identities', () => {
    expect(identityKey('host1.example.org', 2243050812)).to.equal('host1.example.org-2243050812');
    expect(anonymousPeer('192.0.2.1')).to.deep.equal({ cn: '', subjectHash: 0, key: '', address: '192.0.2.1', fingerprint256: '' });
  });
});
