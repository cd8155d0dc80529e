import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { expandBody, readSnippetSources } from '../../scripts/snippets-model';
import { ignoreMatcher, ignores, projectFinding } from '../../src/core/config-text';
import { applyFixes } from '../../src/core/fix';
import { SAFE_FETCH_PARTS, SAFE_FETCH_SOURCE } from '../../src/core/lib/safe-fetch-source';
import { RULE_BY_ID } from '../../src/core/registry';
import { envNameOf, isConfigTemplate } from '../../src/core/rules/hardcoded-secret';
import type { Finding, ProjectContext, ProjectRule } from '../../src/core/types';
import { run, syntaxErrorCount } from '../helpers';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Quick fixes beyond the before/after pairs: the cases that must offer no fix,
 * the safeFetch text kept equal to its snippet, and the project rule
 * env-not-gitignored, whose fix edits .gitignore.
 */

function fixesOf(code: string, ruleId: string, file = 'src/app.js', dependencies: Record<string, string> = {}): Finding[] {
  const findings = run(code, ruleId, file, { dependencies }).findings.filter((f) => f.ruleId === ruleId);
  assert.ok(findings.length > 0, `${ruleId} reports on the snippet`);
  return findings;
}

function assertNoFix(code: string, ruleId: string, file?: string, dependencies?: Record<string, string>): void {
  const findings = fixesOf(code, ruleId, file, dependencies);
  assert.deepEqual(findings.map((f) => f.fixes.length), findings.map(() => 0), `${ruleId}: no fix expected`);
}

