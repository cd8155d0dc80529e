import {
  isAsExpression, isAwaitExpression, isBinaryExpression, isCallExpression, isIdentifier,
  isNewExpression, isParenthesizedExpression, isPropertyAccessExpression, isPropertyAssignment,
  isTemplateExpression, isVariableDeclaration, SyntaxKind, ts,
} from '../ts';
import { calleeName, dottedName, eol, isFunctionLike, numberValue, propertyName, stringValue } from '../ast';
import { preferredQuote } from '../fix';
import { skipWrappers } from '../modules';
import { assignmentsTo, lookup } from '../scopes';
import type { Fix, RuleContext, SourceRule, TextEdit } from '../types';
import { addOptionEdits, enclosingFunctionName, fileUsesJwt, jwtFactVisitors, mayUseJwt, nameWords, resolveObject, resolveString, type ResolvedObject } from './jwt-verify-algorithms';
import { isTestFile } from '../lib/test-files';

/** Access tokens: 15 minutes. */
const ACCESS_MAX_SECONDS = 15 * 60;
/** Refresh tokens may live longer, but not forever. */
const REFRESH_MAX_SECONDS = 30 * 24 * 3600;

/** Words that mark a refresh (long-lived, rotated) token. */
const REFRESH_WORDS: ReadonlySet<string> = new Set(['refresh', 'remember']);
/**
 * Words that mark a single-purpose token (password reset, e-mail
 * confirmation, invitation): it must expire, but is not an access token, so
 * the 15-minute cap does not apply.
 */
const PURPOSE_WORDS: ReadonlySet<string> = new Set([
  'reset', 'password', 'verify', 'verification', 'confirm', 'confirmation', 'invite', 'invitation', 'magic', 'email',
  'activation', 'activate', 'unsubscribe', 'download', 'share', 'signup', 'onboarding', 'otp', 'link', 'upload', 'webhook', 'state',
]);

/**
 * jsonwebtoken `sign(payload, key, options?, cb?)` with neither `expiresIn` in
 * the options nor `exp` in the payload, or with an access-token lifetime over
 * 15 minutes; jose `new SignJWT(p)…sign(key)` without `.setExpirationTime()`.
 */
export const rule: SourceRule = {
  id: 'jwt-sign-expiry',
  row: 'token-expiry',
  severity: 'warning',
  description: 'Detects JWTs signed without an expiry, or access tokens that live longer than 15 minutes.',
  message: "JWT signed without an expiry: a leaked token works forever; add `expiresIn: '15m'` and renew with a refresh token.",
  fixable: true,
  docs: {
    why:
      'A JWT cannot be revoked: whoever holds it is authenticated until it expires. Without `exp` a token stolen from a log, ' +
      'a browser or a proxy is valid forever; with a day-long lifetime, logout and password changes do not end a stolen session. ' +
      'Short-lived access tokens plus rotating refresh tokens bound the damage to minutes.',
    bad: "const token = jwt.sign({ sub: user.id }, process.env.JWT_SECRET);\nconst access = jwt.sign({ sub: user.id }, secret, { expiresIn: '7d' });",
    good:
      "const accessToken = jwt.sign({ sub: user.id }, secret, { expiresIn: '15m' });\n" +
      "const refreshToken = jwt.sign({ sub: user.id, type: 'refresh' }, refreshSecret, { expiresIn: '7d' });\n\n" +
      "const token = await new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('15m').sign(key);",
    fix:
      "Give every token an expiry: `expiresIn: '15m'` for access tokens (jose: `.setExpirationTime('15m')`). When clients need " +
      'longer sessions, issue a refresh token (up to 30 days, stored in an httpOnly cookie, rotated on every use) instead of a long-lived access token.',
    cwe: ['CWE-613'],
    owasp: ['A07:2021'],
  },
  create(ctx) {
    // No JWT module spelled in the file: no `jwt` fact, and inJwtFile() is always false.
    if (isTestFile(ctx.file) || !mayUseJwt(ctx.text)) return {};
    const facts = jwtFactVisitors(ctx);
    let jwtFile: boolean | undefined;
    const inJwtFile = (): boolean => (jwtFile ??= fileUsesJwt(ctx)) || facts.seen();
    return {
      ImportDeclaration: (node: ts.ImportDeclaration) => facts.onImport(node),
      CallExpression(node: ts.CallExpression) {
        facts.onCall(node);
        if (calleeName(node) !== 'sign' || !inJwtFile()) return;
        if (!ctx.modules.isCall(node, 'jsonwebtoken', 'sign')) return;
        checkJsonwebtoken(ctx, node);
      },
      NewExpression(node: ts.NewExpression) {
        if (calleeName(node) !== 'SignJWT' || !inJwtFile()) return;
        if (!ctx.modules.isCall(node, 'jose', 'SignJWT')) return;
        checkJose(ctx, node);
      },
    };
  },
};

