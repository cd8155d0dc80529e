import {
  isArrowFunction, isBinaryExpression, isCallExpression, isElementAccessExpression,
  isFunctionExpression, isIdentifier, isImportDeclaration, isNumericLiteral, isPrefixUnaryExpression,
  isPropertyAccessExpression, isStringLiteral, isStringLiteralLike, isTemplateExpression,
  isVariableStatement, SyntaxKind, ts,
} from '../ts';
import { textHasAnyOf } from '../lib/text-hints';
import { calleeName, calleeObject, stringValue, EQUALITY_OPERATORS } from '../ast';
import { ensureImport } from '../fix';
import { isRequestObject } from '../flow';
import { normalizeModule, requiredModule, skipWrappers } from '../modules';
import { enclosingFunction, lookup } from '../scopes';
import type { Fix, RuleContext, SourceRule } from '../types';
import { words } from './login-user-enumeration';
import { maySpellWithEscapes } from '../lib/gates';
import { isTestFile } from '../lib/test-files';

/**
 * A secret compared with `===`: the comparison stops at the first differing
 * character, so response times leak how much of a guess was right.
 *
 *   const expected = crypto.createHmac('sha256', secret).update(body).digest('hex');
 *   if (req.get('x-signature') !== expected) return res.sendStatus(401);
 *
 * One operand must be named like a secret (signature, sig, hmac, digest, token,
 * secret, apiKey, hash) and the other must not be a literal, a `typeof` or a
 * length; to keep code that merely juggles tokens quiet, one side must also be
 * request data, a computed digest, an env secret, a parameter named like a
 * secret. Two stored secrets compared with each other (session bookkeeping),
 * a record looked up by a token in a search callback (`subs.find((s) => s.token
 * === token)`, as `findOne({ token })` would) and test files are left alone;
 * signatures, HMACs, secrets and API keys are reported in a lookup too.
 */
export const rule: SourceRule = {
  id: 'timing-unsafe-compare',
  row: 'webhooks',
  severity: 'warning',
  description: 'Detects signatures, tokens and other secrets compared with === or !== instead of a constant-time comparison.',
  message: 'Secret compared with ===: the time taken leaks how many leading characters match; compare with crypto.timingSafeEqual after checking lengths.',
  fixable: true,
  docs: {
    why:
      '`===` on strings returns as soon as a character differs, so an attacker who can time many requests learns the ' +
      'expected signature or token one character at a time. Comparing secrets in constant time removes the signal.',
    bad:
      "const expected = crypto.createHmac('sha256', secret).update(req.rawBody).digest('hex');\n" +
      "if (req.get('x-signature') !== expected) return res.sendStatus(401);",
    good:
      "const expected = Buffer.from(crypto.createHmac('sha256', secret).update(req.rawBody).digest('hex'));\n" +
      "const received = Buffer.from(req.get('x-signature') ?? '');\n" +
      'if (received.length !== expected.length || !crypto.timingSafeEqual(received, expected)) return res.sendStatus(401);',
    fix:
      'Compare with `crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b))`, checking first that both have the same byte ' +
      'length (timingSafeEqual throws otherwise), and handle a missing value before comparing.',
    cwe: ['CWE-208'],
    owasp: ['A02:2021'],
  },
  create(ctx) {
    // Once per file: a report needs an operand named with a secret word, which the text spells unless escaped.
    if (isTestFile(ctx.file) || (!textHasAnyOf(ctx.text, SECRET_HINT_WORDS, true) && !maySpellWithEscapes(ctx.text))) return {};
    // Per name, once per file: splitting it into words is the costly part.
    const verdicts = new Map<string, boolean>();
    const secretNameHere = (expr: ts.Node): string | undefined => {
      const name = operandName(expr);
      if (!name || !SECRET_HINT.test(name)) return undefined;
      let v = verdicts.get(name);
      if (v === undefined) {
        v = isSecretOperandName(name);
        verdicts.set(name, v);
      }
      return v ? name : undefined;
    };
    return {
      BinaryExpression(node: ts.BinaryExpression) {
        const op = node.operatorToken.kind;
        if (!EQUALITY_OPERATORS.has(op)) return;
        const left = skipWrappers(node.left);
        const right = skipWrappers(node.right);
        if (isHarmlessOperand(left) || isHarmlessOperand(right)) return;
        const ls = secretNameHere(left);
        const rs = secretNameHere(right);
        if (!ls && !rs) return;
        const strongNamed = (!!ls && isStrongName(ls)) || (!!rs && isStrongName(rs));
        if (strongNamed) {
          // `signature === expected`, `token === user.resetToken`, or a secret against request data, a digest, env, a parameter
          // The cheap shape checks of both sides go before the (costlier) request-data question on either.
          // Two stored secrets compared with each other (`connection.token === session.accessToken`) is bookkeeping, not a guess.
          if (!strongShape(left, ls) && !strongShape(right, rs) && !ctx.flow.source(left) && !ctx.flow.source(right)) return;
        } else if (!isRequestHeaderCall(left) && !isRequestHeaderCall(right) && !ctx.flow.source(left) && !ctx.flow.source(right)) {
          // Only `hash`/`digest` names: content hashes compared for caching are not secrets; a hash the client sent is.
          return;
        }
        const name = ls ?? rs;
        // `subs.find((s) => s.token === token)`: a lookup by a token, as a database query by it would be.
        if (!isSigningName(name ?? '') && isLookupComparison(node, left, right)) return;
        ctx.report(node, {
          message: `${name} compared with ${node.operatorToken.getText()}: the time taken leaks how many leading characters match; compare with crypto.timingSafeEqual after checking lengths.`,
          fixes: fixFor(ctx, node),
        });
      },
    };
  },
};


