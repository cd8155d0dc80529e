import {
  forEachChild, isArrayLiteralExpression, isArrowFunction, isAsExpression, isAwaitExpression,
  isBinaryExpression, isCallExpression, isConditionalExpression, isElementAccessExpression,
  isIdentifier, isIfStatement, isObjectLiteralExpression, isParenthesizedExpression,
  isPrefixUnaryExpression, isPropertyAccessExpression, isPropertyAssignment, isReturnStatement,
  isShorthandPropertyAssignment, isSourceFile, isStringLiteralLike, isTemplateExpression,
  isVariableDeclaration, SyntaxKind, ts,
} from '../ts';
import { calleeName, dottedName, propertyName } from '../ast';
import { lookup } from '../scopes';
import type { SourceRule } from '../types';
import { enclosingFunctionName, fileUsesJwt, mayUseJwt } from './jwt-verify-algorithms';
import { isTestFile } from '../lib/test-files';
import { NodeCache } from '../file-caches';

/** Claims that identify or authorize: reading one of them from an unverified token trusts the attacker. */
const IDENTITY_PROPS: ReadonlySet<string> = new Set([
  'sub', 'id', '_id', 'userId', 'user_id', 'uid', 'role', 'roles', 'isAdmin', 'is_admin', 'admin', 'permissions',
  'scope', 'scopes', 'groups', 'username', 'email', 'tenantId', 'tenant_id', 'accountId', 'account_id', 'orgId', 'user',
]);
/**
 * Claims about the token itself: reading them (a refresh timer, a cookie maxAge, which issuer's key
 * to verify with) decides nothing about who the caller is.
 */
const TOKEN_PROPS: ReadonlySet<string> = new Set(['exp', 'iat', 'nbf', 'jti', 'iss', 'aud', 'azp', 'kid', 'typ', 'alg']);
/** `req.user = decoded`, `res.locals.user = decoded`, `ctx.state.user = decoded`. */
const IDENTITY_TARGETS: ReadonlySet<string> = new Set(['user', 'currentUser', 'auth', 'userId', 'principal', 'identity', 'claims', 'account']);
const REQUEST_ROOTS: ReadonlySet<string> = new Set(['req', 'request', 'res', 'response', 'ctx', 'context']);
/** A function whose name promises an identity or a verdict: returning the decoded token from it is verification by decode. */
const IDENTITY_FUNCTION = /auth|user|verif|validat|identity|principal|session|whoami|claims|current|member|permission|role/i;
/** Passport-style `done(null, user)`: the second argument becomes the authenticated user. */
const CALLBACKS: ReadonlySet<string> = new Set(['done', 'cb', 'callback', 'next']);
const HANDLER_PARAMS: ReadonlySet<string> = new Set(['req', 'request', 'res', 'response', 'ctx', 'next']);

/**
 * `jwt.decode(token)` (jsonwebtoken) or `decodeJwt(token)` (jose) whose result
 * becomes the caller's identity or decides access, in code that never verifies:
 *
 *   const payload = jwt.decode(token);
 *   req.user = await User.findById(payload.sub);
 *
 * Reading only the header (`{ complete: true }` → `.header.kid`) or timing
 * claims (`.exp`), or a verify call in the same function, is fine.
 */
export const rule: SourceRule = {
  id: 'jwt-decode-as-verify',
  row: 'auth-jwt',
  severity: 'error',
  description: 'Detects jwt.decode() or jose decodeJwt() results trusted as identity or used for access decisions without verification.',
  message: 'jwt.decode() does not check the signature, yet its result is trusted as identity: anyone can forge it; use jwt.verify() with pinned algorithms.',
  fixable: false,
  docs: {
    why:
      '`decode` only base64-decodes the token: it never checks the signature, the expiry or the issuer. Anyone can write ' +
      '`{"sub":"admin"}` into a token, so code that takes the user id or role from a decoded token lets every caller be anyone.',
    bad: "const payload = jwt.decode(req.headers.authorization.slice(7));\nreq.user = await User.findById(payload.sub);",
    good:
      "const payload = jwt.verify(req.headers.authorization.slice(7), process.env.JWT_SECRET, { algorithms: ['HS256'] });\n" +
      'req.user = await User.findById(payload.sub);',
    fix:
      'Replace `jwt.decode(token)` with `jwt.verify(token, key, { algorithms: [...] })` (jose: `decodeJwt` with `jwtVerify`) and handle ' +
      'its error as a 401. Keep `decode` only to read the header (`kid`) before verifying, or to read `exp` for a refresh timer.',
    cwe: ['CWE-347', 'CWE-345'],
    owasp: ['A07:2021', 'A02:2021'],
  },
  create(ctx) {
    // The callee's name is an identifier `decode` / `decodeJwt` (or a string key, which registers too),
    // and a report needs a top-level JWT import.
    if (isTestFile(ctx.file) || !ctx.mentions('decode', 'decodeJwt') || !mayUseJwt(ctx.text) || !fileUsesJwt(ctx)) return {};
    return {
      CallExpression(node: ts.CallExpression) {
        const name = calleeName(node);
        if (name !== 'decode' && name !== 'decodeJwt') return;
        const o = ctx.modules.callee(node);
        if (!o || o.path.length !== 1) return;
        const jose = o.module === 'jose' && o.path[0] === 'decodeJwt';
        if (!jose && !(o.module === 'jsonwebtoken' && o.path[0] === 'decode')) return;
        if (verifiesAround(node)) return;
        const use = identityUse(node);
        if (!use) return;
        ctx.report(node, {
          message: jose
            ? 'decodeJwt() does not check the signature, yet its result is trusted as identity: anyone can forge it; use jwtVerify() with pinned algorithms.'
            : undefined,
          related: use === node ? undefined : [{ node: use, message: 'the unverified claims are trusted here' }],
        });
      },
    };
  },
};

