import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeSource, type FileResult } from '../../src/core/analyze';
import { applyFixes } from '../../src/core/fix';
import { SOURCE_RULES } from '../../src/core/registry';
import type { SourceRule } from '../../src/core/types';
import { analyzeWorkspace, type WorkspaceResult } from '../../src/core/workspace';
import { prng, syntheticRouterFile } from '../../scripts/corpus';
import { FIXTURES } from '../helpers';

/**
 * Bad input never crashes or hangs the analyzer: every fixture file mutated
 * many ways (deterministically, seeded by its path), pathological nesting,
 * huge, minified, binary, unreadable, empty and BOM-only files, symlink loops,
 * and CRLF line endings.
 *
 * A failing mutation is written to $TMPDIR/preflight-robustness/ so that it
 * can be reproduced with `analyzeSource(name, text, { rules: SOURCE_RULES })`.
 * No wall-clock thresholds: only the analyzer's own `timeBudgetMs`, whose
 * "skipped" result is acceptable; an exception never is.
 */

const TIME_BUDGET_MS = 2000;
/** Mutations per fixture file, and in all (spread evenly over files when capped). */
const MUTATIONS_PER_FILE = 20;
const MUTATIONS_TOTAL = 700;
const DUMP_DIR = path.join(os.tmpdir(), 'preflight-robustness');
/** Mocha's limit for these tests: generous for loaded CI machines (a hang still shows). */
const SLOW_TEST_TIMEOUT_MS = 120_000;

// ---------------------------------------------------------------------------
// Seeded helpers

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** FNV-1a: a stable seed per fixture path, so new fixtures do not shift others' mutations. */
function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// ---------------------------------------------------------------------------
// Mutations: each takes the text and returns the mutated text and a label.

/** Invalid UTF-8 sequences, decoded the way a file read as utf8 would be (U+FFFD and friends). */
const INVALID_UTF8 = [
  Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xe2, 0x82]), Buffer.from([0xf0, 0x9f, 0x98]),
  Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xfe, 0xff, 0x00]),
].map((b) => b.toString('utf8'));
const ODD_CHARS = [
  '\0', '\uD800', '\uDFFF', '\uDBFF\uDBFF', '\uFEFF', '\u2028', '\u2029', '\u202E', '\u200B', '\x7F', '\x1B[31m', '\r', '\v', '\f',
  '\uFFFF', '\u{10FFFF}', '\u00A0', '\u0085', ...INVALID_UTF8,
];
const UNBALANCED = ['{', '}', '(', ')', '[', ']', '`', '${', '}`', '/*', '*/', '"', "'", '<', '</', '<div>', '/', '\\', '#!', '@'];
const ODD_TOKENS = [
  'await', 'yield', 'class', 'async', 'function', '=>', '...', '?.', '#x', '@Decorator()', 'enum', 'declare', 'import(', 'new.target',
  'import.meta', 'satisfies', 'as const', '<T,>', '!', '??=', 'delete', 'typeof', 'let', 'static', 'get', 'require', 'req.body', 'module.exports =',
];

type Mutation = (rng: Rng, text: string) => [string, string];

const atRandom = (rng: Rng, text: string): number => rng.int(0, text.length);