const SECRET_WORDS: ReadonlySet<string> = new Set(['signature', 'sig', 'hmac', 'digest', 'token', 'secret', 'hash', 'apikey', 'signed']);
/** Words that make a secret-ish name about something else: `tokenType`, `hashAlgorithm`, `tokenVersion`. */
const NOT_SECRET_WORDS: ReadonlySet<string> = new Set([
  'type', 'types', 'kind', 'length', 'len', 'count', 'size', 'id', 'ids', 'name', 'names', 'version', 'algorithm', 'alg',
  'algo', 'prefix', 'format', 'status', 'scope', 'scopes', 'provider', 'index', 'expires', 'expiry', 'exp', 'at', 'field',
  'header', 'method', 'url', 'path', 'mode', 'enabled', 'required', 'present', 'valid', 'label', 'fn',
  'prev', 'previous', 'old', 'last', 'cached', 'cache', 'position', 'pos', 'start', 'end', 'line', 'col', 'column',
  // Identifiers handed out in the clear: push device tokens, pagination cursors.
  'device', 'push', 'fcm', 'apns', 'registration', 'page', 'cursor', 'continuation', 'next',
]);

/**
 * Whether an operand's name holds a secret word: `signature`, `expectedSig`,
 * `computedHmac`, `req.headers['x-signature']`, `providedToken`, `API_KEY`,
 * `req.get('x-api-key')`, `hmac.digest('hex')`.
 */
function isSecretOperandName(name: string): boolean {
  const w = words(name);
  // api + key → apikey
  for (let i = 0; i + 1 < w.length; i++) if (w[i] === 'api' && w[i + 1] === 'key') return true;
  if (!w.some((x) => SECRET_WORDS.has(x))) return false;
  if (w.some((x) => NOT_SECRET_WORDS.has(x))) return false;
  return true;
}

/**
 * Text every secret operand name spells: a SECRET_WORDS word or `api` (words() only splits and
 * lower-cases ASCII letters, so each word is a case-insensitive substring of the name).
 */
const SECRET_HINT_WORDS: readonly string[] = ['sig', 'hmac', 'digest', 'token', 'secret', 'hash', 'api'];
/** SECRET_HINT_WORDS as a test of one name (the file's text goes through textHasAnyOf instead). */
const SECRET_HINT = new RegExp(SECRET_HINT_WORDS.join('|'), 'i');

/** A name that says secret on its own (a `hash` may be a content hash or a cache key). */
function isStrongName(name: string): boolean {
  const w = words(name);
  return w.some((x) => x !== 'hash' && x !== 'digest' && SECRET_WORDS.has(x)) || /api_?key/i.test(name);
}

function operandName(expr: ts.Node): string | undefined {
  const e = skipWrappers(expr);
  if (isIdentifier(e)) return e.text;
  if (isPropertyAccessExpression(e)) return e.name.text;
  if (isElementAccessExpression(e)) return stringValue(e.argumentExpression);
  if (isCallExpression(e)) {
    const name = calleeName(e);
    const obj = calleeObject(e);
    // req.get('x-signature'), req.header('x-api-key'), headers.get('x-hub-signature')
    if ((name === 'get' || name === 'header') && obj) return stringValue(e.arguments[0]);
    if (name === 'digest') return name;
    // sig.toString(), token.trim(): the receiver's name
    if (name && PASS_THROUGH.has(name) && obj) return operandName(obj);
    return undefined;
  }
  return undefined;
}

const PASS_THROUGH: ReadonlySet<string> = new Set(['toString', 'trim', 'toLowerCase', 'toUpperCase', 'slice', 'substring', 'replace']);

