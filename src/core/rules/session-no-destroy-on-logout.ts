import {
  isBinaryExpression, isBlock, isCallExpression, isExpressionStatement, isIdentifier,
  isMethodDeclaration, isPropertyAccessExpression, isReturnStatement, SyntaxKind, ts,
} from '../ts';
import { textHasAnyOf } from '../lib/text-hints';
import { calleeName, calleeObject, containsNode, dottedName, eol, indentAt, propertyName, routeCall, type RouteCall } from '../ast';
import { skipWrappers } from '../modules';
import type { Fix, RuleContext, SourceRule } from '../types';
import { looksLikeHttpHandler, middlewareOf, nameOf, resolveHandler, routeLabel, segments, walk, words, type HandlerFn } from './login-user-enumeration';

/**
 * A logout that only answers, leaving the server-side session alive:
 *
 *   router.post('/logout', (req, res) => res.redirect('/'));
 *
 * Accepted as a logout: `req.session.destroy()`, `req.logout()`/`req.logOut()`,
 * `req.session = null` (cookie-session), `req.session.regenerate()`,
 * `res.clearCookie(…)`, a call named like revoke/invalidate/destroy/blacklist,
 * or handing the request to code elsewhere (`authService.logout(req)`).
 * Only judged where sessions are in use (a session library or passport in the
 * project, or the handler touches `req.session`).
 */
export const rule: SourceRule = {
  id: 'session-no-destroy-on-logout',
  row: 'sessions',
  severity: 'info',
  description: 'Detects logout routes that neither destroy the session nor clear the session cookie.',
  message: 'Logout does not end the session: call req.session.destroy() (or req.logout()) and clear the session cookie.',
  fixable: true,
  docs: {
    why:
      'If logout only redirects, the session stays valid on the server: anyone holding the cookie (a shared computer, a ' +
      'stolen cookie, a proxy log) is still logged in as the user. Logging out must invalidate the session server-side.',
    bad: "router.post('/logout', (req, res) => {\n  res.redirect('/');\n});",
    good:
      "router.post('/logout', (req, res, next) => {\n" +
      '  req.session.destroy((err) => {\n' +
      '    if (err) return next(err);\n' +
      "    res.clearCookie('connect.sid');\n" +
      "    res.redirect('/');\n" +
      '  });\n' +
      '});',
    fix:
      'In the logout handler call `req.session.destroy()` (express-session), `req.logout()` (passport) or set ' +
      '`req.session = null` (cookie-session), and clear the session cookie with `res.clearCookie`.',
    cwe: ['CWE-613'],
    owasp: ['A07:2021'],
  },
  create(ctx) {
    // Logout routes end in a `logout`/`log-out`/`signout`/`sign-out` segment and logout functions are named so
    // (any case): a file that never spells one has nothing to judge.
    if (!textHasAnyOf(ctx.text, LOGOUT_WORDS, true)) return {};
    const deps = ctx.project.dependencies;
    const projectUsesSessions = SESSION_PACKAGES.some((p) => p in deps);
    const routes: RouteCall[] = [];
    const named: { fn: HandlerFn; anchor: ts.Node; label: string }[] = [];
    const namedFn = (name: string | undefined, fn: HandlerFn | undefined, anchor: ts.Node): void => {
      if (!name || !fn || !LOGOUT_FN_NAME.test(name) || !looksLikeHttpHandler(fn)) return;
      named.push({ fn, anchor, label: `${name}()` });
    };
    return {
      CallExpression(node: ts.CallExpression) {
        const route = routeCall(node);
        if (!route || route.method === 'use' || route.path === undefined || !isLogoutPath(route.path)) return;
        routes.push(route);
      },
      FunctionDeclaration(node: ts.FunctionDeclaration) {
        if (node.name && LOGOUT_FN_NAME.test(node.name.text)) namedFn(node.name.text, node, node.name);
      },
      MethodDeclaration(node: ts.MethodDeclaration) {
        const name = propertyName(node.name);
        if (name && LOGOUT_FN_NAME.test(name)) namedFn(name, node, node.name);
      },
      VariableDeclaration(node: ts.VariableDeclaration) {
        if (isIdentifier(node.name) && node.initializer && LOGOUT_FN_NAME.test(node.name.text)) {
          namedFn(node.name.text, resolveHandler(node.initializer), node.name);
        }
      },
      PropertyAssignment(node: ts.PropertyAssignment) {
        const name = propertyName(node.name);
        if (name && LOGOUT_FN_NAME.test(name)) namedFn(name, resolveHandler(node.initializer), node.name);
      },
      onEnd() {
        const seen = new Set<ts.Node>();
        const judge = (fn: HandlerFn, at: ts.Node, label: string): void => {
          if (seen.has(fn)) return;
          seen.add(fn);
          const usesSessions = projectUsesSessions || ctx.modules.importedModules().has('express-session') ||
            ctx.modules.importedModules().has('cookie-session') || touchesSession(fn);
          if (!usesSessions || endsSession(fn)) return;
          ctx.report(at, {
            message: `Logout in ${label} does not end the session: call req.session.destroy() (or req.logout()) and clear the session cookie.`,
            fixes: destroyFix(ctx, fn),
          });
        };
        for (const r of routes) {
          const last = r.handlers[r.handlers.length - 1];
          const fn = last ? resolveHandler(last) : undefined;
          // passport's `req.logout` may sit in a middleware before the handler.
          if (!fn || middlewareOf(r).some(middlewareEndsSession)) {
            if (fn) seen.add(fn);
            continue;
          }
          judge(fn, r.call, routeLabel(r));
        }
        for (const n of named) judge(n.fn, n.anchor, n.label);
      },
    };
  },
};

