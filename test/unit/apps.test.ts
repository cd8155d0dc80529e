import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeChecklist, summarize, type ChecklistRow, type RowStatus } from '../../src/core/checklist';
import { RULE_BY_ID } from '../../src/core/registry';
import { ROWS } from '../../src/core/rows';
import type { RowId } from '../../src/core/types';
import { analyzeWorkspace, type WorkspaceResult } from '../../src/core/workspace';
import { FIXTURES, syntaxErrorCount } from '../helpers';

/**
 * The two sample apps are the same small Express API (auth with JWT and
 * sessions, users, orders, admin, webhooks, link previews) written twice:
 * vulnerable-express the way a hurried team ships it, hardened-express the way
 * the design's "good" examples say. Each core row has an explicit expected
 * status, one `it` per row, so a regression names the row it broke.
 */
const APPS = path.join(FIXTURES, 'apps');

type Expectations = Record<RowId, RowStatus>;

/** What the design says about the vulnerable app, row by row, with the mistake behind each verdict. */
const VULNERABLE: Partial<Expectations> = {
  // jwt.verify without `algorithms` (middleware/auth.js), jwt.decode as authentication (mobileAuth).
  'auth-jwt': 'fail',
  // jwt.sign with no expiresIn (routes/auth.js issueToken).
  'token-expiry': 'fail',
  // res.cookie('token', token) without httpOnly, secure or sameSite.
  'token-storage': 'fail',
  // User.findById(req.params.id), Order.findById(req.params.id) with no ownership condition.
  'authz-object': 'fail',
  // req.body used directly everywhere; no schema anywhere.
  'input-validation': 'fail',
  // pg queries built with template literals and `+`; User.find(req.body).
  'injection': 'fail',
  // /api/auth/login and /forgot-password with no limiter; none anywhere.
  'rate-limit': 'fail',
  // cors({ origin: true, credentials: true }): any origin, with cookies.
  'cors': 'fail',
  // no helmet.
  'security-headers': 'fail',
  // error handler sends err.message and err.stack.
  'error-handling': 'fail',
  // hard-coded sk_live_ key and JWT secret fallbacks; .env present and not ignored.
  'secrets': 'fail',
  // package.json with no lockfile.
  'dependencies': 'fail',
  // No HSTS and no redirect, but nothing that states HTTPS is off: the design leaves
  // this to a person (it may be set by a proxy), so review.
  'https': 'review',
  // console.log of process.env, of req.body on registration, of the login password.
  'logging': 'fail',
  // express.json({ limit: '50mb' }), multer() without limits.
  'request-limits': 'fail',
  // fetch(req.query.url).
  'ssrf': 'fail',
  // 'User not found' vs 'Wrong password'; no failed-login counting.
  'account-lockout': 'fail',
  // Stripe webhook with no signature check; shipping webhook compares a token with ===.
  'webhooks': 'fail',
  // /admin routes behind requireAuth only, no role check.
  'admin-endpoints': 'fail',
  // User.create(req.body), Object.assign(user, req.body), findByIdAndUpdate(id, req.body).
  'mass-assignment': 'fail',
};

/** Extended rows the vulnerable app also gets wrong. */
const VULNERABLE_EXTENDED: Partial<Expectations> = {
  // saveUninitialized: true, no cookie flags, no store, login without regenerate.
  sessions: 'fail',
  // md5(password), bcrypt cost 8.
  passwords: 'fail',
  // express-session cookie auth, no sameSite, no CSRF token.
  csrf: 'fail',
  // Dockerfile: node:latest, root, a secret in ENV, COPY . . without .dockerignore, npm install.
  containers: 'fail',
  // Workflow: no permissions, a third-party action on @main.
  'supply-chain': 'fail',
  // res.sendFile(path.join(dir, req.params.name)), res.redirect(req.query.next).
  'injection-other': 'fail',
  graphql: 'n/a',
  oauth: 'n/a',
};

