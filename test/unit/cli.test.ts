import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import { cli, FIXTURES } from '../helpers';

const VULNERABLE = path.join(FIXTURES, 'apps', 'vulnerable-express');
const HARDENED = path.join(FIXTURES, 'apps', 'hardened-express');

function tempCopy(dir: string): string {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-cli-'));
  fs.cpSync(dir, dest, { recursive: true });
  return dest;
}

describe('cli', () => {
  it('text output groups findings under rows and ends with the summary line, without colours off a TTY', () => {
    const r = cli('check', VULNERABLE, '--fail-on', 'never');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Release checklist/);
    assert.match(r.stdout, /^checklist: \d+ pass, \d+ fail, \d+ review, \d+ n\/a \(\d+\/20 ready\)$/m);
    assert.doesNotMatch(r.stdout, /\x1b\[/);
    // A finding line sits under its row with file:line:column.
    assert.match(r.stdout, /Dependencies\s+fail[^\n]*\n\s+package\.json:1:1\s+error/);
  });

  it('exits 1 when findings reach --fail-on, 0 under it', () => {
    assert.equal(cli('check', VULNERABLE).code, 1);
    assert.equal(cli('check', VULNERABLE, '--fail-on', 'never').code, 0);
  });

  it('json output has the documented, stable shape', () => {
    const r = cli('check', VULNERABLE, '--format', 'json', '--fail-on', 'never');
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out.tool), ['name', 'version']);
    assert.ok(out.findings.length > 0);
    for (const f of out.findings) {
      assert.deepEqual(Object.keys(f), ['ruleId', 'row', 'severity', 'message', 'file', 'line', 'column', 'endLine', 'endColumn', 'fixable']);
      assert.ok(!f.file.includes('\\') && !path.isAbsolute(f.file), f.file);
      assert.ok(f.line >= 1 && f.column >= 1);
    }
    assert.equal(out.rows.filter((r: { number: number }) => r.number <= 20).length, 20);
    for (const row of out.rows) {
      assert.deepEqual(Object.keys(row), ['number', 'id', 'title', 'status', 'reason', 'findings', 'evidence']);
      assert.ok(['pass', 'fail', 'review', 'n/a'].includes(row.status));
    }
  });

  it('sarif output validates against the SARIF 2.1.0 schema and carries rule help', () => {
    const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
    const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
    // The schema's `language` pattern is not valid under the u flag; validate patterns as plain RegExps.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    // The formats the schema uses, checked rather than ignored (ajv warns about each unknown one).
    ajv.addFormat('date-time', (v: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v) && !Number.isNaN(Date.parse(v)));
    ajv.addFormat('uri', (v: string) => URL.canParse(v));
    ajv.addFormat('uri-reference', (v: string) => URL.canParse(v, 'file:///') && !/\s/.test(v));
    const validate = ajv.compile(schema);
    const r = cli('check', VULNERABLE, '--format', 'sarif', '--fail-on', 'never');
    const ok = validate(JSON.parse(r.stdout));
    const log = JSON.parse(r.stdout);
    assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    const run = log.runs[0];
    assert.ok(run.results.length > 0);
    for (const res of run.results) {
      const rule = run.tool.driver.rules[res.ruleIndex];
      assert.equal(rule.id, res.ruleId);
      assert.ok(rule.help.markdown.includes('## How to fix'));
      assert.ok(rule.helpUri.endsWith(`/docs/rules/${rule.id}.md`));
      assert.match(res.partialFingerprints['preflightFindingHash/v1'], /^[0-9a-f]{16,}$/);
    }
    const prints = run.results.map((x: { partialFingerprints: Record<string, string> }) => x.partialFingerprints['preflightFindingHash/v1']);
    assert.equal(new Set(prints).size, prints.length, 'fingerprints are unique within a run');
  });

  it('markdown output is a checklist table with checkboxes', () => {
    const r = cli('check', VULNERABLE, '--format', 'markdown', '--fail-on', 'never');
    assert.match(r.stdout, /^## Preflight release checklist: \d+ \/ 20 ready$/m);
    assert.match(r.stdout, /^\| \[ \] \| 12 \| Dependencies \| ❌ fail \|/m);
    const tableRows = r.stdout.split('\n').filter((l) => /^\| \[[ x]\] \|/.test(l));
    assert.ok(tableRows.length >= 20);
  });

  it('reports usage and input errors in one line with exit 2, never a stack trace', () => {
    const missing = cli('check', path.join(os.tmpdir(), 'preflight-no-such-dir'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^preflight: .*no such directory\n$/);
    const badFormat = cli('check', VULNERABLE, '--format', 'xml');
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /--format must be one of/);
    assert.equal(cli('explode').code, 2);
    assert.equal(cli('check', VULNERABLE, '--bogus').code, 2);
    const file = cli('check', path.join(VULNERABLE, 'package.json'));
    assert.equal(file.code, 2);
    assert.match(file.stderr, /not a directory/);
  });

  it('reports a corrupt preflight.config.json in one line', () => {
    const dir = tempCopy(HARDENED);
    fs.writeFileSync(path.join(dir, 'preflight.config.json'), '{ "rules": { "x": "loud" } ');
    const r = cli('check', dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^preflight: preflight\.config\.json: not valid JSON/);
    fs.writeFileSync(path.join(dir, 'preflight.config.json'), '{ "rules": { "missing-helmet": "loud" } }');
    const r2 = cli('check', dir);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /rules\.missing-helmet must be one of/);
  });

  it('honours config: rules off, row opt-outs with their reason, excludes', () => {
    const dir = tempCopy(VULNERABLE);
    fs.writeFileSync(
      path.join(dir, 'preflight.config.json'),
      JSON.stringify({ rules: { 'no-lockfile': 'off' }, rowOptOuts: { webhooks: 'handled by the API gateway' }, exclude: ['src/routes/'] }),
    );
    const out = JSON.parse(cli('check', dir, '--format', 'json', '--fail-on', 'never').stdout);
    assert.ok(!out.findings.some((f: { ruleId: string }) => f.ruleId === 'no-lockfile'));
    assert.ok(!out.findings.some((f: { file: string }) => f.file.startsWith('src/routes/')));
    const webhooks = out.rows.find((r: { id: string }) => r.id === 'webhooks');
    assert.equal(webhooks.status, 'n/a');
    assert.equal(webhooks.reason, 'opted out: handled by the API gateway');
  });

  it('fix applies preferred fixes, prints them, leaves parseable code, and a second run has nothing to do', () => {
    const dir = tempCopy(VULNERABLE);
    const before = JSON.parse(cli('check', dir, '--format', 'json', '--fail-on', 'never').stdout);
    const fixable = before.findings.filter((f: { fixable: boolean }) => f.fixable).length;
    assert.ok(fixable > 0, 'the vulnerable app has fixable findings');
    const r = cli('fix', dir);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^fixed \S+:\d+ {2}.+ \([a-z-]+\)$/m);
    const dry = cli('fix', dir, '--dry-run');
    assert.match(dry.stdout, /nothing to fix/);
    const after = JSON.parse(cli('check', dir, '--format', 'json', '--fail-on', 'never').stdout);
    assert.ok(after.findings.length < before.findings.length);
  });

  it('fix --all lets two rules judging one session() land one after the other, never two cookie keys', () => {
    const dir = tempCopy(VULNERABLE);
    const dry = cli('fix', dir, '--all', '--dry-run');
    assert.match(dry.stdout, /^\d+ more fixes on the same code wait for these to land \(not shown\)$/m);
    const r = cli('fix', dir, '--all');
    assert.equal(r.code, 0);
    const app = fs.readFileSync(path.join(dir, 'src', 'app.js'), 'utf8');
    const options = /session\(\{[\s\S]*?\}\),/.exec(app)?.[0] ?? '';
    assert.equal((options.match(/\bcookie:/g) ?? []).length, 1, options);
    assert.doesNotMatch(r.stdout, /still waiting/);
    const again = JSON.parse(cli('check', dir, '--format', 'json', '--fail-on', 'never').stdout);
    for (const id of ['session-cookie-flags', 'csrf-cookie-auth-no-protection']) {
      assert.ok(!again.findings.some((f: { ruleId: string; fixable: boolean; message: string }) => f.ruleId === id && f.fixable), `${id} still has a fixable finding`);
    }
    assert.match(cli('fix', dir, '--all', '--dry-run').stdout, /nothing to fix/);
  });

  it('--dry-run writes nothing', () => {
    const dir = tempCopy(VULNERABLE);
    const app = path.join(dir, 'src', 'app.js');
    const text = fs.readFileSync(app, 'utf8');
    const r = cli('fix', dir, '--dry-run');
    assert.match(r.stdout, /would fix/);
    assert.equal(fs.readFileSync(app, 'utf8'), text);
  });
});
