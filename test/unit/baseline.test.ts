import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeSource } from '../../src/core/analyze';
import {
  applyBaseline, baselineFor, fingerprintsOf, parseBaseline, BaselineError, BASELINE_FILE,
} from '../../src/core/baseline';
import { computeChecklist } from '../../src/core/checklist';
import { SOURCE_RULES } from '../../src/core/registry';
import type { Finding } from '../../src/core/types';
import { analyzeWorkspace } from '../../src/core/workspace';
import { main } from '../../src/cli/main';
import { FolderState } from '../../src/extension/lib/folder-state';
import { DEFAULT_SETTINGS } from '../../src/extension/lib/settings';
import { cli, FIXTURES, sourceRule } from '../helpers';

const RULE = 'insecure-random';

const TOKENS = [
  "import { randomUUID } from 'node:crypto';",
  '',
  'export function issueResetToken(userId: string) {',
  '  const resetToken = Math.random().toString(36).slice(2);',
  '  return { userId, resetToken, requestId: randomUUID() };',
  '}',
  '',
  'export function issueInviteToken(teamId: string) {',
  '  const inviteToken = Math.random().toString(36).slice(2);',
  '  return { teamId, inviteToken };',
  '}',
  '',
].join('\n');

function findings(text: string, file = 'src/tokens.ts'): Finding[] {
  return analyzeSource(file, text, { rules: [sourceRule(RULE)], project: { dependencies: {}, rateLimiters: [] } }).findings;
}

function prints(text: string, file?: string): string[] {
  return findings(text, file).map((f) => f.fingerprint!);
}

function copyApp(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-baseline-'));
  fs.cpSync(path.join(FIXTURES, 'apps', name), dir, { recursive: true });
  return dir;
}

