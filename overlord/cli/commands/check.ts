// `func <target> check [-c] [-m]`: a sanity report (func's SCAN RESULTS … End of Report.): credentials, the
// cert directory, certmaster reachability (-c), the local minion's files (-m), and test.add(1, 2) on the targets.
import net from 'node:net';
import path from 'node:path';
import type { Argv } from 'yargs';
import { readCertmasterConf, readCertmasterMinionConf, readMinionConf } from '../../../common/config-files.js';
import { chooseCredentials } from '../../credentials.js';
import { renderHostText } from '../../text-render.js';
import type { CliContext, ParsedArgs, Subcommand } from '../context.js';

interface Finding { ok: boolean; text: string }

function reachable(host: string, port: number, ms = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: ms });
    const done = (v: boolean): void => { s.destroy(); resolve(v); };
    s.once('connect', () => done(true)).once('error', () => done(false)).once('timeout', () => done(false));
  });
}

async function overlordFindings(ctx: CliContext): Promise<Finding[]> {
  const o = ctx.overlord();
  const out: Finding[] = [];
  try {
    const { files, source } = await chooseCredentials(o.root, o.conf);
    out.push({ ok: true, text: `overlord credentials from ${source}: ${files.cert}` });
  } catch (err) {
    out.push({ ok: false, text: (err as Error).message });
  }
  const known = o.targets.knownHosts();
  out.push({ ok: known.length > 0, text: `${known.length} signed minion certificate(s) in ${readCertmasterConf(o.root).certroot}` });
  return out;
}

async function certmasterFindings(ctx: CliContext): Promise<Finding[]> {
  const cm = readCertmasterMinionConf(ctx.root);
  const up = await reachable(cm.certmaster, cm.certmaster_port);
  return [{ ok: up, text: `certmaster at http://${cm.certmaster}:${cm.certmaster_port}/ is ${up ? 'reachable' : 'NOT reachable'}` }];
}

function minionFindings(ctx: CliContext): Finding[] {
  const mc = readMinionConf(ctx.root);
  const dir = readCertmasterMinionConf(ctx.root).cert_dir;
  const name = mc.minion_name || '(host name)';
  return [{ ok: true, text: `minion: transports ${mc.transports.join(', ')}, name ${name}, certificates in ${path.resolve(dir)}` }];
}

async function callFindings(ctx: CliContext): Promise<Finding[]> {
  const o = ctx.overlord();
  let hosts: string[];
  try {
    hosts = await o.hosts();
  } catch (err) {
    return [{ ok: false, text: (err as Error).message }];
  }
  const out: Finding[] = [];
  for await (const e of o.streamHosts(hosts, 'test', 'add', [1, 2])) {
    if (e.kind !== 'result') continue;
    const { host, outcome } = e;
    const good = outcome.status === 'ok' && outcome.value === 3;
    out.push({ ok: good, text: good ? `${host}: test.add(1, 2) == 3` : `test.add(1, 2) failed on ${renderHostText(host, outcome).trim()}` });
  }
  return out.sort((a, b) => a.text.localeCompare(b.text));
}

const check: Subcommand = {
  name: 'check',
  describe: 'check the set-up of this overlord and the targets',
  usage: '[--certmaster] [--minion]',
  options: (y: Argv) => y
    .option('certmaster', { alias: 'c', type: 'boolean', describe: 'also check that certmaster answers' })
    .option('minion', { alias: 'm', type: 'boolean', describe: "also report this host's minion set-up" })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'accepted for func compatibility' }),
  async run(args: ParsedArgs, ctx: CliContext): Promise<number> {
    const findings = [...await overlordFindings(ctx)];
    if (args.certmaster === true) findings.push(...await certmasterFindings(ctx));
    if (args.minion === true) findings.push(...minionFindings(ctx));
    findings.push(...await callFindings(ctx));
    ctx.io.out(`SCAN RESULTS:\n${findings.map((f) => `* ${f.ok ? '' : 'PROBLEM: '}${f.text}\n`).join('')}End of Report.\n`);
    return findings.every((f) => f.ok) ? 0 : 1;
  },
};

export default check;