function checkJsonwebtoken(ctx: RuleContext, call: ts.CallExpression): void {
  const [payload, key, third] = call.arguments;
  if (!payload || !key) return;
  // A string payload cannot carry an expiry (jsonwebtoken throws on expiresIn with one).
  if (resolveString(payload) !== undefined || isTemplateExpression(skipWrappers(payload))) return;
  const optionsArg = third && !isFunctionLike(skipWrappers(third)) ? third : undefined;
  const options = optionsArg ? resolveObject(optionsArg) : undefined;
  if (optionsArg && !options) return; // options we cannot see
  const payloadObj = resolveObject(payload);
  // The token's kind (names around the call, payload strings) is looked up only where a lifetime or a report needs it.
  const kindOf = (): TokenKind => tokenKind(call, payloadObj, key, options);
  const expiresIn = options?.props.get('expiresIn');
  if (!expiresIn) {
    if (options && !options.complete) return;
    const exp = payloadObj?.props.get('exp');
    if (exp) {
      judgeLifetime(ctx, call, kindOf, expSeconds(exp), 'exp');
      return;
    }
    if (payloadObj && !payloadObj.complete) return; // a spread may carry exp
    const kind = kindOf();
    const q = preferredQuote(ctx.sourceFile);
    const ttl = kind === 'refresh' ? '7d' : '15m';
    const edits = addOptionEdits(ctx.sourceFile, call, 2, options, [`expiresIn: ${q}${ttl}${q}`]);
    const fixes: Fix[] = edits.length > 0 ? [{ title: `Add expiresIn: '${ttl}'`, edits }] : [];
    ctx.report(call, {
      message: kind === 'refresh'
        ? "Refresh token signed without an expiry: a leaked one works forever; add `expiresIn: '7d'` (at most 30 days) and rotate it on every use."
        : "jwt.sign() without `expiresIn`: the token never expires; add `expiresIn: '15m'` and renew with a refresh token.",
      fixes,
    });
    return;
  }
  judgeLifetime(ctx, call, kindOf, durationSeconds(expiresIn, 'ms'), `expiresIn: ${shortText(expiresIn)}`);
}

