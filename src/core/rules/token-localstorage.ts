import {
  isCallExpression, isElementAccessExpression, isIdentifier, isNumericLiteral,
  isObjectLiteralExpression, isPropertyAccessExpression, isPropertyAssignment,
  isShorthandPropertyAssignment, isStringLiteral, isTemplateExpression, SyntaxKind, ts,
} from '../ts';
import { calleeName, calleeObject, dottedName, stringValue } from '../ast';
import { skipWrappers } from '../modules';
import type { SourceRule } from '../types';
import { expressionName, nameWords, resolveString } from './jwt-verify-algorithms';
import { isTestFile } from '../lib/test-files';

/** Words that make a name a credential. */
const TOKEN_WORDS: ReadonlySet<string> = new Set(['token', 'tokens', 'jwt', 'bearer']);
/**
 * Words that make a `…token…` name something else: CSRF tokens (meant to be
 * readable by scripts), push/device tokens, pagination cursors, LLM token
 * counts, crypto-currency tokens, design tokens.
 */
const NOT_CREDENTIAL_WORDS: ReadonlySet<string> = new Set([
  'csrf', 'xsrf', 'fcm', 'apns', 'push', 'device', 'notification', 'notifications', 'page', 'next', 'cursor', 'continuation',
  'sync', 'count', 'counts', 'usage', 'used', 'max', 'limit', 'limits', 'balance', 'balances', 'address', 'list', 'selected',
  'symbol', 'price', 'prices', 'design', 'theme', 'captcha', 'recaptcha', 'hcaptcha', 'turnstile', 'tokenizer', 'contract',
  'decimals', 'amount', 'input', 'output', 'prompt', 'completion', 'total', 'estimate', 'estimated', 'remaining', 'watched',
  'watchlist', 'imported', 'custom', 'favorite', 'favorites', 'swap', 'color', 'colors',
]);

/** True when a name says it holds a credential token: `accessToken`, `jwt`, `ID_TOKEN`; not `csrfToken`, `tokenizerSettings`, `maxTokens`. */
export function isTokenName(name: string | undefined): boolean {
  if (!name) return false;
  const words = nameWords(name);
  return words.some((w) => TOKEN_WORDS.has(w)) && !words.some((w) => NOT_CREDENTIAL_WORDS.has(w));
}

/** True when a name says it is something other than a credential (a CSRF token, a theme). */
export function isNonCredentialName(name: string | undefined): boolean {
  return !!name && nameWords(name).some((w) => NOT_CREDENTIAL_WORDS.has(w));
}

const STORAGES: ReadonlySet<string> = new Set([
  'localStorage', 'sessionStorage', 'window.localStorage', 'window.sessionStorage', 'globalThis.localStorage',
  'globalThis.sessionStorage', 'self.localStorage', 'self.sessionStorage',
]);

/**
 * A token written to Web Storage, where every script on the page can read it:
 * `localStorage.setItem('accessToken', token)`, `localStorage.token = jwt`,
 * `sessionStorage['jwt'] = data.token`, `window.localStorage.setItem(TOKEN_KEY, t)`.
 */
