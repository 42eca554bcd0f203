// transport/amqp/naming and settings: topology names and permission patterns from one prefix; bad names,
// prefixes and config values are refused with the key and what was expected.
import { expect } from 'chai';
import { ConfigError } from '../../../common/errors.js';
import { Topology, checkMinionName, regexLiteral } from '../../../transport/amqp/naming.js';
import { checkCommon } from '../../../transport/amqp/settings.js';

describe('transport/amqp/naming', () => {
  const t = new Topology('func');

  it('names exchanges, queues and routing keys under the prefix', () => {
    expect([t.requestExchange, t.replyExchange, t.deadExchange, t.deadQueue])
      .to.deep.equal(['func.requests', 'func.replies', 'func.dead', 'func.dead']);
    expect(t.minionQueue('web1.example.com')).to.equal('func.minion.web1.example.com');
    expect(t.replyQueue('o1')).to.equal('func.reply.o1');
    expect(t.replyBinding('o1')).to.equal('o1.#');
    expect(t.replyKey('o1', 'web1.example.com')).to.equal('o1.web1.example.com');
  });

  it('confines a minion user to its own queue and replies under its own name', () => {
    const p = t.minionPermissions('web1.example.com');
    expect(new RegExp(p.read).test('func.minion.web1.example.com')).to.equal(true);
    expect(new RegExp(p.read).test('func.minion.web1Xexample.com')).to.equal(false);
    expect(new RegExp(p.read).test('func.minion.web2.example.com')).to.equal(false);
    expect(new RegExp(p.write).test('func.replies')).to.equal(true);
    expect(new RegExp(p.write).test('func.requests')).to.equal(false);
    expect(new RegExp(p.write).test('')).to.equal(false);
    expect(new RegExp(p.topic.write).test('o1.web1.example.com')).to.equal(true);
    expect(new RegExp(p.topic.write).test('o1.web2.example.com')).to.equal(false);
    expect(p.configure).to.equal('^$');
  });

  const badNames: Array<[string, string]> = [['empty', ''], ['a space', 'a b'], ['a wildcard', 'web*'], ['a hash', 'a#b'], ['too long', 'x'.repeat(201)]];
  for (const [what, name] of badNames) {
    it(`refuses a minion name with ${what}`, () => { expect(() => checkMinionName(name)).to.throw(TypeError, /minion name/); });
  }

  it('refuses a prefix with a dot and a reply id with a dot', () => {
    expect(() => new Topology('a.b')).to.throw(TypeError, /amqp_prefix/);
    expect(() => t.replyQueue('a.b')).to.throw(TypeError, /reply id/);
  });

  it('escapes regex metacharacters', () => {
    expect(new RegExp(`^${regexLiteral('a.b*(c)')}$`).test('a.b*(c)')).to.equal(true);
    expect(new RegExp(`^${regexLiteral('a.b')}$`).test('aXb')).to.equal(false);
  });
});

describe('transport/amqp/settings', () => {
  const good = { amqp_url: ['amqp://u:p@h:5672/v', ' amqps://h2:5671/v '], amqp_prefix: 'func', amqp_queue_type: 'quorum', amqp_auth: 'external', amqp_max_body_bytes: 4096, amqp_max_batch: 16 };

  it('accepts good values, trimming URLs', () => {
    expect(checkCommon(good)).to.deep.equal({ urls: ['amqp://u:p@h:5672/v', 'amqps://h2:5671/v'], prefix: 'func', queueType: 'quorum', auth: 'external', maxBodyBytes: 4096, maxBatch: 16 });
  });

  const bad: Array<[string, Partial<typeof good>, RegExp]> = [
    ['no URL', { amqp_url: [] }, /amqp_url: expected at least one/],
    ['an http URL (password hidden)', { amqp_url: ['http://u:secret@h/'] }, /amqp_url: "http:\/\/\*\*\*@h\/" is not/],
    ['a queue type', { amqp_queue_type: 'stream' }, /amqp_queue_type: expected "classic" or "quorum"/],
    ['a login', { amqp_auth: 'kerberos' }, /amqp_auth: expected "plain" or "external"/],
    ['a body limit', { amqp_max_body_bytes: 10 }, /amqp_max_body_bytes: expected at least 1024/],
    ['a prefix', { amqp_prefix: 'a.b' }, /amqp_prefix/],
    ['a batch of none', { amqp_max_batch: 0 }, /amqp_max_batch: expected 1 to 1024/],
    ['a batch over the item limit', { amqp_max_batch: 5000 }, /amqp_max_batch: expected 1 to 1024/],
  ];
  for (const [what, change, message] of bad) {
    it(`refuses ${what} with a ConfigError naming the key`, () => {
      expect(() => checkCommon({ ...good, ...change })).to.throw(ConfigError, message);
    });
  }
});
