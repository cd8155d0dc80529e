import { textHasAnyOf } from './text-hints';

/**
 * Shared pieces of the file gates rules put at the top of create() (see
 * CONTRIBUTING.md, "Gate the file"): a gate that looks for a word in the text
 * must stay open when the word could be written with escapes instead.
 */

/**
 * An escape that could spell an ASCII letter, digit or `-` inside a string:
 * `\x41`, `\u0041`, `\u{41}`, or an identity escape such as `\s`. Control
 * escapes (`\n`, `\t`, …), quotes, backslashes and `\u` escapes of U+0100 and
 * above cannot, so they do not count. The scan does not pair escapes, so
 * `'C:\\dir'` counts too: it errs towards running the rule.
 */
const SPELLING_ESCAPE = /\\(?:u(?!0[1-9a-fA-F]|[1-9a-fA-F])|[^bfnrtvu'"`\\])/;

let lastText: string | undefined;
let lastResult = false;

/**
 * True when the text has an escape that could spell a name a gate looks for.
 * Every rule of a file asks about the same text, so the last answer is kept.
 */
export function maySpellWithEscapes(text: string): boolean {
  if (text !== lastText) {
    lastText = text;
    lastResult = SPELLING_ESCAPE.test(text);
  }
  return lastResult;
}

/**
 * A test for a module specifier spelled in the text: one of `modules` between quotes, right
 * after the opening one. `'quote'` also takes a `node:` prefix (`"node:http"`); `'quote-or-colon'`
 * takes a `:` for the opening quote instead (`'node:…'`, `"npm:…"`), as the template and logger
 * gates were written. The regular expression tries every quote of the file, so it runs only when
 * some module name occurs at all, which the file's one pass of text hints answers.
 */
export function specifierTest(modules: Iterable<string>, form: 'quote' | 'quote-or-colon'): (text: string) => boolean {
  const names = [...modules];
  const alternatives = names.map((m) => m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|');
  const pattern = form === 'quote'
    ? new RegExp(`['"\`](?:node:)?(?:${alternatives})['"\`]`)
    : new RegExp(`['"\`:](?:${alternatives})['"\`]`);
  return (text) => textHasAnyOf(text, names) && pattern.test(text);
}
