import {
  isAwaitExpression, isBinaryExpression, isBlock, isCallExpression, isElementAccessExpression,
  isExpressionStatement, isIdentifier, isNoSubstitutionTemplateLiteral, isPropertyAccessExpression,
  isReturnStatement, isStringLiteral, isTemplateExpression, SyntaxKind, ts,
} from '../ts';
import { textHasAnyOf } from '../lib/text-hints';
import { calleeName, calleeObject, eol, indentAt, isFunctionLike } from '../ast';
import { skipWrappers } from '../modules';
import type { Fix, RuleContext, SourceRule } from '../types';
import { LOGIN_PATH_WORDS, loginHandlerVisitors, middlewareOf, walk, type HandlerFn, type LoginHandler } from './login-user-enumeration';

/**
 * A login handler that stores the user in the session it was handed, without
 * `req.session.regenerate()`: the session id an attacker planted before login
 * stays valid after it (session fixation).
 *
 *   router.post('/login', async (req, res) => {
 *     …
 *     req.session.userId = user.id;      // ← same session id as before login
 *     res.json({ ok: true });
 *   });
 *
 * passport's `req.login()` regenerates the session itself from 0.6 on; with an
 * older passport it is reported like a plain write.
 */
export const rule: SourceRule = {
  id: 'session-no-regenerate',
  row: 'sessions',
  severity: 'warning',
  description: 'Detects login handlers that store the user in the session without regenerating the session id first (session fixation).',
  message: 'Login stores the user in the existing session without req.session.regenerate(): call regenerate first so a planted session id cannot be reused.',
  fixable: true,
  docs: {
    why:
      'If the session id stays the same across login, an attacker who planted or learned the id before login (a shared ' +
      'computer, a subdomain cookie, a link) is logged in as the victim afterwards. Issuing a fresh id at the moment ' +
      'privileges change closes this session-fixation hole.',
    bad:
      "router.post('/login', async (req, res) => {\n" +
      '  const user = await authenticate(req.body);\n' +
      '  req.session.userId = user.id;\n' +
      '  res.json({ ok: true });\n' +
      '});',
    good:
      "router.post('/login', async (req, res, next) => {\n" +
      '  const user = await authenticate(req.body);\n' +
      '  req.session.regenerate((err) => {\n' +
      '    if (err) return next(err);\n' +
      '    req.session.userId = user.id;\n' +
      '    res.json({ ok: true });\n' +
      '  });\n' +
      '});',
    fix:
      'Wrap the session writes (and the response that follows them) in `req.session.regenerate((err) => { … })`, or upgrade ' +
      'to passport 0.6 or later and log in with `req.login()`, which regenerates the session.',
    cwe: ['CWE-384'],
    owasp: ['A07:2021'],
  },
  create(ctx) {
    const handlers: LoginHandler[] = [];
    // Cookie-based sessions carry their content in the cookie: there is no id to fix.
    if (cookieSessionsOnly(ctx.project.dependencies)) return {};
    // Evidence needs `<x>.session.regenerate(…)`: the names `session` and `regenerate`.
    const evidence = ctx.mentions('regenerate') && ctx.mentions('session');
    // A report needs a login handler (a route whose path has a login segment, or a function named
    // login/signin: the text spells one) holding a `<req>.session…` write or a `<req>.login()` / `logIn()` call.
    const reports = ctx.mentions('session', 'login', 'logIn') && textHasAnyOf(ctx.text, LOGIN_PATH_WORDS, true);
    if (!evidence && !reports) return {};
    const onCall = {
      CallExpression(node: ts.CallExpression) {
        if (isSessionRegenerate(node)) ctx.evidence('session-regenerate', node, 'session regenerated on login');
      },
    };
    if (!reports) return onCall;
    const passportRegenerates = passportRegeneratesOnLogin(ctx.project.dependencies['passport']);
    // The collector's onEnd hands the handlers over before this rule's onEnd reads them: it comes first.
    return [
      loginHandlerVisitors((h) => handlers.push(h)),
      {
        CallExpression: evidence ? onCall.CallExpression : undefined,
        onEnd() {
          for (const h of handlers) if (h.fn) check(ctx, h, h.fn, passportRegenerates);
        },
      },
    ];
  },
};

