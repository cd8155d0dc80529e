/**
 * `text.includes(needle)` for the file-level gates of the rules, answered by
 * one pass over the file for every needle at once.
 *
 * Rules decide in create() whether a file can matter to them from what its
 * text spells: `jsonwebtoken`, `helmet`, `response_type`. Each such test was a
 * scan of the whole text, about fifty per file, several of them the same
 * needle asked by different rules (the jwt rules each asked for `jwt`). Here
 * the first question about a text scans it once for every needle asked so far,
 * and the answers are kept until a question comes about another text.
 *
 * A needle is learned the first time it is asked: the text in hand is then
 * scanned again, so an answer is always that of `text.includes(needle)`. After
 * the first file every gate's needle is known and each file costs one pass.
 * Meant for the file being analyzed: alternating between texts rescans each
 * time (still correct, only slower), so other strings should use `includes`.
 *
 * `textHasAnyCase` is `/needle/i.test(text)` for an ASCII needle: without the
 * `u` flag a regular expression folds only ASCII letters onto ASCII letters
 * (a Kelvin sign is not a `k` to it), and so does the comparison here.
 */

const needles: string[] = [];
/** True for the needles matched in any case (stored lower-cased). */
const anyCase: boolean[] = [];
const idOf = new Map<string, number>();
const anyCaseIdOf = new Map<string, number>();
/** Needle ids by their first character, for ASCII first characters. */
const byFirst: (number[] | undefined)[] = new Array(128).fill(undefined);
/** Needles whose first character is not ASCII: searched with `includes`. */
const nonAscii: number[] = [];

let lastText: string | undefined;
let found = new Uint8Array(0);

/** Same answer as `text.includes(needle)`. */
export function textHas(text: string, needle: string): boolean {
  let id = idOf.get(needle);
  if (id === undefined) {
    id = learn(needle, false);
    idOf.set(needle, id);
    lastText = undefined;
  }
  if (text !== lastText) scan(text);
  return found[id] === 1;
}

/** Same answer as `/needle/i.test(text)` (the needle given in lower case, ASCII only, no regex syntax). */
export function textHasAnyCase(text: string, needle: string): boolean {
  let id = anyCaseIdOf.get(needle);
  if (id === undefined) {
    if (!/^[\x20-\x7e]+$/.test(needle) || needle !== needle.toLowerCase()) throw new Error(`textHasAnyCase needs a lower-case ASCII needle, not ${JSON.stringify(needle)}`);
    id = learn(needle, true);
    anyCaseIdOf.set(needle, id);
    lastText = undefined;
  }
  if (text !== lastText) scan(text);
  return found[id] === 1;
}

/** Some needle occurs in `text`: `includes` for each, or in any case (lower-case ASCII needles) when `anyCase`. */
export function textHasAnyOf(text: string, needles: readonly string[], anyCase = false): boolean {
  for (const n of needles) if (anyCase ? textHasAnyCase(text, n) : textHas(text, n)) return true;
  return false;
}

function learn(needle: string, folded: boolean): number {
  const id = needles.length;
  needles.push(needle);
  anyCase.push(folded);
  const c = needle.charCodeAt(0);
  if (needle.length === 0) {
    // '' is in every text: found by the scan's first step below.
    nonAscii.push(id);
  } else if (c < 128) {
    (byFirst[c] ??= []).push(id);
  } else {
    nonAscii.push(id);
  }
  return id;
}

function scan(text: string): void {
  lastText = text;
  found = new Uint8Array(needles.length);
  for (const id of nonAscii) if (text.includes(needles[id])) found[id] = 1;
  let remaining = needles.length - nonAscii.length;
  const n = text.length;
  for (let i = 0; i < n && remaining > 0; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) continue;
    // Any-case needles are stored lower-cased and filed under their lower-case first letter.
    const bucket = byFirst[c];
    if (bucket !== undefined) remaining -= matchAt(text, i, bucket);
    if (c >= 65 && c <= 90) {
      const folded = byFirst[c | 32];
      if (folded !== undefined) remaining -= matchAt(text, i, folded, true);
    }
  }
}

/** Marks the needles of `bucket` that occur at `i`; returns how many were newly found. */
function matchAt(text: string, i: number, bucket: readonly number[], upperFirst = false): number {
  let newly = 0;
  for (let k = 0; k < bucket.length; k++) {
    const id = bucket[k];
    if (found[id] === 1) continue;
    const folded = anyCase[id];
    // An upper-case first letter only matches the any-case needles filed under its lower case.
    if (upperFirst && !folded) continue;
    const needle = needles[id];
    if (folded ? foldedAt(text, i, needle) : needle.length <= 1 || (text.charCodeAt(i + 1) === needle.charCodeAt(1) && text.startsWith(needle, i))) {
      found[id] = 1;
      newly++;
    }
  }
  return newly;
}

/** `needle` (lower-case ASCII) at `i`, ASCII letters of the text folded to lower case. */
function foldedAt(text: string, i: number, needle: string): boolean {
  if (i + needle.length > text.length) return false;
  for (let j = 0; j < needle.length; j++) {
    let c = text.charCodeAt(i + j);
    if (c >= 65 && c <= 90) c |= 32;
    if (c !== needle.charCodeAt(j)) return false;
  }
  return true;
}