/** The hardened app: every core row passes on evidence, and nothing is found. */
const HARDENED: Partial<Expectations> = {
  'auth-jwt': 'pass', // jwt.verify pins algorithms, issuer, audience (lib/tokens.ts)
  'token-expiry': 'pass', // expiresIn: '15m'; opaque refresh tokens rotated, reuse revokes the family
  'token-storage': 'pass', // refresh cookie httpOnly, secure, sameSite strict, path /api/auth
  'authz-object': 'pass', // Order.findOne({ _id: id, owner: req.user.id })
  'input-validation': 'pass', // zod parse of every body, query and params
  'injection': 'pass', // pg with $1 placeholders; sanitizeFilter on
  'rate-limit': 'pass', // loginLimiter 5 / 15 min on /login, apiLimiter 60 / min
  'cors': 'pass', // origin: an explicit array
  'security-headers': 'pass', // helmet()
  'error-handling': 'pass', // 4-arg handler, logs, sends { error: 'Internal Server Error' }
  'secrets': 'pass', // .env ignored, .env.example only, env parsed by zod at startup
  'dependencies': 'pass', // package-lock.json
  'https': 'pass', // helmet's default HSTS, secure cookies
  'logging': 'pass', // pino with redact; failed logins, denials and mutations logged
  'request-limits': 'pass', // express.json({ limit: '100kb' }), multer limits.fileSize
  'ssrf': 'pass', // safeFetch: DNS resolution, private ranges blocked, redirects revalidated
  'account-lockout': 'pass', // failedLoginAttempts counted, lockUntil, one generic message
  'webhooks': 'pass', // stripe.webhooks.constructEvent; HMAC + timingSafeEqual + timestamp tolerance
  'admin-endpoints': 'pass', // requireRole on every /admin route, denials logged
  'mass-assignment': 'pass', // writes from parsed, .strict() schemas and named fields
  sessions: 'pass', // regenerate on login, store, cookie flags, maxAge, destroy on logout
  passwords: 'pass', // argon2id
  csrf: 'pass', // session cookie sameSite strict
  containers: 'pass', // pinned node:20.18.1, USER node, .dockerignore with .env and keys
  'supply-chain': 'pass', // actions pinned to SHAs, permissions: contents: read, gitleaks
  'injection-other': 'pass', // no request data reaches fs paths, redirects, eval or shells
  graphql: 'n/a',
  oauth: 'n/a',
};

/**
 * Each mistake planted in the vulnerable app, with the rule that must find it
 * and the (unique) line it must be reported on. Row statuses alone would hide a
 * rule that stops firing while another keeps its row failing.
 */
interface Planted {
  rule: string;
  file: string;
  /** Text of the reported line, unique in the file; absent for file-level findings. */
  line?: string;
  what: string;
}