/** `req.session.regenerate(cb)`. */
function isSessionRegenerate(node: ts.CallExpression): boolean {
  if (calleeName(node) !== 'regenerate') return false;
  const obj = calleeObject(node);
  return !!obj && isPropertyAccessExpression(obj) && obj.name.text === 'session';
}

function cookieSessionsOnly(deps: Record<string, string>): boolean {
  const cookie = 'cookie-session' in deps || 'koa-session' in deps || '@fastify/secure-session' in deps;
  const server = 'express-session' in deps || '@fastify/session' in deps;
  return cookie && !server;
}

/**
 * passport regenerates the session inside `req.login` since 0.6.0. Ranges such
 * as `^0.6.0`, `>=0.6`, `0.7.0`, `~1.0` count; `^0.5.3` does not. Unknown
 * (no passport dependency or a tag) counts as regenerating: no claim either way.
 */
export function passportRegeneratesOnLogin(range: string | undefined): boolean {
  if (range === undefined) return true;
  const m = /(\d+)\.(\d+)/.exec(range) ?? /(\d+)/.exec(range);
  if (!m) return true;
  const major = Number(m[1]);
  const minor = m[2] !== undefined ? Number(m[2]) : 0;
  return major >= 1 || minor >= 6;
}

/** `req.session.userId = …`, `req.session.user.id = …`, `req.session = { … }` is cookie-session style and skipped. */
function sessionWrite(stmt: ts.Statement, reqName: string): boolean {
  if (!isExpressionStatement(stmt)) return false;
  const e = skipWrappers(stmt.expression);
  if (!isBinaryExpression(e) || e.operatorToken.kind !== SyntaxKind.EqualsToken) return false;
  return isUnderSession(e.left, reqName);
}

function isUnderSession(expr: ts.Node, reqName: string): boolean {
  let n = skipWrappers(expr);
  while (isPropertyAccessExpression(n) || isElementAccessExpression(n)) {
    const inner = skipWrappers(n.expression);
    if (isPropertyAccessExpression(inner) && inner.name.text === 'session' && isIdentifier(skipWrappers(inner.expression)) &&
      (skipWrappers(inner.expression) as ts.Identifier).text === reqName) return true;
    n = inner;
  }
  return false;
}

/** `req.login(user, cb)` / `req.logIn(…)`. */
function passportLogin(stmt: ts.Statement, reqName: string): ts.CallExpression | undefined {
  let e: ts.Node | undefined;
  if (isExpressionStatement(stmt)) e = skipWrappers(stmt.expression);
  else if (isReturnStatement(stmt) && stmt.expression) e = skipWrappers(stmt.expression);
  if (!e || !isCallExpression(e)) return undefined;
  const name = calleeName(e);
  const obj = calleeObject(e);
  if ((name === 'login' || name === 'logIn') && obj && isIdentifier(obj) && obj.text === reqName) return e;
  return undefined;
}

function check(ctx: RuleContext, h: LoginHandler, fn: HandlerFn, passportRegenerates: boolean): void {
  const reqParam = fn.parameters[0];
  if (!reqParam || !isIdentifier(reqParam.name)) return;
  const reqName = reqParam.name.text;
  // Koa's ctx.session (koa-session) is cookie-based: nothing to regenerate.
  if (reqName === 'ctx' || reqName === 'context') return;
  // passport.authenticate('local') before the handler logs in through req.logIn.
  let regenerates = passportRegenerates && !!h.route && middlewareOf(h.route).some((m) => {
    const e = skipWrappers(m);
    return isCallExpression(e) && calleeName(e) === 'authenticate';
  });
  let first: ts.Statement | undefined;
  walk(fn, (n) => {
    if (isCallExpression(n) && isSessionRegenerate(n)) regenerates = true;
    if (!first && (isExpressionStatement(n) || isReturnStatement(n))) {
      if (sessionWrite(n, reqName)) first = n;
      else if (passportLogin(n, reqName)) {
        if (passportRegenerates) regenerates = true;
        else first = n;
      }
    }
    return false;
  });
  if (regenerates || !first) return;
  const login = passportLogin(first, reqName);
  ctx.report(first, {
    message: login
      ? `Login in ${h.label} calls ${reqName}.${calleeName(login)}() with a passport older than 0.6, which keeps the old session id: upgrade passport or regenerate the session first.`
      : undefined,
    fixes: login ? [] : fixFor(ctx, fn, first, reqName),
  });
}

