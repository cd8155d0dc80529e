import { isCallExpression, isIdentifier, isNewExpression, SyntaxKind, ts } from '../ts';
import { textHas } from '../lib/text-hints';
import { calleeName, calleeObject, dottedName, numberValue, stringValue } from '../ast';
import { preferredQuote } from '../fix';
import { skipWrappers } from '../modules';
import type { Fix, RuleContext, SourceRule, TextEdit } from '../types';
import { addOptionEdits, expressionName, nameWords, resolveObject, resolveString, type ResolvedObject } from './jwt-verify-algorithms';
import { isTestFile } from '../lib/test-files';
import { isNonCredentialName } from './token-localstorage';
import { maySpellWithEscapes } from '../lib/gates';

/** Receivers of `.cookie()` / `.setCookie()`: Express and NestJS `res`, Fastify `reply`. */
const RESPONSE_NAMES: ReadonlySet<string> = new Set(['res', 'response', 'reply', 'resp']);
/** Words that make a cookie (name or value) a credential. */
const CREDENTIAL_WORDS: ReadonlySet<string> = new Set([
  'token', 'tokens', 'jwt', 'bearer', 'session', 'sess', 'sid', 'refresh', 'auth', 'authorization', 'remember',
]);
/** Functions whose result is a credential: `jwt.sign(...)`, `generateAccessToken(user)`, `createSession()`. */
const SIGNING_NAMES: ReadonlySet<string> = new Set(['sign', 'signAsync']);

type Flag = 'httpOnly' | 'secure' | 'sameSite';

const PROPERTY_ACCESS = SyntaxKind.PropertyAccessExpression;
const IDENTIFIER = SyntaxKind.Identifier;


/**
 * `res.cookie(name, value, options?)` / `reply.setCookie(...)` for a cookie
 * that holds a token or session id (by its name or its value), without
 * `httpOnly: true`, a `secure` flag, or a `sameSite` policy.
 */
