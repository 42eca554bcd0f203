// Renders a man page (roff) from a yargs parser: usage, options and epilogue come from the same definitions
// that print --help, so the two cannot drift apart. Sections a parser does not know are passed in as text.
import type { Argv } from 'yargs';

/** A yargs parser's option table (public at run time; missing from @types/yargs). */
interface OptionTable {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
  boolean: string[];
  number: string[];
  array: string[];
  hiddenOptions: string[];
  default: Record<string, unknown>;
}

/** One extra section: a title and paragraphs, or a definition list. */
export interface ManSection {
  readonly title: string;
  readonly paragraphs?: readonly string[];
  readonly items?: ReadonlyArray<readonly [term: string, text: string]>;
  /** subsections, e.g. one per subcommand */
  readonly sub?: ReadonlyArray<{ readonly title: string; readonly body: string }>;
}

/** What a page says beyond its parser. */
export interface ManPageSpec {
  readonly name: string;
  readonly section: 1 | 8;
  readonly summary: string;
  readonly version: string;
  readonly parser: Argv;
  /** DESCRIPTION paragraphs (the parser's epilogue follows them) */
  readonly description: readonly string[];
  readonly sections?: readonly ManSection[];
  readonly seeAlso?: readonly string[];
}

/** Text escaped for roff: backslashes, hyphens, and a leading "." or "'". */
export function roffEscape(text: string): string {
  return text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');
}

const stripYargs = (s: unknown): string => (typeof s === 'string' ? s.replace(/^__yargsString__:/, '') : '');

/** The parser's help text without line wrapping. */
async function plainHelp(parser: Argv): Promise<string> {
  return parser.wrap(null).getHelp();
}

/** The usage line(s) and the epilogue of a parser, read from its help text. */
export async function usageAndEpilogue(parser: Argv): Promise<{ usage: string; epilogue: string }> {
  const blocks = (await plainHelp(parser)).split(/\n\n+/);
  const usage = blocks[0] ?? '';
  // the epilogue is whatever follows the Options/Examples/Commands blocks
  let last = 0;
  blocks.forEach((b, i) => { if (/^(Options|Examples|Commands|Positionals):/m.test(b)) last = i; });
  return { usage, epilogue: blocks.slice(last + 1).join('\n\n') };
}

/** The OPTIONS list of a parser as roff (.TP entries), hidden options left out. */
export function optionsRoff(parser: Argv): string {
  const o = (parser as unknown as { getOptions(): OptionTable }).getOptions();
  const internals = parser as unknown as { getInternalMethods(): { getUsageInstance(): { getDescriptions(): Record<string, unknown> } } };
  const describe = internals.getInternalMethods().getUsageInstance().getDescriptions();
  const hidden = new Set(o.hiddenOptions);
  const aliasOf = new Set(Object.values(o.alias).flat());
  const lines: string[] = [];
  for (const key of Object.keys(o.key)) {
    if (hidden.has(key) || aliasOf.has(key) || key === '$0') continue;
    const names = [key, ...(o.alias[key] ?? [])].sort((a, b) => a.length - b.length).map((n) => `\\fB${roffEscape(n.length === 1 ? `-${n}` : `--${n}`)}\\fR`);
    const type = o.boolean.includes(key) ? '' : o.number.includes(key) ? ' \\fINUMBER\\fR' : ' \\fIVALUE\\fR';
    const dflt = o.default[key] !== undefined && o.default[key] !== false ? ` (default: ${roffEscape(String(o.default[key]))})` : '';
    lines.push('.TP', `${names.join(', ')}${type}`, `${roffEscape(stripYargs(describe[key]))}${dflt}`);
  }
  return lines.join('\n');
}

function sectionRoff(s: ManSection): string {
  const out = [`.SH ${roffEscape(s.title.toUpperCase())}`];
  for (const p of s.paragraphs ?? []) out.push('.PP', roffEscape(p));
  for (const [term, text] of s.items ?? []) out.push('.TP', `\\fB${roffEscape(term)}\\fR`, roffEscape(text));
  for (const sub of s.sub ?? []) out.push(`.SS ${roffEscape(sub.title)}`, sub.body);
  return out.join('\n');
}

/** The whole page. */
export async function renderManPage(spec: ManPageSpec): Promise<string> {
  const { usage, epilogue } = await usageAndEpilogue(spec.parser);
  const out = [
    `.\\" Generated from the command's option definitions by tools/man-pages.ts; do not edit.`,
    `.TH ${spec.name.toUpperCase()} ${spec.section} "" "func-ts ${spec.version}" "func-ts"`,
    '.SH NAME', `${roffEscape(spec.name)} \\- ${roffEscape(spec.summary)}`,
    '.SH SYNOPSIS', '.nf', roffEscape(usage), '.fi',
    '.SH DESCRIPTION', ...spec.description.flatMap((p) => ['.PP', roffEscape(p)]),
    ...(epilogue ? ['.PP', roffEscape(epilogue)] : []),
    '.SH OPTIONS', optionsRoff(spec.parser),
    ...(spec.sections ?? []).map(sectionRoff),
    ...(spec.seeAlso?.length ? ['.SH SEE ALSO', spec.seeAlso.map((s) => `\\fB${roffEscape(s.replace(/\(\d\)$/, ''))}\\fR${s.match(/\(\d\)$/)?.[0] ?? ''}`).join(', ')] : []),
  ];
  return `${out.join('\n')}\n`;
}
