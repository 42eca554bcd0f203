// certmaster-ca (bin/certmaster-ca) against a real CA directory: func's outputs and exit codes for list,
// sign, clean, list-signed, list-cert-hash; revoke checked by openssl crl/verify; fingerprints; triggers; config.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CertStore } from '../../certmaster/cert-store.js';
import { createCsr } from '../../certmaster/csr.js';
import { startCertmaster } from '../../certmaster/daemon.js';
import { generatePrivateKey } from '../../certmaster/keys.js';
import { silentLogger } from '../../common/log.js';
import { xmlrpcCall } from '../../transport/xmlrpc/client.js';
import { createTestCa, issueMinionCert, writeIni, type TestCa } from '../helpers/pki.js';
import { runBin, stopAll } from '../helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../helpers/temp-root.js';
import { openssl } from './support.js';

async function pend(store: CertStore, host: string): Promise<void> {
  await store.storeCsr(await store.checkCsr(await createCsr(await generatePrivateKey('ec'), host)));
}

async function addTrigger(root: string, event: string, phase: string): Promise<void> {
  const dir = path.join(root, 'var/lib/certmaster/triggers', event, phase);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, '10-record'), `#!/bin/sh\necho "${event}-${phase} $1" >> "${root}/triggers.log"\n`, { mode: 0o755 });
  await fs.writeFile(path.join(dir, 'ignored.rpmsave'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
}

describe('certmaster-ca', () => {
  let ca: TestCa;
  let store: CertStore;
  let scratch: string;
  const ca_ = (args: string[]) => runBin('certmaster-ca', args, { root: ca.root });

  before(async () => {
    ca = await createTestCa();
    scratch = await makeTempRoot('cm-ca-cli-scratch');
    store = await CertStore.open({ root: ca.root });
    for (const [e, p] of [['sign', 'pre'], ['sign', 'post'], ['remove', 'pre'], ['remove', 'post']]) await addTrigger(ca.root, e!, p!);
  });
  after(async () => { await stopAll(); await removeTempRoot(ca.root); await removeTempRoot(scratch); });

  it('lists nothing to sign, then the pending hosts sorted', async () => {
    expect(await ca_(['--list'])).to.deep.include({ code: 0, stdout: 'No certificates to sign\n' });
    for (const h of ['web2', 'db1', 'web1']) await pend(store, h);
    expect(await ca_(['-l'])).to.deep.include({ code: 0, stdout: 'db1\nweb1\nweb2\n' });
  });

  it('refuses --sign without hosts and with an unmatched glob (exit 1), signs a glob, and runs sign triggers', async () => {
    expect(await ca_(['--sign'])).to.deep.include({ code: 1, stderr: 'Need hostnames to sign\n' });
    expect(await ca_(['--sign', 'nosuch*'])).to.deep.include({ code: 1, stderr: 'No match for nosuch* to sign\n' });
    const r = await ca_(['--sign', 'web*']);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).to.deep.equal(['web1', 'web2'].map((h) => `${path.join(ca.csrroot, `${h}.csr`)} signed - cert located at ${path.join(ca.certroot, `${h}.cert`)}`));
    expect((await fs.readdir(ca.certroot)).sort()).to.deep.equal(['web1.cert', 'web2.cert']);
    expect(await fs.readdir(ca.csrroot)).to.deep.equal(['db1.csr']);
    expect(await fs.readFile(path.join(ca.root, 'triggers.log'), 'utf8')).to.equal('sign-pre web1\nsign-post web1\nsign-pre web2\nsign-post web2\n');
  });

  it('refuses to --sign a pending CSR that copies the CA subject (exit 1, nothing signed)', async () => {
    const caCn = /CN ?= ?([^,/\n]+)/.exec((await openssl(['x509', '-in', path.join(ca.caDir, 'certmaster.crt'), '-noout', '-subject'])).stdout)![1]!.trim();
    // such a CSR can only get into csrroot by hand: certmaster itself never stores it
    const evil = path.join(ca.csrroot, 'evil.csr');
    await fs.writeFile(evil, await createCsr(await generatePrivateKey('ec'), caCn));
    try {
      const r = await ca_(['--sign', 'evil']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(`certmaster-ca: cannot sign evil: refusing to sign a request for "${caCn}": its subject is the CA's own subject\n`);
      expect((await fs.readdir(ca.certroot)).sort()).to.deep.equal(['web1.cert', 'web2.cert']);
    } finally {
      await fs.rm(evil, { force: true });
    }
  });

  it('lists signed hosts (all, or by glob) and their <CN>-<decimal subject hash> as openssl computes it', async () => {
    expect(await ca_(['--list-signed'])).to.deep.include({ code: 0, stdout: 'web1\nweb2\n' });
    expect(await ca_(['--list-signed', '*1'])).to.deep.include({ code: 0, stdout: 'web1\n' });
    const hashes = (await ca_(['--list-cert-hash'])).stdout.trim().split('\n');
    const expected = await Promise.all(['web1', 'web2'].map(async (h) => {
      const hex = (await openssl(['x509', '-in', path.join(ca.certroot, `${h}.cert`), '-noout', '-subject_hash'])).stdout.trim();
      return `${h}-${Number.parseInt(hex, 16)}`;
    }));
    expect(hashes).to.deep.equal(expected);
  });

  it('prints SHA-256 fingerprints of pending CSRs and signed certs as openssl does', async () => {
    const r = await ca_(['--fingerprint', 'db1', 'web1']);
    expect(r.code, r.stderr).to.equal(0);
    const certFp = (await openssl(['x509', '-in', path.join(ca.certroot, 'web1.cert'), '-noout', '-fingerprint', '-sha256'])).stdout.trim().split('=')[1];
    const der = path.join(scratch, 'db1.der');
    await openssl(['req', '-in', path.join(ca.csrroot, 'db1.csr'), '-outform', 'DER', '-out', der]);
    const csrFp = (await openssl(['dgst', '-sha256', '-c', der])).stdout.trim().split('= ')[1]!.toUpperCase();
    expect(r.stdout).to.equal(`db1 csr SHA256 ${csrFp}\nweb1 cert SHA256 ${certFp}\n`);
    expect(await ca_(['--fingerprint', 'zz*'])).to.deep.include({ code: 1, stderr: 'No match for zz*\n' });
  });

  it('revokes: the CRL lists the serial, openssl verify -crl_check says revoked, the cert is gone, remove triggers ran', async () => {
    const kept = path.join(scratch, 'web1.cert');
    await fs.copyFile(path.join(ca.certroot, 'web1.cert'), kept);
    const serial = (await openssl(['x509', '-in', kept, '-noout', '-serial'])).stdout.trim().split('=')[1]!;
    await fs.writeFile(path.join(ca.root, 'triggers.log'), '');
    const r = await ca_(['--revoke', 'web1']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^Revoked web1 \(serial \w+\)/);
    const crlFile = path.join(ca.caDir, 'certmaster.crl');
    expect(await fs.readFile(crlFile, 'utf8')).to.match(/^-----BEGIN X509 CRL-----/);
    const crlText = (await openssl(['crl', '-in', crlFile, '-noout', '-text'])).stdout;
    expect(crlText).to.include(`Serial Number: ${serial}`);
    const bundle = path.join(scratch, 'ca+crl.pem');
    await fs.writeFile(bundle, ca.caCertPem + await fs.readFile(crlFile, 'utf8'));
    const v = await openssl(['verify', '-crl_check', '-CAfile', bundle, kept], { allowFail: true });
    expect(v.code).to.not.equal(0);
    expect(v.stdout + v.stderr).to.include('certificate revoked');
    expect(await fs.readdir(ca.certroot)).to.deep.equal(['web2.cert']);
    expect(await fs.readFile(path.join(ca.root, 'triggers.log'), 'utf8')).to.equal('remove-pre web1\nremove-post web1\n');
    const other = await openssl(['verify', '-crl_check', '-CAfile', bundle, path.join(ca.certroot, 'web2.cert')]);
    expect(other.stdout).to.include(': OK');
  });

  it('re-signs the CRL with a fresh thisUpdate on each revoke, keeping earlier serials', async () => {
    const crlFile = path.join(ca.caDir, 'certmaster.crl');
    const lastUpdate = async () => Date.parse((await openssl(['crl', '-in', crlFile, '-noout', '-lastupdate'])).stdout.split('=')[1]!);
    const before = await lastUpdate();
    // thisUpdate has whole seconds: wait until the clock is past the second the last CRL was signed in
    await new Promise((r) => setTimeout(r, Math.max(0, before + 1000 - Date.now())));
    expect((await ca_(['--revoke', 'web2'])).code).to.equal(0);
    expect(await lastUpdate()).to.be.greaterThan(before);
    const serials = [...(await openssl(['crl', '-in', crlFile, '-noout', '-text'])).stdout.matchAll(/Serial Number: (\w+)/g)].map((m) => m[1]);
    expect(serials).to.have.length(2);
    expect(await ca_(['--revoke', 'web2'])).to.deep.include({ code: 1, stderr: 'No match for web2 to revoke\n' });
  });

  it('cleans CSRs and certs by glob with func\'s messages; an unmatched glob is reported on stdout', async () => {
    await pend(store, 'app1');
    await issueMinionCert(ca, 'app2', scratch);
    expect(await ca_(['--clean'])).to.deep.include({ code: 1, stderr: 'Need hostname(s) to clean up\n' });
    const r = await ca_(['-c', 'app*', 'gone']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal([
      `Cleaning out ${path.join(ca.csrroot, 'app1.csr')} for host matching app*`,
      `Cleaning out ${path.join(ca.certroot, 'app2.cert')} for host matching app*`,
      'No match for gone to clean up', ''].join('\n'));
    expect(await fs.readdir(ca.certroot)).to.deep.equal([]);
    expect(await fs.readdir(ca.csrroot)).to.deep.equal(['db1.csr']);
  });

  it('shows help and exits 1 without an action; --help, --version and completion work', async () => {
    const none = await ca_([]);
    expect(none.code).to.equal(1);
    expect(none.stdout + none.stderr).to.include('--list-cert-hash');
    const help = await ca_(['--help']);
    expect(help.code).to.equal(0);
    for (const opt of ['--list', '--sign', '--clean', '--list-signed', '--list-cert-hash', '--revoke', '--fingerprint', '--config', 'FUNC_ROOT']) expect(help.stdout).to.include(opt);
    const pkg = JSON.parse(await fs.readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await ca_(['--version'])).to.deep.include({ code: 0, stdout: `${pkg.version}\n` });
    const completion = await ca_(['completion']);
    expect(completion.code).to.equal(0);
    expect(completion.stdout).to.include('_certmaster-ca_yargs_completions');
  });

  it('honours --config FILE, and names the file and line of a malformed config', async () => {
    const other = await makeTempRoot('cm-ca-cli-config');
    try {
      // a config file away from the default place; its paths resolve under FUNC_ROOT like every path
      const conf = path.join(other, 'cm.conf');
      await writeIni(conf, { cadir: '/ca', csrroot: '/csrs', certroot: '/certs' });
      const ok = await runBin('certmaster-ca', ['--config', conf, '--list'], { root: other });
      expect(ok).to.deep.include({ code: 0, stdout: 'No certificates to sign\n' });
      expect((await fs.readdir(path.join(other, 'ca'))).sort()).to.include.members(['certmaster.crt', 'certmaster.key']);
      await fs.writeFile(conf, '[main]\nautosign = no\nthis line is broken\n');
      const bad = await ca_(['--config', conf, '--list']);
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.include(`${conf}:3: malformed line`);
      const missing = await ca_(['--config', path.join(other, 'nope.conf'), '--list']);
      expect(missing).to.deep.include({ code: 1 });
      expect(missing.stderr).to.include('nope.conf does not exist');
    } finally {
      await removeTempRoot(other);
    }
  });

  it('never gives one serial twice while certmaster-ca processes and the daemon sign at the same time', async () => {
    const autosignConf = path.join(scratch, 'autosign.conf');
    await writeIni(autosignConf, { autosign: true });
    const daemon = await startCertmaster({ root: ca.root, configFile: autosignConf, port: 0, host: '127.0.0.1', log: silentLogger, audit: silentLogger });
    try {
      const hosts = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
      for (const h of hosts) await pend(store, h);
      const url = `http://127.0.0.1:${daemon.address.port}/`;
      const cli = [['p1', 'p2'], ['p3', 'p4'], ['p5', 'p6']].map((hs) => ca_(['--sign', ...hs]));
      const autosigned = await Promise.all(['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map(async (h) =>
        xmlrpcCall(url, 'wait_for_cert', [await createCsr(await generatePrivateKey('ec'), h)])));
      for (const r of await Promise.all(cli)) expect(r.code, r.stderr).to.equal(0);
      expect(autosigned.every((a) => Array.isArray(a) && a[0] === true)).to.equal(true);
      const serials = await Promise.all((await fs.readdir(ca.certroot)).map(async (f) =>
        (await openssl(['x509', '-in', path.join(ca.certroot, f), '-noout', '-serial'])).stdout.trim()));
      expect(serials).to.have.length(12);
      expect(new Set(serials).size).to.equal(12);
    } finally {
      await daemon.stop();
    }
  });
});
