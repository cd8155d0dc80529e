import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { computeChecklist, summarize } from '../../src/core/checklist';
import { addSignoff, readSignoffs, revokeSignoff, SignoffError, signoffPath, type Signoff } from '../../src/core/signoffs';
import type { Finding } from '../../src/core/types';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-signoffs-'));
}

const signoff = (row: Signoff['row'], extra: Partial<Signoff> = {}): Signoff => ({
  row, note: 'done by the gateway', by: 'Ada', at: '2026-11-20T09:00:00.000Z', findingsAtSignoff: 0, ...extra,
});

function finding(row: Finding['row']): Finding {
  return {
    ruleId: 'auth-route-no-rate-limit', row, severity: 'warning', message: 'm', file: 'a.js', line: 1, column: 1, endLine: 1, endColumn: 2,
    start: 0, end: 1, fixes: [],
  };
}

describe('sign-offs', () => {
  it('a missing file means no sign-offs', () => {
    assert.deepEqual(readSignoffs(tempDir()), []);
  });

  it('adds, replaces and revokes, writing a stable, reviewable file', () => {
    const dir = tempDir();
    addSignoff(dir, signoff('rate-limit'));
    addSignoff(dir, signoff('logging', { note: 'audit log in the gateway' }));
    addSignoff(dir, signoff('rate-limit', { note: 'limits at the edge' }));
    const list = readSignoffs(dir);
    assert.deepEqual(list.map((s) => [s.row, s.note]), [['rate-limit', 'limits at the edge'], ['logging', 'audit log in the gateway']]);
    const text = fs.readFileSync(signoffPath(dir), 'utf8');
    assert.match(text, /^\{\n {2}"version": 1,/);
    revokeSignoff(dir, 'rate-limit');
    assert.deepEqual(readSignoffs(dir).map((s) => s.row), ['logging']);
    assert.deepEqual(fs.readdirSync(path.dirname(signoffPath(dir))), ['signoffs.json'], 'no temporary files left behind');
  });

  it('a corrupt or hand-broken file gives a clear message and is never overwritten', () => {
    const dir = tempDir();
    fs.mkdirSync(path.dirname(signoffPath(dir)), { recursive: true });
    for (const bad of ['{ "version": 1, "signoffs": [', '[]', '{"version": 2, "signoffs": []}', '{"version":1,"signoffs":[{"row":"nope","note":"","by":"","at":"2026-01-01"}]}',
      '{"version":1,"signoffs":[{"row":"cors","note":"x","by":"y","at":"yesterday"}]}']) {
      fs.writeFileSync(signoffPath(dir), bad);
      assert.throws(() => readSignoffs(dir), (e: Error) => e instanceof SignoffError && e.message.startsWith('.preflight'));
      assert.throws(() => addSignoff(dir, signoff('cors')), SignoffError);
      assert.throws(() => revokeSignoff(dir, 'cors'), SignoffError);
      assert.equal(fs.readFileSync(signoffPath(dir), 'utf8'), bad, 'left exactly as it was');
    }
  });

  it('settles a review row, and goes stale when a finding for the row appears later', () => {
    const input = { findings: [] as Finding[], evidence: [], facts: [{ kind: 'http-server' as const, file: 'a.js', line: 1 }] };
    const before = computeChecklist(input).find((r) => r.id === 'rate-limit')!;
    assert.equal(before.status, 'review');
    const signed = computeChecklist({ ...input, signoffs: [signoff('rate-limit')] }).find((r) => r.id === 'rate-limit')!;
    assert.equal(signed.status, 'signed off');
    assert.equal(signed.signoff?.stale, false);
    assert.match(signed.reason, /signed off by Ada on 2026-11-20: done by the gateway/);
    const stale = computeChecklist({ ...input, findings: [finding('rate-limit')], signoffs: [signoff('rate-limit')] }).find((r) => r.id === 'rate-limit')!;
    assert.equal(stale.status, 'fail');
    assert.equal(stale.signoff?.stale, true);
    assert.match(stale.reason, /sign-off by Ada is stale/);
    assert.equal(summarize(computeChecklist({ ...input, signoffs: [signoff('rate-limit')] })).signedOff, 1);
  });

  it('a sign-off does not change a row that passes or fails on its own', () => {
    const rows = computeChecklist({ findings: [], evidence: [{ kind: 'lockfile', message: 'lockfile', file: 'package-lock.json', line: 1 }], facts: [], signoffs: [signoff('dependencies')] });
    assert.equal(rows.find((r) => r.id === 'dependencies')!.status, 'pass');
  });
});