// ---------------------------------------------------------------------------

const verifyCache = new NodeCache<ts.Node, boolean>();

/** True when a function around the call (any level) also verifies a token: decode-then-verify (pick a key by `kid`) is the safe shape. */
function verifiesAround(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n && !isSourceFile(n); n = n.parent) {
    if (!ts.isFunctionLike(n)) continue;
    let v = verifyCache.get(n);
    if (v === undefined) {
      v = containsVerifyCall(n);
      verifyCache.set(n, v);
    }
    if (v) return true;
  }
  return false;
}

function containsVerifyCall(fn: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (isCallExpression(n)) {
      const name = calleeName(n);
      if (name && /verify/i.test(name)) {
        found = true;
        return;
      }
    }
    forEachChild(n, visit);
  };
  forEachChild(fn, visit);
  return found;
}

/** Walks up through `(x)`, `x as T`, `x!`, `await x`. */
function outermost(node: ts.Node): ts.Node {
  let n = node;
  while (
    n.parent &&
    (isParenthesizedExpression(n.parent) || isAsExpression(n.parent) || ts.isNonNullExpression(n.parent) ||
      isAwaitExpression(n.parent) || ts.isSatisfiesExpression(n.parent) || ts.isTypeAssertionExpression(n.parent))
  ) {
    n = n.parent;
  }
  return n;
}

/** Where the decoded value is trusted as identity, or undefined. */
function identityUse(call: ts.CallExpression): ts.Node | undefined {
  const top = outermost(call);
  const p = top.parent;
  if (!p) return undefined;
  if (isVariableDeclaration(p) && p.initializer === top) {
    if (isIdentifier(p.name)) return referencesUse(p.name);
    return patternUse(p.name) ? p : undefined;
  }
  if (isBinaryExpression(p) && p.operatorToken.kind === SyntaxKind.EqualsToken && p.right === top && isIdentifier(p.left)) {
    const b = lookup(p.left.text, p.left);
    return b ? referencesUse(b.node, p.left) : undefined;
  }
  return valueUse(top);
}

/** How one occurrence of the decoded value (the call or a variable holding it) is used. */
function valueUse(ref: ts.Node): ts.Node | undefined {
  const top = outermost(ref);
  const p = top.parent;
  if (!p) return undefined;
  if ((isPropertyAccessExpression(p) || isElementAccessExpression(p)) && p.expression === top) return memberUse(p);
  if (isBinaryExpression(p) && p.operatorToken.kind === SyntaxKind.EqualsToken && p.right === top) {
    return isIdentityTarget(p.left) ? p : undefined;
  }
  if (isVariableDeclaration(p) && p.initializer === top && !isIdentifier(p.name)) return patternUse(p.name) ? p : undefined;
  if (isPropertyAssignment(p) && p.initializer === top) {
    const key = propertyName(p.name);
    return key !== undefined && IDENTITY_TARGETS.has(key) ? p : undefined;
  }
  if (isShorthandPropertyAssignment(p)) return IDENTITY_TARGETS.has(p.name.text) ? p : undefined;
  if (isReturnStatement(p) || (isArrowFunction(p) && p.body === top)) {
    const fn = enclosingFunctionName(isArrowFunction(p) ? top : p);
    return fn && IDENTITY_FUNCTION.test(fn) ? p : undefined;
  }
  if (isCallExpression(p) && p.arguments.includes(top as ts.Expression)) {
    const name = calleeName(p);
    const index = p.arguments.indexOf(top as ts.Expression);
    if (name && CALLBACKS.has(name) && index === 1) return p;
  }
  // `if (decoded) next()` in a middleware: the token's mere presence lets the request through.
  if (inCondition(top) && inHandler(top)) return top;
  return undefined;
}