describe('baseline', () => {
  describe('fingerprints', () => {
    it('every source finding gets one, distinct within the file', () => {
      const p = prints(TOKENS);
      assert.equal(p.length, 2);
      assert.ok(p.every((x) => /^[0-9a-f]{64}$/.test(x)));
      assert.notEqual(p[0], p[1]);
    });

    it('survive lines inserted above the finding', () => {
      const shifted = TOKENS.replace("import { randomUUID } from 'node:crypto';", "// Token helpers.\n\nimport { randomUUID } from 'node:crypto';\nconst TTL = 3600;");
      assert.deepEqual(findings(shifted).map((f) => f.line), [7, 12]);
      assert.deepEqual(prints(shifted), prints(TOKENS));
    });

    it('survive re-indentation and CRLF line endings', () => {
      const reformatted = TOKENS.replace(/^ {2}/gm, '\t\t').replace(/\n/g, '\r\n');
      assert.deepEqual(prints(reformatted), prints(TOKENS));
    });

    it('change with the rule, the file and the code of the line', () => {
      assert.notDeepEqual(prints(TOKENS, 'src/other.ts'), prints(TOKENS));
      const edited = TOKENS.replace('const resetToken = Math.random().toString(36).slice(2);', 'const resetToken = Math.random().toString(16).slice(2);');
      const [a, b] = prints(edited);
      assert.notEqual(a, prints(TOKENS)[0]);
      assert.equal(b, prints(TOKENS)[1]);
    });

    it('two identical findings in one file are told apart by occurrence', () => {
      const twice = TOKENS.replace('inviteToken = Math.random().toString(36).slice(2)', 'resetToken = Math.random().toString(36).slice(2)')
        .replace('return { teamId, inviteToken }', 'return { teamId, resetToken }');
      const p = prints(twice);
      assert.equal(p.length, 2);
      assert.notEqual(p[0], p[1]);
      // The first is the same as the single one before; the second is new to a baseline that had only the first.
      assert.equal(p[0], prints(TOKENS)[0]);
      const base = new Set([prints(TOKENS)[0]]);
      const split = applyBaseline(findings(twice), base);
      assert.equal(split.baselined.length, 1);
      assert.deepEqual(split.kept.map((f) => f.line), [9]);
    });

    it('project findings are keyed by rule, file and message, numbered among identical ones', () => {
      const f = (line: number, message = 'No lockfile'): Finding => ({
        ruleId: 'no-lockfile', row: 'dependencies', severity: 'error', message, file: 'package.json', line, column: 1,
        endLine: line, endColumn: 1, start: 0, end: 0, fixes: [],
      });
      const [a, b, c] = fingerprintsOf([f(1), f(9), f(1, 'other')]);
      assert.equal(new Set([a, b, c]).size, 3);
      // Line numbers do not matter, only the order among identical keys.
      assert.deepEqual(fingerprintsOf([f(40), f(3, 'other')]), [a, c]);
      assert.deepEqual(fingerprintsOf([f(9), f(1)]), [b, a]);
    });
  });

  describe('applying', () => {
    it('drops baselined findings and keeps a new one in the same file', () => {
      const base = new Set(prints(TOKENS));
      const added = TOKENS + 'export const nonce = () => ({ sessionToken: Math.random().toString(36) });\n';
      const split = applyBaseline(findings(added), base);
      assert.equal(split.baselined.length, 2);
      assert.equal(split.kept.length, 1);
      assert.equal(split.kept[0].line, 12);
      assert.deepEqual(applyBaseline(findings(added), undefined).kept.length, 3);
    });

    it('the checklist decides rows without baselined findings and says how many there were', () => {
      const all = findings(TOKENS);
      const row = all[0].row;
      const split = applyBaseline(all, new Set([all[0].fingerprint!]));
      const rows = computeChecklist({ findings: split.kept, evidence: [], facts: [], baselined: split.baselined });
      const r = rows.find((x) => x.id === row)!;
      assert.equal(r.status, 'fail');
      assert.equal(r.baselined, 1);
      assert.match(r.reason, /^1 finding: insecure-random \(1 baselined\)$/);
      const none = computeChecklist({ findings: [], evidence: [], facts: [], baselined: all }).find((x) => x.id === row)!;
      assert.notEqual(none.status, 'fail');
      assert.match(none.reason, / \(2 baselined\)$/);
      assert.ok(computeChecklist({ findings: [], evidence: [], facts: [] }).every((x) => x.baselined === undefined));
    });

    it('the file content is sorted, keyed in a fixed order, and parses back', () => {
      const all = [...findings(TOKENS, 'src/b.ts'), ...findings(TOKENS, 'src/a.ts')];
      const body = baselineFor(all, new Date('2026-11-22T08:00:00Z'));
      assert.equal(body.version, 1);
      assert.equal(body.createdAt, '2026-11-22T08:00:00.000Z');
      assert.deepEqual(Object.keys(body), ['version', 'createdAt', 'tool', 'findings']);
      assert.deepEqual(body.findings.map((e) => `${e.file}:${e.line}`), ['src/a.ts:4', 'src/a.ts:9', 'src/b.ts:4', 'src/b.ts:9']);
      assert.deepEqual(Object.keys(body.findings[0]), ['fingerprint', 'ruleId', 'file', 'line', 'message']);
      assert.deepEqual(parseBaseline(JSON.stringify(body)), body);
      for (const bad of ['{ nope', '[]', '{"version":2,"findings":[]}', '{"version":1,"findings":{}}', '{"version":1,"findings":[{"fingerprint":"zz"}]}']) {
        assert.throws(() => parseBaseline(bad), BaselineError, bad);
      }
    });
  });

  describe('the CLI', () => {
    it('--update-baseline writes the file; later runs leave those findings out, and only new ones count', () => {
      const dir = copyApp('vulnerable-express');
      const before = JSON.parse(cli('check', dir, '--format', 'json', '--fail-on', 'never').stdout);
      assert.ok(before.findings.length > 5);
      assert.equal(before.baselined, 0);

      const update = cli('check', dir, '--update-baseline', '--format', 'json');
      assert.equal(update.code, 0);
      assert.match(update.stderr, new RegExp(`^preflight: wrote \\.preflight/baseline\\.json with ${before.findings.length} findings\\n$`));
      const file = path.join(dir, BASELINE_FILE);
      const written = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.equal(written.version, 1);
      assert.ok(!Number.isNaN(Date.parse(written.createdAt)));
      assert.equal(typeof written.tool.version, 'string');
      assert.equal(written.findings.length, before.findings.length);
      assert.equal(new Set(written.findings.map((e: { fingerprint: string }) => e.fingerprint)).size, written.findings.length);
      assert.deepEqual(fs.readdirSync(path.dirname(file)), ['baseline.json'], 'no temporary file left behind');

      // Everything is baselined now: exit 0 even at --fail-on info, and every output says how many.
      const json = cli('check', dir, '--format', 'json', '--fail-on', 'info');
      assert.equal(json.code, 0);
      const out = JSON.parse(json.stdout);
      assert.equal(out.findings.length, 0);
      assert.equal(out.baselined, before.findings.length);
      assert.ok(out.rows.some((r: { reason: string }) => / baselined\)$/.test(r.reason)));
      const text = cli('check', dir);
      assert.equal(text.code, 0);
      assert.match(text.stdout, new RegExp(`^${before.findings.length} findings baselined \\(\\.preflight/baseline\\.json\\)`, 'm'));
      assert.match(text.stdout, /Dependencies\s+\S+\s+[^\n]*\(1 baselined\)/);
      const md = cli('check', dir, '--format', 'markdown');
      assert.match(md.stdout, new RegExp(` · ${before.findings.length} findings baselined · `));

      // Shift and re-indent a file, and add one new finding to it: only the new one is reported.
      const users = path.join(dir, 'src', 'routes', 'users.js');
      const original = fs.readFileSync(users, 'utf8');
      fs.writeFileSync(
        users,
        "'use strict';\n\n// Users API.\n" + original.replace(/^( +)/gm, '$1$1') +
          "\nrouter.get('/export/:id', requireAuth, async (req, res) => {\n  const resetToken = Math.random().toString(36);\n  res.json({ resetToken });\n});\n",
      );
      const after = JSON.parse(cli('check', dir, '--format', 'json', '--fail-on', 'never').stdout);
      assert.equal(after.baselined, before.findings.length);
      assert.deepEqual(after.findings.map((f: { file: string; ruleId: string }) => `${f.file} ${f.ruleId}`), ['src/routes/users.js insecure-random']);
      assert.equal(cli('check', dir, '--fail-on', 'warning').code, 1);

      // --no-baseline shows everything again, and leaves the file alone.
      const all = JSON.parse(cli('check', dir, '--format', 'json', '--fail-on', 'never', '--no-baseline').stdout);
      assert.equal(all.findings.length, before.findings.length + 1);
      assert.equal(all.baselined, 0);
      assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), written);
      assert.equal(cli('check', dir, '--no-baseline').code, 1);
    });

    it('a corrupt baseline gives a one-line warning, is ignored, and is not overwritten by a normal run', () => {
      const dir = copyApp('vulnerable-express');
      fs.mkdirSync(path.join(dir, '.preflight'));
      const file = path.join(dir, BASELINE_FILE);
      fs.writeFileSync(file, '{ "version": 1, "findings": [');
      const json = cli('check', dir, '--format', 'json', '--fail-on', 'never');
      assert.match(json.stderr, /^preflight: \.preflight\/baseline\.json: not valid JSON \([^\n]*\); ignored \(rewrite it with `preflight check --update-baseline`\)\n$/);
      const out = JSON.parse(json.stdout);
      assert.ok(out.findings.length > 5);
      assert.equal(out.baselined, 0);
      const text = cli('check', dir);
      assert.equal(text.code, 1);
      assert.match(text.stdout, /^note: \.preflight\/baseline\.json: not valid JSON/m);
      assert.equal(fs.readFileSync(file, 'utf8'), '{ "version": 1, "findings": [');
      // Only --update-baseline rewrites it.
      assert.equal(cli('check', dir, '--update-baseline').code, 0);
      assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).findings.length, out.findings.length);
    });

    it('the two flags exclude each other and belong to check', () => {
      const dir = copyApp('hardened-express');
      const both = cli('check', dir, '--update-baseline', '--no-baseline');
      assert.equal(both.code, 2);
      assert.match(both.stderr, /exclude each other/);
      assert.equal(cli('fix', dir, '--update-baseline').code, 2);
      assert.ok(!fs.existsSync(path.join(dir, BASELINE_FILE)));
    });
  });

  describe('the editor (FolderState)', () => {
    it('applies the baseline to findings, diagnostics, the checklist and the Markdown export, and follows file changes', () => {
      const dir = copyApp('vulnerable-express');
      const state = new FolderState(dir, DEFAULT_SETTINGS);
      state.applyScan(analyzeWorkspace(dir, { config: state.config }));
      const total = state.findings().length;
      assert.ok(total > 5);
      assert.ok(state.findingsFor('src/routes/users.js').length > 0);

      assert.equal(cli('check', dir, '--update-baseline').code, 0);
      assert.equal(state.findings().length, 0, 'the new baseline is picked up without a reload');
      assert.equal(state.baselined().length, total);
      assert.deepEqual(state.findingsFor('src/routes/users.js'), []);
      assert.ok(state.checklist().every((r) => r.status !== 'fail'));
      assert.ok(state.checklist().some((r) => (r.baselined ?? 0) > 0 && r.reason.endsWith(`(${r.baselined} baselined)`)));
      let md = '';
      const sink = { write: (s: string) => ((md += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
      main(['check', dir, '--format', 'markdown', '--fail-on', 'never'], { stdout: sink, stderr: sink });
      assert.equal(state.markdown(), md);

      // Editing a file in the editor: the shifted old findings stay baselined, a new one shows.
      const rel = 'src/routes/users.js';
      const text = fs.readFileSync(path.join(dir, rel), 'utf8');
      const edited = '// edited\n\n' + text + "\nrouter.get('/x', (req, res) => res.json({ resetToken: Math.random().toString(36) }));\n";
      state.analyzeText(rel, edited, (file, t) =>
        analyzeSource(file, t, { rules: SOURCE_RULES, project: state.project, ruleSettings: state.config.rules }));
      assert.deepEqual(state.findingsFor(rel).map((f) => f.ruleId), ['insecure-random']);
      assert.deepEqual(state.findings().map((f) => f.ruleId), ['insecure-random']);

      // A corrupt baseline is reported and ignored; a fresh state loads it on reload too.
      fs.writeFileSync(path.join(dir, BASELINE_FILE), 'garbage!');
      assert.equal(state.findings().length, total + 1);
      assert.match(state.baselineError ?? '', /not valid JSON/);
      assert.ok(state.notes.includes(state.baselineError!));
      fs.rmSync(path.join(dir, BASELINE_FILE));
      assert.equal(state.findings().length, total + 1);
      assert.equal(state.baselineError, undefined);
      assert.ok(!state.notes.some((n) => n.includes('baseline.json')));
    });
  });
});