function checkJose(ctx: RuleContext, node: ts.NewExpression): void {
  // Follow the builder chain: new SignJWT(p).setProtectedHeader(h).setExpirationTime('15m').sign(key)
  let current: ts.Expression = node;
  let expiry: ts.CallExpression | undefined;
  let signAccess: ts.PropertyAccessExpression | undefined;
  for (;;) {
    let up: ts.Node = current.parent;
    while (isParenthesizedExpression(up) || ts.isNonNullExpression(up)) up = up.parent;
    if (!isPropertyAccessExpression(up) || !isCallExpression(up.parent) || up.parent.expression !== up) break;
    const method = up.name.text;
    if (method === 'setExpirationTime') expiry = up.parent;
    if (method === 'sign') {
      signAccess = up;
      break;
    }
    current = up.parent;
  }
  const payloadObj = resolveObject(node.arguments?.[0]);
  const kind = tokenKind(node, payloadObj, signAccess && (signAccess.parent as ts.CallExpression).arguments[0], undefined);
  if (expiry) {
    const arg = expiry.arguments[0];
    // A number is an absolute timestamp, a Date an absolute time: only relative strings can be judged.
    const s = resolveString(arg);
    judgeLifetime(ctx, node, kind, s === undefined ? undefined : parseDuration(s, undefined), `setExpirationTime(${arg ? shortText(arg) : ''})`);
    return;
  }
  if (!signAccess) return; // the builder is kept in a variable; the expiry may be set later
  const exp = payloadObj?.props.get('exp');
  if (exp) {
    judgeLifetime(ctx, node, kind, expSeconds(exp), 'exp');
    return;
  }
  if (payloadObj && !payloadObj.complete) return; // a spread may carry exp
  const text = ctx.sourceFile.text;
  const q = preferredQuote(ctx.sourceFile);
  const ttl = kind === 'refresh' ? '7d' : '15m';
  const dotStart = signAccess.expression.end;
  const between = text.slice(dotStart, signAccess.name.getStart(ctx.sourceFile));
  let edit: TextEdit;
  if (between.includes('\n')) {
    // One call per line: add ours on its own line before `.sign(`.
    const nameStart = signAccess.name.getStart(ctx.sourceFile);
    const lineStart = text.lastIndexOf('\n', nameStart - 1) + 1;
    const indent = /^[ \t]*/.exec(text.slice(lineStart, nameStart))?.[0] ?? '';
    edit = { start: dotStart, end: dotStart, newText: `${eol(text)}${indent}.setExpirationTime(${q}${ttl}${q})` };
  } else {
    edit = { start: dotStart, end: dotStart, newText: `.setExpirationTime(${q}${ttl}${q})` };
  }
  ctx.report(node, {
    message: kind === 'refresh'
      ? "Refresh token signed without an expiry: a leaked one works forever; add `.setExpirationTime('7d')` and rotate it on every use."
      : "SignJWT without `.setExpirationTime()`: the token never expires; add `.setExpirationTime('15m')`.",
    fixes: [{ title: `Add .setExpirationTime('${ttl}')`, edits: [edit] }],
  });
}

type TokenKind = 'access' | 'refresh' | 'purpose';

function judgeLifetime(ctx: RuleContext, node: ts.Node, kindOf: TokenKind | (() => TokenKind), seconds: number | undefined, via: string): void {
  if (seconds === undefined) return;
  const kind = typeof kindOf === 'function' ? kindOf() : kindOf;
  const human = humanDuration(seconds);
  if (kind === 'refresh') {
    if (seconds > REFRESH_MAX_SECONDS) {
      ctx.report(node, { message: `Refresh token lives ${human}: cap refresh tokens at 30 days and rotate them on every use.` });
    }
    return;
  }
  if (kind === 'purpose') return; // reset / confirmation links: their own lifetime rules
  if (seconds > ACCESS_MAX_SECONDS) {
    ctx.report(node, {
      message: `Access token lives ${human} (${via}): a stolen token stays valid that long; use 15m or less and renew with a refresh token.`,
    });
    return;
  }
  ctx.evidence('jwt-short-expiry', node, `${isNewExpression(node) ? 'SignJWT' : 'jwt.sign'} sets an expiry of ${human}`);
}

/** Refresh, single-purpose or access token, from the names around the call, the payload's `type` and the key. */
function tokenKind(call: ts.Node, payload: ResolvedObject | undefined, key: ts.Node | undefined, options: ResolvedObject | undefined): TokenKind {
  const names: string[] = [];
  const target = assignmentTarget(call);
  if (target) names.push(target);
  const fn = enclosingFunctionName(call);
  if (fn) names.push(fn);
  if (key) {
    const k = skipWrappers(key);
    const keyName = dottedName(k) ?? (isIdentifier(k) ? k.text : undefined);
    if (keyName) names.push(keyName);
  }
  for (const obj of [payload, options]) {
    if (!obj) continue;
    for (const prop of ['type', 'tokenType', 'token_type', 'typ', 'kind', 'token_use', 'use', 'purpose', 'subject', 'audience']) {
      const v = resolveString(obj.props.get(prop));
      if (v) names.push(v);
    }
  }
  const words = names.flatMap(nameWords);
  if (words.includes('access')) return 'access';
  if (words.some((w) => REFRESH_WORDS.has(w))) return 'refresh';
  if (words.some((w) => PURPOSE_WORDS.has(w))) return 'purpose';
  return 'access';
}

