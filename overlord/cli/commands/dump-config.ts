// `func <target> dump_config`: the overlord's effective configuration: overlord.conf values, the credential
// files picked (and their CN-hash identity), timeout, concurrency, transport and how many minions match.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Argv } from 'yargs';
import { chooseCredentials } from '../../credentials.js';
import type { CliContext, ParsedArgs, Subcommand } from '../context.js';

async function identityOf(certFile: string): Promise<string> {
  try {
    const { peerIdentity } = await import('../../../common/tls.js'); // loaded only here: func starts faster
    const id = peerIdentity({ raw: new crypto.X509Certificate(fs.readFileSync(certFile)).raw }, '');
    return id.key;
  } catch (err) {
    return `(unreadable: ${(err as Error).message})`;
  }
}

const dumpConfig: Subcommand = {
  name: 'dump_config',
  describe: "print the overlord's configuration",
  usage: '',
  options: (y: Argv) => y,
  async run(_args: ParsedArgs, ctx: CliContext): Promise<number> {
    const o = ctx.overlord();
    const lines = ['[overlord.conf]', ...Object.entries(o.conf).map(([k, v]) => `${k} = ${Array.isArray(v) ? v.join(', ') : String(v)}`), ''];
    try {
      const { files, source } = await chooseCredentials(o.root, o.conf);
      lines.push(`credentials (${source}):`, `  key_file = ${files.key}`, `  cert_file = ${files.cert}`, `  ca_file = ${files.ca}`,
        `  crl_file = ${files.crl ?? '(none)'}`, `  identity = ${await identityOf(files.cert)}`);
    } catch (err) {
      lines.push(`credentials: ${(err as Error).message}`);
    }
    const minions = await o.expand(o.specText);
    lines.push('', `timeout = ${o.timeoutMs / 1000} s`, `concurrency = ${o.concurrency}`, `transport = ${o.conf.transport}`,
      `minions matching "${o.specText}" = ${minions.length}`);
    ctx.io.out(`${lines.join('\n')}\n`);
    return 0;
  },
};

export default dumpConfig;
