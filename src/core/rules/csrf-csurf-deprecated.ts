import { isIdentifier, isStringLiteral, SyntaxKind, ts } from '../ts';
import { textHas, textHasAnyOf } from '../lib/text-hints';
import { calleeName, stringValue } from '../ast';
import {
  CSRF_MODULES, DEPRECATED_CSRF_MODULE, authCookieSameSite, csrfProtectionCall, isDoubleSubmitCheck, isTestOrSampleFile, sessionCookie, sessionModuleOf,
} from '../lib/protocols';
import { normalizeModule, requiredModule } from '../modules';
import type { SourceRule } from '../types';

/**
 * `import csrf from 'csurf'` / `require('csurf')`: the package was deprecated
 * in September 2022 and gets no fixes. The rule also emits the `csrf-protection`
 * evidence for maintained protections: csrf-csrf, csrf-sync, lusca.csrf,
 * @fastify/csrf-protection, tiny-csrf, a hand-written double-submit check
 * (CSRF header compared with a cookie), and session or auth cookies set
 * `sameSite: 'strict' | 'lax'`.
 */
export const rule: SourceRule = {
  id: 'csrf-csurf-deprecated',
  row: 'csrf',
  severity: 'warning',
  description: 'Detects use of the deprecated, unmaintained csurf CSRF middleware.',
  message: 'csurf is deprecated and unmaintained since 2022: switch to csrf-csrf (double submit) or csrf-sync (synchronizer token), and set sameSite on the session cookie.',
  fixable: false,
  docs: {
    why:
      'csurf was deprecated by its maintainers in September 2022 and receives no security fixes; its cookie mode was shown to allow ' +
      'token bypasses when an attacker can set cookies on a sibling subdomain. CSRF protection you cannot patch is protection you will lose.',
    bad: "import csrf from 'csurf';\n\napp.use(cookieParser());\napp.use(csrf({ cookie: true }));",
    good:
      "import { doubleCsrf } from 'csrf-csrf';\n\n" +
      'const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({\n' +
      '  getSecret: () => env.CSRF_SECRET,\n' +
      '  getSessionIdentifier: (req) => req.session.id,\n' +
      "  cookieOptions: { sameSite: 'strict', secure: true },\n" +
      '});\n' +
      'app.use(doubleCsrfProtection);',
    fix:
      'Replace csurf with csrf-csrf (stateless double-submit cookie) or csrf-sync (synchronizer token stored in the session), ' +
      "send the token in a header or hidden form field, and set `sameSite: 'lax'` or `'strict'` on the session cookie as a second layer.",
    cwe: ['CWE-1104', 'CWE-352'],
    owasp: ['A06:2021', 'A01:2021'],
  },
  create(ctx) {
    if (isTestOrSampleFile(ctx.file)) return {};
    const mentionsCsrf = textHasAnyOf(ctx.text, ['csrf', 'xsrf'], true);
    const imported = ctx.modules.importedModules();
    const mayProtect = [...imported].some((m) => CSRF_MODULES.has(m) || m === 'express-session' || m === 'cookie-session');
    const mayUseCsurf = textHas(ctx.text, DEPRECATED_CSRF_MODULE);
    // Without these, no path can report (csurf) or give evidence (double submit, sameSite auth cookie, protection set up).
    const mayCookie = ctx.mentions('cookie', 'setCookie');
    if (!mentionsCsrf && !mayProtect && !mayUseCsurf && !mayCookie) return {};
    let doubleSubmitSeen = false;
    const onCheck = (node: ts.BinaryExpression | ts.CallExpression): void => {
      if (doubleSubmitSeen || !isDoubleSubmitCheck(node)) return;
      doubleSubmitSeen = true;
      ctx.evidence('csrf-protection', node, 'CSRF header checked against its cookie (double submit)');
    };
    return {
      ImportDeclaration(node: ts.ImportDeclaration) {
        if (mayUseCsurf && isStringLiteral(node.moduleSpecifier) && node.moduleSpecifier.text === DEPRECATED_CSRF_MODULE) ctx.report(node);
      },
      CallExpression(node: ts.CallExpression) {
        if (mayUseCsurf && (isIdentifier(node.expression) || node.expression.kind === SyntaxKind.ImportKeyword)) {
          const spec = node.expression.kind === SyntaxKind.ImportKeyword ? stringValue(node.arguments[0]) : requiredModule(node);
          if (spec !== undefined && normalizeModule(spec) === DEPRECATED_CSRF_MODULE) {
            ctx.report(node);
            return;
          }
        }
        const name = calleeName(node);
        if (name === undefined) return;
        if (mentionsCsrf && name === 'timingSafeEqual') onCheck(node);
        if ((name === 'cookie' || name === 'setCookie') && node.arguments.length >= 3) {
          const c = authCookieSameSite(node);
          if (c && (c.sameSite === 'strict' || c.sameSite === 'lax')) ctx.evidence('csrf-protection', node, `auth cookie '${c.name}' set sameSite ${c.sameSite}`);
          return;
        }
        if (!mayProtect || node.arguments.length === 0) return;
        const label = csrfProtectionCall(ctx, node);
        if (label) {
          ctx.evidence('csrf-protection', node, `${label} set up`);
          return;
        }
        const module = sessionModuleOf(ctx, node);
        if (!module) return;
        const cookie = sessionCookie(module, node.arguments[0]);
        if (cookie.sameSite === 'strict' || cookie.sameSite === 'lax') ctx.evidence('csrf-protection', node, `${module} cookie is sameSite ${cookie.sameSite}`);
      },
      BinaryExpression(node: ts.BinaryExpression) {
        if (mentionsCsrf) onCheck(node);
      },
    };
  },
};