const MUTATIONS: Mutation[] = [
  (rng, text) => {
    const at = rng.pick([0, 1, Math.floor(text.length / 4), Math.floor(text.length / 2), text.length - 1, atRandom(rng, text)]);
    return [text.slice(0, Math.max(0, at)), `truncate@${at}`];
  },
  (rng, text) => {
    // Delete a few tokens (words or single punctuation characters).
    const tokens = [...text.matchAll(/[A-Za-z_$][\w$]*|\d+|[^\s\w]/g)];
    if (tokens.length === 0) return [text, 'delete-token(none)'];
    let out = text;
    const n = rng.int(1, 5);
    const picked = Array.from({ length: n }, () => rng.pick(tokens)).sort((a, b) => b.index! - a.index!);
    let last = -1;
    for (const m of picked) {
      if (m.index === last) continue;
      last = m.index!;
      out = out.slice(0, m.index) + out.slice(m.index! + m[0].length);
    }
    return [out, `delete-tokens(${n})`];
  },
  (rng, text) => {
    const lines = text.split('\n');
    const i = rng.int(0, lines.length - 1);
    const n = rng.int(1, 4);
    lines.splice(i, 0, ...lines.slice(i, i + n));
    return [lines.join('\n'), `duplicate-lines@${i + 1}x${n}`];
  },
  (rng, text) => {
    const at = atRandom(rng, text);
    const ch = rng.pick(ODD_CHARS);
    return [text.slice(0, at) + ch + text.slice(at), `insert-char@${at}:${JSON.stringify(ch)}`];
  },
  (rng, text) => {
    // A run of random code units, NUL and lone surrogates included.
    const at = atRandom(rng, text);
    const n = rng.int(1, 16);
    let junk = '';
    for (let i = 0; i < n; i++) junk += String.fromCharCode(rng.chance(0.3) ? rng.int(0xd800, 0xdfff) : rng.int(0, 0xffff));
    return [text.slice(0, at) + junk + text.slice(at), `insert-junk@${at}x${n}`];
  },
  (rng, text) => {
    const n = rng.int(1, 4);
    let out = text;
    const labels: string[] = [];
    for (let i = 0; i < n; i++) {
      const at = atRandom(rng, out);
      const tok = rng.pick(UNBALANCED);
      out = out.slice(0, at) + tok + out.slice(at);
      labels.push(`${at}:${tok}`);
    }
    return [out, `unbalance(${labels.join(' ')})`];
  },
  (rng, text) => {
    // Drop every closing brace (or paren) after some point.
    const at = atRandom(rng, text);
    const ch = rng.pick(['}', ')', ']', '`']);
    return [text.slice(0, at) + text.slice(at).split(ch).join(''), `strip-${ch}-after@${at}`];
  },
  (rng, text) => {
    const ids = [...text.matchAll(/[A-Za-z_$][\w$]*/g)];
    if (ids.length === 0) return [text, 'odd-token(none)'];
    const m = rng.pick(ids);
    const tok = rng.pick(ODD_TOKENS);
    return [text.slice(0, m.index) + tok + text.slice(m.index! + m[0].length), `odd-token@${m.index}:${tok}`];
  },
  (rng, text) => {
    const lines = text.split('\n');
    const a = rng.int(0, lines.length - 1);
    const b = rng.int(0, lines.length - 1);
    [lines[a], lines[b]] = [lines[b], lines[a]];
    return [lines.join('\n'), `swap-lines@${a + 1},${b + 1}`];
  },
  (rng, text) => {
    // Open a function or a template that never closes, around the rest of the file.
    const lines = text.split('\n');
    const i = rng.int(0, lines.length - 1);
    const opener = rng.pick(['function f() {', 'const t = `${', 'if (req.body) { res.json(', 'class C { m() {', '/*', 'const x = [']);
    lines.splice(i, 0, opener);
    return [lines.join('\n'), `open@${i + 1}:${opener}`];
  },
  (rng, text) => {
    const eolAt = rng.int(0, 2);
    return [eolAt === 0 ? text.replace(/\n/g, '\r') : eolAt === 1 ? text.replace(/\n/g, '\r\n') : text.replace(/\n/g, '\u2028'), `eol-${['cr', 'crlf', 'ls'][eolAt]}`];
  },
];

function mutate(rng: Rng, text: string): { text: string; label: string } {
  let out = text;
  const labels: string[] = [];
  const n = rng.int(1, 3);
  for (let i = 0; i < n; i++) {
    const [next, label] = rng.pick(MUTATIONS)(rng, out);
    out = next;
    labels.push(label);
  }
  return { text: out, label: labels.join(' + ') };
}

// ---------------------------------------------------------------------------
// Checks