const PLANTED: readonly Planted[] = [
  { rule: 'path-traversal', file: 'src/routes/files.js', line: 'res.sendFile(path.join(INVOICES_DIR, req.params.name));', what: 'sendFile of a request-chosen path' },
  { rule: 'open-redirect', file: 'src/routes/files.js', line: "res.redirect(req.query.next || '/');", what: 'redirect to a request-chosen URL' },
  { rule: 'dockerfile-unpinned-base', file: 'Dockerfile', line: 'FROM node:latest', what: 'unpinned base image' },
  { rule: 'dockerfile-secret-env', file: 'Dockerfile', line: 'ENV STRIPE_SECRET_KEY=', what: 'secret in ENV' },
  { rule: 'actions-unpinned', file: '.github/workflows/ci.yml', line: 'uses: some-vendor/deploy-preview-action@main', what: 'third-party action on a branch' },
  { rule: 'jwt-verify-algorithms', file: 'src/middleware/auth.js', line: 'req.user = jwt.verify(token, config.jwtSecret);', what: 'jwt.verify without algorithms' },
  { rule: 'jwt-decode-as-verify', file: 'src/middleware/auth.js', line: 'const payload = jwt.decode(token);', what: 'jwt.decode used for authentication' },
  { rule: 'jwt-sign-expiry', file: 'src/routes/auth.js', line: 'return jwt.sign({ id: user._id', what: 'jwt.sign without expiresIn' },
  { rule: 'cookie-insecure-flags', file: 'src/routes/auth.js', line: "res.cookie('token', token);", what: 'token cookie without flags' },
  { rule: 'cookie-insecure-flags', file: 'src/routes/auth.js', line: "res.cookie('token', token, { maxAge", what: 'token cookie with maxAge only' },
  { rule: 'idor-lookup', file: 'src/routes/users.js', line: 'const user = await User.findById(req.params.id);\n    if (!user) return res.status(404).json({ message: \'User not found\' });\n    res.json(user);', what: 'User.findById(req.params.id) without ownership' },
  { rule: 'idor-lookup', file: 'src/routes/orders.js', line: 'await Order.findById(req.params.id).populate', what: 'Order.findById(req.params.id) without ownership' },
  { rule: 'body-unvalidated', file: 'src/routes/auth.js', line: 'const { email, password } = req.body;', what: 'login body used without a schema' },
  { rule: 'sql-injection', file: 'src/routes/orders.js', line: 'const { rows } = await db.query(', what: 'SQL template literal with req.query' },
  { rule: 'sql-injection', file: 'src/routes/orders.js', line: "'SELECT * FROM shipments WHERE order_id = ' + req.params.id", what: 'SQL concatenation with req.params' },
  { rule: 'sql-injection', file: 'src/routes/admin.js', line: 'const { rows } = await db.query(', what: 'revenue report SQL with req.query' },
  { rule: 'nosql-injection', file: 'src/routes/users.js', line: 'User.find(req.body)', what: 'User.find(req.body)' },
  { rule: 'auth-route-no-rate-limit', file: 'src/routes/auth.js', line: "router.post('/login'", what: '/login without a rate limiter' },
  { rule: 'cors-reflected-origin', file: 'src/app.js', line: 'cors({ origin: true, credentials: true })', what: 'reflected origin with credentials' },
  { rule: 'missing-helmet', file: 'src/app.js', line: 'const app = express();', what: 'no helmet' },
  { rule: 'error-leak', file: 'src/middleware/errorHandler.js', line: 'res.status(err.status || 500).json({', what: 'error handler sends err.message and err.stack' },
  { rule: 'hardcoded-secret', file: 'src/config.js', line: "const STRIPE_FALLBACK_KEY = 'sk_live_", what: 'hard-coded live Stripe key' },
  { rule: 'hardcoded-secret', file: 'src/config.js', line: "jwtSecret: process.env.JWT_SECRET || '", what: 'JWT secret fallback' },
  { rule: 'env-not-gitignored', file: '.gitignore', what: '.env not git-ignored' },
  { rule: 'env-logged', file: 'src/server.js', line: "console.log('starting shopfront-api with env', process.env);", what: 'process.env logged' },
  { rule: 'no-lockfile', file: 'package.json', what: 'no lockfile' },
  { rule: 'log-sensitive-data', file: 'src/routes/auth.js', line: 'console.log(`login attempt: ${email} / ${req.body.password}`);', what: 'password logged' },
  { rule: 'log-sensitive-data', file: 'src/routes/auth.js', line: "console.log('new registration', req.body);", what: 'registration body logged' },
  { rule: 'body-limit-large', file: 'src/app.js', line: "express.json({ limit: '50mb' })", what: '50mb JSON bodies' },
  { rule: 'multer-no-limits', file: 'src/middleware/upload.js', line: 'const upload = multer({ storage });', what: 'multer without limits' },
  { rule: 'ssrf-request-url', file: 'src/routes/proxy.js', line: 'await fetch(req.query.url)', what: 'fetch(req.query.url)' },
  { rule: 'login-user-enumeration', file: 'src/routes/auth.js', line: "json({ message: 'User not found' })", what: "'User not found' vs 'Wrong password'" },
  { rule: 'webhook-no-signature', file: 'src/routes/webhooks.js', line: "router.post('/webhooks/stripe'", what: 'Stripe webhook without signature verification' },
  { rule: 'timing-unsafe-compare', file: 'src/routes/webhooks.js', line: 'if (token === config.shippingWebhookToken)', what: 'webhook token compared with ===' },
  { rule: 'admin-no-role-check', file: 'src/routes/admin.js', line: "router.get('/admin/users'", what: 'admin route with authentication only' },
  { rule: 'admin-no-role-check', file: 'src/routes/admin.js', line: "router.delete('/admin/users/:id'", what: 'admin delete with authentication only' },
  { rule: 'mass-assignment', file: 'src/routes/auth.js', line: 'const user = await User.create(req.body);', what: 'User.create(req.body)' },
  { rule: 'mass-assignment', file: 'src/routes/users.js', line: 'Object.assign(user, req.body);', what: 'Object.assign(user, req.body)' },
  { rule: 'mass-assignment', file: 'src/routes/orders.js', line: 'Order.findByIdAndUpdate(req.params.id, req.body', what: 'findByIdAndUpdate(id, req.body)' },
  { rule: 'session-no-regenerate', file: 'src/routes/auth.js', line: 'req.session.userId = user._id;', what: 'login without session regenerate' },
  { rule: 'session-cookie-flags', file: 'src/app.js', line: 'saveUninitialized: true,', what: 'saveUninitialized: true' },
  { rule: 'session-cookie-flags', file: 'src/app.js', line: '  session({', what: 'session cookie without flags, no store' },
  { rule: 'hardcoded-secret', file: 'src/app.js', line: "secret: config.sessionSecret || 'keyboard cat',", what: "session secret fallback 'keyboard cat'" },
  { rule: 'insecure-random', file: 'src/routes/auth.js', line: 'const resetToken = Math.random()', what: 'Math.random() reset token' },
  { rule: 'weak-password-hash', file: 'src/routes/auth.js', line: 'await bcrypt.hash(req.body.password, 8)', what: 'bcrypt cost 8' },
  { rule: 'weak-password-hash', file: 'src/routes/auth.js', line: 'user.password = md5(req.body.password);', what: 'md5(password)' },
];

function formatFinding(f: WorkspaceResult['findings'][number]): string {
  return `${f.ruleId} at ${f.file}:${f.line}: ${f.message}`;
}

