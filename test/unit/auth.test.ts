import * as assert from 'node:assert/strict';
import { applyFixes } from '../../src/core/fix';
import { parseDuration } from '../../src/core/rules/jwt-sign-expiry';
import { nameWords, rangeMajor } from '../../src/core/rules/jwt-verify-algorithms';
import { isTokenName } from '../../src/core/rules/token-localstorage';
import { run, syntaxErrorCount } from '../helpers';

/** The findings of one rule on a snippet, as `line: message`. */
function lines(text: string, ruleId: string, deps: Record<string, string> = {}, file = 'src/app.ts'): number[] {
  return run(text, ruleId, file, { dependencies: deps }).findings.filter((f) => f.ruleId === ruleId).map((f) => f.line);
}

function fixed(text: string, ruleId: string, file = 'src/app.ts'): string {
  const r = run(text, ruleId, file);
  return applyFixes(text, r.findings.flatMap((f) => f.fixes.slice(0, 1))).text;
}

describe('auth and tokens: helpers', () => {
  it('parses jsonwebtoken and jose durations', () => {
    assert.equal(parseDuration('15m', 'ms'), 900);
    assert.equal(parseDuration('1h', 'ms'), 3600);
    assert.equal(parseDuration('7d', 'ms'), 7 * 86400);
    assert.equal(parseDuration('30 days', 'ms'), 30 * 86400);
    assert.equal(parseDuration('2 hours', undefined), 7200);
    assert.equal(parseDuration('3600', 'ms'), 3.6); // ms: a unitless string is milliseconds
    assert.equal(parseDuration('3600', undefined), undefined);
    assert.equal(parseDuration('soon', 'ms'), undefined);
  });

  it('reads the major version of closed dependency ranges only', () => {
    assert.equal(rangeMajor('^5.3.3'), 5);
    assert.equal(rangeMajor('~5.0.0'), 5);
    assert.equal(rangeMajor('5.x'), 5);
    assert.equal(rangeMajor('8.4.1'), 8);
    assert.equal(rangeMajor('>=5.0.0'), undefined);
    assert.equal(rangeMajor('latest'), undefined);
    assert.equal(rangeMajor(undefined), undefined);
  });

  it('splits names into words and tells credential tokens from look-alikes', () => {
    assert.deepEqual(nameWords('accessToken'), ['access', 'token']);
    assert.deepEqual(nameWords('ACCESS_TOKEN'), ['access', 'token']);
    assert.deepEqual(nameWords('idtoken'), ['id', 'token']);
    assert.deepEqual(nameWords('tokenizerSettings'), ['tokenizer', 'settings']);
    for (const yes of ['token', 'jwt', 'refresh_token', 'authToken', 'app.jwt', 'TOKEN_KEY']) assert.ok(isTokenName(yes), yes);
    for (const no of ['csrfToken', 'XSRF-TOKEN', 'tokenizer', 'maxTokens', 'nextPageToken', 'fcmToken', 'theme', 'user']) assert.ok(!isTokenName(no), no);
  });
});

describe('jwt-verify-algorithms: edge cases', () => {
  const id = 'jwt-verify-algorithms';
  it('resolves shorthand and const algorithm lists', () => {
    const text = "import jwt from 'jsonwebtoken';\nconst algorithms = ['HS256'];\nexport const f = (t: string) => jwt.verify(t, 's', { algorithms });\n";
    assert.deepEqual(lines(text, id), []);
  });
  it('does not judge options it cannot see', () => {
    const text = "import jwt from 'jsonwebtoken';\nexport const f = (t: string, o: any) => jwt.verify(t, 's', { ...o, issuer: 'x' });\n";
    assert.deepEqual(lines(text, id), []);
  });
  it('follows destructuring from the module object', () => {
    const text = "import jwt from 'jsonwebtoken';\nconst { verify } = jwt;\nexport const f = (t: string) => verify(t, 's');\n";
    assert.deepEqual(lines(text, id), [3]);
  });
  it('reports express-jwt without algorithms only before v6', () => {
    const text = "const jwt = require('express-jwt');\nmodule.exports = jwt({ secret: 's' });\n";
    assert.deepEqual(lines(text, id, { 'express-jwt': '^5.3.3' }, 'a.js'), [2]);
    assert.deepEqual(lines(text, id, { 'express-jwt': '^6.1.0' }, 'a.js'), []);
    assert.deepEqual(lines(text, id, {}, 'a.js'), []);
  });
  it('suggests the algorithm of an imported key', () => {
    const text = "import { jwtVerify, importSPKI } from 'jose';\nconst key = await importSPKI(process.env.PEM!, 'ES256');\nexport const f = (t: string) => jwtVerify(t, key);\n";
    assert.match(fixed(text, id), /jwtVerify\(t, key, \{ algorithms: \['ES256'\] \}\)/);
  });
});

