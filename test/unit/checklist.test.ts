import { strict as assert } from 'node:assert';
import { computeChecklist } from '../../src/core/checklist';
import type { Evidence, Fact } from '../../src/core/types';

const row = (id: string, evidence: Evidence[], facts: Fact[]) => computeChecklist({ findings: [], evidence, facts }).find((r) => r.id === id)!;
const ev = (kind: Evidence['kind'], message: string, file = 'src/app.ts', line = 1): Evidence => ({ kind, message, file, line });
const server: Fact[] = [{ kind: 'http-server', file: 'src/app.ts', line: 1 }];

describe('checklist: supporting evidence', () => {
  it('lists evidence of a row\'s other criteria with it, after the pass evidence, and names it in the reason', () => {
    const r = row('request-limits', [ev('server-timeout', 'server.requestTimeout set', 'src/server.ts', 9), ev('body-limit', 'express.json() limited to 100kb', 'src/app.ts', 12)], server);
    assert.equal(r.status, 'pass');
    assert.deepEqual(r.evidence.map((e) => e.kind), ['body-limit', 'server-timeout']);
    assert.equal(r.reason, 'express.json() limited to 100kb in src/app.ts:12; also: server.requestTimeout set in src/server.ts:9');
  });

  it('does not pass a row on supporting evidence alone', () => {
    const r = row('https', [ev('https-redirect', 'HTTP redirected to HTTPS')], server);
    assert.equal(r.status, 'review');
    assert.match(r.reason, /^no HSTS header was found.*; also: HTTP redirected to HTTPS in src\/app\.ts:1$/);
  });

  it('names each supporting kind once however often it was seen', () => {
    const r = row('token-expiry', [
      ev('jwt-short-expiry', 'jwt.sign sets an expiry of 15 minutes'),
      ev('refresh-rotation', 'refresh token rotated', 'src/a.ts', 3),
      ev('refresh-rotation', 'refresh token rotated', 'src/b.ts', 4),
    ], [{ kind: 'jwt', file: 'src/app.ts', line: 1 }]);
    assert.equal((r.reason.match(/refresh token rotated/g) ?? []).length, 1);
    assert.equal(r.evidence.length, 3);
  });
});
