import {
  forEachChild, isAsExpression, isAwaitExpression, isCallExpression, isElementAccessExpression,
  isIdentifier, isObjectLiteralExpression, isParenthesizedExpression, isPropertyAccessExpression,
  isPropertyAssignment, isShorthandPropertyAssignment, isStringLiteralLike, SyntaxKind, ts,
} from '../ts';
import { textHasAnyCase } from '../lib/text-hints';
import { calleeName, dottedName, isHttpMethodName, propertyName } from '../ast';
import { exprWords, isTestOrSampleFile, nameWords } from '../lib/hygiene';
import { skipWrappers } from '../modules';
import type { RuleContext, SourceRule } from '../types';
import { storedName } from './hardcoded-secret';
import { handlerFunction, routeOf, type HandlerFn } from './idor-lookup';

/**
 * A refresh endpoint that verifies the refresh token and mints a new access
 * token, but hands back the same refresh token and never invalidates it:
 *
 *   router.post('/auth/refresh', (req, res) => {
 *     const { refreshToken } = req.body;
 *     const payload = jwt.verify(refreshToken, REFRESH_SECRET);
 *     res.json({ accessToken: jwt.sign({ sub: payload.sub }, ACCESS_SECRET, { expiresIn: '15m' }) });
 *   });
 *
 * Refresh handlers are routes whose path mentions `refresh`, and functions
 * named `refresh…` / `handleRefresh…`. Issuing a new refresh token, or deleting,
 * revoking or marking the stored one (`delete`, `revoke*`, `usedAt`,
 * `replacedBy`, overwriting `user.refreshToken`), counts as rotation.
 */

/** First words of handler names: refresh(), refreshToken(), handleRefresh(), postRefreshToken(). */
const HANDLER_PREFIXES: ReadonlySet<string> = new Set(['handle', 'post', 'renew', 'do', 'on', 'get', 'api']);
const SIGN_VERBS: ReadonlySet<string> = new Set(['sign', 'generate', 'gen', 'create', 'issue', 'make', 'mint', 'build', 'new']);
const TOKEN_WORDS: ReadonlySet<string> = new Set(['token', 'tokens', 'jwt', 'access', 'session']);
/** Calls that return an access + refresh pair. */
const PAIR_WORDS: ReadonlySet<string> = new Set(['tokens', 'pair', 'both', 'credentials']);
const INVALIDATE_METHODS: ReadonlySet<string> = new Set([
  'delete', 'deleteOne', 'deleteMany', 'destroy', 'remove', 'findOneAndDelete', 'findByIdAndDelete', 'findOneAndRemove', 'findByIdAndRemove',
  'del', 'srem', 'hdel', 'update', 'updateOne', 'updateMany', 'findOneAndUpdate', 'findByIdAndUpdate', 'upsert', 'getdel', 'getDel',
]);
const INVALIDATE_PREFIXES = /^(revoke|invalidate|blacklist|denylist|blocklist|rotate|consume|markUsed|expire|burn)/i;
/** Fields that record a refresh token's use: `token.usedAt = new Date()`, `stored.revoked = true`. */
const USE_FIELDS: ReadonlySet<string> = new Set([
  'revoked', 'revokedAt', 'isRevoked', 'usedAt', 'used', 'isUsed', 'replacedBy', 'replacedByToken', 'invalidated', 'invalidatedAt', 'consumedAt',
]);
/** Reuse detection: a token family, or a check on a used/revoked mark. */
const REUSE_WORDS: ReadonlySet<string> = new Set(['family', 'familyId', 'usedAt', 'revoked', 'isRevoked', 'replacedBy', 'revokedAt']);

