// amqps:// with client certificates (docs/amqp-protocol.md §9) on a RabbitMQ node of the test's own: a TLS
// listener trusting the func CA (verify_peer, fail_if_no_peer_cert), EXTERNAL login by certificate CN;
// `func-amqp-setup --from-certs` makes the users, funcd and the overlord call through it with `amqp_auth = external`,
// and the broker refuses a certificate of another CA, no certificate, and a CN without a broker user.
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BrokerUnavailableError } from '../../../common/errors.js';
import { Overlord } from '../../../overlord/overlord.js';
import { BrokerLink } from '../../../transport/amqp/broker-link.js';
import type { TlsMaterial } from '../../../transport/types.js';
import { startFleet, type Fleet } from '../../overlord/fleet.js';
import { createTestCa, issueMinionCert, type TestCa } from '../../helpers/pki.js';
import { freePort } from '../../helpers/ports.js';
import { startPrivateBroker, type PrivateBroker } from '../../helpers/private-broker.js';
import { runBin, stopAll } from '../../helpers/processes.js';
import { makeTempRoot, removeTempRoot } from '../../helpers/temp-root.js';

const NAMES = ['127.0.5.1', '127.0.5.2'];
const VHOST = 'func-tls';
const BROKER = 'localhost'; // the broker certificate's CN: the host name the clients verify
const OVERLORD = 'overlord-amqp.example'; // the CN of the overlord's broker login certificate (amqp_cert_file)

/** The subject CN of a PEM certificate. */
function commonName(pem: string): string {
  const cn = new X509Certificate(pem).subject.split('\n').find((l) => l.startsWith('CN='));
  if (!cn) throw new Error('certificate without a CN');
  return cn.slice(3);
}

/** rabbitmqctl's tab-separated rows (no headers) as arrays of columns. */
const rows = (out: string): string[][] => out.trim().split('\n').filter(Boolean).map((l) => l.split('\t'));