function dependenciesOf(text: string): Record<string, string> {
  const m = /fixture-dependencies:\s*(.+)$/m.exec(text);
  const deps: Record<string, string> = {};
  if (!m) return deps;
  for (const part of m[1].split(',')) {
    const at = part.trim().lastIndexOf('@');
    if (at > 0) deps[part.trim().slice(0, at)] = part.trim().slice(at + 1);
  }
  return deps;
}

function analyze(file: string, text: string, deps: Record<string, string> = {}, timeBudgetMs = TIME_BUDGET_MS): FileResult {
  return analyzeSource(file, text, {
    rules: SOURCE_RULES,
    project: { dependencies: deps, rateLimiters: [] },
    timeBudgetMs,
  });
}

/** What must hold of any result: positions inside the text, fix edits inside it and ordered. */
function invariantProblems(text: string, r: FileResult): string[] {
  const problems: string[] = [];
  if (r.skipped !== undefined) {
    if (typeof r.skipped !== 'string' || r.skipped.length === 0) problems.push('skipped without a reason');
    return problems;
  }
  const lines = text.split('\n').length;
  for (const f of r.findings) {
    const where = `${f.ruleId}@${f.line}:${f.column}`;
    if (!(f.line >= 1 && f.line <= lines && f.endLine >= f.line && f.endLine <= lines)) problems.push(`${where}: line out of range`);
    if (!(f.column >= 1 && f.endColumn >= 1)) problems.push(`${where}: column out of range`);
    if (!(f.start >= 0 && f.start <= f.end && f.end <= text.length)) problems.push(`${where}: offsets ${f.start}-${f.end} outside the text`);
    for (const fix of f.fixes) {
      for (const e of fix.edits) {
        if (!(e.start >= 0 && e.start <= e.end && e.end <= text.length)) problems.push(`${where}: fix "${fix.title}" edits ${e.start}-${e.end} outside the text`);
        if (typeof e.newText !== 'string') problems.push(`${where}: fix "${fix.title}" has no newText`);
      }
    }
  }
  return problems;
}

function dump(name: string, label: string, text: string): string {
  fs.mkdirSync(DUMP_DIR, { recursive: true });
  const file = path.join(DUMP_DIR, `${name.replace(/[^\w.-]+/g, '_')}.${seedOf(label).toString(16)}${path.extname(name)}`);
  fs.writeFileSync(file, text);
  return file;
}

/** Runs analysis on one input; an exception or a broken invariant becomes a problem line. */
function check(name: string, label: string, text: string, deps: Record<string, string> = {}, budget = TIME_BUDGET_MS): string[] {
  let result: FileResult;
  try {
    result = analyze(path.basename(name), text, deps, budget);
  } catch (e) {
    const err = e as Error;
    const at = (err.stack ?? '').split('\n').find((l) => l.includes('/src/')) ?? '';
    return [`${name} [${label}]: ${err.name}: ${err.message} ${at.trim()} (input: ${dump(name, label, text)})`];
  }
  return invariantProblems(text, result).map((p) => `${name} [${label}]: ${p} (input: ${dump(name, label, text)})`);
}

// ---------------------------------------------------------------------------

function fixtureFiles(): string[] {
  const root = path.join(FIXTURES, 'rules');
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(root);
  return out;
}