export const rule: SourceRule = {
  id: 'refresh-token-not-rotated',
  row: 'token-expiry',
  severity: 'warning',
  description: 'Detects refresh endpoints that issue a new access token but keep the same refresh token valid instead of rotating it.',
  message: 'Refresh token is not rotated: the same token keeps minting access tokens until it expires; issue a new refresh token and revoke the old one.',
  fixable: false,
  docs: {
    why:
      'A refresh token is a long-lived credential. If the refresh endpoint accepts the same token again and again, a stolen one ' +
      '(from a log, a backup, an XSS) gives the thief fresh access tokens for the token’s whole lifetime, and the server cannot tell ' +
      'the thief from the user. Rotation (a new refresh token on every use, the old one revoked) bounds that window and, with reuse ' +
      'detection, reveals the theft.',
    bad:
      "router.post('/auth/refresh', async (req, res) => {\n" +
      '  const payload = jwt.verify(req.cookies.refreshToken, env.REFRESH_SECRET);\n' +
      "  const accessToken = jwt.sign({ sub: payload.sub }, env.ACCESS_SECRET, { expiresIn: '15m' });\n" +
      '  res.json({ accessToken });\n});',
    good:
      "router.post('/auth/refresh', async (req, res) => {\n" +
      '  const stored = await RefreshToken.findOne({ tokenHash: sha256(req.cookies.refreshToken) });\n' +
      '  if (!stored || stored.usedAt) {\n' +
      '    if (stored) await RefreshToken.deleteMany({ family: stored.family }); // reuse: kill the family\n' +
      '    return res.sendStatus(401);\n  }\n' +
      '  stored.usedAt = new Date();\n  await stored.save();\n' +
      '  const { accessToken, refreshToken } = await issueTokens(stored.userId, stored.family);\n' +
      "  res.cookie('refreshToken', refreshToken, { httpOnly: true, secure: true, sameSite: 'strict', path: '/auth/refresh' });\n" +
      '  res.json({ accessToken });\n});',
    fix:
      'On every refresh, issue a new refresh token, mark the presented one used (or delete it) in the store, and when a used token is ' +
      'presented again revoke its whole family and force a new login.',
    cwe: ['CWE-613', 'CWE-294'],
    owasp: ['A07:2021'],
  },
  create(ctx) {
    // Every candidate is a route whose path says `refresh` or a function whose name does (any case):
    // a file that never spells it has nothing to judge.
    if (isTestOrSampleFile(ctx.file) || !textHasAnyCase(ctx.text, 'refresh')) return {};
    const candidates = new Map<ts.Node, ts.Node>();
    const add = (fn: HandlerFn | undefined, at: ts.Node): void => {
      if (fn && fn.body && !candidates.has(fn)) candidates.set(fn, at);
    };
    return {
      CallExpression(node: ts.CallExpression) {
        const e = node.expression;
        // routeOf answers only `x.<http method>(…)` with arguments.
        if (!isPropertyAccessExpression(e) || node.arguments.length === 0 || !isHttpMethodName(e.name.text)) return;
        const route = routeOf(node);
        if (!route || route.method === 'use' || !route.path || !/refresh/i.test(route.path)) return;
        add(handlerFunction(route.handlers[route.handlers.length - 1]), route.pathNode ?? node);
      },
      FunctionDeclaration(node: ts.FunctionDeclaration) {
        if (node.name && isRefreshHandlerName(node.name.text)) add(node, node.name);
      },
      MethodDeclaration(node: ts.MethodDeclaration) {
        const n = propertyName(node.name);
        if (n && isRefreshHandlerName(n)) add(node, node.name);
      },
      VariableDeclaration(node: ts.VariableDeclaration) {
        if (!isIdentifier(node.name) || !node.initializer || !isRefreshHandlerName(node.name.text)) return;
        add(handlerFunction(node.initializer), node.name);
      },
      // exports.refreshToken = async (req, res) => { … }
      BinaryExpression(node: ts.BinaryExpression) {
        if (node.operatorToken.kind !== SyntaxKind.EqualsToken || !isPropertyAccessExpression(node.left)) return;
        if (isRefreshHandlerName(node.left.name.text)) add(handlerFunction(node.right), node.left.name);
      },
      onEnd() {
        for (const [fn, at] of candidates) judge(ctx, fn, at);
      },
    };
  },
};

function isRefreshHandlerName(name: string): boolean {
  if (!/refresh/i.test(name)) return false;
  const w = nameWords(name);
  return w[0] === 'refresh' || (HANDLER_PREFIXES.has(w[0]) && w.includes('refresh'));
}

const hasRefresh = (words: readonly string[]): boolean => words.includes('refresh');

interface Summary {
  verifies: boolean;
  signs: boolean;
  newRefresh: boolean;
  invalidates: boolean;
  reuseCheck: boolean;
}

function summarize(ctx: RuleContext, fn: ts.Node): Summary {
  const s: Summary = { verifies: false, signs: false, newRefresh: false, invalidates: false, reuseCheck: false };
  const visit = (n: ts.Node): void => {
    const kind = n.kind;
    if (kind === CALL || kind === NEW) call(ctx, n as ts.CallExpression | ts.NewExpression, s);
    else if (kind === BINARY) {
      const b = n as ts.BinaryExpression;
      if (b.operatorToken.kind === EQUALS) {
        const left = skipWrappers(b.left);
        if (left.kind === PROPERTY_ACCESS) {
          // stored.usedAt = new Date(); user.refreshToken = newRefreshToken
          const name = (left as ts.PropertyAccessExpression).name.text;
          if (USE_FIELDS.has(name) || (REFRESH.test(name) && hasRefresh(nameWords(name)))) s.invalidates = true;
        }
      }
    } else if (kind === PROPERTY_ACCESS) {
      if (REUSE_WORDS.has((n as ts.PropertyAccessExpression).name.text)) s.reuseCheck = true;
    } else if (kind === PROPERTY_ASSIGNMENT) {
      if (USE_FIELDS.has(propertyName((n as ts.PropertyAssignment).name) ?? '')) s.invalidates = true;
    }
    forEachChild(n, visit);
  };
  visit(fn);
  return s;
}