const RESPONSE_METHODS: ReadonlySet<string> = new Set(['json', 'send', 'end', 'redirect', 'render', 'sendStatus', 'sendFile', 'jsonp']);

/** `res.json(…)`, `return res.status(200).send(…)`, `res.redirect('/')`. */
function isResponse(stmt: ts.Statement, resName: string | undefined): boolean {
  let e: ts.Node | undefined;
  if (isExpressionStatement(stmt)) e = stmt.expression;
  else if (isReturnStatement(stmt)) e = stmt.expression;
  if (!e) return false;
  e = skipWrappers(e);
  if (!isCallExpression(e)) return false;
  const name = calleeName(e);
  if (!name || !RESPONSE_METHODS.has(name)) return false;
  let base: ts.Node = e.expression;
  while (isPropertyAccessExpression(base) || isCallExpression(base)) base = isPropertyAccessExpression(base) ? base.expression : base.expression;
  return isIdentifier(base) && (base.text === resName || base.text === 'res' || base.text === 'response');
}

/** The indentation step of the file: a tab, or the smallest run of leading spaces. */
function indentUnit(text: string): string {
  let best = 0;
  for (const m of text.matchAll(/\n([ \t]+)\S/g)) {
    if (m[1].startsWith('\t')) return '\t';
    if (best === 0 || m[1].length < best) best = m[1].length;
    if (best === 2) break;
  }
  return ' '.repeat(best || 2);
}

/**
 * Wraps the consecutive session writes, and the response right after them,
 * in `req.session.regenerate((err) => { if (err) return next(err); … })`.
 * Offered only when the response follows: a response sent before the
 * callback runs would race the new session.
 */
function fixFor(ctx: RuleContext, fn: HandlerFn, first: ts.Statement, reqName: string): Fix[] {
  const block = first.parent;
  if (!isBlock(block)) return [];
  const list = block.statements;
  let i = list.indexOf(first);
  let last = first;
  while (i + 1 < list.length && sessionWrite(list[i + 1], reqName)) last = list[++i];
  const resParam = fn.parameters[1];
  const resName = resParam && isIdentifier(resParam.name) ? resParam.name.text : undefined;
  const next = list[i + 1];
  if (!next || resName === 'reply' || !isResponse(next, resName)) return [];
  last = next;

  const sf = ctx.sourceFile;
  const text = ctx.text;
  const start = first.getStart(sf);
  const end = last.end;
  const body = text.slice(start, end);
  // Re-indenting would change a multi-line string's content.
  let multilineString = false;
  let awaits = false;
  for (let k = list.indexOf(first); k <= i + 1; k++) {
    walk(list[k], (n) => {
      if ((isTemplateExpression(n) || isNoSubstitutionTemplateLiteral(n) || isStringLiteral(n)) && n.getText(sf).includes('\n')) multilineString = true;
      if (isFunctionLike(n)) return true;
      if (isAwaitExpression(n)) awaits = true;
      return false;
    });
    const st = list[k];
    if (isExpressionStatement(st) && isAwaitExpression(st.expression)) awaits = true;
  }
  if (multilineString) return [];
  const nl = eol(text);
  const indent = indentAt(text, start);
  const unit = indentUnit(text);
  const nextParam = fn.parameters[2];
  const onError = nextParam && isIdentifier(nextParam.name)
    ? `return ${nextParam.name.text}(err);`
    : `return ${resName ?? 'res'}.status(500).end();`;
  const reindented = body.split(/\r?\n/).map((line, k) => (k === 0 ? line : line.trim() === '' ? line : unit + line)).join(nl);
  const newText =
    `${reqName}.session.regenerate(${awaits ? 'async ' : ''}(err) => {${nl}` +
    `${indent}${unit}if (err) ${onError}${nl}` +
    `${indent}${unit}${reindented}${nl}` +
    `${indent}});`;
  return [{ title: 'Regenerate the session before storing the user', edits: [{ start, end, newText }], preferred: false }];
}
