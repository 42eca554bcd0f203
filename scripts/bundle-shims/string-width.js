// Bundled in place of the string-width package (used by yargs' help layout): the same column count for
// text, tabs and East Asian wide characters, but nothing built at load time (string-width's Intl.Segmenter and
// emoji regexes cost ~30 ms on every `func` start). Emoji sequences count as their code points' widths.
import stripAnsi from 'strip-ansi';
import { eastAsianWidth } from 'get-east-asian-width';

let zeroWidth = null;

/** Columns `text` takes in a terminal. */
export default function stringWidth(text, options = {}) {
  if (typeof text !== 'string' || text.length === 0) return 0;
  const plain = options.countAnsiEscapeCodes ? text : stripAnsi(text);
  zeroWidth ??= /[\p{Default_Ignorable_Code_Point}\p{Control}\p{Format}\p{Nonspacing_Mark}\p{Enclosing_Mark}]/u;
  let width = 0;
  for (const ch of plain) {
    if (zeroWidth.test(ch)) continue;
    width += eastAsianWidth(ch.codePointAt(0), { ambiguousAsWide: options.ambiguousIsNarrow === false });
  }
  return width;
}
