import {
  isArrayLiteralExpression, isAsExpression, isBinaryExpression, isCallExpression,
  isElementAccessExpression, isIdentifier, isNoSubstitutionTemplateLiteral, isNumericLiteral,
  isObjectLiteralExpression, isParenthesizedExpression, isPropertyAccessExpression,
  isPropertyAssignment, isShorthandPropertyAssignment, isStringLiteral, isStringLiteralLike,
  isVariableDeclaration, SyntaxKind, ts,
} from '../ts';
import { textHas } from '../lib/text-hints';
import { memoWords } from '../lib/words';
import { dottedName, getProperty, propertyName, stringValue } from '../ast';
import { skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { Fix, SourceRule } from '../types';
import { isTestOrSampleFile } from '../lib/test-files';

/**
 * Secrets written into source: well-known credential formats in any string
 * (AWS, Stripe live, GitHub, Slack, Google, SendGrid, Twilio, npm, PEM private
 * keys), string values given to names that say "secret" (`JWT_SECRET = '…'`,
 * `{ apiKey: '…' }`), literal signing keys (`jwt.sign(p, 'k')`,
 * `session({ secret: 'keyboard cat' })`) and literal fallbacks of secret env
 * vars (`process.env.JWT_SECRET || 'dev'`). Also emits `env-validated` where
 * the environment is parsed by a schema at startup.
 */

// ---------------------------------------------------------------------------
// Names (shared with the other rules of the area)

/**
 * `jwtSecret` → ['jwt', 'secret']; `API_KEY` → ['api', 'key']; `generateOTP` → ['generate', 'otp'].
 * A dozen rules ask for the words of the same names (`token`, `secret`, `req`), over every file:
 * the answers are kept (see memoWords), so the result is shared and read-only.
 */
export function nameWords(name: string): readonly string[] {
  return memoWords(splitWords, name, splitName);
}

const splitWords = new Map<string, readonly string[]>();

function splitName(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** The name a value is given: variable, property, assignment target, parameter or class field. */
export function nameOfTarget(node: ts.Node): string | undefined {
  if (isIdentifier(node) || ts.isPrivateIdentifier(node)) return node.text;
  if (isStringLiteral(node) || isNumericLiteral(node) || isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (isPropertyAccessExpression(node)) return node.name.text;
  if (isElementAccessExpression(node)) return stringValue(node.argumentExpression);
  return undefined;
}

/**
 * The name a value expression is stored under, when its parent gives it one:
 * `const x = v`, `{ x: v }`, `a.x = v`, `x = 'v'` as a parameter default or
 * class field. Returns the naming node too.
 */
export function storedName(value: ts.Node): string | undefined {
  const p = value.parent;
  if (!p) return undefined;
  if (isVariableDeclaration(p) && p.initializer === value) return isIdentifier(p.name) ? p.name.text : undefined;
  if (isPropertyAssignment(p) && p.initializer === value) return propertyName(p.name);
  if (ts.isPropertyDeclaration(p) && p.initializer === value) return propertyName(p.name);
  if (ts.isParameter(p) && p.initializer === value) return isIdentifier(p.name) ? p.name.text : undefined;
  if (ts.isBindingElement(p) && p.initializer === value) return isIdentifier(p.name) ? p.name.text : undefined;
  if (
    isBinaryExpression(p) && p.right === value &&
    (p.operatorToken.kind === SyntaxKind.EqualsToken || p.operatorToken.kind === SyntaxKind.QuestionQuestionEqualsToken || p.operatorToken.kind === SyntaxKind.BarBarEqualsToken)
  ) {
    return nameOfTarget(skipWrappers(p.left));
  }
  return undefined;
}

const SECRET_LAST: ReadonlySet<string> = new Set([
  'secret', 'password', 'passwd', 'pwd', 'passphrase', 'apikey', 'privatekey', 'secretkey', 'clientsecret', 'accesstoken', 'authtoken',
]);
const KEY_QUALIFIERS: ReadonlySet<string> = new Set([
  'api', 'private', 'secret', 'access', 'signing', 'encryption', 'master', 'client', 'app', 'hmac', 'jwt', 'session', 'cookie',
  'webhook', 'stripe', 'openai', 'sendgrid', 'mailgun', 'twilio', 'aws', 'license', 'subscription', 'admin', 'service', 'auth',
]);
const TOKEN_QUALIFIERS: ReadonlySet<string> = new Set([
  'access', 'auth', 'api', 'bearer', 'bot', 'refresh', 'github', 'gh', 'gitlab', 'slack', 'npm', 'personal', 'service', 'admin',
  'app', 'discord', 'telegram', 'sentry', 'vercel', 'heroku', 'oauth', 'id', 'session',
]);
const PASS_QUALIFIERS: ReadonlySet<string> = new Set([
  'db', 'database', 'smtp', 'mail', 'email', 'admin', 'root', 'user', 'redis', 'mongo', 'mysql', 'postgres', 'pg', 'ftp', 'proxy', 'auth', 'basic',
]);

/** Cheap pre-check before splitting a name into words. */
const SECRETISH = /secret|pass|pwd|key|token/i;
/** Every name with the word `aws` spells it (nameWords only splits and lower-cases ASCII). */
const AWS_HINT = /aws/i;

/** A first word that makes the name describe a secret (its prefix, header, field or variable name), not hold one. */
const ABOUT_A_SECRET: ReadonlySet<string> = new Set(['prefix', 'suffix', 'header', 'param', 'field', 'env', 'placeholder']);

/** True when the name says its value is a secret; the last word (or the whole name) decides. */
export function isSecretName(name: string | undefined): boolean {
  if (!name || !SECRETISH.test(name)) return false;
  const w = nameWords(name);
  const n = w.length;
  if (n === 0) return false;
  const last = w[n - 1];
  const prev = w[n - 2];
  // PREFIX_LEGACY_API_KEY = 'n8n_api_', HEADER_API_KEY = 'x-api-key', ENV_SECRET = 'JWT_SECRET': about a secret, not one.
  if (n > 1 && ABOUT_A_SECRET.has(w[0])) return false;
  if (SECRET_LAST.has(last)) return true;
  if (last === 'key') return prev !== undefined && KEY_QUALIFIERS.has(prev);
  if (last === 'token') return n === 1 || TOKEN_QUALIFIERS.has(prev);
  if (last === 'pass') return n === 1 || PASS_QUALIFIERS.has(prev);
  return false;
}

// ---------------------------------------------------------------------------
// Values

interface KeyFormat {
  label: string;
  re: RegExp;
}

/** Provider formats: specific prefixes and lengths, so a match is rarely anything else. */
const KEY_FORMATS: readonly KeyFormat[] = [
  { label: 'AWS access key id', re: /(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/ },
  { label: 'Stripe live secret key', re: /(?<![A-Za-z0-9])[sr]k_live_[A-Za-z0-9]{20,}/ },
  { label: 'GitHub token', re: /(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/ },
  { label: 'Slack token', re: /(?<![A-Za-z0-9])xox[bpar]-\d{6,}-[A-Za-z0-9-]{10,}/ },
  { label: 'Slack webhook URL', re: /hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{20,}/ },
  { label: 'Google API key', re: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/ },
  { label: 'SendGrid API key', re: /(?<![A-Za-z0-9])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/ },
  { label: 'Twilio API key', re: /(?<![A-Za-z0-9])SK[0-9a-f]{32}(?![A-Za-z0-9])/ },
  { label: 'npm token', re: /(?<![A-Za-z0-9])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/ },
];
/** A cheap pre-check before the format regexes: one of the prefixes occurs. */
const FORMAT_HINT = /AKIA|ASIA|k_live_|gh[pousr]_|github_pat_|xox[bpar]-|hooks\.slack\.com|AIza|SG\.|SK[0-9a-f]|npm_|PRIVATE KEY/;
const PRIVATE_KEY_HEADER = /-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----/;
const PRIVATE_KEY_WITH_BODY = /-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----[\s\\n]*[A-Za-z0-9+/=]{40,}/;

/** The provider format a string contains, if any. */
export function keyFormatIn(text: string): string | undefined {
  return keyFormatMatch(text)?.label;
}

/** The provider format a string contains and the matched key (absent for private keys). */
function keyFormatMatch(text: string): { label: string; key?: string } | undefined {
  if (text.length < 20 || !FORMAT_HINT.test(text)) return undefined;
  if (PRIVATE_KEY_WITH_BODY.test(text)) return { label: 'private key' };
  for (const f of KEY_FORMATS) {
    const m = f.re.exec(text);
    if (m && !isPlaceholderToken(m[0])) return { label: f.label, key: m[0] };
  }
  return undefined;
}

/** `AKIAIOSFODNN7EXAMPLE`, `sk_live_xxxxxxxxxxxxxxxxxxxxxxxx`: documentation values. */
function isPlaceholderToken(token: string): boolean {
  if (/example|sample|dummy|placeholder|your_?key/i.test(token)) return true;
  if (/(x{6,}|X{6,}|0{8,}|\*{4,}|1234567890)/.test(token)) return true;
  return new Set(token).size < 10;
}

const PLACEHOLDER_EXACT: ReadonlySet<string> = new Set([
  'changeme', 'change-me', 'change_me', 'secret', 'password', 'passw0rd', 'todo', 'example', 'dummy', 'test', 'sample', 'placeholder',
  'redacted', 'undefined', 'null', 'none', 'empty', 'default', 'notasecret', 'not-a-secret',
]);
const PLACEHOLDER_PART = /changeme|change[-_ ]me|replace[-_ ]?(me|this|with)|your[-_ ]?(own[-_ ]?)?(secret|key|password|token|api)|placeholder|example|dummy|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|\.\$\d+$|^@[a-z]+$|%[sd]|x{4,}|X{4,}|\*{3,}|\.{3}|^todo|^fake|^mock|^test[-_]|insert[-_ ]/i;

export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length === 0) return true;
  if (PLACEHOLDER_EXACT.has(v.toLowerCase())) return true;
  if (PLACEHOLDER_PART.test(v)) return true;
  return new Set(v).size <= 2;
}

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * Whether a string given to a secret name looks like a real value rather than
 * a label, a key name, a path, a header, a message or a placeholder.
 */
export function looksLikeRealSecret(value: string): boolean {
  if (value.length < 8 || value.length > 500) return false;
  if (/\s/.test(value)) return false; // messages and labels: "Password is required"
  if (isPlaceholder(value)) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return false; // URLs
  if (/^(\.{0,2}\/|~\/|[A-Za-z]:\\)/.test(value) || /\.(pem|key|crt|json|txt|env|p12|pfx)$/i.test(value)) return false; // paths
  if (/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(value)) return false; // e-mail addresses
  if (/^\$2[aby]?\$\d\d\$|^\$argon2|^\$scrypt/.test(value)) return false; // stored hashes, not secrets
  if (/^(pk|sk|rk)_test_|^pk_live_/.test(value)) return false; // test and publishable Stripe keys
  if (/^\^|\(\?[=!]|\$$/.test(value)) return false; // regular expressions
  if (/^[a-z_]+(:[^|]*)?(\|[a-z_]+(:[^|]*)?)+$/.test(value)) return false; // validation rules 'required|min:8'
  if (/\[[\w-]+(?:[~|^$*]?=[^\]]*)?\]/.test(value)) return false; // CSS selectors '[type=password]'
  // Words: camelCase, CapWords, snake/kebab/dotted/colon-separated words, ALL_CAPS names, header names.
  if (/^[A-Za-z][a-z]*(?:[A-Z][a-z]*)*$/.test(value)) return false;
  if (/^[A-Za-z]+(?:[-_.:][A-Za-z]+)*$/.test(value)) return false;
  if (/^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$/i.test(value) && !/\d{3,}/.test(value)) return false;
  // Versioned names: 'auth_token_v2', 'session.key.2024'? (short numeric parts only)
  if (/[-_.:]/.test(value) && value.split(/[-_.:]/).every((seg) => /^[A-Za-z]+\d{0,2}$|^[vV]?\d{1,2}$/.test(seg))) return false;
  const hasDigit = /\d/.test(value);
  const hasLetter = /[A-Za-z]/.test(value);
  const hasSymbol = /[^A-Za-z0-9\-_.]/.test(value);
  if (!hasLetter) return /^\d+$/.test(value) ? false : hasSymbol && hasDigit;
  if (hasDigit || hasSymbol) return true;
  return value.length >= 16 && entropy(value) >= 3.5;
}

/** `process.env.X`, `process.env['X']`, `import.meta.env.X`: the env var name. */
function envVarName(expr: ts.Node): string | undefined {
  expr = skipWrappers(expr);
  const dotted = dottedName(expr);
  if (!dotted) return undefined;
  const m = /^(?:process\.env|import\.meta\.env|Deno\.env)\.(.+)$/.exec(dotted);
  return m ? m[1] : undefined;
}

const NAMING_PARENTS: ReadonlySet<ts.SyntaxKind> = new Set([
  SyntaxKind.VariableDeclaration, SyntaxKind.PropertyAssignment, SyntaxKind.PropertyDeclaration, SyntaxKind.Parameter,
  SyntaxKind.BindingElement, SyntaxKind.BinaryExpression,
]);

/** `{ apiKey: 'AIza…', authDomain: '….firebaseapp.com', projectId }`: a Firebase web config, public by design. */
function isFirebaseWebConfig(literal: ts.Node): boolean {
  const p = literal.parent;
  if (!isPropertyAssignment(p) || propertyName(p.name) !== 'apiKey' || !isObjectLiteralExpression(p.parent)) return false;
  return !!getProperty(p.parent, 'authDomain') || (!!getProperty(p.parent, 'projectId') && !!getProperty(p.parent, 'appId'));
}


// ---------------------------------------------------------------------------
// Fix: read the value from the environment

/** Config templates (`config.example.js`, `settings.sample.ts`, `templates/…`) show where a secret goes: no rewrite there. */
export function isConfigTemplate(file: string): boolean {
  const f = file.replace(/\\/g, '/').toLowerCase();
  return /\.(example|sample|template|tmpl|dist)\.[cm]?[jt]sx?$/.test(f) || /(^|\/)templates?\//.test(f);
}

/** Names too generic to become an env var on their own: `secret`, `key`, `password`. */
const GENERIC_NAMES: ReadonlySet<string> = new Set(['secret', 'key', 'keys', 'password', 'pass', 'pwd', 'passwd', 'token', 'value', 'secretorkey', 'privatekey', 'secretorprivatekey']);

/** `stripeSecretKey` → `STRIPE_SECRET_KEY`, `JWT_SECRET` → `JWT_SECRET`; undefined for generic or odd names. */
export function envNameOf(name: string | undefined): string | undefined {
  if (!name || GENERIC_NAMES.has(name.toLowerCase())) return undefined;
  const words = nameWords(name);
  if (words.length === 0) return undefined;
  const env = words.join('_').toUpperCase();
  return /^[A-Z_][A-Z0-9_]*$/.test(env) ? env : undefined;
}

/**
 * The env var a signing key literal should come from: its own name
 * (`const jwtSecret = '…'` → JWT_SECRET), else the library's usual one
 * (`session({ secret: '…' })` → SESSION_SECRET). Array items and fallbacks get none.
 */
function signingKeyEnvName(lit: ts.Node, what: string): string | undefined {
  const p = lit.parent;
  const own = envNameOf(storedName(lit));
  if (own) return own;
  const direct = isCallExpression(p) || (isPropertyAssignment(p) && p.initializer === lit) || (isVariableDeclaration(p) && p.initializer === lit);
  return direct ? `${what.toUpperCase()}_SECRET` : undefined;
}

function fromEnvFix(sf: ts.SourceFile, literal: ts.Node, envName: string): Fix {
  return {
    title: `Read the secret from process.env.${envName}`,
    edits: [{ start: literal.getStart(sf), end: literal.end, newText: `process.env.${envName}` }],
  };
}

// ---------------------------------------------------------------------------
// Signing keys given to libraries

/** Modules whose first-argument options object takes a signing `secret` (or `keys` / `secretOrKey`). */
const SECRET_OPTION_MODULES: ReadonlySet<string> = new Set([
  'express-session', 'cookie-session', 'express-jwt', 'koa-session', 'passport-jwt', 'iron-session', 'next-auth', '@fastify/jwt',
  '@fastify/session', '@fastify/secure-session', '@fastify/cookie', 'fastify-jwt', 'fastify-session', 'koa-jwt', '@nestjs/jwt',
]);
const SECRET_MODULES_HINT = /express-session|cookie-session|express-jwt|koa-session|koa-jwt|passport-jwt|iron-session|next-auth|@fastify\/|fastify-jwt|fastify-session|@nestjs\/jwt/;
/** SECRET_MODULES_HINT, after substring checks every match needs (each is cheaper than the regex). */
function mayNameSecretModule(text: string): boolean {
  return (textHas(text, 'session') || textHas(text, 'jwt') || textHas(text, 'next-auth') || textHas(text, '@fastify/')) && SECRET_MODULES_HINT.test(text);
}
const SECRET_OPTION_KEYS: readonly string[] = ['secret', 'secretOrKey', 'keys', 'secretOrPrivateKey', 'privateKey', 'password'];
const SIGNING_METHODS: ReadonlySet<string> = new Set(['sign', 'verify']);
const SECRET_OPTION_KEY_SET: ReadonlySet<string> = new Set(SECRET_OPTION_KEYS);

/** `SECRET_OPTION_KEYS.some((k) => getProperty(obj, k))` in one pass. */
function hasSecretOptionKey(obj: ts.ObjectLiteralExpression): boolean {
  for (const p of obj.properties) {
    if (p.kind !== SyntaxKind.PropertyAssignment && p.kind !== SyntaxKind.ShorthandPropertyAssignment && p.kind !== SyntaxKind.MethodDeclaration) continue;
    const name = propertyName(p.name);
    if (name !== undefined && SECRET_OPTION_KEY_SET.has(name)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Env validation evidence

const ENV_VALIDATORS: ReadonlySet<string> = new Set(['parse', 'safeParse', 'parseAsync', 'safeParseAsync', 'cleanEnv', 'validate', 'assert', 'attempt', 'createEnv', 'validateSync']);

export const rule: SourceRule = {
  id: 'hardcoded-secret',
  row: 'secrets',
  severity: 'error',
  description: 'Detects API keys, passwords, private keys and signing secrets written into source code.',
  message: 'Hard-coded secret: load it from the environment (validated at startup) or a secret manager, and rotate the exposed value.',
  fixable: true,
  docs: {
    why:
      'A secret in source code is in every clone, fork, CI log and backup of the repository, and stays in git history after it is deleted. ' +
      'Anyone who reads it can call the provider as you, or forge the tokens and session cookies it signs.',
    bad:
      "const stripe = new Stripe('sk_live_51H…');\n" +
      "app.use(session({ secret: 'keyboard cat' }));\n" +
      "const token = jwt.sign(payload, process.env.JWT_SECRET || 'dev-secret');",
    good:
      "const env = z.object({ STRIPE_KEY: z.string(), SESSION_SECRET: z.string().min(32), JWT_SECRET: z.string().min(32) }).parse(process.env);\n" +
      'const stripe = new Stripe(env.STRIPE_KEY);\n' +
      'app.use(session({ secret: env.SESSION_SECRET }));\n' +
      'const token = jwt.sign(payload, env.JWT_SECRET);',
    fix:
      'Move the value to an environment variable or secret manager, read it through a schema that fails at startup when it is missing ' +
      '(no literal fallback), and rotate the exposed secret: it is already in git history.',
    cwe: ['CWE-798', 'CWE-321', 'CWE-259'],
    owasp: ['A07:2021', 'A02:2021'],
  },
  create(ctx) {
    const testFile = isTestOrSampleFile(ctx.file);
    // Once per file, when first needed: which signing-key libraries can appear at all.
    let jwtHint: boolean | undefined;
    let cookieParserHint: boolean | undefined;
    let secretOptionsHint: boolean | undefined;
    const mayUseJwt = (): boolean => (jwtHint ??= textHas(ctx.text, 'jsonwebtoken'));
    const mayUseCookieParser = (): boolean => (cookieParserHint ??= textHas(ctx.text, 'cookie-parser'));
    const mayUseSecretOptions = (): boolean => (secretOptionsHint ??= mayNameSecretModule(ctx.text));
    const reported = new Set<number>();
    let templateFile: boolean | undefined;
    const report = (node: ts.Node, message: string, envName?: string): void => {
      const start = node.getStart(ctx.sourceFile);
      if (reported.has(start)) return;
      reported.add(start);
      templateFile ??= isConfigTemplate(ctx.file);
      ctx.report(node, { message, fixes: envName && !templateFile ? [fromEnvFix(ctx.sourceFile, node, envName)] : [] });
    };
    // Per name, once per file: the word split is the costly part of judging a literal.
    const secretNames = new Map<string, boolean>();
    const isSecretNameHere = (name: string | undefined): boolean => {
      if (!name || !SECRETISH.test(name)) return false;
      let v = secretNames.get(name);
      if (v === undefined) {
        v = isSecretName(name);
        secretNames.set(name, v);
      }
      return v;
    };
    const awsNames = new Map<string, boolean>();
    const isAwsName = (name: string): boolean => {
      if (!AWS_HINT.test(name)) return false;
      let v = awsNames.get(name);
      if (v === undefined) {
        v = nameWords(name).includes('aws');
        awsNames.set(name, v);
      }
      return v;
    };

    const checkLiteral = (node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral): void => {
      const text = node.text;
      if (text.length < 8) return;
      const match = keyFormatMatch(text);
      if (match) {
        const format = match.label;
        if (format === 'Google API key' && isFirebaseWebConfig(node)) return;
        // Only a literal that is the key itself, stored under a name, becomes an env read.
        const whole = match.key !== undefined && match.key === text;
        report(node, `Hard-coded ${format} in source: revoke it, then load it from the environment or a secret manager.`, whole ? envNameOf(storedName(node)) : undefined);
        return;
      }
      // A PEM header split from its body by concatenation: '-----BEGIN RSA PRIVATE KEY-----\n' + 'MIIE…'.
      if (isBinaryExpression(node.parent) && text.includes('PRIVATE KEY') && PRIVATE_KEY_HEADER.test(text) && node.parent.left === node && node.parent.operatorToken.kind === SyntaxKind.PlusToken) {
        const right = stringValue(node.parent.right);
        if (right && /[A-Za-z0-9+/=]{40,}/.test(right)) {
          report(node, 'Hard-coded private key in source: revoke it, then load it from a file outside the repository or a secret manager.');
          return;
        }
      }
      const p = node.parent;
      // Only a few parents give a literal a name; call arguments, array items, cases… don't.
      if (!NAMING_PARENTS.has(p.kind)) return;
      // process.env.JWT_SECRET || 'dev-secret'
      if (
        isBinaryExpression(p) && p.right === node &&
        (p.operatorToken.kind === SyntaxKind.BarBarToken || p.operatorToken.kind === SyntaxKind.QuestionQuestionToken)
      ) {
        const envName = envVarName(p.left);
        if (envName === undefined) return;
        let outer: ts.Node = p;
        while (isParenthesizedExpression(outer.parent) || isAsExpression(outer.parent)) outer = outer.parent;
        const name = storedName(outer);
        if (!isSecretNameHere(envName) && !isSecretNameHere(name)) return;
        report(node, `Hard-coded fallback for secret ${envName}: when the variable is unset the app silently runs with this known value; fail at startup instead.`);
        return;
      }
      const name = storedName(node);
      if (!name) return;
      if (text.length === 40 && isAwsName(name) && /^[A-Za-z0-9/+]{40}$/.test(text) && /[a-z]/.test(text) && /[A-Z]/.test(text) && !isPlaceholder(text)) {
        report(node, 'Hard-coded AWS secret access key in source: revoke it, then use an IAM role or load it from the environment.', envNameOf(name));
        return;
      }
      // { Authorization: 'Bearer eyJ…' }
      if (/^authorization$/i.test(name)) {
        const m = /^(?:Bearer|Basic|Token|token)\s+(\S{16,})$/.exec(text);
        if (m && !isPlaceholder(m[1]) && entropy(m[1]) >= 3.5) report(node, 'Hard-coded credential in an Authorization header: load the token from the environment.');
        return;
      }
      if (!isSecretNameHere(name) || !looksLikeRealSecret(text)) return;
      report(node, `Hard-coded secret in "${name}": load it from the environment (validated at startup) or a secret manager, and rotate the exposed value.`, envNameOf(name));
    };

    /** A signing key argument: a literal, or a const holding one. */
    const checkSigningKey = (arg: ts.Expression | undefined, what: string): void => {
      if (!arg) return;
      const value = skipWrappers(arg);
      const literals: ts.Node[] = [];
      const fallbacks = new Set<ts.Node>();
      const collect = (v: ts.Node): void => {
        v = skipWrappers(v);
        if (isStringLiteral(v) || isNoSubstitutionTemplateLiteral(v)) {
          literals.push(v);
        } else if (
          isBinaryExpression(v) &&
          (v.operatorToken.kind === SyntaxKind.BarBarToken || v.operatorToken.kind === SyntaxKind.QuestionQuestionToken)
        ) {
          // config.sessionSecret || 'keyboard cat'
          const right = skipWrappers(v.right);
          if (isStringLiteral(right) || isNoSubstitutionTemplateLiteral(right)) {
            literals.push(right);
            fallbacks.add(right);
          }
        } else if (isArrayLiteralExpression(v)) {
          v.elements.forEach(collect);
        } else if (isIdentifier(v)) {
          const b = lookup(v.text, v);
          if (!b || b.kind !== 'variable' || b.path.length > 0 || !b.init) return;
          const list = b.declaration.parent;
          if (!ts.isVariableDeclarationList(list) || !(list.flags & ts.NodeFlags.Const)) return;
          const init = skipWrappers(b.init);
          if (isStringLiteral(init) || isNoSubstitutionTemplateLiteral(init)) literals.push(init);
          else if (isArrayLiteralExpression(init)) init.elements.forEach(collect);
        }
      };
      collect(value);
      for (const lit of literals) {
        const text = (lit as ts.StringLiteral).text;
        if (text.length === 0 || /PUBLIC KEY|CERTIFICATE/.test(text)) continue;
        if (fallbacks.has(lit)) {
          report(lit, `Hard-coded fallback ${what} signing key: when the configured secret is missing, ${what === 'JWT' ? 'tokens' : 'session cookies'} are signed with this known value; fail at startup instead.`);
          continue;
        }
        report(lit, `Hard-coded ${what} signing key: anyone who reads the code can forge ${what === 'JWT' ? 'tokens' : 'session cookies'}; load a long random secret from the environment.`, signingKeyEnvName(lit, what));
      }
    };

    const checkOptions = (arg: ts.Expression | undefined, what: string): void => {
      const obj = arg && skipWrappers(arg);
      if (!obj || !isObjectLiteralExpression(obj)) return;
      for (const key of SECRET_OPTION_KEYS) {
        const p = getProperty(obj, key);
        if (!p) continue;
        if (isPropertyAssignment(p)) checkSigningKey(p.initializer, what);
        else if (isShorthandPropertyAssignment(p)) checkSigningKey(p.name, what);
      }
    };

    const onCall = (node: ts.CallExpression | ts.NewExpression): void => {
      const args = node.arguments;
      if (!args || args.length === 0) return;
      const callee = skipWrappers(node.expression);
      const method = isPropertyAccessExpression(callee) ? callee.name.text : isIdentifier(callee) ? callee.text : undefined;
      if (method === undefined) return;

      // Env validation at startup: schema.parse(process.env), cleanEnv(process.env, …), createEnv({ runtimeEnv: process.env }).
      if (ENV_VALIDATORS.has(method)) {
        const first = skipWrappers(args[0]);
        const isEnv = dottedName(first) === 'process.env' ||
          (method === 'createEnv' && isObjectLiteralExpression(first) && first.properties.some((p) => isPropertyAssignment(p) && dottedName(p.initializer) === 'process.env'));
        if (isEnv) {
          const origin = ctx.modules.callee(node);
          const lib = origin?.module.replace(/^@t3-oss\/env-.*/, '@t3-oss/env') ?? 'a schema';
          ctx.evidence('env-validated', node, `environment validated by ${lib} at startup`);
          return;
        }
      }
      // NestJS: ConfigModule.forRoot({ validationSchema }) / ({ validate }).
      if (method === 'forRoot' && isObjectLiteralExpression(skipWrappers(args[0]))) {
        const obj = skipWrappers(args[0]) as ts.ObjectLiteralExpression;
        if ((getProperty(obj, 'validationSchema') || getProperty(obj, 'validate')) && ctx.modules.isCall(node, '@nestjs/config', 'ConfigModule', 'forRoot')) {
          ctx.evidence('env-validated', node, 'environment validated by ConfigModule at startup');
        }
        return;
      }

      if (testFile) return;

      // jwt.sign(payload, 'secret') / jwt.verify(token, 'secret')
      // (a renamed import: `const { sign: signToken } = require('jsonwebtoken')`)
      if (args.length >= 2 && (SIGNING_METHODS.has(method) || isIdentifier(callee)) && mayUseJwt()) {
        const key = skipWrappers(args[1]);
        if (isStringLiteralLike(key) || isIdentifier(key) || isArrayLiteralExpression(key)) {
          const o = ctx.modules.callee(node);
          if (o && o.module === 'jsonwebtoken' && o.path.length === 1 && SIGNING_METHODS.has(o.path[0])) {
            checkSigningKey(args[1], 'JWT');
            return;
          }
        }
        if (SIGNING_METHODS.has(method)) return;
      }
      // cookieParser('secret')
      const a0 = skipWrappers(args[0]);
      if (isIdentifier(callee) && mayUseCookieParser() && (isStringLiteralLike(a0) || isIdentifier(a0) || isArrayLiteralExpression(a0))) {
        const o = ctx.modules.callee(node);
        if (o && o.module === 'cookie-parser' && o.path.length === 0) checkSigningKey(args[0], 'cookie');
        return;
      }
      // fastify.register(require('@fastify/jwt'), { secret: 'x' })
      if (method === 'register' && args.length >= 2) {
        if (!mayUseSecretOptions()) return;
        const plugin = ctx.modules.origin(args[0]);
        if (plugin && SECRET_OPTION_MODULES.has(plugin.module)) checkOptions(args[1], /jwt/.test(plugin.module) ? 'JWT' : 'session');
        return;
      }
      // session({ secret }), expressjwt({ secret }), new JwtStrategy({ secretOrKey }), JwtModule.register({ secret })
      const first = skipWrappers(args[0]);
      if (!isObjectLiteralExpression(first)) return;
      // The file test is cached after its first answer; then one pass over the properties
      // instead of a getProperty scan per key.
      if (!mayUseSecretOptions() || !hasSecretOptionKey(first)) return;
      const o = ctx.modules.callee(node);
      if (!o || !SECRET_OPTION_MODULES.has(o.module)) return;
      checkOptions(first, /jwt/.test(o.module) ? 'JWT' : 'session');
    };

    return {
      StringLiteral(node: ts.StringLiteral) {
        if (testFile) return;
        checkLiteral(node);
      },
      NoSubstitutionTemplateLiteral(node: ts.NoSubstitutionTemplateLiteral) {
        if (testFile) return;
        checkLiteral(node);
      },
      TemplateExpression(node: ts.TemplateExpression) {
        if (testFile) return;
        const parts = [node.head, ...node.templateSpans.map((s) => s.literal)];
        for (const part of parts) {
          const format = keyFormatIn(part.text);
          if (format) {
            report(node, `Hard-coded ${format} in source: revoke it, then load it from the environment or a secret manager.`);
            return;
          }
        }
      },
      CallExpression: onCall,
      NewExpression: onCall,
    };
  },
};
