// `func <target> grep [-m MODULE…] WORD`: asks every module that offers grep (per system.inventory) to
// search for WORD on each target, plus system.grep (module and method names); without -m every such module
// is searched (func searched none).
import type { Argv } from 'yargs';
import type { WireStruct, WireValue } from '../../../transport/types.js';
import { callEach } from '../../local/collect.js';
import { ok, type HostOutcome } from '../../outcome.js';
import { renderHostText, renderValueText } from '../../text-render.js';
import { positionals, type CliContext, type ParsedArgs, type Subcommand } from '../context.js';
import { ResultReporter } from '../report.js';
import { jsonOrText, withJsonOption } from '../output-options.js';

const isStruct = (v: WireValue): v is WireStruct => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);

/** host → modules to search there: those listing "grep" in system.inventory (and named with -m, if any). */
function grepModules(inventory: Map<string, HostOutcome>, wanted: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [host, o] of inventory) {
    if (o.status !== 'ok' || !isStruct(o.value)) continue;
    const inv = o.value;
    out.set(host, Object.keys(inv).filter((m) => m !== 'system' && Array.isArray(inv[m]) && (inv[m] as WireValue[]).includes('grep')
      && (wanted.length === 0 || wanted.includes(m))).sort());
  }
  return out;
}

/** A module's grep result without its empty lists (func's modules list every key they searched). */
function withMatches(result: WireStruct): WireStruct {
  return Object.fromEntries(Object.entries(result).filter(([, v]) => !(Array.isArray(v) && v.length === 0)));
}

const line = (host: string, o: HostOutcome, verbose: boolean): string =>
  (o.status === 'ok' && isStruct(o.value) ? (Object.keys(o.value).length ? renderValueText(host, o.value) : '') : renderHostText(host, o, verbose));

const grep: Subcommand = {
  name: 'grep',
  describe: 'search the modules of the targets for a word',
  usage: '[-m MODULE..] WORD',
  options: (y: Argv) => withJsonOption(y, 'one JSON document: {"host": {module: {"func.minion.modules.<module>.<method>": [matches]}}}')
    .option('modules', { alias: 'm', type: 'string', describe: 'search only these modules (repeatable: -m a -m b)' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'show remote tracebacks' }),
  async run(args: ParsedArgs, ctx: CliContext): Promise<number> {
    const [word] = positionals(args);
    if (!word) { ctx.io.err('grep needs a WORD\n'); return 2; }
    const overlord = ctx.overlord();
    const hosts = await overlord.hosts();
    const inventory = await callEach(overlord, hosts, 'system.inventory', []);
    const wanted = [args.modules ?? []].flat().map(String);
    const perHost = grepModules(inventory, wanted);
    if (wanted.length === 0) for (const mods of perHost.values()) mods.unshift('system');
    const found = new Map<string, WireStruct>([...perHost.keys()].map((h) => [h, {}]));
    const failed = new Map([...inventory].filter(([h]) => !perHost.has(h)));
    for (const m of [...new Set([...perHost.values()].flat())].sort()) {
      const on = [...perHost].filter(([, mods]) => mods.includes(m)).map(([h]) => h);
      for (const [h, o] of await callEach(overlord, on, `${m}.grep`, [word])) {
        if (o.status !== 'ok') failed.set(h, o);
        else if (isStruct(o.value)) {
          const hits = withMatches(o.value);
          if (Object.keys(hits).length > 0) found.get(h)![m] = hits;
        }
      }
    }
    const reporter = new ResultReporter({ format: jsonOrText(args), verbose: args.verbose === true, io: ctx.io, hosts, render: line });
    reporter.add(hosts.map((host) => ({ host, outcome: failed.get(host) ?? ok(found.get(host) ?? {}) })));
    return reporter.finish();
  },
};

export default grep;
