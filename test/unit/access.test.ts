import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeWorkspace } from '../../src/core/workspace';
import { run } from '../helpers';

/** Cases the whole-file fixtures cannot express: file paths, facts and evidence, framework skips. */

function lines(text: string, ruleId: string, file?: string): number[] {
  return run(text, ruleId, file).findings.filter((f) => f.ruleId === ruleId).map((f) => f.line);
}

describe('access rules', () => {
  describe('body-unvalidated', () => {
    it('judges a Next.js pages/api handler as a route named by its file', () => {
      const text = [
        'export default async function handler(req, res) {',
        '  const { email } = req.body;',
        '  res.json({ email });',
        '}',
      ].join('\n');
      const r = run(text, 'body-unvalidated', 'src/pages/api/newsletter/index.ts');
      assert.deepEqual(r.findings.map((f) => [f.line, f.message.split(' reads')[0]]), [[2, 'API route /api/newsletter']]);
      assert.deepEqual(lines(text, 'body-unvalidated', 'src/lib/newsletter.ts'), []);
    });

    it('accepts a Next.js handler wrapped in a validating higher-order function', () => {
      const text = [
        "import { withValidation } from '../../lib/validation';",
        "import { Signup } from '../../lib/schemas';",
        'async function handler(req, res) {',
        '  res.json({ email: req.body.email });',
        '}',
        'export default withValidation(Signup, handler);',
      ].join('\n');
      assert.deepEqual(lines(text, 'body-unvalidated', 'pages/api/signup.ts'), []);
    });

    it('accepts router-level validation mounted before the routes, not after', () => {
      const before = [
        "import { Router } from 'express';",
        "import * as OpenApiValidator from 'express-openapi-validator';",
        'const r = Router();',
        "r.use(OpenApiValidator.middleware({ apiSpec: './openapi.yaml' }));",
        "r.post('/pets', (req, res) => res.json({ name: req.body.name }));",
      ].join('\n');
      assert.deepEqual(lines(before, 'body-unvalidated'), []);
      const after = [
        "import { Router } from 'express';",
        "import * as OpenApiValidator from 'express-openapi-validator';",
        'const r = Router();',
        "r.post('/pets', (req, res) => res.json({ name: req.body.name }));",
        "r.use(OpenApiValidator.middleware({ apiSpec: './openapi.yaml' }));",
      ].join('\n');
      assert.deepEqual(lines(after, 'body-unvalidated'), [4]);
    });

    it('leaves NestJS controllers alone', () => {
      const text = [
        "import { Controller, Post, Req } from '@nestjs/common';",
        "@Controller('cats')",
        'export class CatsController {',
        '  @Post()',
        '  create(@Req() req) {',
        '    return { name: req.body.name };',
        '  }',
        '}',
      ].join('\n');
      assert.deepEqual(lines(text, 'body-unvalidated'), []);
      assert.deepEqual(lines(text, 'idor-lookup'), []);
    });

    it('emits the request-input fact and schema-validation evidence', () => {
      const text = [
        "import { z } from 'zod';",
        "import { Router } from 'express';",
        'const r = Router();',
        'const Body = z.object({ name: z.string() });',
        "r.post('/a', (req, res) => res.json(Body.parse(req.body)));",
      ].join('\n');
      const res = run(text, 'body-unvalidated');
      assert.deepEqual(res.findings, []);
      assert.deepEqual(res.facts.map((f) => [f.kind, f.line]), [['request-input', 5]]);
      assert.deepEqual(res.evidence.map((e) => [e.kind, e.message]), [['schema-validation', 'request input validated by zod']]);
    });
  });

  describe('idor-lookup', () => {
    it('follows a handler declared as a function and wrapped in asyncHandler', () => {
      const text = [
        "const router = require('express').Router();",
        "const asyncHandler = require('express-async-handler');",
        "const Order = require('../models/Order');",
        "const { protect } = require('../middleware/auth');",
        'const getOrder = asyncHandler(async (req, res) => {',
        '  const order = await Order.findById(req.params.id);',
        '  res.json(order);',
        '});',
        "router.get('/:id', protect, getOrder);",
        'module.exports = router;',
      ].join('\n');
      const r = run(text, 'idor-lookup');
      assert.deepEqual(r.findings.map((f) => f.line), [6]);
      assert.deepEqual(r.findings[0].related?.map((x) => x.line), [6]);
      assert.deepEqual(r.facts.map((f) => f.kind), ['data-access']);
    });

    it('skips role-guarded routes, middleware, and admin controllers', () => {
      const guarded = [
        "const router = require('express').Router();",
        "const Order = require('../models/Order');",
        "router.use(authorize('admin'));",
        "router.get('/:id', async (req, res) => res.json(await Order.findById(req.params.id) ?? req.user.id));",
      ].join('\n');
      assert.deepEqual(lines(guarded, 'idor-lookup'), []);
      const loader = [
        "const Order = require('../models/Order');",
        'exports.loadOrder = async (req, res, next) => {',
        '  req.order = await Order.findById(req.params.id);',
        '  req.log.info({ user: req.user.id });',
        '  next();',
        '};',
      ].join('\n');
      assert.deepEqual(lines(loader, 'idor-lookup'), []);
      const controller = [
        "const User = require('../models/User');",
        'exports.remove = async (req, res) => {',
        '  await User.findByIdAndDelete(req.params.id);',
        "  res.json({ by: req.user.id });",
        '};',
      ].join('\n');
      assert.deepEqual(lines(controller, 'idor-lookup', 'src/controllers/admin/users.js'), []);
      assert.deepEqual(lines(controller, 'idor-lookup', 'src/controllers/users.js'), [3]);
    });
  });

  describe('admin-no-role-check', () => {
    // Etherpad's shape: one app-wide access check for every /admin path, the admin pages in other files.
    const accessCheck = [
      "exports.checkAccess = async (req, res, next) => {",
      "  const requireAdmin = req.path.toLowerCase().indexOf('/admin') === 0;",
      '  const user = req.session && req.session.user;',
      "  if (requireAdmin && !(user && user.is_admin)) return res.status(403).send('Forbidden');",
      '  next();',
      '};',
    ].join('\n');
    const adminPages = [
      "exports.expressCreateServer = (hookName, { app }) => {",
      "  app.get('/admin/settings', (req, res) => res.send(renderSettings()));",
      "  app.post('/admin/plugins/install', (req, res) => installPlugin(req.body.name).then(() => res.sendStatus(204)));",
      '};',
    ].join('\n');

    it('gives path-guard evidence for a middleware that tests the path and the role', () => {
      const r = run(accessCheck, 'admin-no-role-check', 'src/hooks/webaccess.js');
      assert.deepEqual(r.evidence.map((e) => [e.kind, e.line]), [['admin-path-guard', 2]]);
      const pathOnly = accessCheck.replace('!(user && user.is_admin)', '!user');
      assert.deepEqual(run(pathOnly, 'admin-no-role-check', 'src/hooks/webaccess.js').evidence, [], 'a login check is not a role check');
      const notRequest = accessCheck.replace('req.path.toLowerCase()', 'config.home');
      assert.deepEqual(run(notRequest, 'admin-no-role-check', 'src/hooks/webaccess.js').evidence, []);
    });

    it('reports admin routes in other files only without such a guard in the workspace', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-admin-'));
      try {
        fs.mkdirSync(path.join(dir, 'src', 'hooks'), { recursive: true });
        fs.writeFileSync(path.join(dir, 'src', 'hooks', 'admin.js'), adminPages);
        const reported = (): number[] =>
          analyzeWorkspace(dir).findings.filter((f) => f.ruleId === 'admin-no-role-check').map((f) => f.line);
        assert.deepEqual(reported(), [2, 3]);
        fs.writeFileSync(path.join(dir, 'src', 'hooks', 'webaccess.js'), accessCheck);
        assert.deepEqual(reported(), []);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('mass-assignment', () => {
    it('points at the body and relates the request read', () => {
      const text = [
        "import { User } from './models';",
        'export async function update(req, res) {',
        '  const input = req.body;',
        '  const changes = { ...input, updatedAt: new Date() };',
        '  await User.updateOne({ _id: req.user.id }, { $set: changes });',
        '}',
      ].join('\n');
      const r = run(text, 'mass-assignment');
      assert.deepEqual(r.findings.map((f) => [f.line, f.related?.[0]?.line]), [[5, 3]]);
      assert.match(r.findings[0].message, /^`User\.updateOne` writes the whole request body/);
      assert.deepEqual(r.facts.map((f) => f.kind), ['data-write']);
    });

    it('trusts a route schema middleware that replaces the body, not express-validator chains', () => {
      const text = [
        "import { Router } from 'express';",
        "import { body } from 'express-validator';",
        "import { User } from './models';",
        "import { validateBody } from './validate';",
        "import { NewUser } from './schemas';",
        'const r = Router();',
        "r.post('/a', validateBody(NewUser), async (req, res) => res.json(await User.create(req.body)));",
        "r.post('/b', body('email').isEmail(), async (req, res) => res.json(await User.create(req.body)));",
      ].join('\n');
      assert.deepEqual(lines(text, 'mass-assignment'), [8]);
    });
  });
});