/** Literals, `typeof x`, `x.length`, `null`, `undefined`, booleans, numbers, enum-like ALL_CAPS members. */
function isHarmlessOperand(e: ts.Node): boolean {
  switch (e.kind) {
    case SyntaxKind.StringLiteral:
    case SyntaxKind.NoSubstitutionTemplateLiteral:
    case SyntaxKind.NumericLiteral:
    case SyntaxKind.BigIntLiteral:
    case SyntaxKind.NullKeyword:
    case SyntaxKind.TrueKeyword:
    case SyntaxKind.FalseKeyword:
    case SyntaxKind.TypeOfExpression:
    case SyntaxKind.VoidExpression:
    case SyntaxKind.RegularExpressionLiteral:
      return true;
    default:
      break;
  }
  if (isIdentifier(e)) return e.text === 'undefined' || e.text === 'NaN';
  if (isPropertyAccessExpression(e)) return e.name.text === 'length' || e.name.text === 'byteLength';
  if (isPrefixUnaryExpression(e)) return isNumericLiteral(e.operand) || e.operator === SyntaxKind.ExclamationToken;
  return false;
}

const DIGEST_CALLS: ReadonlySet<string> = new Set(['digest', 'createHmac', 'createHash', 'hmac', 'sign']);

/**
 * One side is evidently a secret in play: a computed digest, `process.env.X`, or a parameter
 * named like a secret (`verify(signature, …)`); request data (flow.source) is asked by the caller, last.
 */
function strongShape(expr: ts.Node, secret: string | undefined): boolean {
  if (isRequestHeaderCall(expr)) return true;
  if (isDigest(expr, 0)) return true;
  const e = skipWrappers(expr);
  if (isPropertyAccessExpression(e) && isPropertyAccessExpression(e.expression) && e.expression.name.text === 'env' &&
    isIdentifier(e.expression.expression) && e.expression.expression.text === 'process') return true;
  if (secret && isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (b?.kind === 'parameter' && b.path.length === 0 && !isCallback(b.declaration.parent)) return true;
  }
  return false;
}

/** Array search methods (and lodash's of the same names): their callback is handed each element in turn. */
const SEARCH_METHODS: ReadonlySet<string> = new Set(['find', 'findIndex', 'findLast', 'findLastIndex', 'filter', 'some', 'every', 'reject', 'remove']);

/**
 * One side is a field of the element a search callback is handed: `subs.find((s) => s.token === token)`,
 * `sessions.filter((x) => x.token !== revoked)`, `_.find(clients, (c) => c.token === t)`. That looks a
 * record up by the value, the way `findOne({ token })` does, and stored push and session tokens are
 * looked up that way; a secret a client proves it holds is checked by a signing name (isSigningName).
 */
function isLookupComparison(node: ts.BinaryExpression, left: ts.Node, right: ts.Node): boolean {
  const fn = enclosingFunction(node);
  if (!fn || !(isArrowFunction(fn) || isFunctionExpression(fn)) || !isCallback(fn)) return false;
  const name = calleeName(fn.parent as ts.CallExpression);
  const element = fn.parameters[0]?.name;
  if (!name || !SEARCH_METHODS.has(name) || !element || !isIdentifier(element)) return false;
  const field = (e: ts.Node): boolean => isPropertyAccessExpression(e) && isIdentifier(e.expression) && e.expression.text === element.text;
  return field(left) || field(right);
}

/** SECRET_WORDS that also name lookup keys: records are looked up by stored tokens and content hashes. */
const LOOKUP_KEY_WORDS: ReadonlySet<string> = new Set(['token', 'hash', 'digest']);

/** Names of what proves a request genuine, never a lookup key: signatures, HMACs, secrets, API keys. */
function isSigningName(name: string): boolean {
  return words(name).some((x) => SECRET_WORDS.has(x) && !LOOKUP_KEY_WORDS.has(x)) || /api_?key/i.test(name);
}

/** `sessions.some((token) => …)`: a callback's parameter is an element being iterated, not a secret handed to a check. */
function isCallback(fn: ts.Node | undefined): boolean {
  return !!fn && (isArrowFunction(fn) || isFunctionExpression(fn)) && isCallExpression(fn.parent) && fn.parent.arguments.includes(fn);
}


/** `req.get('x')` inside a handler whose request is named differently still reads a header. */
function isRequestHeaderCall(expr: ts.Node): boolean {
  const e = skipWrappers(expr);
  if (!isCallExpression(e)) return false;
  const obj = calleeObject(e);
  return (calleeName(e) === 'get' || calleeName(e) === 'header') && !!obj && isRequestObject(skipWrappers(obj));
}