/** `x.sub`, `x.payload.role`, `x['userId']`; `x.header.kid` and `x.exp` are not identity. */
function memberUse(access: ts.PropertyAccessExpression | ts.ElementAccessExpression): ts.Node | undefined {
  const name = isPropertyAccessExpression(access) ? access.name.text : stringValueOf(access.argumentExpression);
  if (name === undefined) return undefined;
  if (name === 'header' || name === 'signature') return undefined;
  if (name === 'payload') {
    const up = outermost(access);
    const p = up.parent;
    if (p && (isPropertyAccessExpression(p) || isElementAccessExpression(p)) && p.expression === up) return memberUse(p);
    return valueUse(access);
  }
  if (inLoggingCall(access)) return undefined; // logger.info(`token for ${claims.sub}`): display, not trust
  if (IDENTITY_PROPS.has(name)) return access;
  if (TOKEN_PROPS.has(name)) return undefined;
  return inCondition(access) ? access : undefined;
}

function stringValueOf(e: ts.Expression): string | undefined {
  return isStringLiteralLike(e) ? e.text : undefined;
}

/** `const { sub, role } = decoded` or `const { payload: { sub } } = decoded`. */
function patternUse(pattern: ts.BindingName): boolean {
  if (!ts.isObjectBindingPattern(pattern)) return false;
  for (const el of pattern.elements) {
    const key = el.propertyName ? propertyName(el.propertyName) : isIdentifier(el.name) ? el.name.text : undefined;
    if (key === 'payload' && !isIdentifier(el.name)) {
      if (patternUse(el.name)) return true;
      continue;
    }
    if (key !== undefined && IDENTITY_PROPS.has(key)) return true;
  }
  return false;
}

function isIdentityTarget(left: ts.Expression): boolean {
  const name = dottedName(left);
  if (!name) return false;
  const parts = name.split('.');
  return parts.length >= 2 && REQUEST_ROOTS.has(parts[0]) && IDENTITY_TARGETS.has(parts[parts.length - 1]);
}

/** The first identity use among the references to a variable holding the decoded value. */
function referencesUse(declared: ts.Identifier, after?: ts.Node): ts.Node | undefined {
  const container = scopeContainer(declared);
  let found: ts.Node | undefined;
  const from = after ? after.end : declared.end;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (isIdentifier(n) && n.text === declared.text && n.pos >= from && n !== declared && isReference(n)) {
      if (lookup(n.text, n)?.node === declared) {
        found = valueUse(n);
        if (found) return;
      }
    }
    forEachChild(n, visit);
  };
  forEachChild(container, visit);
  return found;
}

function isReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (isPropertyAccessExpression(p) && p.name === id) return false;
  if (isPropertyAssignment(p) && p.name === id) return false;
  if (isBinaryExpression(p) && p.left === id && p.operatorToken.kind === SyntaxKind.EqualsToken) return false;
  return true;
}

function scopeContainer(node: ts.Node): ts.Node {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isFunctionLike(n) || isSourceFile(n)) return n;
  }
  return node.getSourceFile();
}

/** Inside the condition of an `if`, a `?:`, or a `&&`/`||` guard. */
function inCondition(node: ts.Node): boolean {
  let child: ts.Node = node;
  for (let n: ts.Node | undefined = node.parent; n; child = n, n = n.parent) {
    if (isIfStatement(n)) return n.expression === child;
    if (isConditionalExpression(n)) return n.condition === child;
    if (ts.isWhileStatement(n)) return n.expression === child;
    if (isPrefixUnaryExpression(n) || isParenthesizedExpression(n) || isBinaryExpression(n) ||
      isPropertyAccessExpression(n) || isElementAccessExpression(n) || isCallExpression(n) || ts.isNonNullExpression(n)) continue;
    return false;
  }
  return false;
}

/** A middleware or route handler: a function taking req/res/next (or a Koa ctx). */
function inHandler(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (!ts.isFunctionLike(n)) continue;
    return (n as ts.SignatureDeclaration).parameters.some((p) => isIdentifier(p.name) && HANDLER_PARAMS.has(p.name.text));
  }
  return false;
}


const LOG_METHODS: ReadonlySet<string> = new Set(['log', 'info', 'debug', 'warn', 'error', 'trace', 'verbose']);

/** The value ends up only in a log line: `logger.info({ sub: claims.sub })`, `console.log(\`… ${claims.sub}\`)`. */
function inLoggingCall(node: ts.Node): boolean {
  let child: ts.Node = node;
  for (let n: ts.Node | undefined = node.parent; n; child = n, n = n.parent) {
    if (isCallExpression(n)) {
      if (!n.arguments.includes(child as ts.Expression)) return false;
      const name = calleeName(n);
      const receiver = isPropertyAccessExpression(n.expression) ? dottedName(n.expression.expression) ?? '' : '';
      return !!name && LOG_METHODS.has(name) && /console|log|debug/i.test(receiver);
    }
    if (ts.isTemplateSpan(n) || isTemplateExpression(n) || isBinaryExpression(n) || isObjectLiteralExpression(n) ||
      isPropertyAssignment(n) || isShorthandPropertyAssignment(n) || isArrayLiteralExpression(n) || isParenthesizedExpression(n)) continue;
    return false;
  }
  return false;
}