export const rule: SourceRule = {
  id: 'cookie-insecure-flags',
  row: 'token-storage',
  severity: 'error',
  description: 'Detects token or session cookies set without httpOnly, secure or sameSite.',
  message: "Token cookie set without httpOnly, secure and sameSite: add `httpOnly: true, secure: true, sameSite: 'strict'`.",
  fixable: true,
  docs: {
    why:
      'Without `httpOnly` any script on the page (an XSS, a compromised dependency) can read the token; without `secure` the browser ' +
      'also sends it over plain HTTP where anyone on the network can copy it; without `sameSite` other sites can make the browser ' +
      'send it with forged requests (CSRF).',
    bad: "res.cookie('refreshToken', refreshToken);\nres.cookie('token', jwt, { maxAge: 900_000 });",
    good:
      "res.cookie('refreshToken', refreshToken, {\n  httpOnly: true,\n  secure: true,\n  sameSite: 'strict',\n  path: '/auth/refresh',\n  maxAge: 7 * 24 * 3600 * 1000,\n});",
    fix:
      "Pass `httpOnly: true`, `secure: true` (or `secure: process.env.NODE_ENV === 'production'` for local HTTP) and `sameSite: 'strict'` " +
      "(or 'lax' when users arrive through links from other sites) to every cookie that carries a token or session id; narrow refresh " +
      'token cookies with `path`.',
    cwe: ['CWE-1004', 'CWE-614', 'CWE-1275'],
    owasp: ['A05:2021', 'A07:2021'],
  },
  create(ctx) {
    if (isTestFile(ctx.file)) return {};
    // Once per file: the callee must be named cookie/setCookie. calleeName also reads a parenthesized
    // string key (`res[('cookie')]`), which the identifier table does not hold: the text must spell it then.
    if (!ctx.mentions('cookie', 'setCookie') && !textHas(ctx.text, 'ookie') && !maySpellWithEscapes(ctx.text)) return {};
    let factDone = false;
    return {
      CallExpression(node: ts.CallExpression) {
        // calleeName without the call for the common shapes `x.name(…)` / `name(…)`.
        const callee = node.expression;
        const method = callee.kind === PROPERTY_ACCESS ? (callee as ts.PropertyAccessExpression).name.text
          : callee.kind === IDENTIFIER ? (callee as ts.Identifier).text : calleeName(node);
        if (method !== 'cookie' && method !== 'setCookie') return;
        const receiver = calleeObject(node);
        const recv = receiver && dottedName(receiver);
        if (!recv || !RESPONSE_NAMES.has(recv.slice(recv.lastIndexOf('.') + 1))) return;
        const [nameArg, value, optionsArg] = node.arguments;
        if (!nameArg || !value) return;
        const literalName = resolveString(nameArg);
        const cookieName = literalName ?? expressionName(nameArg);
        if (isNonCredentialName(cookieName)) return; // XSRF-TOKEN must stay readable by scripts
        if (!isCredentialName(cookieName) && !isCredentialValue(ctx, value)) return;
        if (isClearing(value)) return;
        const options = optionsArg ? resolveObject(optionsArg) : undefined;
        if (optionsArg && (!options || !options.complete)) return; // options we cannot see in full
        if (options && expiresNow(options)) return; // `maxAge: 0`: clearing the cookie
        if (!factDone) {
          factDone = true;
          ctx.fact('token-handling', node);
        }
        const problems = flagProblems(options);
        const label = literalName !== undefined ? `Cookie '${literalName}'` : 'Token cookie';
        if (problems.length === 0) {
          const named = literalName !== undefined ? ` '${literalName}'` : '';
          ctx.evidence('token-cookie-hardened', node, `token cookie${named} set httpOnly, secure, sameSite`);
          return;
        }
        const q = preferredQuote(ctx.sourceFile);
        const edits = fixEdits(ctx, node, options, problems, q);
        const fixes: Fix[] = edits.length > 0 ? [{ title: `Set ${problems.map((p) => p.flag).join(', ')} on the cookie`, edits }] : [];
        ctx.report(node, {
          message: `${label} holds a credential but ${listing(problems.map((p) => p.why))}: add ${problems.map((p) => `\`${wanted(p.flag, q)}\``).join(', ')}.`,
          fixes,
        });
      },
    };
  },
};

function isCredentialName(name: string | undefined): boolean {
  return !!name && nameWords(name).some((w) => CREDENTIAL_WORDS.has(w));
}

/** The value is a token: named like one (`refreshToken`, `session.id`), or made by a signing call. */
function isCredentialValue(ctx: RuleContext, value: ts.Expression): boolean {
  const v = skipWrappers(value);
  if (isCredentialName(expressionName(v))) return !isNonCredentialName(expressionName(v));
  if (isCallExpression(v)) {
    const name = calleeName(v);
    if (name && SIGNING_NAMES.has(name)) return ctx.modules.isCall(v, 'jsonwebtoken', 'sign') || /jwt|token/i.test(dottedName(v.expression) ?? '');
    if (name && isCredentialName(name) && !isNonCredentialName(name)) return true;
  }
  return false;
}

/** `res.cookie('token', '')`, `res.cookie('jwt', 'loggedout')`: a constant is a placeholder that clears the cookie, never a credential. */
function isClearing(value: ts.Expression): boolean {
  const v = skipWrappers(value);
  return stringValue(v) !== undefined || v.kind === SyntaxKind.NullKeyword || (isIdentifier(v) && v.text === 'undefined');
}

function expiresNow(options: ResolvedObject): boolean {
  const maxAge = options.props.get('maxAge');
  if (maxAge && numberValue(maxAge) !== undefined && numberValue(maxAge)! <= 0) return true;
  const expires = options.props.get('expires');
  if (expires) {
    const e = skipWrappers(expires);
    if (isNewExpression(e) && e.arguments?.length === 1 && numberValue(e.arguments[0]) === 0) return true;
    if (numberValue(e) === 0) return true;
  }
  return false;
}

interface Problem {
  flag: Flag;
  why: string;
  /** An existing value to replace (`httpOnly: false`), else the property is added. */
  replace?: ts.Expression;
}

function isFalse(e: ts.Expression | undefined): boolean {
  if (!e) return false;
  const v = skipWrappers(e);
  return v.kind === SyntaxKind.FalseKeyword || (isIdentifier(v) && v.text === 'undefined') || v.kind === SyntaxKind.NullKeyword;
}

function flagProblems(options: ResolvedObject | undefined): Problem[] {
  const get = (k: string): ts.Expression | undefined => options?.props.get(k);
  const problems: Problem[] = [];
  const httpOnly = get('httpOnly');
  if (!httpOnly) problems.push({ flag: 'httpOnly', why: 'is readable by scripts (no httpOnly)' });
  else if (isFalse(httpOnly)) problems.push({ flag: 'httpOnly', why: 'is readable by scripts (httpOnly: false)', replace: httpOnly });
  const secure = get('secure');
  const secureSet = !!secure && !isFalse(secure);
  if (!secure) problems.push({ flag: 'secure', why: 'is sent over plain HTTP (no secure)' });
  else if (!secureSet) problems.push({ flag: 'secure', why: 'is sent over plain HTTP (secure: false)', replace: secure });
  const sameSite = get('sameSite');
  if (!sameSite) problems.push({ flag: 'sameSite', why: 'rides along on cross-site requests (no sameSite)' });
  else if (isFalse(sameSite)) problems.push({ flag: 'sameSite', why: 'rides along on cross-site requests (sameSite: false)', replace: sameSite });
  else if (resolveString(sameSite)?.toLowerCase() === 'none' && !secureSet && !problems.some((p) => p.flag === 'secure')) {
    problems.push({ flag: 'secure', why: "uses sameSite 'none' without secure" });
  }
  return problems;
}

function wanted(flag: Flag, q: string): string {
  return flag === 'sameSite' ? `sameSite: ${q}strict${q}` : `${flag}: true`;
}

function fixEdits(ctx: RuleContext, call: ts.CallExpression, options: ResolvedObject | undefined, problems: Problem[], q: string): TextEdit[] {
  const sf = ctx.sourceFile;
  const edits: TextEdit[] = [];
  const added: string[] = [];
  for (const p of problems) {
    if (p.replace) {
      const value = p.flag === 'sameSite' ? `${q}strict${q}` : 'true';
      edits.push({ start: p.replace.getStart(sf), end: p.replace.end, newText: value });
    } else {
      added.push(wanted(p.flag, q));
    }
  }
  if (added.length > 0) {
    const more = addOptionEdits(sf, call, 2, options, added);
    if (more.length === 0) return [];
    edits.push(...more);
  }
  return edits;
}

function listing(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
