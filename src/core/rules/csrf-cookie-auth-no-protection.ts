import {
  isCallExpression, isElementAccessExpression, isIdentifier, isPropertyAccessExpression,
  isStringLiteral, ts,
} from '../ts';
import { textHas, textHasAnyOf } from '../lib/text-hints';
import { calleeName, dottedName, stringValue } from '../ast';
import { addPropertiesEdits, preferredQuote } from '../fix';
import {
  CSRF_MODULES, DEPRECATED_CSRF_MODULE, authCookieSameSite, csrfProtectionCall, isAuthCookieName, isDoubleSubmitCheck, isTestOrSampleFile,
  sessionCookie, sessionModuleOf, type SessionCookie,
} from '../lib/protocols';
import { requestPart } from '../flow';
import { skipWrappers } from '../modules';
import type { Fix, RuleContext, SourceRule, TextEdit, Visitors } from '../types';
import { routeOf } from './idor-lookup';
import { maySpellWithEscapes } from '../lib/gates';

/**
 * An app that authenticates by cookie (express-session / cookie-session, or a
 * route reading `req.cookies.token` / `req.signedCookies`) and takes
 * state-changing requests, with no CSRF token check in the file and a session
 * cookie that is not SameSite:
 *
 *   app.use(session({ secret, cookie: { secure: true } }));   // ← reported once, here
 *   app.post('/transfer', requireLogin, transfer);
 *
 * Protection set up in another file clears the finding (`csrf-protection`
 * evidence, emitted by csrf-csurf-deprecated).
 */
