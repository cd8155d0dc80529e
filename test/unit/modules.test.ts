import * as assert from 'node:assert/strict';
import { ts } from '../../src/core/ts';
import { parse } from '../../src/core/analyze';
import { ModuleResolver } from '../../src/core/modules';

/** The origin of the first call whose callee text is `callee`. */
function originOf(code: string, callee: string): string | undefined {
  const sf = parse('a.ts', code);
  const resolver = new ModuleResolver(sf);
  let found: string | undefined;
  const visit = (n: ts.Node): void => {
    if (!found && ts.isCallExpression(n) && n.expression.getText(sf) === callee) {
      const o = resolver.callee(n);
      found = o ? `${o.module}:${o.path.join('.')}` : 'none';
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
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
