import * as assert from 'node:assert/strict';
import { ts } from '../../src/core/ts';
import { parse } from '../../src/core/analyze';
import { calleeMayComeFrom, ModuleResolver } from '../../src/core/modules';

/** The first call whose callee text is `callee`. */
function callNamed(sf: ts.SourceFile, callee: string): ts.CallExpression | undefined {
  let found: ts.CallExpression | undefined;
  const visit = (n: ts.Node): void => {
    if (!found && ts.isCallExpression(n) && n.expression.getText(sf) === callee) found = n;
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

/** The origin of the first call whose callee text is `callee`. */
function originOf(code: string, callee: string): string | undefined {
  const sf = parse('a.ts', code);
  const call = callNamed(sf, callee);
  if (!call) return undefined;
  const o = new ModuleResolver(sf).callee(call);
  return o ? `${o.module}:${o.path.join('.')}` : 'none';
}

/** calleeMayComeFrom's answer for the first call whose callee text is `callee`. */
function mayComeFrom(code: string, callee: string, module: string): boolean {
  const sf = parse('a.ts', code);
  const call = callNamed(sf, callee);
  assert.ok(call, `no call ${callee}`);
  return calleeMayComeFrom({ sourceFile: sf }, new Set([module]))(call.expression);
}

describe('module resolution', () => {
  const cases: [string, string, string, string][] = [
    ['ESM default', "import jwt from 'jsonwebtoken';\njwt.verify(t, k);", 'jwt.verify', 'jsonwebtoken:verify'],
    ['ESM namespace', "import * as jwt from 'jsonwebtoken';\njwt.verify(t, k);", 'jwt.verify', 'jsonwebtoken:verify'],
    ['ESM named alias', "import { verify as check } from 'jsonwebtoken';\ncheck(t, k);", 'check', 'jsonwebtoken:verify'],
    ['require', "const jwt = require('jsonwebtoken');\njwt.verify(t, k);", 'jwt.verify', 'jsonwebtoken:verify'],
    ['require destructured', "const { verify } = require('jsonwebtoken');\nverify(t, k);", 'verify', 'jsonwebtoken:verify'],
    ['require member', "const verify = require('jsonwebtoken').verify;\nverify(t, k);", 'verify', 'jsonwebtoken:verify'],
    ['node: prefix', "const cp = require('node:child_process');\ncp.exec(c);", 'cp.exec', 'child_process:exec'],
    ['local alias', "import express from 'express';\nfunction f() { const app = express(); app.use(x); }", 'app.use', 'express:().use'],
    ['TypeScript CJS output', "const express_1 = __importDefault(require(\"express\"));\nconst app = (0, express_1.default)();\napp.use(x);", 'app.use', 'express:().use'],
    ['Babel CJS output', "var _express = _interopRequireDefault(require('express'));\nvar app = (0, _express.default)();\napp.listen(3);", 'app.listen', 'express:().listen'],
    ['unrelated local', "const jwt = { verify() {} };\njwt.verify(t, k);", 'jwt.verify', 'none'],
    ['shadowed parameter', "import jwt from 'jsonwebtoken';\nfunction f(jwt) { jwt.verify(t, k); }", 'jwt.verify', 'none'],
  ];
  for (const [name, code, callee, expected] of cases) {
    it(name, () => assert.equal(originOf(code, callee), expected));
  }
});

describe('calleeMayComeFrom', () => {
  // It lets rules skip resolution: it must say yes wherever resolution reaches the module.
  const resolving: [string, string, string][] = [
    ["import jwt from 'jsonwebtoken';\njwt.verify(t, k);", 'jwt.verify', 'jsonwebtoken'],
    ["import { verify as check } from 'jsonwebtoken';\ncheck(t, k);", 'check', 'jsonwebtoken'],
    ["const { verify } = require('jsonwebtoken');\nverify(t, k);", 'verify', 'jsonwebtoken'],
    ["const cp = require('node:child_process');\ncp.exec(c);", 'cp.exec', 'child_process'],
    ["import express from 'express';\nfunction f() { const app = express(); const r = app; r.use(x); }", 'r.use', 'express'],
    ["const express_1 = __importDefault(require(\"express\"));\nconst app = (0, express_1.default)();\napp.use(x);", 'app.use', 'express'],
    ["const app = /* the app */ require('express')();\napp.listen(3);", 'app.listen', 'express'],
    ["const app =\n  // the app\n  require('express')();\napp.listen(3);", 'app.listen', 'express'],
    ["async function f() { const m = (await import('x'), require('express')); m().use(a); }", 'm().use', 'express'],
    ["const e = require('express') as any;\nconst app = <any>e();\napp.get('/', h);", 'app.get', 'express'],
  ];
  for (const [code, callee, module] of resolving) {
    it(`keeps ${callee} (${module})`, () => {
      assert.notEqual(originOf(code, callee), 'none', 'the case must resolve');
      assert.equal(mayComeFrom(code, callee, module), true);
    });
  }
  it('skips callees that cannot reach the module', () => {
    const code = "import express from 'express';\nconst db = require('./db');\nconst app = express();\napp.get('/', (req, res) => { db.find(); res.json({}); });";
    assert.equal(mayComeFrom(code, 'res.json', 'express'), false);
    assert.equal(mayComeFrom(code, 'db.find', 'express'), false);
    assert.equal(mayComeFrom(code, 'app.get', 'express'), true);
  });
  it('reads names as the parser does: a \\u escape spells the name it stands for', () => {
    const code = "const \\u0061pp = require('express')();\napp.listen(3);\nres.json(1);";
    assert.equal(mayComeFrom(code, 'app.listen', 'express'), true);
    assert.equal(mayComeFrom(code, 'res.json', 'express'), false);
  });
  it('follows carriers through calls, commas and nesting, and only through spines', () => {
    const code = [
      "const lib = require('express');",
      'const wrapped = wrap(lib);', // a call's first argument
      'const second = pick(other, lib);', // not its second
      'const seq = (log(), wrapped);',
      'const name = `${lib}`;', // not a spine
      'function f() { const inner = seq.default; inner.use(a); }',
      'wrapped.get(x); second.get(x); name.get(x);',
    ].join('\n');
    assert.equal(mayComeFrom(code, 'inner.use', 'express'), true);
    assert.equal(mayComeFrom(code, 'wrapped.get', 'express'), true);
    assert.equal(mayComeFrom(code, 'second.get', 'express'), false);
    assert.equal(mayComeFrom(code, 'name.get', 'express'), false);
  });
});