export const rule: SourceRule = {
  id: 'csrf-cookie-auth-no-protection',
  row: 'csrf',
  severity: 'warning',
  description: 'Detects cookie-authenticated apps with state-changing routes, no CSRF token check and no SameSite session cookie.',
  message: "Cookie-authenticated app with state-changing routes and no CSRF protection: set the session cookie's sameSite to 'lax' (or 'strict') and check a CSRF token (csrf-csrf, csrf-sync).",
  fixable: true,
  docs: {
    why:
      'Browsers attach cookies to requests that other sites trigger: a hidden form on any page can POST to your app as the signed-in user ' +
      'when the session lives in a cookie. Without a CSRF token check or a SameSite session cookie, every state-changing route can be ridden ' +
      '(change e-mail, transfer, delete) by a page the victim merely visits.',
    bad:
      "app.use(session({ secret: env.SESSION_SECRET, cookie: { secure: true, httpOnly: true } }));\n" +
      "app.post('/account/email', requireLogin, updateEmail);",
    good:
      "app.use(session({ secret: env.SESSION_SECRET, cookie: { secure: true, httpOnly: true, sameSite: 'lax' } }));\n" +
      'const { doubleCsrfProtection } = doubleCsrf({ getSecret: () => env.CSRF_SECRET, getSessionIdentifier: (req) => req.session.id });\n' +
      'app.use(doubleCsrfProtection);\n' +
      "app.post('/account/email', requireLogin, updateEmail);",
    fix:
      "Set `sameSite: 'lax'` (or `'strict'`) on the session cookie, and check a CSRF token on every state-changing route with csrf-csrf " +
      '(double submit) or csrf-sync (synchronizer token); keep GET handlers free of side effects.',
    cwe: ['CWE-352', 'CWE-1275'],
    owasp: ['A01:2021'],
  },
  create(ctx) {
    if (isTestOrSampleFile(ctx.file)) return {};
    const text = ctx.text;
    // importedModules() is cached per file and cheaper than a text scan: asked first.
    const imported = ctx.modules.importedModules();
    const sessionFile = imported.has('express-session') || imported.has('cookie-session');
    // Both words spell `ookies`: one scan settles most files.
    const cookieFile = textHas(text, 'ookies') && (textHas(text, 'cookies') || textHas(text, 'signedCookies'));
    // A session import counts when the text spells `session` (a specifier does unless a string escape writes it).
    if (!cookieFile && !(sessionFile && (textHas(text, 'session') || maySpellWithEscapes(text)))) return {};
    const mentionsCsrf = textHasAnyOf(text, ['csrf', 'xsrf'], true);
    let protectedHere = imported.has(DEPRECATED_CSRF_MODULE) || [...imported].some((m) => CSRF_MODULES.has(m) && m !== 'lusca');
    const sessions: { call: ts.CallExpression; module: string; cookie: SessionCookie }[] = [];
    let cookieRead: ts.Node | undefined;
    const stateChanging: string[] = [];
    let mountsRouters = false;
    const sameSiteCookies: string[] = [];

    const onCookieRead = (node: ts.Node, name: string | undefined, signed: boolean): void => {
      if (cookieRead || !(signed ? !/csrf|xsrf/i.test(name ?? '') : isAuthCookieName(name))) return;
      cookieRead = node;
      ctx.fact('cookie-auth', node);
    };

    const main: Visitors = {
      CallExpression(node: ts.CallExpression) {
        const name = calleeName(node);
        if (name === undefined) return;
        // session({ … }) / cookieSession({ … }), wherever it is written (app.use, a const, an array of middleware).
        if (sessionFile && node.arguments.length > 0 && !isPropertyAccessExpression(node.expression)) {
          const module = sessionModuleOf(ctx, node);
          if (module) {
            sessions.push({ call: node, module, cookie: sessionCookie(module, node.arguments[0]) });
            return;
          }
        }
        if (protectedHere) return;
        if (mentionsCsrf && name === 'timingSafeEqual' && isDoubleSubmitCheck(node)) protectedHere = true;
        if ((name === 'cookie' || name === 'setCookie') && node.arguments.length >= 3) {
          const c = authCookieSameSite(node);
          if (c && c.sameSite !== 'none' && c.sameSite !== 'missing') sameSiteCookies.push(c.name);
          return;
        }
        const lname = name.toLowerCase();
        if (lname === 'post' || lname === 'put' || lname === 'patch' || lname === 'delete' || lname === 'del') {
          const route = routeOf(node);
          if (route?.path !== undefined && !/webhook|hook\b/i.test(route.path)) stateChanging.push(`${route.method.toUpperCase()} ${route.path}`);
          return;
        }
        if (lname === 'use' && !mountsRouters && node.arguments.some(isLocalRouter)) mountsRouters = true;
        if (mentionsCsrf && node.arguments.length > 0 && csrfProtectionCall(ctx, node)) protectedHere = true;
      },
      onEnd() {
        for (const s of sessions) ctx.fact('cookie-auth', s.call);
        if (protectedHere) return;
        const count = stateChanging.length;
        const what = count > 0
          ? `${count} state-changing route${count === 1 ? '' : 's'} (${stateChanging.slice(0, 3).join(', ')}${count > 3 ? ', …' : ''})`
          : "this app's state-changing routes";
        for (const s of sessions) {
          const ss = s.cookie.sameSite;
          if (ss === 'strict' || ss === 'lax' || ss === 'unknown') continue;
          if (count === 0 && !mountsRouters) continue;
          const cookieWhat = ss === 'none' ? `its ${s.module} cookie is sameSite none` : `its ${s.module} cookie has no sameSite`;
          ctx.report(s.call, {
            message: `Session cookie authenticates ${what} with no CSRF check, and ${cookieWhat}: set sameSite: 'lax' (or 'strict') and check a CSRF token (csrf-csrf, csrf-sync).`,
            fixes: sameSiteFix(ctx, s.module, s.cookie),
            unlessEvidence: 'csrf-protection',
          });
        }
        if (sessions.length === 0 && cookieRead && count > 0 && sameSiteCookies.length === 0) {
          ctx.report(cookieRead, {
            message: `Auth cookie read here authenticates ${what} with no CSRF check: set the cookie sameSite: 'lax' (or 'strict') and check a CSRF token (csrf-csrf, csrf-sync).`,
            unlessEvidence: 'csrf-protection',
          });
        }
      },
    };
    // The visitors below do nothing without `csrf` in the text / without cookie reads: not registered then.
    const doubleSubmit: Visitors = {
      BinaryExpression: mentionsCsrf
        ? (node: ts.BinaryExpression): void => {
          if (!protectedHere && isDoubleSubmitCheck(node)) protectedHere = true;
        }
        : undefined,
    };
    if (!cookieFile) return [main, doubleSubmit];
    return [main, doubleSubmit, {
      // req.cookies.token, req.signedCookies.sid
      PropertyAccessExpression(node: ts.PropertyAccessExpression) {
        if (cookieRead) return;
        const inner = node.expression;
        if (node.name.text === 'signedCookies' && requestPart(node)?.part === 'signedCookies') {
          const parent = node.parent;
          const key = isPropertyAccessExpression(parent) ? parent.name.text : isElementAccessExpression(parent) ? stringValue(parent.argumentExpression) : undefined;
          onCookieRead(node, key, true);
          return;
        }
        if (isPropertyAccessExpression(inner) && inner.name.text === 'cookies' && requestPart(inner)?.part === 'cookies') onCookieRead(node, node.name.text, false);
      },
      ElementAccessExpression(node: ts.ElementAccessExpression) {
        if (cookieRead) return;
        const inner = node.expression;
        if (isPropertyAccessExpression(inner) && inner.name.text === 'cookies' && requestPart(inner)?.part === 'cookies') {
          onCookieRead(node, stringValue(node.argumentExpression), false);
        }
      },
      // const { token } = req.cookies
      VariableDeclaration(node: ts.VariableDeclaration) {
        if (cookieRead || !node.initializer || !ts.isObjectBindingPattern(node.name)) return;
        const part = requestPart(skipWrappers(node.initializer));
        if (!part || (part.part !== 'cookies' && part.part !== 'signedCookies')) return;
        for (const el of node.name.elements) {
          const key = el.propertyName ? (isIdentifier(el.propertyName) || isStringLiteral(el.propertyName) ? el.propertyName.text : undefined) : isIdentifier(el.name) ? el.name.text : undefined;
          onCookieRead(node, key, part.part === 'signedCookies');
          if (cookieRead) return;
        }
      },
    }];
  },
};


