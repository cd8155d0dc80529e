import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULES } from '../../src/core/registry';
import { ROWS, ROW_BY_ID, CORE_ROW_COUNT } from '../../src/core/rows';
import { expectedDocs } from '../../scripts/docs-model';

const ROOT = path.join(__dirname, '..', '..');

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

describe('conventions', () => {
  it('src/core never imports vscode', () => {
    const offenders = walk(path.join(ROOT, 'src', 'core'))
      .filter((f) => /\.[cm]?[jt]sx?$/.test(f))
      .filter((f) => /(from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\))/.test(fs.readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('src takes ts from src/core/ts.ts, never a value import of ts-morph (its interop getters cost a tenth of analysis time)', () => {
    const offenders = walk(path.join(ROOT, 'src'))
      .filter((f) => /\.[cm]?[jt]sx?$/.test(f) && !f.endsWith(path.join('src', 'core', 'ts.ts')))
      .filter((f) => /import\s+(?!type\b)[^;]*from\s+['"]ts-morph['"]|require\(\s*['"]ts-morph['"]\s*\)/.test(fs.readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => path.relative(ROOT, f)), []);
  });

  it('src/core caches nodes in a NodeCache, never a module-level WeakMap (it keeps syntax trees alive through young-generation collections)', () => {
    const offenders = walk(path.join(ROOT, 'src', 'core'))
      .filter((f) => /\.ts$/.test(f))
      .filter((f) => /^(export )?const \w+ = new WeakMap<ts\./m.test(fs.readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => path.relative(ROOT, f)), []);
  });

  it('rules build visitor objects as literals, never assign a visitor afterwards (see Visitors in src/core/types.ts)', () => {
    const visitorName = /\b(?!ts\.)\w+\.(onEnd|[A-Z][A-Za-z]+(?:Expression|Declaration|Statement|Literal|Assignment|Function|Clause|Attribute|Head|Middle|Tail)) = (?!undefined\b)/;
    const offenders = walk(path.join(ROOT, 'src', 'core', 'rules'))
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').map((line, i) => ({ f, line, i }))
        .filter(({ line }) => visitorName.test(line) && !/^\s*(\/\/|\*)/.test(line)))
      .map(({ f, i }) => `${path.relative(ROOT, f)}:${i + 1}`);
    assert.deepEqual(offenders, []);
  });

  it('each rule lives in src/core/rules/<id>.ts and ids are unique kebab-case', () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'duplicate rule ids');
    for (const id of ids) {
      assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/, id);
      assert.ok(fs.existsSync(path.join(ROOT, 'src', 'core', 'rules', `${id}.ts`)), `src/core/rules/${id}.ts`);
    }
    const files = fs.readdirSync(path.join(ROOT, 'src', 'core', 'rules')).filter((f) => f.endsWith('.ts') && !f.startsWith('_'));
    const unregistered = files.map((f) => f.replace(/\.ts$/, '')).filter((id) => !ids.includes(id));
    assert.deepEqual(unregistered, [], 'rule files not in the registry');
  });

  it('every rule has complete metadata and maps to a known row', () => {
    for (const r of RULES) {
      assert.ok(ROW_BY_ID.has(r.row), `${r.id}: unknown row ${r.row}`);
      assert.match(r.description, /^Detects .+\.$/, `${r.id}: description should read "Detects … ."`);
      assert.ok(r.message.length > 10 && !r.message.includes('\n'), `${r.id}: one-line message`);
      for (const key of ['why', 'bad', 'good', 'fix'] as const) assert.ok(r.docs[key].trim().length > 0, `${r.id}: docs.${key}`);
      assert.ok(r.docs.cwe.length > 0 && r.docs.cwe.every((c) => /^CWE-\d+$/.test(c)), `${r.id}: CWE ids`);
      assert.ok(r.docs.owasp.length > 0 && r.docs.owasp.every((c) => /^A\d\d:20\d\d$/.test(c)), `${r.id}: OWASP ids`);
    }
  });

  it('every core row is decided by at least one rule or evidence signal', () => {
    assert.equal(ROWS.filter((r) => !r.extended).length, CORE_ROW_COUNT);
    const ruled = new Set(RULES.map((r) => r.row));
    const missing = ROWS.filter((r) => !r.extended && !ruled.has(r.id) && r.passEvidence.length === 0).map((r) => r.id);
    assert.deepEqual(missing, []);
  });

  it('docs/rules and the README rules table are generated from the registry (run `npm run docs`)', () => {
    const { files, readme } = expectedDocs(ROOT);
    const dir = path.join(ROOT, 'docs', 'rules');
    const stale: string[] = [];
    for (const [name, text] of files) {
      const p = path.join(dir, name);
      if (!fs.existsSync(p) || fs.readFileSync(p, 'utf8') !== text) stale.push(name);
    }
    const extra = fs.readdirSync(dir).filter((f) => f.endsWith('.md') && !files.has(f));
    assert.deepEqual({ stale, extra }, { stale: [], extra: [] });
    assert.equal(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'), readme, 'README rules table is stale');
  });
});
