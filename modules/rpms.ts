// Lists and verifies installed RPM packages through the `rpm` command (name epoch version release arch).
import { arg, defineModule, fromString, method, ModuleError, opt, optional, type ModuleContext } from '../minion/module-api.js';
import { grepMethod } from './lib/grep.js';
import { fnmatchToRegExp } from '../common/fnmatch.js';
import { findTool, runCommand } from './lib/run-command.js';

type Pkg = [name: string, epoch: number, version: string, release: string, arch: string];

const QUERY_FORMAT = '%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n';

const flattenArg = optional(fromString(arg.boolean('flatten', 'true: "name epoch version release arch" strings; false: 5-item lists')), true);

const inventory = method({
  description: 'Every installed package, sorted',
  args: [flattenArg],
  example: 'func "*" call rpms inventory',
  async run([flatten], ctx) {
    return shape(await packages('', ctx), flatten);
  },
});

export default defineModule({
  version: '0.0.1',
  apiVersion: '0.0.1',
  description: 'RPM related commands.',
  optionsFile: 'rpms',
  options: {
    // another rpm database (rpm --dbpath), e.g. a chroot's; empty = the system's
    dbpath: opt('string', ''),
  },
  available: async () => (await findTool('rpm')) ? true : 'rpm not found on PATH',
  methods: {
    inventory,
    grep: grepMethod('rpms', [['inventory', (ctx) => inventory.run([true], ctx)]]),
    glob: method({
      description: 'Installed packages whose name matches a shell glob, sorted',
      args: [arg.string('pattern', 'Glob on the package name, e.g. "python*" ("" = all)'), flattenArg],
      example: 'func "*" call rpms glob "kernel*" false',
      async run([pattern, flatten], ctx) {
        return shape(await packages(pattern, ctx), flatten);
      },
    }),
    verify: method({
      description: 'Verification problems (rpm -V) of the packages matching a glob: "name file problem" or [name, file, problem]',
      args: [optional(arg.string('pattern', 'Glob on the package name ("" = all packages: slow)'), ''), flattenArg],
      example: 'func "*" call rpms verify "openssh*"',
      async run([pattern, flatten], ctx) {
        const names = [...new Set((await packages(pattern, ctx)).map((p) => p[0]))];
        const problems: Array<[string, string, string]> = [];
        for (const [i, name] of names.entries()) {
          ctx.progress({ current: i, total: names.length, status: 'verifying', message: name });
          problems.push(...await verifyOne(name, ctx));
        }
        ctx.progress({ current: names.length, total: names.length, status: 'verified' });
        return flatten ? problems.map((p) => p.join(' ')) : problems;
      },
    }),
  },
});

/** rpm with --dbpath when the module option sets one. */
async function rpm(args: string[], ctx: ModuleContext): Promise<{ rc: number; stdout: string; stderr: string }> {
  const bin = await findTool('rpm');
  if (!bin) throw new ModuleError('rpm not found on PATH');
  const dbpath = String(ctx.options.dbpath ?? '');
  return runCommand(bin, dbpath ? ['--dbpath', dbpath, ...args] : args, { signal: ctx.signal, env: { ...process.env, LANG: 'C' } });
}

/** Installed packages whose name matches the glob ("" = all), sorted as func sorts them. */
async function packages(pattern: string, ctx: ModuleContext): Promise<Pkg[]> {
  const r = await rpm(['-qa', '--qf', QUERY_FORMAT], ctx);
  if (r.rc !== 0) throw new ModuleError(`rpm -qa failed (exit ${r.rc}): ${r.stderr.trim().split('\n')[0] ?? ''}`);
  const re = pattern === '' ? null : fnmatchToRegExp(pattern);
  return r.stdout.split('\n').filter((l) => l.length > 0).map(parseLine)
    .filter((p) => re === null || re.test(p[0]))
    .sort(comparePkgs);
}

/** One query line; rpm prints "(none)" for a missing epoch (→ 0) or arch (gpg-pubkey → ""). */
function parseLine(line: string): Pkg {
  const [name = '', epoch = '', version = '', release = '', arch = ''] = line.split('\t');
  const e = Number.parseInt(epoch, 10);
  return [name, Number.isNaN(e) ? 0 : e, version, release, arch === '(none)' ? '' : arch];
}

function compareValues(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Python's list ordering, element by element. */
function comparePkgs(a: Pkg, b: Pkg): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i] as string | number, b[i] as string | number);
    if (c !== 0) return c;
  }
  return 0;
}

function shape(pkgs: Pkg[], flatten: boolean): string[] | Pkg[] {
  return flatten ? pkgs.map((p) => p.join(' ')).sort() : pkgs;
}

const FLAG_TEXT: Record<string, string> = {
  S: 'size does not match', M: 'mode does not match', 5: 'checksum does not match',
  D: 'device major/minor does not match', L: 'symlink does not match', U: 'user does not match',
  G: 'group does not match', T: 'mtime does not match', P: 'capabilities do not match',
};

/** [name, file, problem] for each problem `rpm -V name` reports. */
async function verifyOne(name: string, ctx: ModuleContext): Promise<Array<[string, string, string]>> {
  const r = await rpm(['-V', '--', name], ctx);
  const out: Array<[string, string, string]> = [];
  for (const line of r.stdout.split('\n')) {
    const missing = /^missing\s+(?:\S\s+)?(\/.*)$/.exec(line);
    if (missing) { out.push([name, missing[1] as string, 'file is missing']); continue; }
    const changed = /^([.?SM5DLUGTP]{8,9})\s+(?:\S\s+)?(\/.*)$/.exec(line);
    if (!changed) continue;
    const texts = new Set([...(changed[1] as string)].filter((f) => f !== '.')
      .map((f) => (f === '?' ? 'could not be checked' : FLAG_TEXT[f] ?? `changed (${f})`)));
    for (const text of texts) out.push([name, changed[2] as string, text]);
  }
  return out;
}
