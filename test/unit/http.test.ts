import * as assert from 'node:assert/strict';
import { parse } from '../../src/core/analyze';
import { classifyPath } from '../../src/core/rules/auth-route-no-rate-limit';
import { parseBytes } from '../../src/core/rules/body-limit-large';
import { ts } from '../../src/core/ts';
import { run } from '../helpers';

function firstExpression(code: string): ts.Expression {
  const sf = parse('x.ts', code);
  return (sf.statements[0] as ts.ExpressionStatement).expression;
}

describe('http area', () => {
  it('classifies auth paths by segment', () => {
    assert.deepEqual(classifyPath('/api/v1/auth/login'), { auth: true, login: true });
    assert.deepEqual(classifyPath('/users/:id/password/reset'), { auth: true, login: false });
    assert.deepEqual(classifyPath('/Sign-In'), { auth: true, login: true });
    assert.deepEqual(classifyPath('/oauth/token'), { auth: true, login: false });
    assert.deepEqual(classifyPath('/auth/logout'), { auth: false, login: false });
    assert.deepEqual(classifyPath('/api/tokens/:id'), { auth: false, login: false });
    assert.deepEqual(classifyPath('/catalog/login-banner'), { auth: false, login: false });
  });

  it('reads body limits the way the bytes package does', () => {
    assert.equal(parseBytes(firstExpression("'100kb'")), 102400);
    assert.equal(parseBytes(firstExpression("'1.5MB'")), 1572864);
    assert.equal(parseBytes(firstExpression('50 * 1024 * 1024')), 52428800);
    assert.equal(parseBytes(firstExpression("'lots'")), undefined);
  });

  it('defers a router-only auth route to workspace evidence, but not a route in the app file', () => {
    const routerOnly = run("import { Router } from 'express';\nconst r = Router();\nr.post('/login', (req, res) => res.end());\n", 'auth-route-no-rate-limit');
    assert.equal(routerOnly.findings[0]?.unlessEvidence, 'rate-limiter');
    const appFile = run("import express from 'express';\nconst app = express();\napp.post('/login', (req, res) => res.end());\n", 'auth-route-no-rate-limit');
    assert.equal(appFile.findings.length, 1);
    assert.equal(appFile.findings[0].unlessEvidence, undefined);
  });

  it('accepts limiters named in preflight.config.json', () => {
    const code = "import express from 'express';\nimport { guard } from './guard';\nconst app = express();\napp.post('/login', guard, (req, res) => res.end());\n";
    assert.equal(run(code, 'auth-route-no-rate-limit').findings.length, 1);
    assert.equal(run(code, 'auth-route-no-rate-limit', 'src/app.ts', { rateLimiters: ['guard'] }).findings.length, 0);
  });

  it('skips auth routes declared in test files', () => {
    const code = "import express from 'express';\nconst app = express();\napp.post('/login', (req, res) => res.end());\n";
    assert.equal(run(code, 'auth-route-no-rate-limit', 'test/auth.test.ts').findings.length, 0);
  });

  it('emits the cors fact and allowlist evidence once, from cors-wildcard-origin', () => {
    const code = "import cors from 'cors';\nimport express from 'express';\nconst app = express();\napp.use(cors({ origin: ['https://a.example.com'] }));\n";
    const r = run(code, 'cors-wildcard-origin');
    assert.deepEqual(r.facts.map((f) => f.kind), ['cors']);
    assert.deepEqual(r.evidence.map((e) => e.kind), ['cors-allowlist']);
    assert.deepEqual(run(code, 'cors-reflected-origin').facts, []);
  });
});