const CALL = SyntaxKind.CallExpression;
const NEW = SyntaxKind.NewExpression;
const BINARY = SyntaxKind.BinaryExpression;
const EQUALS = SyntaxKind.EqualsToken;
const PROPERTY_ACCESS = SyntaxKind.PropertyAccessExpression;
const PROPERTY_ASSIGNMENT = SyntaxKind.PropertyAssignment;
const REFRESH = /refresh/i;
/**
 * nameWords gives lower-cased pieces of the name, so a word can only be one of those `call` looks at
 * (verify, find, a TOKEN_WORDS word after a sign verb, refresh or a PAIR_WORDS word after one) when the
 * name contains it. Names without any of them skip the split.
 */
const WORDS_MATTER = /verify|find|token|jwt|access|session/i;
const CREATE_METHODS: ReadonlySet<string> = new Set(['create', 'insert', 'insertOne', 'add']);
const NO_WORDS: readonly string[] = [];

function call(ctx: RuleContext, n: ts.CallExpression | ts.NewExpression, s: Summary): void {
  const name = calleeName(n);
  if (!name) return;
  const words = WORDS_MATTER.test(name) ? nameWords(name) : NO_WORDS;
  if (INVALIDATE_METHODS.has(name) || INVALIDATE_PREFIXES.test(name)) {
    s.invalidates = true;
    if (/^rotate/i.test(name)) s.newRefresh = true;
  }
  // jwt.verify(token, secret), verifyRefreshToken(t), jwtService.verifyAsync(t), jose.jwtVerify(t, key)
  if (words[0] === 'verify' || name === 'jwtVerify' || (words[0] === 'find' && (n.arguments ?? []).some((a) => mentionsRefresh(a)))) {
    if ((n.arguments ?? []).length > 0) s.verifies = true;
  }
  // RefreshToken.create({ … }), prisma.refreshToken.create(…): a new stored refresh token.
  if (CREATE_METHODS.has(name) && isPropertyAccessExpression(n.expression) && /refresh/i.test(dottedName(n.expression.expression) ?? '')) {
    s.newRefresh = true;
  }
  const isSign = name === 'sign' || name === 'signAsync' || name === 'SignJWT' ||
    (SIGN_VERBS.has(words[0]) && words.slice(1).some((w) => TOKEN_WORDS.has(w)));
  const isRandom = name === 'randomBytes' || name === 'randomUUID' || name === 'nanoid' || name === 'v4' || name === 'uuidv4';
  if (isSign) s.signs = true;
  if (!isSign && !isRandom) return;
  // A new refresh token: generateRefreshToken(), generateTokens() (a pair), jwt.sign(p, REFRESH_SECRET),
  // `const newRefreshToken = jwt.sign(…)`, `{ refreshToken: crypto.randomBytes(40).toString('hex') }`.
  if (isSign && (hasRefresh(words) || words.some((w) => PAIR_WORDS.has(w)))) s.newRefresh = true;
  else if (isSign && (n.arguments ?? []).slice(1).some((a) => mentionsRefresh(a))) s.newRefresh = true;
  else if (hasRefresh(nameWords(targetName(n) ?? ''))) s.newRefresh = true;
}

/** The name the result of a call (through `.toString('hex')`, `await`) is stored under. */
function targetName(n: ts.Node): string | undefined {
  let cur: ts.Node = n;
  for (let i = 0; i < 4; i++) {
    const p = cur.parent;
    if (!p) return undefined;
    if (isAwaitExpression(p) || isParenthesizedExpression(p) || isAsExpression(p)) cur = p;
    else if (isPropertyAccessExpression(p) && p.expression === cur && isCallExpression(p.parent) && p.parent.expression === p) cur = p.parent;
    else break;
  }
  return storedName(cur);
}

function mentionsRefresh(expr: ts.Node): boolean {
  const e = skipWrappers(expr);
  // exprWords(e) can hold `refresh` only when the name it splits says it (its words are pieces of that name).
  const n = exprWordsName(e);
  if (n !== undefined && REFRESH.test(n) && hasRefresh(exprWords(e))) return true;
  const d = dottedName(e);
  if (d && /refresh/i.test(d)) return true;
  if (isObjectLiteralExpression(e)) return e.properties.some((p) => (isPropertyAssignment(p) && mentionsRefresh(p.initializer)) || (isShorthandPropertyAssignment(p) && mentionsRefresh(p.name)));
  return false;
}

/** The name exprWords(e) splits into words (e already unwrapped), if any. */
function exprWordsName(e: ts.Node): string | undefined {
  if (isIdentifier(e)) return e.text;
  if (isPropertyAccessExpression(e)) return e.name.text;
  if (isElementAccessExpression(e) && isStringLiteralLike(e.argumentExpression)) return e.argumentExpression.text;
  if (isCallExpression(e)) return calleeName(e) ?? '';
  return undefined;
}

function judge(ctx: RuleContext, fn: ts.Node, at: ts.Node): void {
  const s = summarize(ctx, fn);
  if (s.newRefresh && s.invalidates) {
    ctx.evidence('refresh-rotation', at, `refresh token rotated on use, the old one invalidated${s.reuseCheck ? ', reuse detected' : ''}`);
    return;
  }
  if (!s.verifies || !s.signs || s.newRefresh || s.invalidates) return;
  ctx.report(at);
}