/** A regular expression matching `s` literally, as the documented permissions write names. */
const lit = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('transport/amqp amqps:// with client certificates (EXTERNAL)', function () {
  this.timeout(60_000);
  let fleet: Fleet | undefined;
  let broker: PrivateBroker | undefined;
  let scratch: string | undefined;
  let url = '';
  let setupOut = '';
  const links: BrokerLink[] = [];
  const overlords: Overlord[] = [];

  /** A link presenting `tls` to the broker, with nothing to set up: the login alone is under test. */
  const connect = async (tls: TlsMaterial): Promise<Error | null> => {
    const link = new BrokerLink({ urls: [url], auth: 'external', tls, connectionName: 'amqps test', setup: async () => {} });
    links.push(link);
    return link.connect().then(() => null, (err: Error) => err);
  };
  const pem = async (files: { keyPath: string; certPath: string; caPath: string }): Promise<TlsMaterial> => ({
    key: await fs.readFile(files.keyPath, 'utf8'), cert: await fs.readFile(files.certPath, 'utf8'), ca: await fs.readFile(files.caPath, 'utf8'),
  });

  before(async () => {
    const [tcpPort, distPort] = [await freePort(), await freePort()];
    const tlsPort = await freePort();
    url = `amqps://${BROKER}:${tlsPort}/${VHOST}`;
    const conf = { transports: 'amqp', transport: 'amqp', amqp_url: url, amqp_auth: 'external' };
    fleet = await startFleet(NAMES, { running: [], minionConf: conf });
    // the overlord signs with the CA's pair but logs in to the broker with a certificate of its own
    const login = await issueMinionCert(fleet.ca, OVERLORD, fleet.root);
    const overlordConf = { ...conf, amqp_key_file: login.keyPath, amqp_cert_file: login.certPath };
    await fs.appendFile(path.join(fleet.root, 'etc/func/overlord.conf'), Object.entries(overlordConf).map(([k, v]) => `${k} = ${v}\n`).join(''));
    scratch = await makeTempRoot('func-amqps');
    const tls = await issueMinionCert(fleet.ca, BROKER, scratch); // certmaster-request --hostname localhost, in effect
    broker = await startPrivateBroker(`func-amqps-${tcpPort}`, tcpPort, {
      distPort, plugins: ['rabbitmq_auth_mechanism_ssl'],
      extraConf: [
        `listeners.ssl.default = 127.0.0.1:${tlsPort}`,
        `ssl_options.cacertfile = ${tls.caPath}`,
        `ssl_options.certfile = ${tls.certPath}`,
        `ssl_options.keyfile = ${tls.keyPath}`,
        'ssl_options.verify = verify_peer',
        'ssl_options.fail_if_no_peer_cert = true',
        'auth_mechanisms.1 = EXTERNAL',
        'auth_mechanisms.2 = PLAIN', // func-amqp-setup's admin connection (guest, from 127.0.0.1 only)
        'ssl_cert_login_from = common_name',
        '',
      ].join('\n'),
    });
    const r = await runBin('func-amqp-setup', [
      '--vhost', VHOST, '--from-certs', '--overlord', OVERLORD, '--admin-url', broker.url.replace(/\/$/, ''),
      '--rabbitmqctl', `rabbitmqctl -n ${broker.node}`, '--quiet',
    ], { root: fleet.root, env: broker.env, timeoutMs: 40_000 });
    expect(r.code, r.stderr).to.equal(0);
    setupOut = r.stdout;
    await Promise.all(NAMES.map((n) => fleet!.start(n)));
  });

  afterEach(async () => {
    await Promise.all([...links.splice(0).map((l) => l.close()), ...overlords.splice(0).map((o) => o.close())]);
  });

  after(async () => {
    try {
      await fleet?.close();
      await stopAll();
    } finally {
      await broker?.stop(); // also when the fleet failed to close: the node must not outlive the run
      if (scratch) await removeTempRoot(scratch);
    }
  });

  it('func-amqp-setup --from-certs makes a user per signed certificate and the overlord, with the documented permissions', async () => {
    const printed = setupOut.trim().split('\n').map((l) => l.split(' ').slice(0, 2).join(' '));
    const minions = [BROKER, ...NAMES].sort();
    expect(printed).to.deep.equal([...minions.map((n) => `minion ${n}`), `overlord ${OVERLORD}`]);
    const users = rows(await broker!.ctl('list_users', '--no-table-headers')).map((r) => r[0]);
    expect(users).to.include.members([...minions, OVERLORD]);
    const perms = new Map(rows(await broker!.ctl('list_permissions', '-p', VHOST, '--no-table-headers')).map(([u, ...p]) => [u!, p]));
    const topic = new Map(rows(await broker!.ctl('list_topic_permissions', '-p', VHOST, '--no-table-headers')).map(([u, ...p]) => [u!, p]));
    for (const n of minions) {
      expect(perms.get(n), n).to.deep.equal(['^$', '^func\\.(replies|dead)$', `^func\\.minion\\.${lit(n)}$`]);
      expect(topic.get(n), n).to.deep.equal(['func.replies', `^[A-Za-z0-9_-]+\\.${lit(n)}$`, '^$']);
    }
    expect(perms.get(OVERLORD)).to.deep.equal(['^func\\.reply\\..+$', '^func\\.(requests|dead|reply\\..+)$', '^func\\.(replies|reply\\..+)$']);
    expect(topic.get(OVERLORD)).to.deep.equal(['func.replies', '^$', '^[A-Za-z0-9_-]+\\.#$']);
  });

  it('carries calls between funcd and the overlord over amqps, both logged in by certificate (EXTERNAL)', async () => {
    const o = new Overlord(NAMES[0]!, { root: fleet!.root });
    overlords.push(o);
    expect((await o.call('test', 'ping')).get(NAMES[0]!)).to.deep.equal({ status: 'ok', value: 1 });
    const all = new Overlord('127.0.5.*', { root: fleet!.root });
    overlords.push(all);
    const added = await all.call('test', 'add', 40, 2);
    expect(Object.fromEntries(added)).to.deep.equal(Object.fromEntries(NAMES.map((n) => [n, { status: 'ok', value: 42 }])));
    const conns = rows(await broker!.ctl('list_connections', 'user', 'auth_mechanism', 'ssl', 'vhost', '--no-table-headers'));
    for (const user of [...NAMES, OVERLORD]) {
      expect(conns.filter((c) => c[0] === user), user).to.deep.include([user, 'EXTERNAL', 'true', VHOST]);
    }
  });

  it('refuses a client certificate of another CA, even with a known CN, naming the broker', async () => {
    const other: TestCa = await createTestCa({ root: path.join(scratch!, 'other-ca') });
    const forged = await pem(await issueMinionCert(other, NAMES[0]!, path.join(scratch!, 'forged')));
    const err = await connect({ ...forged, ca: fleet!.ca.caCertPem }); // trusts the right broker; the broker must refuse it
    expect(err).to.be.instanceOf(BrokerUnavailableError);
    expect(err!.message).to.equal(`cannot reach the AMQP broker (${url}: the broker refused the TLS handshake `
      + '(alert "unknown ca": our certificate is not signed by a CA the broker trusts (ssl_options.cacertfile)))');
  });

  it('refuses a TLS connection without a client certificate', async () => {
    const err = await connect({ key: '', cert: '', ca: fleet!.ca.caCertPem });
    expect(err).to.be.instanceOf(BrokerUnavailableError);
    expect(err!.message).to.contain(`cannot reach the AMQP broker (${url}: the broker refused the TLS handshake (alert "certificate required"`);
  });

  it('refuses the CA\'s own self-signed pair as a client certificate (why the overlord has amqp_key_file/amqp_cert_file)', async () => {
    const err = await connect({ key: fleet!.ca.caKeyPem, cert: fleet!.ca.caCertPem, ca: fleet!.ca.caCertPem });
    expect(err).to.be.instanceOf(BrokerUnavailableError);
    expect(err!.message).to.contain(`cannot reach the AMQP broker (${url}: the broker refused the TLS handshake (alert "bad certificate"`);
    expect(commonName(fleet!.ca.caCertPem)).to.match(/-CA-KEY$/);
  });

  it('refuses a certificate of the func CA whose CN has no broker user', async () => {
    const late = await pem(await issueMinionCert(fleet!.ca, 'late.example.com', path.join(scratch!, 'late'))); // signed after the setup ran
    const err = await connect(late);
    expect(err).to.be.instanceOf(BrokerUnavailableError);
    expect(err!.message).to.contain(`cannot reach the AMQP broker (${url}: `)
      .and.to.match(/ACCESS_REFUSED - Login was refused using authentication mechanism EXTERNAL/)
      .and.to.contain('logs in as the certificate\'s CN "late.example.com"');
    const known = await connect(await pem({ keyPath: path.join(scratch!, 'etc/pki/certmaster/localhost.pem'), certPath: path.join(scratch!, 'etc/pki/certmaster/localhost.cert'), caPath: path.join(scratch!, 'etc/pki/certmaster/ca.cert') }));
    expect(known, 'a certificate whose CN has a user logs in').to.equal(null);
  });
});
