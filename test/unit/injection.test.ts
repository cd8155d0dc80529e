import * as assert from 'node:assert/strict';
import { applyFixes } from '../../src/core/fix';
import { run } from '../helpers';

/** Lines (1-based) a rule reports on a snippet. */
function lines(rule: string, text: string, file = 'src/app.ts'): number[] {
  return run(text, rule, file).findings.filter((f) => f.ruleId === rule).map((f) => f.line);
}

function fixed(rule: string, text: string, file = 'src/app.ts'): string {
  const r = run(text, rule, file);
  return applyFixes(text, r.findings.flatMap((f) => f.fixes.slice(0, 1))).text;
}

const src = (...l: string[]): string => l.join('\n') + '\n';

describe('injection-other: path-traversal', () => {
  it('follows named path imports and fs/promises named imports', () => {
    const text = src(
      "import { join, basename } from 'node:path';",
      "import { readFile } from 'fs/promises';",
      'export async function a(req, res) {',
      '  res.send(await readFile(join(DIR, req.params.name)));',
      '  res.send(await readFile(join(DIR, basename(req.params.name))));',
      '}',
    );
    assert.deepEqual(lines('path-traversal', text), [4]);
  });

  it('points the related location at the request read', () => {
    const text = src(
      "const fs = require('fs');",
      'function h(req, res) {',
      '  const name = req.query.file;',
      '  fs.createReadStream(`/srv/${name}`).pipe(res);',
      '}',
    );
    const f = run(text, 'path-traversal', 'a.js').findings[0];
    assert.equal(f.line, 4);
    assert.deepEqual(f.related?.map((r) => [r.line, r.message]), [[3, 'request data comes from here']]);
  });

  it('ignores files that never touch fs', () => {
    const text = src('export function h(req, cache) {', '  return cache.readFile(req.params.key);', '}');
    assert.deepEqual(lines('path-traversal', text), []);
  });
});

describe('injection-other: command-injection', () => {
  it('resolves aliases and promisified exec', () => {
    const text = src(
      "const { exec: run } = require('child_process');",
      "const { promisify } = require('util');",
      "const sh = promisify(require('child_process').exec);",
      'async function h(req) {',
      '  run(`ls ${req.query.dir}`);',
      '  await sh(`ls ${req.query.dir}`);',
      '}',
    );
    assert.deepEqual(lines('command-injection', text, 'a.js'), [5, 6]);
  });

  it('offers no execFile fix when a substitution is glued to text or the template has shell syntax', () => {
    const text = src(
      "const { exec } = require('child_process');",
      'function h(req) {',
      '  exec(`tar -czf out-${req.query.id}.tgz dir`);',
      '  exec(`cat ${req.query.f} | wc -l`);',
      '}',
    );
    const findings = run(text, 'command-injection', 'a.js').findings;
    assert.deepEqual(findings.map((f) => [f.line, f.fixes.length]), [[3, 0], [4, 0]]);
  });

  it('does not rename to an execFile bound to something else', () => {
    const text = src(
      "const { exec } = require('child_process');",
      "const { execFile } = require('./my-exec');",
      'function h(req) {',
      '  exec(`git log ${req.query.b}`);',
      '}',
    );
    assert.equal(run(text, 'command-injection', 'a.js').findings[0].fixes.length, 0);
  });
});

describe('injection-other: open-redirect', () => {
  it('treats a bare leading slash as open (//evil.example) but a path segment as fixed', () => {
    const text = src(
      'function h(req, res) {',
      "  res.redirect('/' + req.query.p);",
      "  res.redirect('/app/' + req.query.p);",
      '  res.redirect(`https://app.example.com/${req.query.p}`);',
      '  res.redirect(`https://app.example.com${req.query.p}`);',
      '}',
    );
    assert.deepEqual(lines('open-redirect', text, 'a.js'), [2, 5]);
  });

  it('adds the helper once for several findings', () => {
    const text = src('function h(req, res) {', '  res.redirect(req.query.a);', '  res.location(req.query.b);', '}');
    const out = fixed('open-redirect', text, 'a.js');
    assert.equal(out.match(/function safeRedirectTarget/g)?.length, 1);
    assert.match(out, /res\.redirect\(safeRedirectTarget\(req\.query\.a\)\)/);
    assert.match(out, /res\.location\(safeRedirectTarget\(req\.query\.b\)\)/);
  });
});

describe('injection-other: xss-response', () => {
  it('respects a non-HTML content type set earlier or in the chain', () => {
    const text = src(
      'function h(req, res) {',
      "  res.type('json').send(`{\"q\": \"${req.query.q}\"}`);",
      "  res.set('Content-Type', 'text/html');",
      '  res.end(req.query.q);',
      '}',
    );
    assert.deepEqual(lines('xss-response', text, 'a.js'), [4]);
  });

  it('keeps CRLF line endings when adding the helper', () => {
    const text = 'function h(req, res) {\r\n  res.send(`<b>${req.query.q}</b>`);\r\n}\r\n';
    const out = fixed('xss-response', text, 'a.js');
    assert.ok(!/[^\r]\n/.test(out), 'only CRLF line breaks');
    assert.match(out, /function escapeHtml\(value\) \{\r\n/);
  });
});

describe('injection-other: regex-injection', () => {
  it('leaves $regex and RegExp filter values to nosql-injection', () => {
    const text = src(
      'async function h(req, User) {',
      '  await User.find({ name: { $regex: new RegExp(req.query.q) } });',
      "  await User.find({ $or: [{ name: new RegExp(req.query.q, 'i') }] });",
      "  const re = new RegExp(req.query.q, 'i');",
      '}',
    );
    assert.deepEqual(lines('regex-injection', text, 'a.js'), [4]);
  });
});

describe('injection-other: code-injection', () => {
  it('reports string timers, not function timers, and ignores a shadowed eval', () => {
    const text = src(
      'function h(req, res) {',
      '  setTimeout(req.query.code, 10);',
      '  setTimeout(() => res.end(req.query.code), Number(req.query.ms));',
      '}',
      'function g(req, evaluate) {',
      '  const eval2 = evaluate;',
      '  eval2(req.body.x);',
      '}',
    );
    assert.deepEqual(lines('code-injection', text, 'a.js'), [2]);
  });
});

describe('injection-other: flow guards still apply through path carriers', () => {
  it('trusts a switch with a returning default on the file name', () => {
    const text = src(
      "import { join } from 'path';",
      "import { readFileSync } from 'fs';",
      'export function h(req, res) {',
      '  const name = String(req.query.report);',
      '  switch (name) {',
      "    case 'daily':",
      "    case 'weekly':",
      '      break;',
      '    default:',
      '      return res.sendStatus(404);',
      '  }',
      '  res.send(readFileSync(join(DIR, name)));',
      '  res.send(readFileSync(join(DIR, String(req.query.other))));',
      '}',
    );
    assert.deepEqual(lines('path-traversal', text), [13]);
  });
});

describe('injection-other: what counts as a validation', () => {
  it('an emptiness check is not one; a comparison with a constant is', () => {
    const text = src(
      'function h(req, res) {',
      '  const next = req.query.next;',
      "  if (next === undefined || next === '') return res.redirect('/');",
      '  res.redirect(next);',
      '}',
      'function g(req, res) {',
      '  const next = req.query.next;',
      "  if (next !== '/home' && next !== '/settings') return res.redirect('/');",
      '  res.redirect(next);',
      '}',
    );
    assert.deepEqual(lines('open-redirect', text, 'a.js'), [4]);
  });
});
