// Turns CLI words into call arguments the way Salt does: integers, floats, true/false, null/None and JSON
// arrays/objects become typed values; anything else stays a string. `--strings` keeps func's all-strings rule.
import type { WireValue } from '../../transport/types.js';

const INT = /^[+-]?(?:0|[1-9]\d*)$/; // a leading zero ("0644", "007") stays a string
const FLOAT = /^[+-]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const CONSTANTS: Record<string, WireValue> = {
  true: true, True: true, TRUE: true,
  false: false, False: false, FALSE: false,
  null: null, None: null, NULL: null, '~': null,
};

/** One CLI word as a typed value. */
export function parseArg(word: string): WireValue {
  if (Object.hasOwn(CONSTANTS, word)) return CONSTANTS[word]!;
  if (INT.test(word)) {
    const n = Number(word);
    if (Number.isSafeInteger(n)) return n;
    return BigInt(word);
  }
  if (FLOAT.test(word)) {
    const n = Number(word);
    if (Number.isFinite(n)) return n;
  }
  const first = word.trimStart()[0];
  if (first === '[' || first === '{') {
    try {
      return JSON.parse(word) as WireValue;
    } catch {
      return word;
    }
  }
  return word;
}

/** Every CLI word, typed (Salt-style) or, with `strings`, as func passes them: strings. */
export function parseArgs(words: readonly string[], strings = false): WireValue[] {
  return strings ? [...words] : words.map(parseArg);
}