describe('jwt-decode-as-verify: edge cases', () => {
  const id = 'jwt-decode-as-verify';
  it('ignores claims that only reach a log line', () => {
    const text = "import jwt from 'jsonwebtoken';\nexport function audit(t: string) {\n  const c: any = jwt.decode(t);\n  console.log(`token for ${c.sub}`);\n}\n";
    assert.deepEqual(lines(text, id), []);
  });
  it('reports an identity read through a later assignment', () => {
    const text = "import jwt from 'jsonwebtoken';\nexport function who(t: string) {\n  let c: any;\n  c = jwt.decode(t);\n  return c.userId;\n}\n";
    assert.deepEqual(lines(text, id), [4]);
  });
});

describe('jwt-sign-expiry: edge cases', () => {
  const id = 'jwt-sign-expiry';
  it('skips string payloads and payloads that may carry exp', () => {
    const text = "import jwt from 'jsonwebtoken';\nexport const a = jwt.sign('static', 's');\nexport const b = (c: object) => jwt.sign({ ...c }, 's');\n";
    assert.deepEqual(lines(text, id), []);
  });
  it('reports a non-literal payload without expiresIn', () => {
    const text = "import jwt from 'jsonwebtoken';\nexport const a = (u: { toJSON(): object }) => jwt.sign(u.toJSON(), 's');\n";
    assert.deepEqual(lines(text, id), [2]);
  });
  it('keeps the callback after an inserted options object', () => {
    const text = "import jwt from 'jsonwebtoken';\njwt.sign({ sub: 1 }, 's', (err, t) => console.log(t));\n";
    assert.equal(fixed(text, id), "import jwt from 'jsonwebtoken';\njwt.sign({ sub: 1 }, 's', { expiresIn: '15m' }, (err, t) => console.log(t));\n");
  });
});

describe('cookie-insecure-flags: fixes', () => {
  const id = 'cookie-insecure-flags';
  it('adds flags to a multi-line object with a trailing comma and CRLF line ends', () => {
    const text = "export function f(res: any, token: string) {\r\n  res.cookie('jwt', token, {\r\n    httpOnly: true,\r\n    path: '/', // all routes\r\n  });\r\n}\r\n";
    const out = fixed(text, id);
    assert.equal(out, "export function f(res: any, token: string) {\r\n  res.cookie('jwt', token, {\r\n    httpOnly: true,\r\n    path: '/', // all routes\r\n    secure: true,\r\n    sameSite: 'strict',\r\n  });\r\n}\r\n");
    assert.equal(syntaxErrorCount('a.ts', out), 0);
    assert.deepEqual(lines(out, id), []);
  });
  it('fills an empty options object', () => {
    const text = "export const f = (res: any, sid: string) => res.cookie('sid', sid, {});\n";
    assert.equal(fixed(text, id), "export const f = (res: any, sid: string) => res.cookie('sid', sid, { httpOnly: true, secure: true, sameSite: 'strict' });\n");
  });
});

describe('auth and tokens: test code', () => {
  it('does not judge test files', () => {
    const text = "import jwt from 'jsonwebtoken';\nexport const t = jwt.sign({ sub: 1 }, 's');\nlocalStorage.setItem('token', t);\n";
    for (const id of ['jwt-sign-expiry', 'token-localstorage']) {
      assert.deepEqual(lines(text, id, {}, 'test/helpers/auth.ts'), [], id);
      assert.deepEqual(lines(text, id, {}, 'src/auth.spec.ts'), [], id);
      assert.equal(lines(text, id, {}, 'src/auth.ts').length, 1, id);
    }
  });
});

describe('jwt-verify-algorithms: empty list', () => {
  it('fills an empty algorithms list instead of adding a second property', () => {
    const text = "import jwt from 'jsonwebtoken';\nexport const f = (t: string) => jwt.verify(t, 's', { algorithms: [] });\n";
    assert.equal(fixed(text, 'jwt-verify-algorithms'), "import jwt from 'jsonwebtoken';\nexport const f = (t: string) => jwt.verify(t, 's', { algorithms: ['HS256'] });\n");
  });
});