export const rule: SourceRule = {
  id: 'token-localstorage',
  row: 'token-storage',
  severity: 'warning',
  description: 'Detects auth tokens (JWTs, access or refresh tokens) written to localStorage or sessionStorage.',
  message: 'Auth token stored in localStorage: any XSS can read and exfiltrate it; keep it in an httpOnly, secure, sameSite cookie or in memory.',
  fixable: false,
  docs: {
    why:
      'Web Storage is readable by every script running on the origin: one XSS, a compromised npm dependency or a malicious ' +
      'browser extension can copy the token and replay it from anywhere until it expires. An httpOnly cookie is sent by the ' +
      'browser but can never be read by JavaScript.',
    bad: "const { accessToken } = await api.post('/login', credentials);\nlocalStorage.setItem('accessToken', accessToken);",
    good:
      "// server: the refresh token goes into an httpOnly cookie\nres.cookie('refreshToken', refreshToken, { httpOnly: true, secure: true, sameSite: 'strict', path: '/auth/refresh' });\n" +
      '// client: the short-lived access token lives in memory only\nlet accessToken = (await api.post(\'/login\', credentials)).accessToken;',
    fix:
      'Have the server set the refresh token (or session) as an httpOnly, secure, sameSite cookie with a narrow path, keep the ' +
      'short-lived access token in a JavaScript variable, and fetch a new one from the refresh endpoint on reload.',
    cwe: ['CWE-922', 'CWE-522'],
    owasp: ['A04:2021', 'A07:2021'],
  },
  create(ctx) {
    if (isTestFile(ctx.file)) return {};
    // Every report and the fact need a storage receiver, whose last name is one of these.
    if (!ctx.mentions('localStorage', 'sessionStorage')) return {};
    let factDone = false;
    const judge = (node: ts.Node, storage: string, key: ts.Node | undefined, keyText: string | undefined, value: ts.Expression | undefined): void => {
      if (!value || isInert(value)) return;
      const keyName = keyText ?? (key ? resolveString(key) ?? templateText(key) ?? expressionName(key) : undefined);
      const valueName = expressionName(value);
      if (isNonCredentialName(keyName) || isNonCredentialName(valueName)) return;
      if (!isTokenName(keyName) && !isTokenName(valueName) && !objectHoldsToken(value)) return;
      if (!factDone) {
        factDone = true;
        ctx.fact('token-handling', node);
      }
      const where = storage.endsWith('sessionStorage') ? 'sessionStorage' : 'localStorage';
      ctx.report(node, {
        message: `Auth token stored in ${where}: any XSS can read and exfiltrate it; keep it in an httpOnly, secure, sameSite cookie or in memory.`,
      });
    };
    return {
      CallExpression(node: ts.CallExpression) {
        if (calleeName(node) !== 'setItem') return;
        const receiver = calleeObject(node);
        const storage = receiver && dottedName(receiver);
        if (!storage || !STORAGES.has(storage)) return;
        judge(node, storage, node.arguments[0], undefined, node.arguments[1]);
      },
      BinaryExpression(node: ts.BinaryExpression) {
        if (node.operatorToken.kind !== SyntaxKind.EqualsToken) return;
        const left = node.left;
        if (!isPropertyAccessExpression(left) && !isElementAccessExpression(left)) return;
        const storage = dottedName(left.expression);
        if (!storage || !STORAGES.has(storage)) return;
        if (isPropertyAccessExpression(left)) judge(node, storage, undefined, left.name.text, node.right);
        else judge(node, storage, left.argumentExpression, undefined, node.right);
      },
    };
  },
};

/** Values that cannot be a token: literals, `null`, `undefined`, booleans, numbers. */
function isInert(value: ts.Expression): boolean {
  const v = skipWrappers(value);
  if (stringValue(v) !== undefined || isNumericLiteral(v)) return true;
  if (v.kind === SyntaxKind.NullKeyword || v.kind === SyntaxKind.TrueKeyword || v.kind === SyntaxKind.FalseKeyword) return true;
  return isIdentifier(v) && v.text === 'undefined';
}

/** The literal text of a template key: `${prefix}:token` → ':token'. */
function templateText(node: ts.Node): string | undefined {
  const e = skipWrappers(node);
  if (!isTemplateExpression(e)) return undefined;
  return [e.head.text, ...e.templateSpans.map((s) => s.literal.text)].join(' ');
}

/** `JSON.stringify({ accessToken, user })`: an object literal with a token-named property. */
function objectHoldsToken(value: ts.Expression): boolean {
  let v = skipWrappers(value);
  if (isCallExpression(v) && calleeName(v) === 'stringify' && v.arguments[0]) v = skipWrappers(v.arguments[0]);
  if (!isObjectLiteralExpression(v)) return false;
  return v.properties.some((p) => {
    if (isShorthandPropertyAssignment(p)) return isTokenName(p.name.text);
    if (isPropertyAssignment(p) && (isIdentifier(p.name) || isStringLiteral(p.name))) {
      return isTokenName(p.name.text) && !isInert(p.initializer);
    }
    return false;
  });
}
