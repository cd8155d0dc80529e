import {
  isAsExpression, isAwaitExpression, isBinaryExpression, isIdentifier, isNewExpression,
  isNoSubstitutionTemplateLiteral, isParenthesizedExpression, isPropertyAccessExpression,
  isPropertyAssignment, isStringLiteral, isVariableDeclaration, SyntaxKind, ts,
} from '../ts';
import { textHas, textHasAnyCase } from '../lib/text-hints';
import { calleeName, calleeObject, dottedName, propertyName, stringValue } from '../ast';
import { skipWrappers } from '../modules';
import { assignmentsTo, lookup } from '../scopes';
import type { RuleContext, SourceRule } from '../types';
import { isPlaceholder, isSecretName, keyFormatIn, looksLikeRealSecret, storedName } from './hardcoded-secret';
import { isTestOrSampleFile } from '../lib/test-files';
import { enclosingFunctionName, nameWords, resolveObject } from './jwt-verify-algorithms';

/** Values from tutorials, README examples and jwt.io that attackers try first. */
const KNOWN_WEAK: ReadonlySet<string> = new Set([
  'secret', 'secretkey', 'secret-key', 'secret_key', 'mysecret', 'my-secret', 'mysecretkey', 'jwt', 'jwtsecret', 'jwt-secret', 'jwt_secret',
  'changeme', 'change-me', 'your-256-bit-secret', 'your_jwt_secret', 'your-secret-key', 'shhhhh', 'shhhhhh', 'keyboard cat', 'supersecret',
  'super-secret', 'password', '123456', 'test', 'dev', 'development', 'default', 'key', 'private', 'privatekey', 'token', 'tokensecret',
]);
/** HS256 keys should carry at least 256 bits: 32 random characters is the floor for a typed-in string. */
const MIN_LENGTH = 32;

interface KeyLiteral {
  literal: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral;
  /** `x || 'lit'`: used only when the configured value is missing. */
  fallback: boolean;
  /** Reaches the call directly or through a `const` holding it (hardcoded-secret's own path). */
  direct: boolean;
}

/**
 * HMAC secrets too weak to resist offline guessing: a JWT signed with
 * 'secret' or a short string is cracked from one captured token (hashcat
 * mode 16500), and then every token can be forged.
 *
 *   jwt.sign(payload, process.env.JWT_SECRET || 'dev');             // short fallback
 *   const config = { jwtSecret: 'changeme' }; jwt.verify(t, config.jwtSecret);
 *   new TextEncoder().encode('secret')                               // jose HS256 key
 *
 * Literal keys that hardcoded-secret already reports (a literal passed to
 * jwt.sign/verify, long fallbacks of secret env vars) are left to it. Also
 * reports one env secret signing both access and refresh tokens.
 */
