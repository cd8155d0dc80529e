import * as assert from 'node:assert/strict';
import { ts } from '../../src/core/ts';
import { parse } from '../../src/core/analyze';
import { constNumber, isSensitiveField, modelKey } from '../../src/core/lib/hygiene';
import { run } from '../helpers';

function firstExpression(code: string): ts.Expression {
  const sf = parse('x.ts', code);
  return (sf.statements[sf.statements.length - 1] as ts.ExpressionStatement).expression;
}

describe('hygiene area', () => {
  it('normalises model names', () => {
    for (const name of ['User', 'IUser', 'userSchema', 'UserModel', 'userRepository', 'users', 'UserEntity']) assert.equal(modelKey(name), 'user', name);
    assert.equal(modelKey('ApiKey'), 'apikey');
    assert.equal(modelKey('address'), 'address');
  });

  it('knows secret fields by name, not by substring', () => {
    for (const f of ['password', 'passwordHash', 'password_hash', 'salt', 'resetPasswordToken', 'refreshToken', 'mfaSecret', 'apiKey']) assert.ok(isSensitiveField(f), f);
    for (const f of ['passwordChangedAt', 'email', 'tokenVersion', 'hashtag', 'resetTokenExpires']) assert.ok(!isSensitiveField(f), f);
  });

  it('evaluates numbers through consts', () => {
    assert.equal(constNumber(firstExpression('const HOUR = 60 * 60 * 1000;\n8 * HOUR')), 28_800_000);
    assert.equal(constNumber(firstExpression('let n = 5;\nn * 2')), undefined);
  });

  it('defers a port-80 server to https-redirect evidence from any file, but not cleartext on 443', () => {
    const r80 = run("import express from 'express';\nconst app = express();\napp.listen(80);\n", 'http-server-no-tls');
    assert.equal(r80.findings[0]?.unlessEvidence, 'https-redirect');
    const r443 = run("import express from 'express';\nconst app = express();\napp.listen(443);\n", 'http-server-no-tls');
    assert.equal(r443.findings[0]?.unlessEvidence, undefined);
    const sslify = run("import express from 'express';\nimport enforce from 'express-sslify';\nexport const app = express();\napp.use(enforce.HTTPS());\n", 'http-server-no-tls');
    assert.deepEqual(sslify.evidence.map((e) => e.kind), ['https-redirect']);
  });

  it('emits pagination-bounded and server-timeout evidence', () => {
    const page = run("export async function list(req, res) {\n  res.json(await Post.find().limit(Math.min(Number(req.query.limit) || 20, 100)));\n}\n", 'pagination-unbounded');
    assert.deepEqual(page.evidence.map((e) => e.kind), ['pagination-bounded']);
    const server = run("import http from 'node:http';\nconst s = http.createServer({ requestTimeout: 30_000 }, handler);\ns.listen(3000);\n", 'server-no-timeout');
    assert.deepEqual([server.findings.length, server.evidence.map((e) => e.kind)], [0, ['server-timeout']]);
  });

  it('skips test files', () => {
    const code = "import express from 'express';\nconst app = express();\napp.listen(3000);\n";
    assert.equal(run(code, 'server-no-timeout', 'test/helpers/server.ts').findings.length, 0);
    assert.equal(run(code, 'server-no-timeout', 'src/server.ts').findings.length, 1);
  });
});
