// The files funcd ships: the default minion.conf (func's keys, parsed with func's defaults), the comment-only
// sample ACL, and the systemd unit (Type=simple, Restart=on-failure, runs bin/funcd in the foreground).
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { readMinionConfig } from '../../common/config-files.js';
import { minionSettings } from '../../transport/settings.js';
import { xmlrpcTransport } from '../../transport/xmlrpc/index.js';
import { parseAclText } from '../../minion/acl.js';
import { repoRoot } from '../helpers/processes.js';

describe('funcd shipped files', () => {
  it('etc/func/minion.conf holds func\'s shipped keys and reads back as the defaults', async () => {
    const file = path.join(repoRoot, 'etc/func/minion.conf');
    const text = await fs.readFile(file, 'utf8');
    for (const key of ['log_level', 'acl_dir', 'listen_addr', 'listen_port', 'minion_name', 'method_log_dir']) {
      expect(text).to.match(new RegExp(`^${key} =`, 'm'));
    }
    const { conf, raw } = readMinionConfig('/', file);
    expect(conf).to.include({ log_level: 'INFO', acl_dir: '/etc/func/minion-acl.d', minion_name: '', use_certmaster: true });
    expect(minionSettings(xmlrpcTransport, raw)).to.include({ listen_addr: '', listen_port: 51234 });
  });

  it('etc/func/minion-acl.d/sample.acl has comments only', async () => {
    const text = await fs.readFile(path.join(repoRoot, 'etc/func/minion-acl.d/sample.acl'), 'utf8');
    expect(parseAclText(text, 'sample.acl').size).to.equal(0);
    expect(text.split('\n').filter((l) => l.trim() !== '').every((l) => l.startsWith('#'))).to.equal(true);
  });

  it('etc/systemd/funcd.service runs funcd in the foreground and restarts it on failure', async () => {
    const unit = await fs.readFile(path.join(repoRoot, 'etc/systemd/funcd.service'), 'utf8');
    expect(unit).to.match(/^Type=simple$/m);
    expect(unit).to.match(/^Restart=on-failure$/m);
    expect(unit).to.match(/^ExecStart=\/usr\/bin\/funcd(\s|$)/m);
    expect(unit).to.not.match(/--daemon/);
  });
});
