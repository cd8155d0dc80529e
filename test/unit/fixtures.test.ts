import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeSource } from '../../src/core/analyze';
import { applyFixes } from '../../src/core/fix';
import { RULES } from '../../src/core/registry';
import { FIXTURES, listDirs, listFilesIn, sourceRule, syntaxErrorCount } from '../helpers';

/**
 * Whole-file fixtures carry their verdicts in place, on the line(s) above the
 * code they judge:
 *   // expect: <rule-id>        the next code line must be reported
 *   // ok: <rule-id>            the next code line must not be reported
 *   // todo-expect: <rule-id>   a known miss: must not be reported (yet)
 * Any finding of the rule under test on an unannotated line fails the test.
 * A fixture may start with `// fixture-dependencies: pkg@range, …` to set the
 * project's package.json dependencies.
 */
const ANNOTATION = /^\s*(?:\/\/|\/\*|\*)\s*(expect|ok|todo-expect):\s*([\w\-, ]+?)\s*(?:\*\/)?\s*$/;
const DEPENDENCIES = /fixture-dependencies:\s*(.+)$/m;
/** `// fixture-path: src/commands/user.js`: the path the file is analyzed as, for rules that judge by path. */
const FIXTURE_PATH = /fixture-path:\s*(\S+)/;

interface Expectations {
  expect: Map<number, Set<string>>;
  ok: Map<number, Set<string>>;
  todo: Map<number, Set<string>>;
}

function readAnnotations(text: string): Expectations {
  const lines = text.split(/\r?\n/);
  const out: Expectations = { expect: new Map(), ok: new Map(), todo: new Map() };
  let pending: { kind: keyof Expectations; ids: string[] }[] = [];
  lines.forEach((line, i) => {
    const m = ANNOTATION.exec(line);
    if (m) {
      const kind = m[1] === 'expect' ? 'expect' : m[1] === 'ok' ? 'ok' : 'todo';
      pending.push({ kind, ids: m[2].split(/[\s,]+/).filter(Boolean) });
      return;
    }
    if (pending.length === 0 || line.trim() === '') return;
    for (const p of pending) {
      const set = out[p.kind].get(i + 1) ?? new Set<string>();
      p.ids.forEach((id) => set.add(id));
      out[p.kind].set(i + 1, set);
    }
    pending = [];
  });
  return out;
}

function dependenciesOf(text: string): Record<string, string> {
  const m = DEPENDENCIES.exec(text);
  if (!m) return {};
  const deps: Record<string, string> = {};
  for (const part of m[1].split(',')) {
    const at = part.trim().lastIndexOf('@');
    if (at > 0) deps[part.trim().slice(0, at)] = part.trim().slice(at + 1);
  }
  return deps;
}

describe('rule fixtures', () => {
  for (const ruleId of listDirs(path.join(FIXTURES, 'rules'))) {
    describe(ruleId, () => {
      const dir = path.join(FIXTURES, 'rules', ruleId);
      for (const name of listFilesIn(dir)) {
        it(name, () => {
          const rule = sourceRule(ruleId);
          const text = fs.readFileSync(path.join(dir, name), 'utf8');
          const ann = readAnnotations(text);
          const result = analyzeSource(FIXTURE_PATH.exec(text)?.[1] ?? name, text, {
            rules: [rule],
            project: { dependencies: dependenciesOf(text), rateLimiters: [] },
          });
          const reported = new Set(result.findings.filter((f) => f.ruleId === ruleId).map((f) => f.line));
          const problems: string[] = [];
          for (const [line, ids] of ann.expect) {
            if (ids.has(ruleId) && !reported.has(line)) problems.push(`line ${line}: expected ${ruleId}, not reported`);
          }
          for (const [line, ids] of [...ann.ok, ...ann.todo]) {
            if (ids.has(ruleId) && reported.has(line)) problems.push(`line ${line}: reported, but annotated ok/todo-expect`);
          }
          for (const line of reported) {
            if (!ann.expect.get(line)?.has(ruleId)) problems.push(`line ${line}: unannotated ${ruleId} finding`);
          }
          assert.deepEqual(problems, []);
        });
      }
    });
  }

  it('has a fixture folder with vulnerable and safe cases for every source rule', () => {
    const missing: string[] = [];
    for (const rule of RULES) {
      if (rule.kind === 'project') continue;
      const dir = path.join(FIXTURES, 'rules', rule.id);
      const texts = listFilesIn(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
      const expects = (texts.match(new RegExp(`expect:[^\\n]*\\b${rule.id}\\b`, 'g')) ?? []).filter((m) => !m.startsWith('todo')).length;
      const oks = (texts.match(new RegExp(`ok:[^\\n]*\\b${rule.id}\\b`, 'g')) ?? []).length;
      if (expects < 3 || oks < 3) missing.push(`${rule.id}: ${expects} expect, ${oks} ok (3 of each needed)`);
    }
    assert.deepEqual(missing, []);
  });
});

describe('fix fixtures', () => {
  for (const ruleId of listDirs(path.join(FIXTURES, 'fixes'))) {
    describe(ruleId, () => {
      const dir = path.join(FIXTURES, 'fixes', ruleId);
      for (const before of listFilesIn(dir).filter((f) => f.includes('.before.'))) {
        it(before, () => {
          const rule = sourceRule(ruleId);
          const file = before.replace('.before.', '.');
          const input = fs.readFileSync(path.join(dir, before), 'utf8');
          const expected = fs.readFileSync(path.join(dir, before.replace('.before.', '.after.')), 'utf8');
          const opts = { rules: [rule], project: { dependencies: dependenciesOf(input), rateLimiters: [] } };
          const first = analyzeSource(file, input, opts);
          const fixes = first.findings.flatMap((f) => f.fixes.slice(0, 1));
          assert.ok(fixes.length > 0, 'the rule offers a fix on the before file');
          const fixed = applyFixes(input, fixes).text;
          assert.equal(fixed, expected);
          assert.equal(syntaxErrorCount(file, fixed), syntaxErrorCount(file, input), 'the fix introduces no syntax error');
          const second = analyzeSource(file, fixed, opts);
          assert.deepEqual(second.findings.map((f) => `${f.line}: ${f.message}`), [], 'the rule stops firing on the fixed file');
          const again = applyFixes(fixed, second.findings.flatMap((f) => f.fixes.slice(0, 1))).text;
          assert.equal(again, fixed, 'a second application changes nothing');
        });
      }
    });
  }

  it('has a before/after case for every fixable source rule', () => {
    const missing = RULES.filter((r) => r.fixable && r.kind !== 'project')
      .filter((r) => !listFilesIn(path.join(FIXTURES, 'fixes', r.id)).some((f) => f.includes('.before.')))
      .map((r) => r.id);
    assert.deepEqual(missing, []);
  });
});