/** `app.use('/api', usersRouter)` / `app.use(router)`: a router defined elsewhere, whose routes we cannot count. */
function isLocalRouter(arg: ts.Expression): boolean {
  const e = skipWrappers(arg);
  const name = isIdentifier(e) ? e.text : isPropertyAccessExpression(e) ? dottedName(e) ?? '' : isCallExpression(e) ? dottedName(e.expression) ?? '' : '';
  return /routes?|router|api|controller/i.test(name);
}

/** Adds `sameSite: 'lax'` to the cookie options, or replaces a 'none' / false value. */
function sameSiteFix(ctx: RuleContext, module: string, cookie: SessionCookie): Fix[] {
  const sf = ctx.sourceFile;
  const q = preferredQuote(sf);
  const lax = `${q}lax${q}`;
  let edits: TextEdit[] = [];
  if (cookie.sameSiteNode) {
    edits = [{ start: cookie.sameSiteNode.getStart(sf), end: cookie.sameSiteNode.end, newText: lax }];
  } else if (cookie.flags) {
    edits = addPropertiesEdits(sf, cookie.flags, [`sameSite: ${lax}`]);
  } else if (cookie.options && module === 'express-session' && !cookie.options.props.has('cookie')) {
    edits = addPropertiesEdits(sf, cookie.options.literal, [`cookie: { sameSite: ${lax} }`]);
  }
  return edits.length > 0 ? [{ title: "Set sameSite: 'lax' on the session cookie", edits, preferred: false }] : [];
}
