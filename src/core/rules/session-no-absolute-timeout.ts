import { isIdentifier, isObjectLiteralExpression, isPropertyAssignment, SyntaxKind, ts } from '../ts';
import { textHas } from '../lib/text-hints';
import { dottedName, getProperty, getPropertyValue } from '../ast';
import { constNumber, isTestOrSampleFile } from '../lib/hygiene';
import { skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { RuleContext, SourceRule } from '../types';

/**
 * express-session lifetimes with no end:
 *
 *   session({ rolling: true, cookie: { maxAge: 7 * DAY } })      // renewed on every request, forever
 *   session({ cookie: { maxAge: 30 * 24 * 60 * 60 * 1000 } })   // a 30-day login
 *
 * A short rolling maxAge (2 hours or less) is the idle timeout the sessions
 * row asks for. A longer rolling session is fine when the file also enforces
 * an absolute lifetime (a middleware comparing `req.session.createdAt` /
 * `issuedAt` / `loginAt` to a limit). A missing maxAge is
 * session-cookie-flags' finding, not this one's.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
/** Longest rolling (idle) maxAge accepted without an absolute lifetime check. */
const ROLLING_MAX_MS = 2 * 60 * 60 * 1000;
const SUGGESTED = '8 * 60 * 60 * 1000';
/** Session fields that record when the login happened. */
const ABSOLUTE_FIELDS: ReadonlySet<string> = new Set([
  'createdAt', 'created', 'issuedAt', 'loginAt', 'loggedInAt', 'loginTime', 'startedAt', 'startTime', 'authenticatedAt', 'authTime',
  'absoluteExpiry', 'absoluteExpiresAt', 'absoluteTimeout', 'expiresAt', 'sessionStart', 'iat',
]);

export const rule: SourceRule = {
  id: 'session-no-absolute-timeout',
  row: 'sessions',
  severity: 'info',
  description: 'Detects express-session sessions that never end: rolling expiry over 2 hours without an absolute lifetime check, or a cookie maxAge over 24 hours.',
  message: 'Session has no absolute lifetime: a long rolling or fixed maxAge keeps a session valid for days; keep the idle maxAge short and limit the total session age.',
  fixable: true,
  docs: {
    why:
      'With `rolling: true` every request pushes the expiry forward, so a session that is used (by its owner, or by whoever stole the ' +
      'cookie) lives forever. A maxAge of days or weeks does the same for an idle session. OWASP recommends an idle timeout plus an ' +
      'absolute timeout (hours for most apps), after which the user must log in again.',
    bad:
      "app.use(session({\n  store, secret, resave: false, saveUninitialized: false, rolling: true,\n" +
      "  cookie: { secure: true, httpOnly: true, sameSite: 'lax', maxAge: 7 * 24 * 60 * 60 * 1000 },\n}));",
    good:
      "app.use(session({ store, secret, resave: false, saveUninitialized: false, rolling: true,\n" +
      "  cookie: { secure: true, httpOnly: true, sameSite: 'lax', maxAge: 30 * 60 * 1000 } }));\n\n" +
      '// at login: req.session.createdAt = Date.now();\n' +
      'app.use((req, res, next) => {\n' +
      '  if (req.session.createdAt && Date.now() - req.session.createdAt > 8 * 60 * 60 * 1000) {\n' +
      "    return req.session.destroy(() => res.status(401).json({ error: 'Session expired' }));\n" +
      '  }\n  next();\n});',
    fix:
      'Keep the idle timeout short (maxAge of 15-30 minutes with rolling), record the login time in the session and reject sessions ' +
      'older than your absolute limit (for example 8 hours); without rolling, keep maxAge at or under a working day.',
    cwe: ['CWE-613'],
    owasp: ['A07:2021'],
  },
  create(ctx) {
    if (isTestOrSampleFile(ctx.file) || !textHas(ctx.text, 'express-session') || !ctx.modules.imports('express-session')) return {};
    const calls: ts.CallExpression[] = [];
    let absolute = false;
    return {
      CallExpression(node: ts.CallExpression) {
        if (node.arguments.length === 0) return;
        // A property-access callee resolves to a path ending in its own name (`x.default` on a module: the module):
        // only `.default` / `.session` can give a path of [], ['default'] or ['session'].
        const e = node.expression;
        if (e.kind === SyntaxKind.PropertyAccessExpression) {
          const name = (e as ts.PropertyAccessExpression).name.text;
          if (name !== 'default' && name !== 'session') return;
        }
        const o = ctx.modules.callee(node);
        if (o && o.module === 'express-session' && (o.path.length === 0 || (o.path.length === 1 && (o.path[0] === 'default' || o.path[0] === 'session')))) {
          calls.push(node);
        }
      },
      // req.session.createdAt, req.session.user.loginAt
      PropertyAccessExpression(node: ts.PropertyAccessExpression) {
        if (absolute || !ABSOLUTE_FIELDS.has(node.name.text)) return;
        const d = dottedName(node.expression);
        if (d && /session/i.test(d)) absolute = true;
      },
      onEnd() {
        for (const call of calls) check(ctx, call, absolute);
      },
    };
  },
};

function objectOf(expr: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  if (!expr) return undefined;
  const e = skipWrappers(expr);
  if (isObjectLiteralExpression(e)) return e;
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    const init = b && b.kind === 'variable' && b.path.length === 0 && b.init ? skipWrappers(b.init) : undefined;
    return init && isObjectLiteralExpression(init) ? init : undefined;
  }
  return undefined;
}

function check(ctx: RuleContext, call: ts.CallExpression, absolute: boolean): void {
  const opts = objectOf(call.arguments[0]);
  if (!opts) return;
  const cookie = objectOf(getPropertyValue(opts, 'cookie'));
  if (!cookie) return;
  const maxAgeProp = getProperty(cookie, 'maxAge');
  if (!maxAgeProp || !isPropertyAssignment(maxAgeProp)) return;
  const maxAgeValue = skipWrappers(maxAgeProp.initializer);
  if (maxAgeValue.kind === SyntaxKind.NullKeyword || (isIdentifier(maxAgeValue) && maxAgeValue.text === 'undefined')) return;
  const maxAge = constNumber(maxAgeValue);
  const rollingProp = getProperty(opts, 'rolling');
  const rolling = !!rollingProp && isPropertyAssignment(rollingProp) && skipWrappers(rollingProp.initializer).kind === SyntaxKind.TrueKeyword;
  if (rolling) {
    // A short rolling TTL is the idle timeout the sessions row asks for; a long one, renewed on every request, never ends.
    if (absolute || maxAge === undefined || maxAge <= ROLLING_MAX_MS) return;
    ctx.report(rollingProp!, {
      message: `rolling: true with a ${human(maxAge)} maxAge renews the session on every request with no absolute limit: keep the idle maxAge short (30 min) and end sessions older than a few hours.`,
    });
    return;
  }
  if (maxAge === undefined || maxAge <= DAY_MS) return;
  const sf = ctx.sourceFile;
  ctx.report(maxAgeProp, {
    message: `Session cookie has a ${human(maxAge)} maxAge: a stolen or forgotten session stays valid that long; keep maxAge at a working day or less (8h suggested).`,
    fixes: [{
      title: 'Set the session maxAge to 8 hours',
      edits: [{ start: maxAgeProp.initializer.getStart(sf), end: maxAgeProp.initializer.end, newText: SUGGESTED }],
      preferred: false,
    }],
  });
}

function human(ms: number): string {
  const days = ms / DAY_MS;
  return Number.isInteger(days) ? `${days}-day` : `${Math.round(ms / 3_600_000)}-hour`;
}
