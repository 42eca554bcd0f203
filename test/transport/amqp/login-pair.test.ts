// The overlord's broker login pair (transport/amqp/login-pair.ts): amqp_key_file + amqp_cert_file replace the
// signing pair's key and cert for the link, keeping its CA; one without the other or an unreadable file is a
// ConfigError naming the key.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../../common/errors.js';
import { brokerLoginPair } from '../../../transport/amqp/login-pair.js';
import { makeTempRoot, removeTempRoot } from '../../helpers/temp-root.js';

describe('transport/amqp broker login pair', () => {
  const signing = { key: 'SIGNING KEY', cert: 'SIGNING CERT', ca: 'FUNC CA', crl: 'CRL' };
  let dir = '';
  before(async () => {
    dir = await makeTempRoot('func-login-pair');
    await fs.writeFile(path.join(dir, 'login.pem'), 'LOGIN KEY');
    await fs.writeFile(path.join(dir, 'login.cert'), 'LOGIN CERT');
  });
  after(async () => { await removeTempRoot(dir); });

  it('is the signing pair when neither key is set', () => {
    expect(brokerLoginPair({ amqp_key_file: '', amqp_cert_file: '' }, signing)).to.equal(signing);
  });

  it('reads the two files and keeps the signing pair\'s CA and CRL', () => {
    const pair = brokerLoginPair({ amqp_key_file: path.join(dir, 'login.pem'), amqp_cert_file: path.join(dir, 'login.cert') }, signing);
    expect(pair).to.deep.equal({ key: 'LOGIN KEY', cert: 'LOGIN CERT', ca: 'FUNC CA', crl: 'CRL' });
  });

  it('refuses one key without the other, naming the one set', () => {
    expect(() => brokerLoginPair({ amqp_key_file: '', amqp_cert_file: path.join(dir, 'login.cert') }, signing))
      .to.throw(ConfigError, 'amqp_key_file and amqp_cert_file: set both or neither (only amqp_cert_file is set)');
  });

  it('names the key and the file it cannot read', () => {
    const missing = path.join(dir, 'nope.pem');
    expect(() => brokerLoginPair({ amqp_key_file: missing, amqp_cert_file: path.join(dir, 'login.cert') }, signing))
      .to.throw(ConfigError, `amqp_key_file: cannot read ${missing}: ENOENT`);
  });
});
