// func-format INI reading: typed values, defaults, rooted paths, unknown keys kept, line-numbered errors.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseIni, loadConfig, opt } from '../../common/config.js';
import { readMinionConf, readCertmasterConf } from '../../common/config-files.js';
import { ConfigError } from '../../common/errors.js';

describe('common/config', () => {
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'func-config-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (rel: string, text: string): string => {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  };

  it('gives func defaults when the file is missing, with paths under the root', () => {
    const conf = readMinionConf(dir);
    expect(conf.transports).to.deep.equal(['xmlrpc']);
    expect(conf.certmaster_overrides_acls).to.equal(true);
    expect(conf.acl_dir).to.equal(path.join(dir, 'etc/func/minion-acl.d'));
    expect(conf.module_list).to.deep.equal([]);
  });

  it('converts ints, floats, booleans and lists the way func does', () => {
    const schema = { a: opt('int', 0), b: opt('float', 0), c: opt('bool', false), d: opt('list', [] as string[]) };
    const file = write('typed.conf', '[main]\na = 42\nb = 3.5\nc = Yes\nd = test, command  *.port\n');
    expect(loadConfig(schema, file)).to.deep.equal({ a: 42, b: 3.5, c: true, d: ['test', 'command', '*.port'] });
  });

  it('keeps unknown keys in the raw parse and ignores them in the typed one', () => {
    const file = write('etc/certmaster/certmaster.conf', '[main]\nautosign = yes\nsomething_new = 1\n');
    expect(parseIni(fs.readFileSync(file, 'utf8')).main).to.include({ something_new: '1' });
    expect(readCertmasterConf(dir).autosign).to.equal(true);
  });

  it('joins indented continuation lines onto the value', () => {
    expect(parseIni('[main]\nforce_async = command.run,\n   yumcmd.update\n').main!.force_async).to.equal('command.run, yumcmd.update');
  });

  it("reads values as func's parser does: quotes, '#' and ';' kept, a ';' after whitespace starts a comment", () => {
    const main = parseIni('[main]\ns = "this is a string"\nhosts = a;b,c\nhash = web#1\nnote = kept ; dropped\ncolon: yes\nempty =\n').main!;
    expect(main).to.deep.equal({ s: '"this is a string"', hosts: 'a;b,c', hash: 'web#1', note: 'kept', colon: 'yes', empty: '' });
  });

  it('names the file and line of a malformed line', () => {
    const file = write('bad.conf', '[main]\nlisten_port = 1\nthis line has no equals sign\n');
    expect(() => loadConfig({ listen_port: opt('int', 0) }, file)).to.throw(ConfigError, /bad\.conf:3: malformed line/);
  });

  it('names the key of a value of the wrong type', () => {
    const file = write('badint.conf', '[main]\nlisten_port = many\n');
    expect(() => loadConfig({ listen_port: opt('int', 0) }, file)).to.throw(ConfigError, /badint\.conf \[main\] listen_port: expected an integer/);
  });
});