export const rule: SourceRule = {
  id: 'jwt-weak-secret',
  row: 'auth-jwt',
  severity: 'error',
  description: 'Detects weak or guessable JWT HMAC secrets and one secret shared by access and refresh tokens.',
  message: 'Weak JWT secret: use at least 32 random bytes from the environment (validated at startup), with no literal fallback.',
  fixable: false,
  docs: {
    why:
      'An HS256 token is only as strong as its secret: anyone holding one token can test guesses offline at billions per second, and ' +
      "short or well-known secrets ('secret', 'changeme', 'your-256-bit-secret') fall in seconds. With the secret, an attacker mints " +
      'tokens for any user or role. Sharing one secret between access and refresh tokens lets one kind be replayed as the other.',
    bad:
      "const token = jwt.sign(payload, process.env.JWT_SECRET || 'dev');\n" +
      "const refresh = jwt.sign({ sub: user.id }, process.env.JWT_SECRET, { expiresIn: '7d' });",
    good:
      'const env = z.object({ JWT_ACCESS_SECRET: z.string().min(32), JWT_REFRESH_SECRET: z.string().min(32) }).parse(process.env);\n' +
      "const token = jwt.sign(payload, env.JWT_ACCESS_SECRET, { expiresIn: '15m' });\n" +
      "const refresh = jwt.sign({ sub: user.id }, env.JWT_REFRESH_SECRET, { expiresIn: '7d' });",
    fix:
      "Generate the secret with `openssl rand -base64 48` (or `crypto.randomBytes(32)`), load it from the environment through a schema " +
      'that requires at least 32 characters, drop literal fallbacks, and use a separate secret (or a `typ` claim checked on verify) for refresh tokens.',
    cwe: ['CWE-521', 'CWE-326', 'CWE-798'],
    owasp: ['A02:2021', 'A07:2021'],
  },
  create(ctx) {
    if (isTestOrSampleFile(ctx.file)) return {};
    const usesJsonwebtoken = textHas(ctx.text, 'jsonwebtoken');
    const usesJose = textHas(ctx.text, 'jose');
    // Without either library only the env fallback visitor below can report, and it needs the name `env`:
    // that O(1) test goes before the regex over the text.
    const mentionsEnv = ctx.mentions('env');
    if (!usesJsonwebtoken && !usesJose && !(mentionsEnv && textHasAnyCase(ctx.text, 'jwt'))) return {};
    const reported = new Set<ts.Node>();
    // refresh / typed are judged in onEnd, only for the sign calls the pairing needs (isRefreshSign, isTyped).
    const signs: { call: ts.CallExpression; key: string; refresh?: boolean; typed?: boolean }[] = [];
    const refreshOf = (s: (typeof signs)[number]): boolean => (s.refresh ??= isRefreshSign(s.call));
    const typedOf = (s: (typeof signs)[number]): boolean => (s.typed ??= isTyped(s.call));

    const judge = (k: KeyLiteral, what: string): void => {
      const lit = k.literal;
      const text = lit.text;
      if (reported.has(lit) || text.length === 0 || !isWeak(text) || coveredByHardcodedSecret(k)) return;
      reported.add(lit);
      const why = KNOWN_WEAK.has(text.toLowerCase()) || isPlaceholder(text) ? 'a well-known placeholder value' : `only ${text.length} characters`;
      ctx.report(lit, {
        message: k.fallback
          ? `Weak fallback ${what} secret (${why}): when the variable is unset, tokens are signed with a guessable value; require a 32+ byte secret at startup instead.`
          : `Weak ${what} secret (${why}): one captured token lets an attacker brute-force it and forge any token; use 32+ random bytes from the environment.`,
      });
    };

    // The call visitor acts only for jose's encode or jsonwebtoken's sign/verify.
    const onCall = (node: ts.CallExpression): void => {
        const name = calleeName(node);
        const args = node.arguments;
        if (name === undefined || args.length === 0) return;
        // jose: new TextEncoder().encode(secret)
        if (name === 'encode' && usesJose) {
          const recv = calleeObject(node);
          if (recv && isNewExpression(skipWrappers(recv)) && calleeName(skipWrappers(recv) as ts.NewExpression) === 'TextEncoder' && ctx.modules.imports('jose')) {
            for (const k of keyLiterals(args[0], false)) judge(k, 'JWT (jose HS256)');
          }
          return;
        }
        if (!usesJsonwebtoken || args.length < 2) return;
        // A renamed import keeps the word: `const { sign: signToken } = require('jsonwebtoken')`.
        if (name !== 'sign' && name !== 'verify' && !(isIdentifier(node.expression) && /sign|verify/i.test(name))) return;
        const o = ctx.modules.callee(node);
        if (!o || o.module !== 'jsonwebtoken' || o.path.length !== 1 || (o.path[0] !== 'sign' && o.path[0] !== 'verify')) return;
        for (const k of keyLiterals(args[1], true)) judge(k, 'JWT');
        if (o.path[0] === 'sign') {
          const key = dottedName(args[1]);
          if (key) signs.push({ call: node, key });
        }
    };
    // A JWT secret fallback outside any call: `jwtSecret: process.env.JWT_SECRET || 'dev'`.
    // envVarName needs `process.env.X` / `import.meta.env.X`: the name `env` (also as `['env']`).
    const onFallback = (node: ts.BinaryExpression): void => {
      const op = node.operatorToken.kind;
      if (op !== SyntaxKind.BarBarToken && op !== SyntaxKind.QuestionQuestionToken) return;
      const right = skipWrappers(node.right);
      if (!isStringLiteral(right) && !isNoSubstitutionTemplateLiteral(right)) return;
      const env = envVarName(node.left);
      if (env === undefined) return;
      let outer: ts.Node = node;
      while (isParenthesizedExpression(outer.parent) || isAsExpression(outer.parent)) outer = outer.parent;
      if (!isJwtSecretName(env) && !isJwtSecretName(storedName(outer))) return;
      judge({ literal: right, fallback: true, direct: false }, 'JWT');
    };
    const onEnd = (): void => {
      const refresh = signs.find((s) => refreshOf(s) && !typedOf(s));
      if (!refresh) return;
      const access = signs.find((s) => s.key === refresh.key && !refreshOf(s) && !typedOf(s));
      if (!access) return;
      ctx.report(refresh.call.arguments[1], {
        message: `${refresh.key} signs both access and refresh tokens: a refresh token is accepted wherever an access token is; use a separate secret for refresh tokens (or a typ claim checked on verify).`,
        related: [{ node: access.call, message: 'the access token signed with the same secret' }],
      });
    };
    return {
      CallExpression: usesJsonwebtoken || usesJose ? onCall : undefined,
      BinaryExpression: mentionsEnv ? onFallback : undefined,
      onEnd,
    };
  },
};

