import { strict as assert } from 'node:assert';
import { maySpellWithEscapes, specifierTest } from '../../src/core/lib/gates';

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

describe('file gates: module specifiers spelled in the text', () => {
  const http = specifierTest(['axios', 'http', 'dns/promises'], 'quote');
  const engines = specifierTest(['hbs', 'ejs'], 'quote-or-colon');

  it('finds a module named between quotes, with or without `node:`', () => {
    for (const text of ["import axios from 'axios';", 'const h = require("node:http");', 'await import(`dns/promises`)']) {
      assert.equal(http(text), true, text);
    }
  });

  it('needs the whole name right after the opening quote', () => {
    for (const text of ["fetch('https://x')", "require('axios-retry')", '// uses http and axios', "require('my-axios')"]) {
      assert.equal(http(text), false, text);
    }
  });

  it('takes a colon for the opening quote in the quote-or-colon form only', () => {
    assert.equal(engines("app.set('view engine', 'hbs')"), true);
    assert.equal(engines("const e = 'npm:ejs'"), true);
    assert.equal(http("const e = 'npm:axios'"), false);
    assert.equal(engines('rejects and hbsx'), false);
  });
});
