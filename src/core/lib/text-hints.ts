/**
 * `text.includes(needle)` and `/needle/i.test(text)` for the file-level gates
 * of the rules, answered by one pass over the file for every needle at once.
 *
 * Rules decide in create() whether a file can matter to them from what its
 * text spells: `jsonwebtoken`, `helmet`, `access-control-allow-origin`. Each
 * such test was a scan of the whole text, about 75 per file, several of them
 * the same needle asked by different rules. Here the first question about a
 * text runs it once through an Aho-Corasick automaton of every needle asked
 * so far, and the answers are kept until a question comes about another text.
 *
 * A needle is learned the first time it is asked: that question is answered
 * by `includes` (or the regular expression) on the text in hand, and the
 * automaton is rebuilt, with the new needle, for the next text. After the
 * first files every gate's needle is known and each file costs one pass.
 * Meant for the file being analyzed: alternating between texts rescans each
 * time (still correct, only slower), so other strings should use `includes`.
 *
 * The automaton reads ASCII letters folded to lower case, which is exactly
 * what a regular expression with the `i` flag and without `u` does (it never
 * folds a non-ASCII character, a Kelvin sign, onto an ASCII letter); a
 * case-sensitive needle is confirmed with `startsWith` where it matched. A
 * needle that is not printable ASCII is searched with `includes`.
 */

interface Needle {
  text: string;
  /** Matched in any case (stored lower-cased). */
  anyCase: boolean;
}

const needles: Needle[] = [];
const exactId = new Map<string, number>();
const anyCaseId = new Map<string, number>();
/** Needles searched with `includes` (not printable ASCII). */
const plain: number[] = [];

let automaton: Automaton | undefined;
let lastText: string | undefined;
let found = new Uint8Array(0);

/** Same answer as `text.includes(needle)`. */
export function textHas(text: string, needle: string): boolean {
  let id = exactId.get(needle);
  if (id === undefined) {
    id = learn(needle, false);
    exactId.set(needle, id);
    if (text === lastText) return answerNow(id, text.includes(needle));
  }
  if (text !== lastText) scan(text);
  return found[id] === 1;
}

/** Same answer as `/needle/i.test(text)`, for a lower-case, printable ASCII needle without regex syntax. */
export function textHasAnyCase(text: string, needle: string): boolean {
  let id = anyCaseId.get(needle);
  if (id === undefined) {
    if (!PRINTABLE_ASCII.test(needle) || needle !== needle.toLowerCase()) {
      throw new Error(`textHasAnyCase needs a lower-case ASCII needle, not ${JSON.stringify(needle)}`);
    }
    id = learn(needle, true);
    anyCaseId.set(needle, id);
    if (text === lastText) return answerNow(id, new RegExp(needle.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), 'i').test(text));
  }
  if (text !== lastText) scan(text);
  return found[id] === 1;
}

/** Some needle occurs in `text`: `includes` for each, or in any case (lower-case ASCII needles) when `anyCase`. */
export function textHasAnyOf(text: string, list: readonly string[], anyCase = false): boolean {
  for (const n of list) if (anyCase ? textHasAnyCase(text, n) : textHas(text, n)) return true;
  return false;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

function learn(text: string, anyCase: boolean): number {
  const id = needles.length;
  needles.push({ text, anyCase });
  if (!PRINTABLE_ASCII.test(text)) plain.push(id);
  // Rebuilt for the next text, not now: the first file's gates learn their needles one by one.
  automaton = undefined;
  return id;
}

/** A new needle's answer for the text in hand, computed directly and kept with the others. */
function answerNow(id: number, yes: boolean): boolean {
  if (id >= found.length) {
    const grown = new Uint8Array(Math.max(16, 2 * (id + 1)));
    grown.set(found);
    found = grown;
  }
  found[id] = yes ? 1 : 0;
  return yes;
}

function scan(text: string): void {
  lastText = text;
  found = new Uint8Array(needles.length);
  for (const id of plain) if (text.includes(needles[id].text)) found[id] = 1;
  const a = (automaton ??= build());
  const { delta, outStart, outIds } = a;
  let remaining = a.searched;
  // `row` is the current state's row in delta (state * 128); see Automaton.delta for the sign.
  let row = 0;
  for (let i = 0, n = text.length; i < n && remaining > 0; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) {
      row = 0;
      continue;
    }
    const next = delta[row + c];
    if (next >= 0) {
      row = next;
      continue;
    }
    row = -next - 1;
    const state = row >> 7;
    for (let k = outStart[state], end = outStart[state + 1]; k < end; k++) {
      const id = outIds[k];
      if (found[id] === 1) continue;
      const needle = needles[id];
      // Folded matches are final for any-case needles; a case-sensitive one is confirmed in place.
      if (needle.anyCase || text.startsWith(needle.text, i + 1 - needle.text.length)) {
        found[id] = 1;
        remaining--;
      }
    }
  }
}

