import { strict as assert } from 'node:assert';
import { maySpellWithEscapes } from '../../src/core/lib/gates';

describe('file gates: escapes that could spell a name', () => {
  it('counts escapes that can spell ASCII letters, digits or `-`, and line continuations', () => {
    for (const text of ["'\\x41'", "'\\u0041'", "'\\u{41}'", "'\\s'", "'strict-\\\ntransport'", "'\\-'"]) {
      assert.equal(maySpellWithEscapes(text), true, text);
    }
  });

  it('ignores control escapes, quotes and \\u escapes above U+00FF', () => {
    for (const text of ["'a\\nb\\tc'", "'it\\'s'", "'\\u0141\\u2028'", 'const plain = 1;']) {
      assert.equal(maySpellWithEscapes(text), false, text);
    }
  });

  it('errs open: an escaped backslash before a letter counts (the gate runs the rule)', () => {
    assert.equal(maySpellWithEscapes("'C:\\\\dir'"), true);
  });

  it('answers for the text it is given, not the one asked about before', () => {
    assert.equal(maySpellWithEscapes("'\\x41'"), true);
    assert.equal(maySpellWithEscapes('no escapes'), false);
    assert.equal(maySpellWithEscapes("'\\x41'"), true);
  });
});
