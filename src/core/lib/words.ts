/**
 * The words of a name, kept across files: names repeat (`token`, `secret`, `userId`) and the
 * regular-expression split was one of the costlier steps of the rules that judge names. The memo
 * holds short strings only, never syntax nodes, and starts over past MAX_NAMES so a huge workspace
 * cannot grow it without bound. Results are frozen: callers share them.
 */
const MAX_NAMES = 20_000;

export function memoWords(memo: Map<string, readonly string[]>, name: string, split: (name: string) => string[]): readonly string[] {
  let words = memo.get(name);
  if (words === undefined) {
    if (memo.size >= MAX_NAMES) memo.clear();
    words = Object.freeze(split(name));
    memo.set(name, words);
  }
  return words;
}
