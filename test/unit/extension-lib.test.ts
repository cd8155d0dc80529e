import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeSource } from '../../src/core/analyze';
import { SOURCE_RULES } from '../../src/core/registry';
import { analyzeWorkspace } from '../../src/core/workspace';
import { fixAllFixes, suppressionEdit } from '../../src/extension/lib/edits';
import { FolderState } from '../../src/extension/lib/folder-state';
import { parseMessage, resolveInFolder } from '../../src/extension/lib/messages';
import { DEFAULT_SETTINGS, mergeConfig, settingsFrom } from '../../src/extension/lib/settings';
import { viewRows } from '../../src/extension/lib/view-state';
import { applyEdits } from '../../src/core/fix';
import { FIXTURES } from '../helpers';
import { main } from '../../src/cli/main';

function copyApp(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-ext-'));
  fs.cpSync(path.join(FIXTURES, 'apps', name), dir, { recursive: true });
  return dir;
}

const analyze = (state: FolderState) => (rel: string, text: string) =>
  analyzeSource(rel, text, { rules: SOURCE_RULES, project: state.project, ruleSettings: state.config.rules });

describe('extension adapter (no VS Code)', () => {
  describe('settings', () => {
    it('normalises untrusted values to safe defaults', () => {
      const s = settingsFrom((k) => ({ run: 'sometimes', exclude: ['a/', 3, null], rules: { x: 'loud', y: 'off', z: 'warning' }, maxFileSizeKB: -1 })[k]);
      assert.deepEqual(s, { run: 'onSave', exclude: ['a/'], rules: { y: 'off', z: 'warning' }, maxFileSizeKB: 1024 });
      assert.deepEqual(settingsFrom(() => undefined), DEFAULT_SETTINGS);
    });

    it('preflight.config.json wins over settings so that the editor and the CLI agree', () => {
      const file = { rules: { a: 'error' as const }, exclude: ['gen/'], rowOptOuts: {}, rateLimiters: [], maxFileSizeKB: 200 };
      const merged = mergeConfig(file, new Set(['rules', 'exclude', 'maxFileSizeKB']), { run: 'onSave', exclude: ['tmp/', 'gen/'], rules: { a: 'off', b: 'info' }, maxFileSizeKB: 50 });
      assert.deepEqual(merged.rules, { a: 'error', b: 'info' });
      assert.deepEqual(merged.exclude, ['gen/', 'tmp/']);
      assert.equal(merged.maxFileSizeKB, 200);
      assert.equal(mergeConfig(file, new Set(), { ...DEFAULT_SETTINGS, maxFileSizeKB: 50 }).maxFileSizeKB, 50);
    });
  });

  describe('webview messages', () => {
    it('accepts the known shapes only', () => {
      assert.deepEqual(parseMessage({ type: 'rescan' }), { type: 'rescan' });
      assert.deepEqual(parseMessage({ type: 'signoff', row: 'rate-limit' }), { type: 'signoff', row: 'rate-limit' });
      assert.deepEqual(parseMessage({ type: 'open', file: 'src/a.js', line: 3, column: 1, endLine: 3, endColumn: 9 }), {
        type: 'open', file: 'src/a.js', line: 3, column: 1, endLine: 3, endColumn: 9,
      });
      for (const bad of [null, [], 'rescan', { type: 'rm -rf' }, { type: 'signoff', row: 'root' }, { type: 'open', file: '/etc/passwd', line: 1, column: 1, endLine: 1, endColumn: 1 },
        { type: 'open', file: 'C:\\x', line: 1, column: 1, endLine: 1, endColumn: 1 }, { type: 'open', file: 'a.js', line: 0, column: 1, endLine: 1, endColumn: 1 },
        { type: 'open', file: 'a.js', line: '1', column: 1, endLine: 1, endColumn: 1 }, { type: 'selectFolder', index: -1 }, { type: 'fix', key: 3, file: 'a.js' }]) {
        assert.equal(parseMessage(bad), undefined, JSON.stringify(bad));
      }
    });

    it('never resolves a path outside the workspace folder', () => {
      const root = path.join(os.tmpdir(), 'ws');
      assert.equal(resolveInFolder(root, 'src/a.js'), path.join(root, 'src', 'a.js'));
      for (const p of ['../secrets', 'src/../../x', '..', '.', 'src/../..']) assert.equal(resolveInFolder(root, p), undefined, p);
    });
  });

  describe('edits', () => {
    it('the ignore action inserts an indented suppression above the line, cursor after `-- `', () => {
      const text = 'function f() {\r\n    const t = Math.random();\r\n}\r\n';
      const { edit, cursor } = suppressionEdit(text, 2, 'insecure-random');
      const out = applyEdits(text, [edit]).text;
      assert.equal(out, 'function f() {\r\n    // preflight-ignore-next-line insecure-random -- \r\n    const t = Math.random();\r\n}\r\n');
      assert.equal(out.slice(cursor, cursor + 2), '\r\n');
      // Once the reason is typed, the finding is suppressed and nothing else is reported about it.
      const withReason = out.slice(0, cursor) + 'seeded test data' + out.slice(cursor);
      assert.ok(!analyzeSource('a.js', withReason, { rules: SOURCE_RULES }).findings.some((f) => f.line === 3));
    });

    it('fix-all applies only preferred fixes, none overlapping', () => {
      const text = "const express = require('express');\nconst app = express();\napp.get('/', (req, res) => res.send('ok'));\n";
      const findings = analyzeSource('src/app.js', text, { rules: SOURCE_RULES }).findings;
      const fixes = fixAllFixes(findings, text);
      assert.ok(fixes.length > 0 && fixes.every((f) => f.preferred));
      const out = applyEdits(text, fixes.flatMap((f) => f.edits)).text;
      assert.match(out, /app\.use\(helmet\(\)\);/);
    });
  });

  describe('folder state', () => {
    it('after a scan, a saved file updates its rows from cached results, and a deleted file drops its findings', () => {
      const dir = copyApp('vulnerable-express');
      const state = new FolderState(dir, DEFAULT_SETTINGS);
      state.applyScan(analyzeWorkspace(dir, { config: state.config }));
      const row = () => state.checklist().find((r) => r.id === 'security-headers')!;
      assert.equal(row().status, 'fail');
      const app = path.join(dir, 'src', 'app.js');
      const text = fs.readFileSync(app, 'utf8');
      const fixed = text.replace(/(const app = express\(\);)/, "$1\napp.use(require('helmet')());");
      state.analyzeText('src/app.js', fixed, analyze(state));
      assert.notEqual(row().status, 'fail');
      assert.ok(!state.findings().some((f) => f.ruleId === 'missing-helmet'));
      const before = state.findings().length;
      const victim = state.findings().find((f) => f.file.startsWith('src/routes/'))!.file;
      state.removeFile(victim);
      assert.ok(state.findings().length < before);
      assert.ok(!state.findings().some((f) => f.file === victim));
    });

    it('an open config file re-judges only the rules that read it: no-lockfile on package.json and env-not-gitignored on .gitignore stay', () => {
      const dir = copyApp('vulnerable-express');
      const state = new FolderState(dir, DEFAULT_SETTINGS);
      state.applyScan(analyzeWorkspace(dir, { config: state.config }));
      const onFile = (rel: string) => state.findings().filter((f) => f.file === rel).map((f) => f.ruleId).sort();
      const before = { pkg: onFile('package.json'), ignore: onFile('.gitignore'), docker: onFile('Dockerfile') };
      assert.ok(before.pkg.includes('no-lockfile') && before.ignore.includes('env-not-gitignored'), JSON.stringify(before));
      for (const rel of ['package.json', '.gitignore']) state.analyzeConfigText(rel, fs.readFileSync(path.join(dir, rel), 'utf8'));
      assert.deepEqual(onFile('package.json'), before.pkg);
      assert.deepEqual(onFile('.gitignore'), before.ignore);
      // What the editor shows on the open file: the same findings as the scan's, project rules' included.
      assert.deepEqual(state.configFindingsFor('package.json').map((f) => f.ruleId).sort(), before.pkg);
      assert.deepEqual(state.configFindingsFor('.gitignore').map((f) => f.ruleId).sort(), before.ignore);
      assert.equal(state.checklist().find((r) => r.id === 'dependencies')!.status, 'fail');
      // The rules that do read the file follow the open text: a non-root USER clears dockerfile-root-user.
      const docker = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
      assert.ok(before.docker.includes('dockerfile-root-user'));
      state.analyzeConfigText('Dockerfile', docker.replace(/(CMD[^\n]*)$/m, 'USER node\n$1'));
      assert.ok(!onFile('Dockerfile').includes('dockerfile-root-user'), onFile('Dockerfile').join());
      assert.ok(state.evidence().some((e) => e.kind === 'container-non-root' && e.file === 'Dockerfile'));
    });

    it('a closed file keeps the findings of its text on disk, as the scan judges it', () => {
      const dir = copyApp('vulnerable-express');
      const state = new FolderState(dir, DEFAULT_SETTINGS);
      state.applyScan(analyzeWorkspace(dir, { config: state.config }));
      const scanned = state.findings().length;
      const ids = (fs: readonly { ruleId: string }[] | undefined) => (fs ?? []).map((f) => f.ruleId).sort();
      // An unsaved edit adds helmet; closing without saving brings back what the disk holds.
      const app = fs.readFileSync(path.join(dir, 'src', 'app.js'), 'utf8');
      state.analyzeText('src/app.js', app.replace(/(const app = express\(\);)/, "$1\napp.use(require('helmet')());"), analyze(state));
      assert.ok(!ids(state.findingsFor('src/app.js')).includes('missing-helmet'));
      assert.ok(ids(state.closedFile('src/app.js')).includes('missing-helmet'));
      assert.equal(state.findings().length, scanned);
      // A config file keeps the project rules' findings on it.
      assert.ok(ids(state.closedFile('package.json')).includes('no-lockfile'));
      assert.equal(state.closedFile('README.md'), undefined);
      // Skipped as the scan skips it: a minified bundle opened in the editor leaves nothing behind once closed.
      const bundle = 'src/vendor.min.js';
      const minified = `var a=${JSON.stringify('x'.repeat(4000))};var s=require("stripe")("sk_live_51HfakeKEYdoNOTuse4PreflightTst");`.repeat(3);
      fs.writeFileSync(path.join(dir, bundle), minified);
      state.analyzeText(bundle, minified, analyze(state));
      assert.ok(state.findings().some((f) => f.file === bundle), 'the open bundle is analyzed like any open file');
      assert.equal(state.closedFile(bundle), undefined);
      assert.ok(!state.findings().some((f) => f.file === bundle));
      // Deleted meanwhile: nothing to show.
      fs.rmSync(path.join(dir, 'src', 'routes', 'files.js'));
      assert.equal(state.closedFile('src/routes/files.js'), undefined);
      assert.ok(!state.findings().some((f) => f.file === 'src/routes/files.js'));
    });

    it('the Markdown export equals the CLI markdown for the same folder', () => {
      const dir = copyApp('vulnerable-express');
      const state = new FolderState(dir, DEFAULT_SETTINGS);
      state.applyScan(analyzeWorkspace(dir, { config: state.config }));
      let out = '';
      const sink = { write: (s: string) => ((out += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
      main(['check', dir, '--format', 'markdown', '--fail-on', 'never'], { stdout: sink, stderr: sink });
      assert.equal(state.markdown(), out);
    });

    it('records sign-offs with who and when, shows them in the view rows, and reports a corrupt file', () => {
      const dir = copyApp('vulnerable-express');
      const state = new FolderState(dir, DEFAULT_SETTINGS);
      state.applyScan(analyzeWorkspace(dir, { config: state.config }));
      const review = state.checklist().find((r) => r.status === 'review');
      assert.ok(review, 'the vulnerable app has a review row');
      state.signOff(review.id, 'checked by hand', 'Ada', new Date('2026-11-22T08:00:00Z'));
      const row = viewRows(state.checklist()).find((r) => r.id === review.id)!;
      assert.equal(row.status, 'signed off');
      assert.deepEqual(row.signoff, { by: 'Ada', at: '2026-11-22T08:00:00.000Z', note: 'checked by hand', stale: false });
      const file = path.join(dir, '.preflight', 'signoffs.json');
      assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).signoffs[0].row, review.id);
      fs.writeFileSync(file, '{ broken');
      assert.equal(state.checklist().find((r) => r.id === review.id)!.status, 'review');
      assert.match(state.signoffError ?? '', /not valid JSON/);
      assert.throws(() => state.signOff(review.id, 'again'));
      assert.equal(fs.readFileSync(file, 'utf8'), '{ broken');
    });

    it('a broken preflight.config.json is reported and defaults are used', () => {
      const dir = copyApp('vulnerable-express');
      fs.writeFileSync(path.join(dir, 'preflight.config.json'), '{"rules": 5}');
      const state = new FolderState(dir, DEFAULT_SETTINGS);
      assert.match(state.configError ?? '', /rules must be an object/);
      assert.equal(state.isExcluded('src/app.js'), false);
      assert.equal(state.isExcluded('node_modules/x/index.js'), true);
    });
  });
});
