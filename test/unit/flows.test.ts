import * as assert from 'node:assert/strict';
import { isLoginPath, isCountingName, words } from '../../src/core/rules/login-user-enumeration';
import { isWebhookPath } from '../../src/core/rules/webhook-no-signature';
import { isAdminPath } from '../../src/core/rules/admin-no-role-check';
import { isLogoutPath } from '../../src/core/rules/session-no-destroy-on-logout';
import { passportRegeneratesOnLogin } from '../../src/core/rules/session-no-regenerate';
import { run } from '../helpers';

const kinds = (list: { kind: string }[]): string[] => list.map((x) => x.kind).sort();

describe('flows area', () => {
  describe('name and path predicates', () => {
    it('splits identifiers into words', () => {
      assert.deepEqual(words('expectedSig'), ['expected', 'sig']);
      assert.deepEqual(words('x-hub-signature-256'), ['x', 'hub', 'signature', '256']);
      assert.deepEqual(words('API_KEY'), ['api', 'key']);
      assert.deepEqual(words('computedHMAC'), ['computed', 'hmac']);
    });

    it('recognises login, logout, webhook and admin paths', () => {
      for (const p of ['/login', '/api/auth/login', '/sign-in', '/signin', '/sessions', '/login/password']) assert.ok(isLoginPath(p), p);
      for (const p of ['/login-history', '/users', '/password', '/auth/login/callback']) assert.ok(!isLoginPath(p), p);
      for (const p of ['/logout', '/auth/sign-out', '/api/signout']) assert.ok(isLogoutPath(p), p);
      assert.ok(!isLogoutPath('/logout-confirmation'));
      for (const p of ['/webhooks/stripe', '/webhook', '/api/hooks/github', '/stripe-webhook', '/stripe_webhooks', '/stripeWebhook', '/api/stripe/events', '/callback/stripe']) {
        assert.ok(isWebhookPath(p), p);
      }
      for (const p of ['/react-hooks-demo', '/events', '/hooked', '/stripe/checkout']) assert.ok(!isWebhookPath(p), p);
      for (const p of ['/admin', '/api/admin/users', '/admin-panel', '/users/:id/admin']) assert.ok(isAdminPath(p), p);
      for (const p of ['/administrative-areas', '/badmin', '/users']) assert.ok(!isAdminPath(p), p);
    });

    it('reads counting names without matching unrelated words', () => {
      for (const n of ['loginAttempts', 'failedLoginCount', 'lockUntil', 'registerFailure', 'incLoginAttempts', 'failCount']) assert.ok(isCountingName(n), n);
      for (const n of ['fail', 'blocked', 'clock', 'loginCount', 'failed']) assert.ok(!isCountingName(n), n);
    });

    it('knows from which passport version req.login regenerates the session', () => {
      for (const r of ['^0.6.0', '^0.7.0', '>=0.6', '0.7.0', '~1.0.0', 'latest', undefined]) assert.ok(passportRegeneratesOnLogin(r), String(r));
      for (const r of ['^0.5.3', '0.4.1', '~0.5.0']) assert.ok(!passportRegeneratesOnLogin(r), r);
    });
  });

  describe('facts and evidence', () => {
    it('login: login-route fact and failed-attempt counting evidence', () => {
      const r = run(
        [
          "import { Router } from 'express';",
          'const router = Router();',
          "router.post('/login', async (req, res) => {",
          '  const user = await User.findOne({ email: req.body.email });',
          '  if (!user || !(await user.comparePassword(req.body.password))) {',
          '    if (user) await User.updateOne({ _id: user._id }, { $inc: { failedLoginAttempts: 1 } });',
          "    return res.status(401).json({ error: 'Invalid email or password' });",
          '  }',
          '  res.json({ ok: true });',
          '});',
        ].join('\n'),
        'login-user-enumeration',
      );
      assert.deepEqual(r.findings, []);
      assert.deepEqual(kinds(r.facts), ['login-route']);
      assert.deepEqual(r.evidence.map((e) => `${e.kind}: ${e.message}`), ['login-attempt-counting: failed logins counted in POST /login']);
    });

    it('login: no counting, no evidence (the row goes to review)', () => {
      const r = run("app.post('/auth/login', (req, res) => res.json(login(req.body)));", 'login-user-enumeration');
      assert.deepEqual(kinds(r.facts), ['login-route']);
      assert.deepEqual(r.evidence, []);
    });

    it('login: express-brute middleware counts failures', () => {
      const r = run(
        "const ExpressBrute = require('express-brute');\nconst bruteforce = new ExpressBrute(store);\napp.post('/login', bruteforce.prevent, handler);",
        'login-user-enumeration',
        'src/app.js',
      );
      assert.deepEqual(kinds(r.evidence), ['login-attempt-counting']);
    });

    it('webhooks: fact on the route, evidence with timestamp tolerance for constructEvent', () => {
      const r = run(
        [
          "import Stripe from 'stripe';",
          'const stripe = new Stripe(key);',
          "router.post('/webhooks/stripe', express.raw({ type: 'application/json' }), (req, res) => {",
          "  const event = stripe.webhooks.constructEvent(req.body, req.get('stripe-signature'), secret);",
          '  res.json({ received: true });',
          '});',
        ].join('\n'),
        'webhook-no-signature',
      );
      assert.deepEqual(r.findings, []);
      assert.deepEqual(kinds(r.facts), ['webhook-route']);
      assert.ok(r.evidence.some((e) => e.kind === 'webhook-signature' && /timestamp tolerance/.test(e.message)), JSON.stringify(r.evidence));
    });

    it('webhooks: a signature header compared with === is not evidence', () => {
      const r = run(
        "router.post('/webhooks/x', (req, res) => {\n  if (req.get('x-signature') === secret) return res.sendStatus(200);\n  res.sendStatus(401);\n});",
        'webhook-no-signature',
      );
      assert.deepEqual(r.findings, []);
      assert.deepEqual(r.evidence, []);
    });

    it('admin: fact and role-check evidence', () => {
      const r = run(
        "router.use(requireAuth);\nrouter.get('/admin/users', requireRole('admin'), (req, res) => res.json([]));",
        'admin-no-role-check',
      );
      assert.deepEqual(r.findings, []);
      assert.deepEqual(kinds(r.facts), ['admin-route']);
      assert.deepEqual(r.evidence.map((e) => e.message), ["requireRole('admin') on GET /admin/users"]);
    });

    it('sessions: session fact, hardened evidence, regenerate evidence', () => {
      const r = run(
        [
          "import session from 'express-session';",
          'app.use(session({ store, secret: env.SECRET, resave: false, saveUninitialized: false,',
          "  cookie: { secure: true, httpOnly: true, sameSite: 'lax', maxAge: 1800000 } }));",
        ].join('\n'),
        'session-cookie-flags',
      );
      assert.deepEqual(r.findings, []);
      assert.deepEqual(kinds(r.facts), ['session']);
      assert.deepEqual(kinds(r.evidence), ['session-hardened']);

      const login = run(
        "router.post('/login', (req, res, next) => {\n  req.session.regenerate((err) => {\n    req.session.userId = 1;\n    res.end();\n  });\n});",
        'session-no-regenerate',
      );
      assert.deepEqual(login.findings, []);
      assert.deepEqual(kinds(login.evidence), ['session-regenerate']);
    });

    it('sessions: a MemoryStore in a test file is not reported', () => {
      const text = "import session from 'express-session';\napp.use(session({ secret: s, saveUninitialized: false, cookie: { secure: true, sameSite: 'lax', maxAge: 1 } }));";
      assert.equal(run(text, 'session-cookie-flags', 'test/helpers/app.ts').findings.length, 0);
      assert.equal(run(text, 'session-cookie-flags', 'src/app.ts').findings.length, 1);
    });
  });
});
