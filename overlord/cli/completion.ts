// Shell completion for func: the bash and zsh scripts (`func completion [bash|zsh]`), and the words they ask
// for (`func __complete WORD…`): hosts and @groups, subcommands, options, module and method names (cached).
import { FuncPaths, rooted } from '../../common/paths.js';
import { GroupsFile } from '../groups.js';
import { Overlord } from '../overlord.js';
import { cacheFile, readCache, refreshInBackground } from './completion-cache.js';
import type { Subcommand } from './context.js';
import { GLOBAL_OPTIONS, definedOptionNames, splitCommandLine } from './global-options.js';

/** Where completion looks things up. */
export interface CompletionSources {
  readonly root: string;
  /** -c FILE from the words typed so far */
  readonly conf?: string;
  readonly subcommands: readonly Subcommand[];
  /** the parser of a subcommand (for its options) */
  readonly parserOf: (cmd: Subcommand) => import('yargs').Argv;
  /** start a background refresh of the module cache when it is old (default true) */
  readonly refresh?: boolean;
}

function hosts(src: CompletionSources): string[] {
  let names: string[] = [];
  try {
    names = new Overlord('*', { root: src.root, configPath: src.conf }).targets.knownHosts();
  } catch { /* no readable config: no hosts */ }
  let groups: string[] = [];
  try { groups = GroupsFile.load(rooted(FuncPaths.groups, src.root)).groups().map((g) => `@${g}`); } catch { /* no groups file */ }
  return [...names, ...groups, '*'];
}

function modules(src: CompletionSources): Record<string, string[]> {
  const file = cacheFile(src.root, src.conf);
  const cache = readCache(file);
  if (src.refresh !== false) refreshInBackground(cache, file, process.env, src.conf);
  return cache?.modules ?? {};
}

function optionWords(names: Iterable<string>): string[] {
  return [...names].filter((n) => n !== '$0' && n !== '_').map((n) => (n.length === 1 ? `-${n}` : `--${n}`));
}

const VALUE_OPTIONS_WITH_HOSTS = new Set(['-e', '--exclude']);
const MODULE_OPTIONS = new Set(['-m', '--modules']);

/** The candidates for the last word of `words` (the words after "func"; the last one is being typed, maybe ""). */
export function completeWords(words: readonly string[], src: CompletionSources): string[] {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const prev = before.at(-1) ?? '';
  const line = splitCommandLine(before);
  const cmd = line.words.length === 2 ? src.subcommands.find((c) => c.name === line.words[1]) : undefined;
  let out: string[];
  if (VALUE_OPTIONS_WITH_HOSTS.has(prev)) out = hosts(src);
  else if (MODULE_OPTIONS.has(prev) && cmd?.name === 'grep') out = Object.keys(modules(src));
  else if (current.startsWith('-')) {
    const global = optionWords(Object.entries(GLOBAL_OPTIONS).flatMap(([k, s]) => [k, ...(typeof s.alias === 'string' ? [s.alias] : [])]));
    out = [...new Set([...global, ...(cmd ? optionWords(definedOptionNames(src.parserOf(cmd))) : ['--help', '--version'])])];
  } else if (line.words.length === 0) out = hosts(src);
  else if (line.words.length === 1) out = src.subcommands.map((c) => c.name);
  else {
    const args = line.rest.filter((w) => !w.startsWith('-'));
    if (cmd?.name === 'call') {
      const mods = modules(src);
      out = args.length === 0 ? Object.keys(mods) : args.length === 1 ? (mods[args[0]!] ?? []) : [];
    } else if (cmd?.name === 'show') out = args.length === 0 ? ['hardware'] : [];
    else out = [];
  }
  return out.filter((w) => w.startsWith(current)).sort();
}

/** The bash completion script. */
export const BASH_SCRIPT = `# bash completion for func (func-ts); load with: source <(func completion bash)
_func_complete() {
  local IFS=$'\\n'
  COMPREPLY=( $(func __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) )
}
complete -o default -F _func_complete func
`;

/** The zsh completion script. */
export const ZSH_SCRIPT = `#compdef func
# zsh completion for func (func-ts); load with: source <(func completion zsh)
_func() {
  local -a candidates
  candidates=("\${(@f)$(func __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if (( \${#candidates} )) && [[ -n "\${candidates[1]}" ]]; then
    compadd -Q -- "\${candidates[@]}"
  else
    _files
  fi
}
if (( $+functions[compdef] )); then compdef _func func; fi
`;
