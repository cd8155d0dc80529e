import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { textHas, textHasAnyCase } from '../../src/core/lib/text-hints';

const APP = path.join(__dirname, '..', 'fixtures', 'apps', 'vulnerable-express');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(full));
    else if (/\.[cm]?[jt]s$/.test(e.name)) out.push(fs.readFileSync(full, 'utf8'));
  }
  return out;
}

describe('textHas: the rules\' file gates in one pass', () => {
  const needles = [
    'jsonwebtoken', 'jwt', 'jose', 'helmet', 'express', 'express-session', 'session', 'ookie', 'ookies', 'cookie-parser',
    'process.env', '\\u', '\u212A', 'é', 'x', 'response_type', 'not-in-any-file-at-all', ';\n', '',
  ];

  it('answers as includes does, on real files, whatever order the needles are first asked in', () => {
    const texts = sources(APP);
    assert.ok(texts.length > 5);
    // New needles are learned file by file, some while a text is already scanned.
    texts.forEach((text, i) => {
      for (const needle of needles.slice(0, 3 + i)) assert.equal(textHas(text, needle), text.includes(needle), `${JSON.stringify(needle)} in file ${i}`);
    });
    for (const text of texts) for (const needle of needles) assert.equal(textHas(text, needle), text.includes(needle), JSON.stringify(needle));
  });

  it('finds needles at the edges, overlapping and non-ASCII, and alternating texts', () => {
    const a = 'jwt at the start, ookies overlapping cookie-parser, Kelvin \u212A, accent é, ends with jose';
    const b = 'express-session\\u0041 in the middle; x';
    for (let round = 0; round < 2; round++) {
      for (const text of [a, b, '', 'j']) {
        for (const needle of needles) assert.equal(textHas(text, needle), text.includes(needle), `${JSON.stringify(needle)} in ${JSON.stringify(text)}`);
      }
    }
  });

  it('answers any-case needles as a regular expression with the i flag does, ASCII letters only', () => {
    const anyCase = ['access-control-allow-origin', 'csrf', 'xsrf', 'callback', 'log-in', 'login', 'sign-in', 'webhook', 'k', 'session'];
    const texts = [
      ...sources(APP),
      'res.setHeader("Access-Control-Allow-Origin", origin); X-CSRF-Token; onCallBack()',
      'LOG-IN then SignIn then WebHook; a Kelvin sign \u212A is no k to /k/i, nor \u017F an s',
      'ends with Sessio', 'SESSION',
    ];
    for (const text of texts) {
      for (const needle of anyCase) {
        assert.equal(textHasAnyCase(text, needle), new RegExp(needle, 'i').test(text), `${needle} in ${JSON.stringify(text.slice(0, 60))}`);
        // The case-sensitive answer for the same needle stays its own.
        assert.equal(textHas(text, needle), text.includes(needle), `case-sensitive ${needle}`);
      }
    }
    assert.equal(textHasAnyCase('only \u212A here', 'k'), false);
    assert.throws(() => textHasAnyCase('x', 'Upper'), /lower-case ASCII/);
  });
});