interface Automaton {
  /**
   * The next state per (state, ASCII code) at `delta[state * 128 + c]`, an upper-case letter as its
   * lower case, stored as the next state's row (`next * 128`), or as `-row - 1` when the next state
   * ends a needle: the scan looks at outputs only then.
   */
  delta: Int32Array;
  /** The needle ids ending at a state (its own and its suffixes'): `outIds[outStart[s] .. outStart[s + 1]]`. */
  outStart: Int32Array;
  outIds: Int32Array;
  /** How many needles the automaton searches (the rest are `plain`). */
  searched: number;
}

/** Aho-Corasick over the folded needles, failure links resolved into a full transition table. */
function build(): Automaton {
  const children: Map<number, number>[] = [new Map()];
  const ends: number[][] = [[]];
  let searched = 0;
  needles.forEach((needle, id) => {
    if (!PRINTABLE_ASCII.test(needle.text)) return;
    searched++;
    let s = 0;
    for (let j = 0; j < needle.text.length; j++) {
      let c = needle.text.charCodeAt(j);
      if (c >= 65 && c <= 90) c |= 32;
      let next = children[s].get(c);
      if (next === undefined) {
        next = children.length;
        children.push(new Map());
        ends.push([]);
        children[s].set(c, next);
      }
      s = next;
    }
    ends[s].push(id);
  });
  const count = children.length;
  const delta = new Int32Array(count * 128);
  const fail = new Int32Array(count);
  const outputs: number[][] = ends.map((e) => [...e]);
  // Breadth first: a state's failure target is settled before its children's.
  const queue: number[] = [];
  for (let c = 0; c < 128; c++) {
    const child = children[0].get(c);
    delta[c] = child ?? 0;
    if (child !== undefined) queue.push(child);
  }
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q];
    outputs[s].push(...outputs[fail[s]]);
    for (let c = 0; c < 128; c++) {
      const child = children[s].get(c);
      if (child === undefined) {
        delta[s * 128 + c] = delta[fail[s] * 128 + c];
      } else {
        fail[child] = delta[fail[s] * 128 + c];
        delta[s * 128 + c] = child;
        queue.push(child);
      }
    }
  }
  // An upper-case ASCII letter moves as its lower case does: the scan reads the text unfolded.
  for (let st = 0; st < count; st++) for (let c = 65; c <= 90; c++) delta[st * 128 + c] = delta[st * 128 + (c | 32)];
  const outStart = new Int32Array(count + 1);
  for (let st = 0; st < count; st++) outStart[st + 1] = outStart[st] + outputs[st].length;
  // States as rows, negative when they end a needle (see Automaton.delta).
  for (let k = 0; k < delta.length; k++) {
    const target = delta[k];
    delta[k] = outputs[target].length > 0 ? -(target * 128) - 1 : target * 128;
  }
  const outIds = new Int32Array(outStart[count]);
  for (let s = 0; s < count; s++) outIds.set(outputs[s], outStart[s]);
  return { delta, outStart, outIds, searched };
}