function isDigest(expr: ts.Node, depth: number): boolean {
  if (depth > 4) return false;
  const e = skipWrappers(expr);
  if (isCallExpression(e)) {
    const name = calleeName(e);
    if (name && DIGEST_CALLS.has(name)) return true;
    if (name && PASS_THROUGH.has(name)) {
      const obj = calleeObject(e);
      return !!obj && isDigest(obj, depth + 1);
    }
    return false;
  }
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    return !!b && b.kind === 'variable' && !!b.init && b.path.length === 0 && isDigest(b.init, depth + 1);
  }
  if (isBinaryExpression(e) && e.operatorToken.kind === SyntaxKind.PlusToken) {
    return isDigest(e.left, depth + 1) || isDigest(e.right, depth + 1);
  }
  if (isTemplateExpression(e)) return e.templateSpans.some((s) => isDigest(s.expression, depth + 1));
  return false;
}

/** Operands that can be evaluated twice: names, property chains, `req.get('x')`. */
function isPure(expr: ts.Node): boolean {
  const e = skipWrappers(expr);
  if (isIdentifier(e) || e.kind === SyntaxKind.ThisKeyword) return true;
  if (isPropertyAccessExpression(e)) return isPure(e.expression);
  if (isElementAccessExpression(e)) {
    const k = skipWrappers(e.argumentExpression);
    return (isStringLiteralLike(k) || isNumericLiteral(k) || isIdentifier(k)) && isPure(e.expression);
  }
  if (isCallExpression(e)) return isRequestHeaderCall(e) && e.arguments.every((a) => isStringLiteralLike(a));
  return false;
}

/** The local name `crypto` or `timingSafeEqual` is bound to, or an edit that imports it. */
function cryptoAccess(ctx: RuleContext): { call: string; edit?: ReturnType<typeof ensureImport> } {
  const sf = ctx.sourceFile;
  let namespace: string | undefined;
  let named: string | undefined;
  let esmNamespaceStyle = false;
  for (const st of sf.statements) {
    if (isImportDeclaration(st) && isStringLiteral(st.moduleSpecifier)) {
      const clause = st.importClause;
      const nb = clause?.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) esmNamespaceStyle = true;
      if (normalizeModule(st.moduleSpecifier.text) !== 'crypto' || !clause || clause.isTypeOnly) continue;
      if (clause.name) namespace ??= clause.name.text;
      if (nb && ts.isNamespaceImport(nb)) namespace ??= nb.name.text;
      if (nb && ts.isNamedImports(nb)) {
        for (const el of nb.elements) if ((el.propertyName ?? el.name).text === 'timingSafeEqual') named ??= el.name.text;
      }
    } else if (isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        if (!d.initializer || requiredModule(d.initializer) !== 'crypto') continue;
        if (isIdentifier(d.name)) namespace ??= d.name.text;
        else if (ts.isObjectBindingPattern(d.name)) {
          for (const el of d.name.elements) {
            const key = el.propertyName && isIdentifier(el.propertyName) ? el.propertyName.text : isIdentifier(el.name) ? el.name.text : undefined;
            if (key === 'timingSafeEqual' && isIdentifier(el.name)) named ??= el.name.text;
          }
        }
      }
    }
  }
  if (named) return { call: named };
  if (namespace) return { call: `${namespace}.timingSafeEqual` };
  return { call: 'crypto.timingSafeEqual', edit: ensureImport(sf, 'crypto', 'crypto', esmNamespaceStyle ? 'namespace' : 'default') };
}

/**
 * `a === b` → `(Buffer.byteLength(a) === Buffer.byteLength(b) && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b)))`,
 * `!==` → the negation. Byte lengths, not string lengths: timingSafeEqual
 * throws on buffers of different sizes, and 'é' is one character but two bytes.
 * Offered only for operands that can be evaluated twice.
 */
function fixFor(ctx: RuleContext, node: ts.BinaryExpression): Fix[] {
  if (!isPure(node.left) || !isPure(node.right)) return [];
  const sf = ctx.sourceFile;
  const a = node.left.getText(sf);
  const b = node.right.getText(sf);
  const { call, edit } = cryptoAccess(ctx);
  const core = `Buffer.byteLength(${a}) === Buffer.byteLength(${b}) && ${call}(Buffer.from(${a}), Buffer.from(${b}))`;
  const negated = node.operatorToken.kind === SyntaxKind.ExclamationEqualsEqualsToken || node.operatorToken.kind === SyntaxKind.ExclamationEqualsToken;
  const replacement = negated ? `!(${core})` : `(${core})`;
  const edits = [{ start: node.getStart(sf), end: node.end, newText: replacement }];
  if (edit) edits.unshift(edit);
  return [{ title: 'Compare in constant time with crypto.timingSafeEqual', edits, preferred: false }];
}
