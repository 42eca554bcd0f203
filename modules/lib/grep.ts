// func's per-module grep(word): runs some of the module's own listing methods and keeps the entries that contain
// the word (case-insensitive), keyed as func keys them: {"func.minion.modules.<module>.<method>": [matches]}.
import { arg, method, type ModuleContext, type WireStruct, type WireValue } from '../../minion/module-api.js';

/** Where a grep looks: a listing method's name and how to get its result. */
export type GrepSource = readonly [method: string, list: (ctx: ModuleContext) => Promise<WireValue> | WireValue];

/** How an entry is matched: on every field (default) or on its first field only (a name, as func's service.grep). */
export type GrepMatch = 'any' | 'first';

function text(v: WireValue): string {
  if (v === null || typeof v !== 'object') return String(v);
  return v instanceof Uint8Array ? '' : JSON.stringify(v);
}

/** Whether an entry (a line, a list of fields, a struct) contains the lower-case needle. */
export function entryMatches(entry: WireValue, needle: string, match: GrepMatch = 'any'): boolean {
  const fields: WireValue[] = Array.isArray(entry) ? entry : entry !== null && typeof entry === 'object' && !(entry instanceof Uint8Array) ? Object.values(entry as WireStruct) : [entry];
  const considered = match === 'first' ? fields.slice(0, 1) : fields;
  return considered.some((f) => text(f).toLowerCase().includes(needle));
}

/** The entries of a listing: a list's items, or a text's lines. */
function entries(listing: WireValue): WireValue[] {
  if (Array.isArray(listing)) return listing;
  if (typeof listing === 'string') return listing.split('\n').filter((l) => l !== '');
  return [];
}

/** A grep method for `module` over `sources`. */
export function grepMethod(module: string, sources: readonly GrepSource[], match: GrepMatch = 'any') {
  return method({
    description: `Entries of ${sources.map(([m]) => `${m}()`).join(' and ')} containing the word (case-insensitive), keyed by method as func does`,
    args: [arg.string('word', 'The word to search for')],
    example: `func "*" call ${module} grep ${module === 'rpms' ? 'kernel' : 'ssh'}`,
    async run([word], ctx) {
      const needle = word.trim().toLowerCase();
      const out: WireStruct = {};
      for (const [name, list] of sources) {
        out[`func.minion.modules.${module}.${name}`] = entries(await list(ctx)).filter((e) => entryMatches(e, needle, match));
      }
      return out;
    },
  });
}