function isWeak(text: string): boolean {
  return text.length < MIN_LENGTH || KNOWN_WEAK.has(text.toLowerCase()) || isPlaceholder(text);
}

/** Names like JWT_SECRET, jwtKey, ACCESS_TOKEN_SECRET, refreshTokenSecret. */
function isJwtSecretName(name: string | undefined): boolean {
  if (!name) return false;
  const w = nameWords(name);
  const last = w[w.length - 1];
  if (last !== 'secret' && last !== 'key') return false;
  return w.includes('jwt') || (w.includes('token') && last === 'secret');
}

/** `process.env.X`, `process.env['X']`: the variable's name. */
function envVarName(expr: ts.Node): string | undefined {
  const d = dottedName(skipWrappers(expr));
  const m = d ? /^(?:process\.env|import\.meta\.env)\.(.+)$/.exec(d) : null;
  return m ? m[1] : undefined;
}

/**
 * The string literals a key expression may evaluate to, within this file:
 * the literal, `x || 'lit'`, a variable holding either, `config.jwtSecret`
 * with `const config = { jwtSecret: … }`.
 */
function keyLiterals(expr: ts.Node | undefined, jwtCall: boolean, depth = 0, viaConst = true): KeyLiteral[] {
  if (!expr || depth > 5) return [];
  const e = skipWrappers(expr);
  if (isStringLiteral(e) || isNoSubstitutionTemplateLiteral(e)) return [{ literal: e, fallback: false, direct: jwtCall && viaConst && depth <= 1 }];
  if (isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op !== SyntaxKind.BarBarToken && op !== SyntaxKind.QuestionQuestionToken) return [];
    const right = skipWrappers(e.right);
    if (isStringLiteral(right) || isNoSubstitutionTemplateLiteral(right)) return [{ literal: right, fallback: true, direct: false }];
    return keyLiterals(e.right, jwtCall, depth + 1, false);
  }
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable' || !b.init || b.path.length > 0 || assignmentsTo(b).length > 0) return [];
    const list = b.declaration.parent;
    const isConst = ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0;
    return keyLiterals(b.init, jwtCall, depth + 1, viaConst && isConst);
  }
  if (isPropertyAccessExpression(e)) {
    const obj = resolveObject(e.expression);
    const v = obj?.props.get(e.name.text);
    return v ? keyLiterals(v, jwtCall, depth + 2, false) : [];
  }
  return [];
}

/**
 * Whether hardcoded-secret already reports this literal: a literal (or a
 * const holding one) given straight to jwt.sign/verify; a fallback of 8+
 * characters for a secret-named env var; a real-looking value under a
 * secret name; a provider key format.
 */
function coveredByHardcodedSecret(k: KeyLiteral): boolean {
  const lit = k.literal;
  const text = lit.text;
  if (k.direct) return true;
  if (keyFormatIn(text)) return true;
  if (text.length < 8) return false;
  const p = lit.parent;
  if (isBinaryExpression(p) && p.right === lit) {
    const env = envVarName(p.left);
    if (env === undefined) return false;
    let outer: ts.Node = p;
    while (isParenthesizedExpression(outer.parent) || isAsExpression(outer.parent)) outer = outer.parent;
    return isSecretName(env) || isSecretName(storedName(outer));
  }
  const name = storedName(lit);
  return isSecretName(name) && looksLikeRealSecret(text);
}

/** A sign call whose surroundings say "refresh": the function, the variable or property it is stored in. */
function isRefreshSign(call: ts.CallExpression): boolean {
  const names: string[] = [];
  const fn = enclosingFunctionName(call);
  if (fn) names.push(fn);
  let p: ts.Node = call.parent;
  while (isAwaitExpression(p) || isParenthesizedExpression(p) || isAsExpression(p)) p = p.parent;
  if (isVariableDeclaration(p) && isIdentifier(p.name)) names.push(p.name.text);
  if (isPropertyAssignment(p)) names.push(propertyName(p.name) ?? '');
  return names.some((n) => nameWords(n).includes('refresh'));
}

/** The payload or options tell token kinds apart: a `typ`/`type` claim, an audience or a subject-specific header. */
function isTyped(call: ts.CallExpression): boolean {
  const payload = resolveObject(call.arguments[0]);
  if (payload && ['typ', 'type', 'tokenType', 'token_type', 'kind', 'tokenUse', 'token_use'].some((k) => payload.props.has(k))) return true;
  const opts = resolveObject(call.arguments[2]);
  if (opts && (opts.props.has('audience') || opts.props.has('header'))) return true;
  return !!payload && [...payload.props.values()].some((v) => /refresh|access/i.test(stringValue(v) ?? ''));
}