describe('robustness', function () {
  this.timeout(SLOW_TEST_TIMEOUT_MS);
  describe('mutated fixtures never throw', () => {
    const files = fixtureFiles();
    const perFile = Math.max(1, Math.min(MUTATIONS_PER_FILE, Math.floor(MUTATIONS_TOTAL / Math.max(1, files.length))));
    const byDir = new Map<string, string[]>();
    for (const f of files) {
      const dir = path.relative(path.join(FIXTURES, 'rules'), path.dirname(f));
      byDir.set(dir, [...(byDir.get(dir) ?? []), f]);
    }
    for (const [dir, list] of byDir) {
      it(`${dir} (${list.length} files x ${perFile} mutations)`, () => {
        const problems: string[] = [];
        for (const file of list) {
          const rel = path.relative(FIXTURES, file);
          const text = fs.readFileSync(file, 'utf8');
          const deps = dependenciesOf(text);
          const rng = new Rng(seedOf(rel));
          problems.push(...check(rel, 'original', text, deps));
          for (let i = 0; i < perFile; i++) {
            const m = mutate(rng, text);
            problems.push(...check(rel, `#${i} ${m.label}`, m.text, deps));
          }
        }
        assert.deepEqual(problems, []);
      });
    }
  });

  describe('pathological nesting', () => {
    const cases: [string, string, string][] = [
      ['50,000 nested parentheses', 'deep-parens.ts', `const x = ${'('.repeat(50_000)}req.body${')'.repeat(50_000)};\n`],
      ['an a+ chain 100,000 long', 'plus-chain.js', `const s = ${'a+'.repeat(100_000)}req.query.q;\n`],
      ['arrow functions nested 5,000 deep', 'arrows.ts', `export const f = ${'(req) => '.repeat(5_000)}req.body;\n`],
      ['arrow functions with blocks nested 5,000 deep', 'arrow-blocks.js', `const f = ${'(req, res) => { return '.repeat(5_000)}res.json(req.body)${';}'.repeat(5_000)};\n`],
      ['a call chain 30,000 long', 'chain.js', `const app = require('express')();\napp${'.use(x)'.repeat(30_000)};\n`],
      ['objects nested 20,000 deep', 'objects.ts', `db.query(${'{ a: '.repeat(20_000)}req.body${' }'.repeat(20_000)});\n`],
      ['if blocks nested 20,000 deep', 'ifs.js', `${'if (req.body) { '.repeat(20_000)}res.send(req.query.x);${' }'.repeat(20_000)}\n`],
      ['templates nested 10,000 deep', 'templates.ts', `const q = ${'`SELECT ${'.repeat(10_000)}req.query.id${'}`'.repeat(10_000)};\n`],
      ['ternaries chained 50,000 long', 'ternary.js', `const v = ${'req.body.a ? 1 : '.repeat(50_000)}0;\n`],
      ['unclosed openers, 50,000 of them', 'unclosed.ts', '({['.repeat(50_000)],
    ];
    for (const [title, file, text] of cases) {
      it(`${title}: analyzed or skipped with a reason, never thrown`, () => {
        assert.deepEqual(check(file, title, text), []);
      });
    }

    it('moderately deep nesting of every construct (the parser copes, rules must too)', () => {
      const problems: string[] = [];
      for (const depth of [50, 300, 700]) {
        const shapes: Record<string, string> = {
          parens: `res.json(${'('.repeat(depth)}req.body${')'.repeat(depth)});`,
          arrows: `app.get('/x', ${'(req, res) => '.repeat(depth)}res.send(req.query.q));`,
          blocks: `router.post('/a', (req, res) => {${' if (req.body) {'.repeat(depth)} db.query('SELECT ' + req.body.id);${' }'.repeat(depth)} });`,
          objects: `User.find(${'{ $or: '.repeat(depth)}req.body${' }'.repeat(depth)});`,
          calls: `jwt.verify(${'f('.repeat(depth)}req.cookies.token${')'.repeat(depth)}, secret);`,
          members: `const v = req${'.body'.repeat(depth * 10)};`,
          binary: `const sql = 'SELECT * FROM t WHERE a = ' ${"+ req.query.a + ' OR b = ' ".repeat(depth * 10)};\ndb.query(sql);`,
          assignments: `let a; ${Array.from({ length: depth }, (_, i) => `const v${i} = v${i - 1 < 0 ? 'a' : i - 1};`).join(' ')} a = req.body; exec(v${depth - 1});`,
          destructuring: `const ${'{ a: '.repeat(depth)}b${' }'.repeat(depth)} = req.body; res.redirect(b);`,
          classes: `${'class A { m(req, res) { '.repeat(Math.min(depth, 300))}res.json(req.body);${' } }'.repeat(Math.min(depth, 300))}`,
        };
        const prefix = "import express from 'express';\nimport jwt from 'jsonwebtoken';\nconst app = express();\nconst router = express.Router();\n";
        for (const [shape, body] of Object.entries(shapes)) {
          problems.push(...check(`nested-${shape}-${depth}.ts`, `${shape} x${depth}`, prefix + body + '\n'));
        }
      }
      assert.deepEqual(problems, []);
    });

    it('tiny and degenerate inputs', () => {
      const inputs: Record<string, string> = {
        empty: '',
        bom: '\uFEFF',
        'bom-newline': '\uFEFF\n',
        shebang: '#!/usr/bin/env node\n',
        'lone-brace': '}',
        'lone-backtick': '`',
        'open-comment': '/*',
        nul: '\0',
        'lone-surrogate': '\uD800',
        crlf: '\r\n',
        'only-spaces': ' '.repeat(10_000),
        'only-newlines': '\n'.repeat(100_000),
        'only-cr': '\r'.repeat(10_000),
        'one-long-identifier': 'x'.repeat(1_000_000),
        'one-long-string': `const s = '${'a'.repeat(1_000_000)}';`,
        'one-long-comment': `// ${'z'.repeat(1_000_000)}`,
        'suppression-only': '// preflight-ignore-next-line\n',
        'unterminated-suppression': '/* preflight-ignore-file *',
        'many-suppressions': '// preflight-ignore-next-line * --\n'.repeat(5_000),
      };
      const problems: string[] = [];
      for (const [name, text] of Object.entries(inputs)) {
        // Each script kind for the small ones; the megabyte ones once.
        for (const ext of text.length > 50_000 ? ['.ts'] : ['.ts', '.js', '.tsx']) problems.push(...check(name + ext, name, text));
      }
      assert.deepEqual(problems, []);
    });

    it('a 5 MB file of realistic code: analyzed or skipped, never thrown', () => {
      // A short budget, which parsing 5 MB may use up by itself: then the file is skipped with a note.
      assert.deepEqual(check('huge.ts', 'huge', bigFile(), {}, 250), []);
    });
  });

  describe('CRLF line endings', () => {
    it('findings, evidence and facts sit at the same line and column as in the LF copy; fixes keep CRLF', () => {
      const problems: string[] = [];
      let compared = 0;
      for (const file of fixtureFiles()) {
        const rel = path.relative(FIXTURES, file);
        const lf = fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
        const crlf = lf.replace(/\n/g, '\r\n');
        const deps = dependenciesOf(lf);
        const a = analyze(path.basename(file), lf, deps);
        const b = analyze(path.basename(file), crlf, deps);
        const findings = (r: FileResult): string[] =>
          r.findings.map((f) => `${f.ruleId} ${f.line}:${f.column}-${f.endLine}:${f.endColumn} ${f.message}`);
        const located = (r: FileResult): string[] => [
          ...r.evidence.map((e) => `evidence ${e.kind} ${e.line} ${e.message}`),
          ...r.facts.map((f) => `fact ${f.kind} ${f.line}`),
        ];
        compared += a.findings.length;
        try {
          assert.deepEqual(findings(b), findings(a));
          assert.deepEqual(located(b), located(a));
        } catch (e) {
          problems.push(`${rel}: ${(e as Error).message}`);
          continue;
        }
        // The same fix on the CRLF copy gives the LF result with CRLF: no stray '\n' is inserted.
        a.findings.forEach((f, i) => {
          const fa = f.fixes[0];
          const fb = b.findings[i].fixes[0];
          if (!fa || !fb) return;
          const expected = applyFixes(lf, [fa]).text.replace(/\n/g, '\r\n');
          if (applyFixes(crlf, [fb]).text !== expected) problems.push(`${rel}: ${f.ruleId} fix "${fa.title}" at line ${f.line} mixes line endings in a CRLF file`);
        });
      }
      assert.ok(compared > 0, 'the fixtures yield findings to compare');
      assert.deepEqual(problems, []);
    });

    it('a known finding keeps its position: express() without helmet', () => {
      const lf = "import express from 'express';\n\n// a comment\nconst app = express();\napp.listen(3000);\n";
      const at = (text: string) => analyze('app.ts', text).findings.find((f) => f.ruleId === 'missing-helmet');
      const a = at(lf);
      const b = at(lf.replace(/\n/g, '\r\n'));
      assert.ok(a, 'missing-helmet reports the LF copy');
      assert.deepEqual(
        b && [b.line, b.column, b.endLine, b.endColumn],
        [a.line, a.column, a.endLine, a.endColumn],
      );
      assert.deepEqual([a.line, a.column], [4, 13]);
    });
  });

  describe('a workspace of bad files', () => {
    let dir = '';
    let result: WorkspaceResult | undefined;
    let error: unknown;
    let lockedReadable = false;
    let fifo = false;

    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-robust-'));
      const w = (rel: string, data: string | Buffer): void => {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), data);
      };
      w('package.json', JSON.stringify({ dependencies: { express: '^4.19.2' } }));
      w('src/app.ts', "import express from 'express';\nconst app = express();\napp.get('/', (req, res) => res.json(req.query));\n");
      w('src/huge.ts', bigFile());
      w('src/bundle.js', minified());
      w('public/vendor.min.js', 'var a=1;\n');
      // A 2-4 KB one-line chunk, the way Vite and Monaco ship language files.
      w('public/monaco/apex-CcIm7xu6.js', `define("vs/apex",["exports"],(function(s){"use strict";const o={tokenizer:{root:[${Array.from({ length: 60 }, (_, i) => `[/k${i}/,{token:"keyword.$0"}]`).join(',')}]}};s.conf=o}));`);
      w('admin/bundles/js/App.js', browserifyBundle());
      w('public/main.js', webpackBundle());
      const rnd = prng(7);
      w('src/blob.js', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i % 97 === 0 ? 0 : Math.floor(rnd() * 256)))));
      w('src/bad-utf8.js', Buffer.concat([Buffer.from('const a = "'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('";\n')]));
      w('src/empty.ts', '');
      w('src/bom.ts', '\uFEFF');
      w('src/crlf.ts', "import express from 'express';\r\nconst app = express();\r\n");
      w('src/deep.js', `const x = ${'(\n'.repeat(50_000)}1${')\n'.repeat(50_000)};\n`);
      w('src/locked.ts', "export const locked = true;\n");
      fs.chmodSync(path.join(dir, 'src/locked.ts'), 0o000);
      w('locked-dir/inner.ts', 'export const inner = 1;\n');
      fs.chmodSync(path.join(dir, 'locked-dir'), 0o000);
      lockedReadable = readable(path.join(dir, 'src/locked.ts'));
      fs.mkdirSync(path.join(dir, 'loop'));
      fs.symlinkSync('.', path.join(dir, 'loop/self'));
      fs.symlinkSync('..', path.join(dir, 'loop/up'));
      fs.symlinkSync(path.join(dir, 'loop'), path.join(dir, 'loop/abs'));
      fs.symlinkSync('app.ts', path.join(dir, 'src/link.ts'));
      fs.symlinkSync('nowhere.ts', path.join(dir, 'src/dangling.ts'));
      fs.symlinkSync('a.ts', path.join(dir, 'src/b.ts'));
      fs.symlinkSync('b.ts', path.join(dir, 'src/a.ts'));
      try {
        // A named pipe: opening it for reading would block forever.
        execFileSync('mkfifo', [path.join(dir, 'src/pipe.ts')], { stdio: 'ignore' });
        fifo = true;
      } catch {
        fifo = false;
      }
      try {
        result = analyzeWorkspace(dir);
      } catch (e) {
        error = e;
      }
    });

    after(() => {
      if (!dir) return;
      for (const p of ['src/locked.ts', 'locked-dir']) {
        try {
          fs.chmodSync(path.join(dir, p), 0o755);
        } catch {
          // already gone
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const skipReason = (rel: string): string | undefined => result?.skipped.find((s) => s.file === rel)?.reason;

    it('is scanned without an exception and without following links', () => {
      assert.equal(error, undefined);
      assert.ok(result);
      assert.ok(result.files.includes('src/app.ts'), 'the ordinary file is analyzed');
      const all = [...result.files, ...result.skipped.map((s) => s.file)];
      assert.ok(all.every((f) => !f.startsWith('loop/self/') && !f.startsWith('loop/up/') && !f.startsWith('loop/abs/')), all.join(', '));
      assert.ok(all.every((f) => !f.startsWith('locked-dir/') || lockedReadable), 'an unreadable folder is passed over');
      if (fifo) assert.ok(!result.files.includes('src/pipe.ts'), 'a named pipe is never read');
    });

    it('skips the 5 MB file by maxFileSizeKB with a note', () => {
      assert.match(skipReason('src/huge.ts') ?? '', /larger than 1024 KB/);
    });

    it('skips minified files, by content and by name', () => {
      assert.equal(skipReason('src/bundle.js'), 'minified');
      assert.equal(skipReason('public/vendor.min.js'), 'minified');
      assert.equal(skipReason('public/monaco/apex-CcIm7xu6.js'), 'minified');
      assert.equal(skipReason('src/app.ts'), undefined);
      assert.doesNotThrow(() => analyze('bundle.js', minified()));
    });

    it('skips committed bundles (webpack, browserify) as build output', () => {
      assert.equal(skipReason('admin/bundles/js/App.js'), 'bundled build output');
      assert.equal(skipReason('public/main.js'), 'bundled build output');
      assert.ok(result!.files.includes('src/app.ts'));
    });

    it('skips binary content', () => {
      assert.equal(skipReason('src/blob.js'), 'binary content');
    });

    it('skips an unreadable file with the reason (as root: checked in a child running as nobody)', function () {
      if (!lockedReadable) {
        assert.match(skipReason('src/locked.ts') ?? '', /unreadable \(EACCES/);
        return;
      }
      // Root reads through chmod 000: the file is simply analyzed here.
      assert.ok(result!.files.includes('src/locked.ts') || /unreadable/.test(skipReason('src/locked.ts') ?? ''));
      const skipped = scanAsNobody();
      // Cannot drop privileges here, or nobody cannot read this checkout (a private temp folder): say so.
      if (skipped === undefined) this.skip();
      assert.deepEqual(skipped, [{ file: 'src/locked.ts', reason: 'unreadable (EACCES)' }]);
    });

    it('analyzes empty, BOM-only, CRLF and invalid UTF-8 files', () => {
      for (const f of ['src/empty.ts', 'src/bom.ts', 'src/crlf.ts', 'src/bad-utf8.js']) {
        assert.ok(result!.files.includes(f), `${f} analyzed (skipped: ${skipReason(f)})`);
      }
      const crlf = result!.findings.filter((f) => f.file === 'src/crlf.ts' && f.ruleId === 'missing-helmet');
      for (const f of crlf) assert.deepEqual([f.line, f.column], [2, 13]);
    });

    it('skips the too-deeply-nested file with a reason', () => {
      const reason = skipReason('src/deep.js');
      assert.ok(result!.files.includes('src/deep.js') || /nested too deeply/.test(reason ?? ''), reason);
    });
  });
});

/**
 * Scans a small workspace holding a chmod-000 file in a child process running
 * as `nobody`, where the permission binds. Undefined when the child cannot run.
 */
function scanAsNobody(): unknown {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-locked-'));
  try {
    fs.chmodSync(dir, 0o755);
    fs.mkdirSync(path.join(dir, 'src'), { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'src/ok.ts'), 'export const ok = 1;\n', { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'src/locked.ts'), 'export const locked = 1;\n');
    fs.chmodSync(path.join(dir, 'src/locked.ts'), 0o000);
    const workspace = path.join(__dirname, '../../src/core/workspace.ts');
    const code = `const { analyzeWorkspace } = require(${JSON.stringify(workspace)}); process.stdout.write(JSON.stringify(analyzeWorkspace(${JSON.stringify(dir)}).skipped));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
      uid: 65534, gid: 65534, cwd: path.join(__dirname, '../..'), encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, HOME: os.tmpdir() },
    });
    // Spawning refused, or the repository itself unreadable to nobody: the environment, not the analyzer.
    if (r.error || (r.status !== 0 && /EACCES|EPERM|Cannot find (module|package)|ERR_MODULE_NOT_FOUND/.test(r.stderr))) return undefined;
    if (r.status !== 0) return { childFailed: r.stderr };
    return JSON.parse(r.stdout);
  } catch {
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function readable(file: string): boolean {
  try {
    fs.readFileSync(file);
    return true;
  } catch {
    return false;
  }
}

let big: string | undefined;
/** About 5 MB of realistic router code (built once). */
function bigFile(): string {
  if (big === undefined) {
    const parts: string[] = [];
    let size = 0;
    for (let seed = 1; size < 5 * 1024 * 1024; seed++) {
      const chunk = syntheticRouterFile(seed, 2_000);
      parts.push(chunk);
      size += chunk.length;
    }
    big = parts.join('\n');
  }
  return big;
}

/** Realistic code squeezed onto one line, the way a bundler writes it. */
/** What browserify writes: its prelude, then the modules, readable and one per line. */
function browserifyBundle(): string {
  return '(function(){function r(e,n,t){function o(i,f){if(!n[i]){if(!e[i]){var c="function"==typeof require&&require;if(!f&&c)return c(i,!0);' +
    'if(u)return u(i,!0);var a=new Error("Cannot find module \'"+i+"\'");throw a.code="MODULE_NOT_FOUND",a}var p=n[i]={exports:{}};' +
    'e[i][0].call(p.exports,function(r){var n=e[i][1][r];return o(n||r)},p,p.exports,r,e,n,t)}return n[i].exports}' +
    'for(var u="function"==typeof require&&require,i=0;i<t.length;i++)o(t[i]);return o}return r})()({1:[function(require,module,exports){\n' +
    '"use strict";\n\nvar _react = require("react");\n' +
    'function Note(props) {\n  return _react.createElement("div", { dangerouslySetInnerHTML: { __html: props.html } });\n}\n' +
    'module.exports = Note;\n'.repeat(40) + '},{}]},{},[1]);\n';
}

function webpackBundle(): string {
  return '/******/ (() => { // webpackBootstrap\n/******/ \tvar __webpack_modules__ = ({\n' +
    '"./src/index.js": ((module, __unused_webpack_exports, __webpack_require__) => {\n' +
    'const express = __webpack_require__("express");\nconst app = express();\napp.get("/", (req, res) => res.send(req.query.q));\n' +
    '})\n/******/ \t});\n/******/ })();\n';
}

function minified(): string {
  return syntheticRouterFile(3, 400, false)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('//'))
    .join('');
}

describe('time budget', () => {
  /** A rule whose end-of-file hook takes `ms` of wall time, and one that reports at the end. */
  const slowEnd = (ms: number): SourceRule => ({
    ...SOURCE_RULES[0], id: 'slow-end',
    create: () => ({ onEnd: () => { const until = Date.now() + ms; while (Date.now() < until); } }),
  });
  const reportsAtEnd: SourceRule = {
    ...SOURCE_RULES[0], id: 'reports-at-end',
    create: (ctx) => ({ onEnd: () => ctx.report(ctx.sourceFile.statements[0]) }),
  };

  it('covers end-of-file hooks: a file whose hooks run past it is skipped, not half-analyzed', () => {
    const text = 'const a = 1;\n';
    const ok = analyzeSource('a.ts', text, { rules: [slowEnd(0), reportsAtEnd], timeBudgetMs: 10_000 });
    assert.deepEqual(ok.findings.map((f) => f.ruleId), ['reports-at-end']);
    const late = analyzeSource('a.ts', text, { rules: [slowEnd(60), reportsAtEnd], timeBudgetMs: 20 });
    assert.match(late.skipped ?? '', /longer than 20 ms/);
    assert.deepEqual(late.findings, []);
  });
});