const SESSION_PACKAGES = ['express-session', 'cookie-session', 'passport', '@fastify/session', '@fastify/secure-session', 'koa-session'];
const LOGOUT_WORDS: readonly string[] = ['logout', 'log-out', 'signout', 'sign-out'];
const LOGOUT_FN_NAME = /^(do|handle|post|user|process)?(logout|logOut|signOut|signout)(user|handler|controller|action|route)?$/i;

/** `/logout`, `/auth/sign-out`, `/api/session/logout`. */
export function isLogoutPath(path: string): boolean {
  const last = segments(path.toLowerCase()).pop();
  return !!last && /^(log-?out|sign-?out)$/.test(last);
}

/** The handler reads or writes `req.session`. */
function touchesSession(fn: HandlerFn): boolean {
  let found = false;
  walk(fn, (n) => {
    if (found) return true;
    if (isPropertyAccessExpression(n) && n.name.text === 'session') found = true;
    return false;
  });
  return found;
}

const ENDING_WORDS: ReadonlySet<string> = new Set([
  'destroy', 'logout', 'signout', 'revoke', 'invalidate', 'blacklist', 'blocklist', 'denylist', 'expire', 'terminate', 'kill', 'end',
  'clear', 'regenerate', 'delete', 'remove', 'del',
]);

/** Something in the handler ends the session or the login, or it hands the request to code that may. */
function endsSession(fn: HandlerFn): boolean {
  const reqName = fn.parameters[0] && isIdentifier(fn.parameters[0].name) ? fn.parameters[0].name.text : 'req';
  let ends = false;
  walk(fn, (n) => {
    if (ends) return true;
    if (isCallExpression(n)) {
      const name = calleeName(n) ?? '';
      const w = words(name);
      // destroy, logout, logOut, clearCookie, revokeRefreshToken, sessionStore.destroy, redis.del, signOut
      if (w.some((x) => ENDING_WORDS.has(x)) || /^log(out|Out)$|^signOut$/.test(name)) ends = true;
      // authService.logout(req), endSession(req): the request goes elsewhere
      else if (n.arguments.some((a) => { const e = skipWrappers(a); return isIdentifier(e) && e.text === reqName; }) && !isResponder(n)) ends = true;
    } else if (isBinaryExpression(n) && n.operatorToken.kind === SyntaxKind.EqualsToken) {
      // req.session = null (cookie-session), ctx.session = null (koa-session)
      const target = dottedName(n.left);
      const v = skipWrappers(n.right);
      // req.session.user = null: the session no longer carries a login
      const nothing = v.kind === SyntaxKind.NullKeyword || (isIdentifier(v) && v.text === 'undefined');
      if (target && nothing && (/\.session$/.test(target) || target.includes('.session.'))) ends = true;
    } else if (ts.isDeleteExpression(n)) {
      // delete req.session.user
      const target = dottedName(n.expression);
      if (target && target.includes('.session.')) ends = true;
    }
    return false;
  });
  return ends;
}

/** `next(req)` style calls and `res.*` answers do not count as handing the request over. */
function isResponder(call: ts.CallExpression): boolean {
  const obj = calleeObject(call);
  return !!obj && isIdentifier(obj) && /^(res|response|reply)$/.test(obj.text);
}

/** `logoutUser`, `passportLogout`, or a local middleware that ends the session. */
function middlewareEndsSession(m: ts.Expression): boolean {
  const name = nameOf(m);
  if (name && words(name).some((x) => ENDING_WORDS.has(x))) return true;
  const fn = resolveHandler(m);
  return !!fn && endsSession(fn);
}

// ---------------------------------------------------------------------------
// Fix: answer from inside req.session.destroy()

