import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeSource, SUPPRESSION_EXPIRED_RULE_ID, SUPPRESSION_RULE_ID } from '../../src/core/analyze';
import { RULE_BY_ID } from '../../src/core/registry';
import { isCalendarDate, isExpired, parseSuppressions } from '../../src/core/suppress';
import type { RuleSetting } from '../../src/core/types';
import { main } from '../../src/cli/main';
import { sourceRule } from '../helpers';

const RULE = 'insecure-random';
const ROW = RULE_BY_ID.get(RULE)!.row;

function code(comment: string): string {
  return [
    "import express from 'express';",
    '',
    'export function issueResetToken(userId: string) {',
    `  ${comment}`,
    '  const resetToken = Math.random().toString(36).slice(2);',
    '  return { userId, resetToken };',
    '}',
    '',
  ].join('\n');
}

function analyze(text: string, now: string, ruleSettings: Record<string, RuleSetting> = {}) {
  return analyzeSource('src/tokens.ts', text, {
    rules: [sourceRule(RULE)], project: { dependencies: {}, rateLimiters: [] }, ruleSettings, now: new Date(now),
  }).findings;
}

const ids = (findings: { ruleId: string }[]) => findings.map((f) => f.ruleId).sort();

describe('suppressions that expire', () => {
  it('the unsuppressed snippet has the finding the tests hide', () => {
    assert.deepEqual(ids(analyze(code('// nothing here'), '2026-06-01T00:00:00Z')), [RULE]);
  });

  it('parses `until YYYY-MM-DD` at the end of the reason and keeps the reason without it', () => {
    const [s] = parseSuppressions(`// preflight-ignore-next-line ${RULE} -- demo ids only until 2027-03-31\nx();\n`);
    assert.equal(s.reason, 'demo ids only');
    assert.equal(s.until, '2027-03-31');
    assert.equal(s.invalidUntil, undefined);
    const [f] = parseSuppressions(`/* preflight-ignore-file ${RULE} -- emulator keys until 2027-03-31. */\n`);
    assert.equal(f.kind, 'file');
    assert.equal(f.reason, 'emulator keys');
    assert.equal(f.until, '2027-03-31');
    // "until" in prose is part of the reason, not a date.
    const [p] = parseSuppressions(`// preflight-ignore-next-line ${RULE} -- safe until the v2 migration\n`);
    assert.equal(p.reason, 'safe until the v2 migration');
    assert.equal(p.until, undefined);
    assert.equal(p.invalidUntil, undefined);
    const [bad] = parseSuppressions(`// preflight-ignore-next-line ${RULE} -- later until 2027-13-45\n`);
    assert.equal(bad.until, undefined);
    assert.equal(bad.invalidUntil, '2027-13-45');
    const [slashes] = parseSuppressions(`// preflight-ignore-next-line ${RULE} -- later until 31/03/2027\n`);
    assert.equal(slashes.invalidUntil, '31/03/2027');
  });

  it('knows real calendar dates and compares them as UTC days', () => {
    assert.ok(isCalendarDate('2028-02-29'));
    assert.ok(!isCalendarDate('2027-02-29'));
    assert.ok(!isCalendarDate('2027-13-45'));
    assert.ok(!isCalendarDate('2027-3-31'));
    const [s] = parseSuppressions(`// preflight-ignore-next-line ${RULE} -- r until 2027-03-31\n`);
    assert.ok(!isExpired(s, new Date('2027-03-31T23:59:59Z')), 'applies through its last day');
    assert.ok(isExpired(s, new Date('2027-04-01T00:00:00Z')));
  });

  it('suppresses before the date, with nothing else reported', () => {
    const text = code(`// preflight-ignore-next-line ${RULE} -- ids for the demo tenant only until 2027-03-31`);
    assert.deepEqual(analyze(text, '2027-01-15T12:00:00Z'), []);
    assert.deepEqual(analyze(text, '2027-03-31T22:00:00Z'), []);
  });

  it('after the date, the finding is back and the comment is reported once, on the row it hid', () => {
    const text = code(`// preflight-ignore-next-line ${RULE} -- ids for the demo tenant only until 2027-03-31`);
    const findings = analyze(text, '2027-04-01T00:00:01Z');
    assert.deepEqual(ids(findings), [RULE, SUPPRESSION_EXPIRED_RULE_ID].sort());
    const expired = findings.find((f) => f.ruleId === SUPPRESSION_EXPIRED_RULE_ID)!;
    assert.equal(expired.row, ROW);
    assert.equal(expired.severity, 'warning');
    assert.equal(expired.line, 4);
    assert.equal(
      expired.message,
      `Suppression of ${RULE} expired on 2027-03-31: fix the finding or renew the suppression with a new reason`,
    );
  });

  it('an expired file suppression is reported once however many findings it hid', () => {
    const text =
      `/* preflight-ignore-file ${RULE} -- fixtures only until 2020-01-01 */\n` +
      'export const a = () => ({ token: Math.random().toString(36) });\n' +
      'export const b = () => ({ sessionToken: Math.random().toString(36) });\n';
    const findings = analyze(text, '2026-06-01T00:00:00Z');
    assert.equal(findings.filter((f) => f.ruleId === SUPPRESSION_EXPIRED_RULE_ID).length, 1);
    assert.equal(findings.filter((f) => f.ruleId === RULE).length, 2);
    assert.deepEqual(analyze(text, '2019-12-31T00:00:00Z'), []);
  });

  it('an invalid date is reported (and the suppression still hides the finding)', () => {
    const findings = analyze(code(`// preflight-ignore-next-line ${RULE} -- demo only until 2027-13-45`), '2026-06-01T00:00:00Z');
    assert.deepEqual(ids(findings), [SUPPRESSION_EXPIRED_RULE_ID]);
    assert.equal(findings[0].row, ROW);
    assert.match(findings[0].message, /invalid expiry date "2027-13-45": write it as `until YYYY-MM-DD`/);
  });

  it('keeps suppression-needs-reason: a date alone is not a reason', () => {
    const noReason = analyze(code(`// preflight-ignore-next-line ${RULE}`), '2026-06-01T00:00:00Z');
    assert.deepEqual(ids(noReason), [SUPPRESSION_RULE_ID]);
    assert.equal(noReason[0].row, ROW);
    const dateOnly = analyze(code(`// preflight-ignore-next-line ${RULE} -- until 2027-03-31`), '2026-06-01T00:00:00Z');
    assert.deepEqual(ids(dateOnly), [SUPPRESSION_RULE_ID]);
  });

  it('`suppression-expired: off` silences the report, but the expired comment still hides nothing', () => {
    const text = code(`// preflight-ignore-next-line ${RULE} -- demo only until 2020-01-01`);
    assert.deepEqual(ids(analyze(text, '2026-06-01T00:00:00Z', { [SUPPRESSION_EXPIRED_RULE_ID]: 'off' })), [RULE]);
    const severe = analyze(text, '2026-06-01T00:00:00Z', { [SUPPRESSION_EXPIRED_RULE_ID]: 'error' });
    assert.equal(severe.find((f) => f.ruleId === SUPPRESSION_EXPIRED_RULE_ID)?.severity, 'error');
  });

  it('the CLI judges against today, and SARIF describes both meta rules', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-suppress-'));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'past.ts'), code(`// preflight-ignore-next-line ${RULE} -- demo only until 2001-01-01`));
    fs.writeFileSync(path.join(dir, 'src', 'future.ts'), code(`// preflight-ignore-next-line ${RULE} -- demo only until 2999-12-31`));
    let out = '';
    const sink = { write: (s: string) => ((out += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
    main(['check', dir, '--format', 'sarif', '--fail-on', 'never', '--no-baseline'], { stdout: sink, stderr: { write: () => true } as unknown as NodeJS.WriteStream });
    const run = JSON.parse(out).runs[0];
    const ruleIds = run.tool.driver.rules.map((r: { id: string }) => r.id);
    assert.ok(ruleIds.includes(SUPPRESSION_RULE_ID));
    assert.ok(ruleIds.includes(SUPPRESSION_EXPIRED_RULE_ID));
    const results = run.results.filter((r: { ruleId: string }) => r.ruleId === RULE || r.ruleId === SUPPRESSION_EXPIRED_RULE_ID);
    const where = results.map((r: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
      `${r.locations[0].physicalLocation.artifactLocation.uri} ${r.ruleId}`).sort();
    assert.deepEqual(where, [`src/past.ts ${RULE}`, `src/past.ts ${SUPPRESSION_EXPIRED_RULE_ID}`]);
    for (const r of results) assert.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId);
  });
});