describe('quick fixes', () => {
  describe('ssrf-request-url safeFetch', () => {
    it('inserts exactly the pf-safe-fetch snippet code (placeholders at their defaults)', () => {
      const snippet = readSnippetSources(ROOT).find((s) => s.prefix === 'pf-safe-fetch');
      assert.ok(snippet);
      assert.equal(SAFE_FETCH_SOURCE, expandBody(snippet.body));
      assert.deepEqual(SAFE_FETCH_PARTS.requires.map((r) => r.name), ['dns', 'net']);
      assert.ok(SAFE_FETCH_PARTS.declares.includes('safeFetch'));
      assert.doesNotMatch(SAFE_FETCH_PARTS.code, /module\.exports|require\(/);
    });

    it('offers no fix for client libraries or when a helper name is taken', () => {
      assertNoFix("const axios = require('axios');\napp.get('/p', async (req, res) => res.send(await axios.get(req.query.url)));\n", 'ssrf-request-url');
      assertNoFix("const MAX_BYTES = 10;\napp.get('/p', async (req, res) => res.send(await fetch(req.query.url)));\n", 'ssrf-request-url');
      assertNoFix("const dns = require('node:dns');\napp.get('/p', async (req, res) => res.send(await fetch(req.query.url)));\n", 'ssrf-request-url');
    });

    it('reuses an existing dns/promises import and keeps a file without a final newline that way', () => {
      const code = "import * as dns from 'node:dns/promises';\napp.get('/p', async (req, res) => res.send(await fetch(req.query.url)));";
      const [f] = fixesOf(code, 'ssrf-request-url', 'src/app.mjs');
      const out = applyFixes(code, [f.fixes[0]]).text;
      assert.equal((out.match(/node:dns\/promises/g) ?? []).length, 1);
      assert.match(out, /^import \* as net from 'node:net';$/m);
      assert.ok(!out.endsWith('\n'));
      assert.equal(syntaxErrorCount('src/app.mjs', out), 0);
    });
  });

  describe('cases left to the reader', () => {
    it('error-leak: a payload object built elsewhere', () => {
      assertNoFix('app.use((err, req, res, next) => {\n  const body = { message: err.message };\n  res.status(500).json(body);\n});\n', 'error-leak');
    });

    it('env-logged: a response, a spread', () => {
      assertNoFix("app.get('/debug', (req, res) => res.json(process.env));\n", 'env-logged');
      assertNoFix("console.log({ ...process.env });\n", 'env-logged');
    });

    it('nosql-injection: a whole request object as the filter', () => {
      assertNoFix("const User = require('./user');\napp.post('/u', async (req, res) => res.json(await User.find(req.body)));\n", 'nosql-injection');
    });

    it('nosql-injection: the cast is preferred only with mongoose', () => {
      const code = "app.post('/u', async (req, res) => res.json(await User.findOne({ email: req.body.email })));\n";
      assert.equal(fixesOf(code, 'nosql-injection', 'src/app.js', { mongoose: '^8.0.0' })[0].fixes[0].preferred, true);
      assert.equal(fixesOf(code, 'nosql-injection', 'src/app.js', { mongodb: '^6.0.0' })[0].fixes[0].preferred, false);
    });

    it('login-user-enumeration: an error class decides the status', () => {
      const code = [
        'class AuthService {',
        '  async login(email, password) {',
        '    const user = await this.users.findOne({ where: { email } });',
        "    if (!user) throw new NotFoundException('No such user');",
        '    if (!(await bcrypt.compare(password, user.hash))) throw new UnauthorizedException(\'Bad password\');',
        '    return user;',
        '  }',
        '}',
      ].join('\n');
      assertNoFix(`const bcrypt = require('bcrypt');\n${code}\n`, 'login-user-enumeration');
    });

    it('hardcoded-secret: unnamed values, generic names, key formats inside longer text, config templates', () => {
      assertNoFix("const Stripe = require('stripe');\nconst stripe = new Stripe('sk_live_51HxQvKLm3N8pQr7sTuVwXyZa2b4c6d8e');\n", 'hardcoded-secret');
      assertNoFix("const opts = { password: 'Xk9#mP2$vL7q' };\n", 'hardcoded-secret');
      assertNoFix("const stripeHeader = 'Bearer sk_live_51HxQvKLm3N8pQr7sTuVwXyZa2b4c6d8e';\n", 'hardcoded-secret');
      assertNoFix("module.exports = { stripeSecretKey: 'sk_live_51HxQvKLm3N8pQr7sTuVwXyZa2b4c6d8e' };\n", 'hardcoded-secret', 'config/settings.example.js');
      assert.equal(envNameOf('stripeSecretKey'), 'STRIPE_SECRET_KEY');
      assert.equal(envNameOf('JWT_SECRET'), 'JWT_SECRET');
      assert.equal(envNameOf('secret'), undefined);
      assert.ok(isConfigTemplate('src/config.template.ts') && !isConfigTemplate('src/config.ts'));
    });

    it('cors: callbacks, Koa, and lists that also name real origins', () => {
      assertNoFix("const cors = require('cors');\napp.use(cors({ origin: (origin, cb) => cb(null, true), credentials: true }));\n", 'cors-reflected-origin');
      assertNoFix("const cors = require('@koa/cors');\napp.use(cors());\n", 'cors-wildcard-origin');
      assertNoFix("const cors = require('cors');\napp.use(cors({ origin: ['https://app.example.com', '*'] }));\n", 'cors-wildcard-origin');
    });

    it('session-no-destroy-on-logout: cookie-session, several responses', () => {
      assertNoFix("const session = require('cookie-session');\nrouter.post('/logout', (req, res) => { req.session.views = 0; res.redirect('/'); });\n", 'session-no-destroy-on-logout');
      assertNoFix(
        "router.post('/logout', (req, res) => {\n  if (!req.session.userId) return res.sendStatus(204);\n  res.redirect('/');\n});\n",
        'session-no-destroy-on-logout', 'src/app.js', { 'express-session': '^1.18.0' },
      );
    });
  });

  describe('env-not-gitignored', () => {
    const rule = RULE_BY_ID.get('env-not-gitignored') as ProjectRule;
    const missingEnv = RULE_BY_ID.get('gitignore-missing-env') as ProjectRule;

    /** A project in memory whose file list is what the walk would see under its .gitignore. */
    function project(files: Record<string, string>, dependencies: Record<string, string> = {}): ProjectContext {
      const gitignore = files['.gitignore'];
      const ig = gitignore === undefined ? undefined : ignoreMatcher(gitignore, false);
      const visible = Object.keys(files).filter((f) => !ig || !ignores(ig, f));
      return {
        dependencies, rateLimiters: [], root: '/virtual', files: visible,
        isGitIgnored: (rel) => !!ig && ignores(ig, rel),
        readText: (rel) => files[rel],
      };
    }

    const findings = (p: ProjectContext): Finding[] => rule.check(p).findings.map((f) => projectFinding(rule, f, rule.severity));

    it('fixes .gitignore so that the exposed .env files are ignored, idempotently', () => {
      const files = { '.gitignore': 'node_modules/\ndist/\n', '.env': 'DB_PASSWORD=x\n', 'api/.env.local': 'K=v\n', 'package.json': '{}' };
      const before = findings(project(files));
      // One finding for the one gap, on the file the fix edits, naming what it exposes.
      assert.deepEqual(before.map((f) => `${f.file}:${f.line}`), ['.gitignore:1']);
      assert.match(before[0].message, /\.env, api\/\.env\.local/);
      const withFix = before.filter((f) => f.fixes.length > 0);
      assert.deepEqual(withFix.map((f) => f.file), ['.gitignore']);
      assert.ok(withFix[0].end > withFix[0].start);
      const fixed = applyFixes(files['.gitignore'], [withFix[0].fixes[0]]).text;
      assert.equal(fixed, 'node_modules/\ndist/\n.env\n.env.*\n!.env.example\n');
      assert.deepEqual(findings(project({ ...files, '.gitignore': fixed })), []);
    });

    it('adds the same lines as gitignore-missing-env', () => {
      const gitignore = 'node_modules\r\n.env.local';
      const withEnv = findings(project({ '.gitignore': gitignore, '.env': 'A=1' })).find((f) => f.fixes.length > 0)!;
      const other = missingEnv.check(project({ '.gitignore': gitignore, 'package.json': '{}' }, { dotenv: '^16.0.0' }));
      const otherFix = other.findings[0].fixes![0];
      assert.deepEqual(withEnv.fixes[0].edits, otherFix.edits);
      assert.equal(applyFixes(gitignore, withEnv.fixes).text, 'node_modules\r\n.env.local\r\n.env\r\n.env.*\r\n!.env.example\r\n');
    });

    it('offers no fix without a .gitignore, and nothing when .env is ignored', () => {
      const none = findings(project({ '.env': 'A=1' }));
      assert.deepEqual(none.map((f) => `${f.file}:${f.fixes.length}`), ['.env:0']);
      assert.deepEqual(findings(project({ '.gitignore': '.env*\n!.env.example\n', '.env': 'A=1', '.env.example': 'A=' })), []);
    });
  });
});