const RESPONSE_METHODS: ReadonlySet<string> = new Set(['redirect', 'send', 'json', 'end', 'sendStatus', 'render', 'status']);

/**
 * A handler `(req, res[, next]) => { …; res.redirect('/'); }` answers from
 * inside `req.session.destroy((err) => { if (err) return next(err); res.redirect('/'); })`
 * (without `next`: `if (err) return res.status(500).end();`). Only when the
 * last statement is the handler's one and only response, and the project uses
 * express-session (cookie-session has no destroy).
 */
function destroyFix(ctx: RuleContext, fn: HandlerFn): Fix[] {
  if (usesCookieSession(ctx)) return [];
  if (isMethodDeclaration(fn)) return [];
  const [reqP, resP, nextP] = fn.parameters;
  const reqName = reqP && isIdentifier(reqP.name) ? reqP.name.text : undefined;
  const resName = resP && isIdentifier(resP.name) ? resP.name.text : undefined;
  if (!reqName || !resName || !/^(res|response)$/.test(resName) || fn.parameters.length > 3) return [];
  const nextName = nextP && isIdentifier(nextP.name) ? nextP.name.text : undefined;
  const body = fn.body;
  if (!body) return [];
  const sf = ctx.sourceFile;
  const text = sf.text;
  const nl = eol(text);
  const onError = nextName ? `return ${nextName}(err);` : `return ${resName}.status(500).end();`;
  if (!isBlock(body)) {
    // (req, res) => res.redirect('/')
    if (!isResponse(body, resName) || mentionsErr(body)) return [];
    const ind = indentAt(text, fn.getStart(sf));
    const unit = indentUnit(text);
    const stmt = body.getText(sf);
    if (stmt.includes('\n')) return [];
    const newText = `{${nl}${ind}${unit}${reqName}.session.destroy((err) => {${nl}${ind}${unit}${unit}if (err) ${onError}${nl}${ind}${unit}${unit}${stmt};${nl}${ind}${unit}});${nl}${ind}}`;
    return [{ title: 'Destroy the session before answering', edits: [{ start: body.getStart(sf), end: body.end, newText }] }];
  }
  const last = body.statements[body.statements.length - 1];
  if (!last) return [];
  const expr = isExpressionStatement(last) ? last.expression : isReturnStatement(last) ? last.expression : undefined;
  if (!expr || !isResponse(expr, resName) || mentionsErr(last)) return [];
  // The last statement must be the only response.
  const others = body.statements.slice(0, -1).some((st) => containsNode(st, (n) => isCallExpression(n) && isResponse(n, resName)));
  if (others) return [];
  const start = last.getStart(sf);
  const ind = indentAt(text, start);
  const fnInd = indentAt(text, fn.getStart(sf));
  const unit = ind.startsWith(fnInd) && ind.length > fnInd.length ? ind.slice(fnInd.length) : indentUnit(text);
  const stmt = last.getText(sf).split('\n').join(`\n${unit}`);
  const newText = `${reqName}.session.destroy((err) => {${nl}${ind}${unit}if (err) ${onError}${nl}${ind}${unit}${stmt}${nl}${ind}});`;
  return [{ title: 'Destroy the session before answering', edits: [{ start, end: last.end, newText }] }];
}

/** The file's indentation step: the leading blanks of its first indented line (a tab, or two spaces by default). */
function indentUnit(text: string): string {
  // Not a ` * ` line of a block comment.
  const m = /^([ \t]+)[^\s*]/m.exec(text);
  if (!m) return '  ';
  return m[1].startsWith('\t') ? '\t' : m[1];
}

/** `res.redirect('/')`, `res.status(200).json(…)`, `res.sendStatus(204)`. */
function isResponse(expr: ts.Node, resName: string): boolean {
  const top = skipWrappers(expr);
  if (!isCallExpression(top)) return false;
  let e: ts.CallExpression = top;
  const name = calleeName(e);
  if (!name || !RESPONSE_METHODS.has(name) || name === 'status') return false;
  for (;;) {
    const recv = calleeObject(e);
    if (!recv) return false;
    const r = skipWrappers(recv);
    if (isIdentifier(r)) return r.text === resName;
    if (!isCallExpression(r) || !RESPONSE_METHODS.has(calleeName(r) ?? '')) return false;
    e = r;
  }
}

/** The statement reads a name `err`, which the callback's parameter would shadow. */
function mentionsErr(node: ts.Node): boolean {
  return (isIdentifier(node) && node.text === 'err') || containsNode(node, (n) => isIdentifier(n) && n.text === 'err');
}

function usesCookieSession(ctx: RuleContext): boolean {
  const deps = ctx.project.dependencies;
  if (ctx.modules.imports('cookie-session')) return true;
  return 'cookie-session' in deps && !('express-session' in deps);
}