function explain(row: ChecklistRow): string {
  const lines = [`row ${row.number} ${row.id} is ${row.status} (${row.reason})`];
  for (const f of row.findings) lines.push(`  finding: ${formatFinding(f)}`);
  for (const e of row.evidence) lines.push(`  evidence: ${e.kind} "${e.message}" at ${e.file}:${e.line}`);
  return lines.join('\n');
}

function sourceFilesOf(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) visit(abs);
      else if (/\.[cm]?[jt]s$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(path.relative(root, abs).split(path.sep).join('/'));
    }
  };
  visit(root);
  return out.sort();
}

/** The 1-based line where `snippet` starts; it must occur exactly once in the file. */
function lineOfSnippet(root: string, file: string, snippet: string): number {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const at = text.indexOf(snippet);
  assert.ok(at >= 0, `${file} no longer contains ${JSON.stringify(snippet)}`);
  assert.equal(text.indexOf(snippet, at + 1), -1, `${JSON.stringify(snippet)} occurs more than once in ${file}`);
  return text.slice(0, at).split('\n').length;
}

interface AppRun {
  result: WorkspaceResult;
  rows: Map<RowId, ChecklistRow>;
}

function analyzeApp(name: string): AppRun {
  const result = analyzeWorkspace(path.join(APPS, name));
  const rows = new Map(computeChecklist(result).map((r) => [r.id, r]));
  return { result, rows };
}

function rowTests(run: () => AppRun, expected: Partial<Expectations>): void {
  for (const def of ROWS) {
    const status = expected[def.id];
    if (!status) continue;
    it(`row ${def.number} ${def.id} is ${status}`, () => {
      const row = run().rows.get(def.id);
      assert.ok(row, `no row ${def.id}`);
      assert.equal(row.status, status, explain(row));
    });
  }
}

function fixtureIntegrityTests(name: string, run: () => AppRun): void {
  it('analyzes every source file, none skipped, all parse cleanly', () => {
    const root = path.join(APPS, name);
    const { result } = run();
    assert.deepEqual(result.skipped, []);
    assert.deepEqual([...result.files].sort(), sourceFilesOf(root));
    const broken = result.files.filter((f) => syntaxErrorCount(f, fs.readFileSync(path.join(root, f), 'utf8')) > 0);
    assert.deepEqual(broken, []);
  });
}

describe('sample app: vulnerable-express', () => {
  let app: AppRun | undefined;
  const run = (): AppRun => (app ??= analyzeApp('vulnerable-express'));

  fixtureIntegrityTests('vulnerable-express', run);

  it('has an expectation for each of the 20 core rows', () => {
    assert.deepEqual(ROWS.filter((r) => !r.extended).map((r) => r.id).filter((id) => !VULNERABLE[id]), []);
  });

  rowTests(run, { ...VULNERABLE, ...VULNERABLE_EXTENDED });

  describe('each planted mistake is found', () => {
    for (const p of PLANTED) {
      it(`${p.what}: ${p.rule} in ${p.file}`, () => {
        assert.ok(RULE_BY_ID.has(p.rule), `no rule ${p.rule} in the registry`);
        const root = path.join(APPS, 'vulnerable-express');
        const line = p.line === undefined ? undefined : lineOfSnippet(root, p.file, p.line);
        const inFile = run().result.findings.filter((f) => f.file === p.file);
        const hit = inFile.some((f) => f.ruleId === p.rule && (line === undefined || f.line === line));
        assert.ok(hit, `expected ${p.rule} at ${p.file}:${line ?? '*'}; findings in that file:\n${inFile.map(formatFinding).join('\n') || '(none)'}`);
      });
    }
  });

  it('fails at least 10 core rows', () => {
    const summary = summarize([...run().rows.values()]);
    assert.ok(summary.fail >= 10, `only ${summary.fail} core rows fail:\n${[...run().rows.values()].filter((r) => !r.extended).map(explain).join('\n')}`);
  });
});

describe('sample app: hardened-express', () => {
  let app: AppRun | undefined;
  const run = (): AppRun => (app ??= analyzeApp('hardened-express'));

  fixtureIntegrityTests('hardened-express', run);

  it('has no findings from any rule', () => {
    assert.deepEqual(run().result.findings.map(formatFinding), []);
  });

  it('has an expectation for each of the 20 core rows', () => {
    assert.deepEqual(ROWS.filter((r) => !r.extended).map((r) => r.id).filter((id) => !HARDENED[id]), []);
  });

  rowTests(run, HARDENED);

  it('is ready on all 20 core rows', () => {
    const summary = summarize([...run().rows.values()]);
    const notReady = [...run().rows.values()].filter((r) => !r.extended && r.status !== 'pass' && r.status !== 'n/a');
    assert.equal(summary.ready, summary.total, notReady.map(explain).join('\n'));
  });
});