/** What the signed token is stored in: `const refreshToken = …`, `{ accessToken: … }`, `this.token = …`, `res.cookie('refresh', …)`. */
function assignmentTarget(node: ts.Node): string | undefined {
  let n: ts.Node = node;
  while (n.parent && (isParenthesizedExpression(n.parent) || isAwaitExpression(n.parent) || isAsExpression(n.parent) || ts.isNonNullExpression(n.parent))) n = n.parent;
  // jose: new SignJWT(...).….sign(key): climb the chain to its end.
  while (n.parent && ((isPropertyAccessExpression(n.parent) && n.parent.expression === n) || (isCallExpression(n.parent) && n.parent.expression === n))) {
    n = n.parent;
  }
  while (n.parent && (isParenthesizedExpression(n.parent) || isAwaitExpression(n.parent) || isAsExpression(n.parent))) n = n.parent;
  const p = n.parent;
  if (!p) return undefined;
  if (isVariableDeclaration(p) && isIdentifier(p.name)) return p.name.text;
  if (isPropertyAssignment(p)) return propertyName(p.name);
  if (isBinaryExpression(p) && p.operatorToken.kind === SyntaxKind.EqualsToken) return dottedName(p.left);
  if (isCallExpression(p) && p.arguments[1] === n) return stringValue(p.arguments[0]);
  return undefined;
}

/** A lifetime in seconds from `expiresIn` (`'15m'`, `'7 days'`, `3600`, `60 * 60`, a const). Unitless strings are `unitless` (ms for jsonwebtoken). */
function durationSeconds(expr: ts.Node, unitless: 'ms' | undefined): number | undefined {
  const s = resolveString(expr);
  if (s !== undefined) return parseDuration(s, unitless);
  const n = resolveNumber(expr);
  return n;
}

function resolveNumber(expr: ts.Node | undefined, depth = 0): number | undefined {
  if (!expr || depth > 6) return undefined;
  const direct = numberValue(expr);
  if (direct !== undefined) return direct;
  const e = skipWrappers(expr);
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable' || !b.init || b.path.length > 0 || assignmentsTo(b).length > 0) return undefined;
    return resolveNumber(b.init, depth + 1);
  }
  if (isBinaryExpression(e) && e.operatorToken.kind === SyntaxKind.AsteriskToken) {
    const l = resolveNumber(e.left, depth + 1);
    const r = resolveNumber(e.right, depth + 1);
    return l !== undefined && r !== undefined ? l * r : undefined;
  }
  return undefined;
}

const UNIT_SECONDS: Record<string, number> = {
  ms: 0.001, msec: 0.001, msecs: 0.001, millisecond: 0.001, milliseconds: 0.001,
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
  d: 86400, day: 86400, days: 86400,
  w: 604800, week: 604800, weeks: 604800,
  y: 31557600, yr: 31557600, yrs: 31557600, year: 31557600, years: 31557600,
};

/** `'15m'` → 900, `'30 days'` → 2592000; a unitless string counts as `unitless` (jsonwebtoken: milliseconds). */
export function parseDuration(s: string, unitless: 'ms' | undefined): number | undefined {
  const m = /^\s*\+?(\d*\.?\d+)\s*([a-z]*)\s*$/i.exec(s);
  if (!m) return undefined;
  const value = Number(m[1]);
  const unit = m[2].toLowerCase();
  if (unit === '') return unitless === 'ms' ? value / 1000 : undefined;
  const factor = UNIT_SECONDS[unit];
  return factor === undefined ? undefined : value * factor;
}

/** `exp: Math.floor(Date.now() / 1000) + 60 * 60` → 3600: a lifetime relative to now; other shapes are unknown. */
function expSeconds(expr: ts.Node): number | undefined {
  const e = skipWrappers(expr);
  if (!isBinaryExpression(e) || e.operatorToken.kind !== SyntaxKind.PlusToken) return undefined;
  const mentionsNow = (n: ts.Node): boolean => /Date\.now\(\)|new Date\(\)|\bnow\b|getTime\(\)/.test(n.getText().slice(0, 200));
  if (mentionsNow(e.left)) return resolveNumber(e.right);
  if (mentionsNow(e.right)) return resolveNumber(e.left);
  return undefined;
}

function humanDuration(seconds: number): string {
  const units: [number, string][] = [[86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${Math.round(seconds)} seconds`;
}

function shortText(node: ts.Node): string {
  const t = node.getText().replace(/\s+/g, ' ');
  return t.length > 40 ? `${t.slice(0, 37)}...` : t;
}
