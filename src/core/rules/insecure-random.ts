import {
  forEachChild, isArrayLiteralExpression, isArrowFunction, isAsExpression, isAwaitExpression,
  isBinaryExpression, isCallExpression, isConditionalExpression, isElementAccessExpression,
  isFunctionDeclaration, isFunctionExpression, isIdentifier, isIfStatement, isImportDeclaration,
  isMethodDeclaration, isParenthesizedExpression, isPrefixUnaryExpression, isPropertyAccessExpression,
  isPropertyAssignment, isReturnStatement, isStringLiteral, isVariableDeclaration,
  isVariableStatement, SyntaxKind, ts,
} from '../ts';
import { textHas } from '../lib/text-hints';
import { numberValue, propertyName, stringValue } from '../ast';
import { ensureImport } from '../fix';
import { requiredModule, skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { Fix, SourceRule, TextEdit } from '../types';
import { nameOfTarget, nameWords } from './hardcoded-secret';

/**
 * `Math.random()` (or `Date.now()` alone) producing a security value: the
 * expression flows into a variable, property or function whose name says
 * token, secret, password, nonce, salt, OTP, reset/invite code, API key or
 * session id (`const resetToken = Math.random().toString(36).slice(2)`,
 * `function generateOtp() { return Math.floor(100000 + Math.random() * 900000) }`),
 * or into the classic `'xxxxxxxx-xxxx-4xxx-…'.replace(/[xy]/g, …)` uuid.
 * Jitter, shuffling, sampling and comparisons (`Math.random() < 0.1`) are fine.
 */

const NUMERIC_OPS: ReadonlySet<ts.SyntaxKind> = new Set([
  SyntaxKind.AsteriskToken, SyntaxKind.SlashToken, SyntaxKind.PercentToken, SyntaxKind.BarToken,
  SyntaxKind.AmpersandToken, SyntaxKind.CaretToken, SyntaxKind.GreaterThanGreaterThanToken,
  SyntaxKind.GreaterThanGreaterThanGreaterThanToken, SyntaxKind.LessThanLessThanToken, SyntaxKind.AsteriskAsteriskToken,
]);
const COMPARISONS: ReadonlySet<ts.SyntaxKind> = new Set([
  SyntaxKind.LessThanToken, SyntaxKind.GreaterThanToken, SyntaxKind.LessThanEqualsToken, SyntaxKind.GreaterThanEqualsToken,
  SyntaxKind.EqualsEqualsToken, SyntaxKind.EqualsEqualsEqualsToken, SyntaxKind.ExclamationEqualsToken, SyntaxKind.ExclamationEqualsEqualsToken,
]);
const ASSIGNMENTS: ReadonlySet<ts.SyntaxKind> = new Set([
  SyntaxKind.EqualsToken, SyntaxKind.PlusEqualsToken, SyntaxKind.BarBarEqualsToken, SyntaxKind.QuestionQuestionEqualsToken,
]);
const MATH_ROUNDING: ReadonlySet<string> = new Set(['floor', 'round', 'ceil', 'trunc', 'abs']);
const FLOOR: ReadonlySet<string> = new Set(['floor', 'trunc']);
const NUMBER_FUNCTIONS: ReadonlySet<string> = new Set(['parseInt', 'Number', 'parseFloat']);
const STRING_METHODS: ReadonlySet<string> = new Set([
  'toString', 'slice', 'substring', 'substr', 'padStart', 'padEnd', 'toUpperCase', 'toLowerCase', 'replace', 'toFixed', 'repeat',
]);
/** Calls whose result still carries the randomness of their argument. */
const CARRIER_CALLS: ReadonlySet<string> = new Set(['charAt', 'at', 'charCodeAt', 'codePointAt', 'fromCharCode', 'String', 'Number', 'parseInt', 'from']);

// --- names -----------------------------------------------------------------

const TOKEN_LAST: ReadonlySet<string> = new Set([
  'token', 'tokens', 'secret', 'password', 'passwd', 'pwd', 'passphrase', 'nonce', 'salt', 'otp', 'totp', 'hotp', 'passcode', 'apikey', 'csrf', 'xsrf', 'sid',
]);
const KEY_QUALIFIERS: ReadonlySet<string> = new Set(['api', 'secret', 'private', 'access', 'session', 'encryption', 'signing', 'license', 'activation', 'auth', 'invite', 'recovery', 'reset']);
const CODE_QUALIFIERS: ReadonlySet<string> = new Set([
  'verification', 'verify', 'otp', 'reset', 'invite', 'invitation', 'confirm', 'confirmation', 'auth', 'login', 'access', 'sms', 'email',
  'mfa', '2fa', 'twofa', 'fa', 'recovery', 'activation', 'security', 'time', 'magic', 'pairing', 'backup',
]);
const LINK_QUALIFIERS: ReadonlySet<string> = new Set(['reset', 'invite', 'invitation', 'magic', 'verification', 'verify', 'confirm', 'confirmation', 'activation', 'login']);
/** Names that say the randomness is for something harmless. */
const SAFE_WORDS: ReadonlySet<string> = new Set([
  'delay', 'jitter', 'backoff', 'timeout', 'wait', 'ms', 'sleep', 'retry', 'interval', 'color', 'colour', 'hue', 'index', 'idx', 'shuffle',
  'shuffled', 'sample', 'sampled', 'sampling', 'chance', 'probability', 'percent', 'rate', 'ratio', 'weight', 'dice', 'die', 'roll', 'offset',
  'angle', 'noise', 'latency', 'duration', 'position', 'pos', 'count', 'size', 'length', 'score', 'speed', 'x', 'y', 'z', 'i', 'j', 'k',
  'n', 'temp', 'temperature', 'seed', 'pick', 'choice', 'random',
]);

/** True when a name says it holds a security value. */
export function isTokenName(name: string | undefined, numericOtp = false): boolean {
  if (!name) return false;
  let w = nameWords(name);
  if (w.length > 1 && ['generator', 'factory', 'gen', 'value', 'str', 'string', 'hex'].includes(w[w.length - 1])) w = w.slice(0, -1);
  const n = w.length;
  if (n === 0) return false;
  const last = w[n - 1];
  const prev = w[n - 2];
  if (TOKEN_LAST.has(last)) return true;
  if (last === 'key') return prev !== undefined && KEY_QUALIFIERS.has(prev);
  if (last === 'code' || last === 'codes') return (prev !== undefined && CODE_QUALIFIERS.has(prev)) || (n === 1 && numericOtp);
  if (last === 'id') return prev === 'session' || prev === 'sess';
  if (last === 'pin') return n === 1 || CODE_QUALIFIERS.has(prev);
  if (last === 'link' || last === 'url') return prev !== undefined && LINK_QUALIFIERS.has(prev);
  return false;
}

function isSafeName(name: string): boolean {
  return nameWords(name).some((w) => SAFE_WORDS.has(w));
}

// --- shapes ----------------------------------------------------------------

function isGlobalCall(node: ts.Node, object: string, method: string): node is ts.CallExpression {
  if (!isCallExpression(node) || node.arguments.length !== 0) return false;
  const c = node.expression;
  return isPropertyAccessExpression(c) && c.name.text === method && isIdentifier(c.expression) &&
    c.expression.text === object && lookup(object, c.expression) === undefined;
}

const isMathRandom = (n: ts.Node): n is ts.CallExpression => isGlobalCall(n, 'Math', 'random');
const isDateNow = (n: ts.Node): n is ts.CallExpression => isGlobalCall(n, 'Date', 'now');

function isMathCall(n: ts.Node, names: ReadonlySet<string>): boolean {
  if (!isCallExpression(n)) return false;
  const c = n.expression;
  return isPropertyAccessExpression(c) && isIdentifier(c.expression) && c.expression.text === 'Math' && names.has(c.name.text);
}

function isNumericLiteral(n: ts.Node): boolean {
  return numberValue(n) !== undefined;
}

/** Math.random()/Date.now() and what is computed from them alone. */
function isRandomish(e: ts.Node, depth = 0): boolean {
  if (depth > 8) return false;
  e = skipWrappers(e);
  if (isMathRandom(e) || isDateNow(e)) return true;
  if (isCallExpression(e)) {
    const c = e.expression;
    if (isPropertyAccessExpression(c) && STRING_METHODS.has(c.name.text)) return isRandomish(c.expression, depth + 1);
    if (isMathCall(e, MATH_ROUNDING) || (isIdentifier(c) && (NUMBER_FUNCTIONS.has(c.text) || c.text === 'String'))) {
      return !!e.arguments[0] && isRandomish(e.arguments[0], depth + 1);
    }
    return false;
  }
  if (isBinaryExpression(e) && (NUMERIC_OPS.has(e.operatorToken.kind) || e.operatorToken.kind === SyntaxKind.PlusToken || e.operatorToken.kind === SyntaxKind.MinusToken)) {
    const l = isRandomish(e.left, depth + 1);
    const r = isRandomish(e.right, depth + 1);
    return (l && (r || isNumericLiteral(e.right))) || (r && isNumericLiteral(e.left));
  }
  return false;
}

function containsMathRandom(node: ts.Node): boolean {
  if (isMathRandom(node)) return true;
  return forEachChild(node, (c) => (containsMathRandom(c) ? true : undefined)) === true;
}

/** Grows `Math.random()` through scaling, offsets and rounding: `Math.floor(Math.random() * 900000) + 100000`. */
function numericTop(start: ts.Node): ts.Node {
  let cur = start;
  for (;;) {
    const p = cur.parent;
    if (!p) return cur;
    if (isParenthesizedExpression(p)) {
      cur = p;
    } else if (isBinaryExpression(p) && NUMERIC_OPS.has(p.operatorToken.kind)) {
      cur = p;
    } else if (isBinaryExpression(p) && (p.operatorToken.kind === SyntaxKind.PlusToken || p.operatorToken.kind === SyntaxKind.MinusToken)) {
      const other = p.left === cur ? p.right : p.left;
      if (!isNumericLiteral(other) && !isRandomish(other)) return cur;
      cur = p;
    } else if (isCallExpression(p) && p.arguments[0] === cur && (isMathCall(p, MATH_ROUNDING) || (isIdentifier(p.expression) && NUMBER_FUNCTIONS.has(p.expression.text)))) {
      cur = p;
    } else {
      return cur;
    }
  }
}

/** Grows a numeric random value through string conversions: `.toString(36).substring(2, 15)`, `a + b` of two such. */
function stringTop(start: ts.Node): ts.Node {
  let cur = start;
  for (;;) {
    const p = cur.parent;
    if (!p) return cur;
    if (isParenthesizedExpression(p)) {
      cur = p;
    } else if (isPropertyAccessExpression(p) && p.expression === cur && STRING_METHODS.has(p.name.text) && isCallExpression(p.parent) && p.parent.expression === p) {
      cur = p.parent;
    } else if (isBinaryExpression(p) && p.operatorToken.kind === SyntaxKind.PlusToken && isRandomish(p.left === cur ? p.right : p.left)) {
      cur = p;
    } else if (isCallExpression(p) && p.arguments[0] === cur && isIdentifier(p.expression) && p.expression.text === 'String') {
      cur = p;
    } else {
      return cur;
    }
  }
}

/** `Math.floor(Math.random() * B)` → [B]; `Math.floor(A + Math.random() * B)` / `Math.floor(Math.random() * B) + A` → [A, A + B]. */
function randomIntArgs(top: ts.Node, sf: ts.SourceFile): string[] | undefined {
  top = skipWrappers(top);
  let offset: number | undefined;
  if (isBinaryExpression(top) && top.operatorToken.kind === SyntaxKind.PlusToken) {
    const [inner, lit] = isNumericLiteral(top.right) ? [top.left, top.right] : [top.right, top.left];
    offset = numberValue(lit);
    if (offset === undefined) return undefined;
    top = skipWrappers(inner);
  }
  if (!isMathCall(top, FLOOR) || !(top as ts.CallExpression).arguments[0]) return undefined;
  let body = skipWrappers((top as ts.CallExpression).arguments[0]);
  if (isBinaryExpression(body) && body.operatorToken.kind === SyntaxKind.PlusToken) {
    if (offset !== undefined) return undefined;
    const [inner, lit] = isNumericLiteral(body.right) ? [body.left, body.right] : [body.right, body.left];
    offset = numberValue(lit);
    if (offset === undefined) return undefined;
    body = skipWrappers(inner);
  }
  if (!isBinaryExpression(body) || body.operatorToken.kind !== SyntaxKind.AsteriskToken) return undefined;
  const scale = isMathRandom(skipWrappers(body.left)) ? body.right : isMathRandom(skipWrappers(body.right)) ? body.left : undefined;
  if (!scale) return undefined;
  const s = numberValue(scale);
  if (offset === undefined) {
    if (s !== undefined) return Number.isInteger(s) && s > 0 ? [String(s)] : undefined;
    return [skipWrappers(scale).getText(sf)];
  }
  if (s === undefined || !Number.isInteger(s) || !Number.isInteger(offset)) return undefined;
  return [String(offset), String(offset + s)];
}

// --- where the value goes --------------------------------------------------

type Sink =
  | { kind: 'safe' }
  | { kind: 'none' }
  | { kind: 'name'; name: string; local: boolean; at: ts.Node; direct: boolean };

function functionName(fn: ts.Node): string | undefined {
  if ((isFunctionDeclaration(fn) || isMethodDeclaration(fn) || isFunctionExpression(fn)) && fn.name) return propertyName(fn.name as ts.PropertyName);
  const p = fn.parent;
  if (!p) return undefined;
  if (isVariableDeclaration(p) && isIdentifier(p.name)) return p.name.text;
  if (isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) return propertyName(p.name);
  if (isBinaryExpression(p) && p.operatorToken.kind === SyntaxKind.EqualsToken) return nameOfTarget(skipWrappers(p.left));
  return undefined;
}

function enclosingFunctionNode(n: ts.Node): ts.Node | undefined {
  for (let p = n.parent; p; p = p.parent) if (ts.isFunctionLike(p)) return p;
  return undefined;
}

/** Where a random value ends up: a named variable/property/function result, a comparison, or nowhere we can name. */
function sinkOf(start: ts.Node): Sink {
  let cur = start;
  let direct = true;
  for (let steps = 0; steps < 30; steps++) {
    const p = cur.parent;
    if (!p) return { kind: 'none' };
    if (isParenthesizedExpression(p) || isAsExpression(p) || ts.isNonNullExpression(p) || isAwaitExpression(p) || ts.isSatisfiesExpression(p)) {
      cur = p;
      continue;
    }
    if (isBinaryExpression(p)) {
      const op = p.operatorToken.kind;
      if (COMPARISONS.has(op)) return { kind: 'safe' };
      if (ASSIGNMENTS.has(op)) {
        if (p.right !== cur) return { kind: 'none' };
        const left = skipWrappers(p.left);
        const name = nameOfTarget(left);
        return name ? { kind: 'name', name, local: isIdentifier(left), at: p, direct: direct && op === SyntaxKind.EqualsToken } : { kind: 'none' };
      }
      direct = false;
      cur = p;
      continue;
    }
    if (isConditionalExpression(p)) {
      if (p.condition === cur) return { kind: 'safe' };
      direct = false;
      cur = p;
      continue;
    }
    if (isPrefixUnaryExpression(p) && p.operator === SyntaxKind.ExclamationToken) return { kind: 'safe' };
    if (isIfStatement(p) || ts.isWhileStatement(p) || ts.isDoStatement(p) || ts.isForStatement(p)) return { kind: 'safe' };
    if (ts.isTemplateSpan(p)) {
      direct = false;
      cur = p.parent;
      continue;
    }
    if (isElementAccessExpression(p)) {
      if (p.argumentExpression !== cur) return { kind: 'none' };
      direct = false;
      cur = p; // chars[Math.floor(Math.random() * chars.length)]
      continue;
    }
    if (isPropertyAccessExpression(p)) {
      if (p.expression !== cur || !isCallExpression(p.parent) || p.parent.expression !== p) return { kind: 'safe' };
      direct = false;
      cur = p.parent; // .toString(36), .join('')
      continue;
    }
    if (isCallExpression(p)) {
      if (!p.arguments.includes(cur as ts.Expression)) return { kind: 'none' };
      const callee = skipWrappers(p.expression);
      const method = isPropertyAccessExpression(callee) ? callee.name.text : isIdentifier(callee) ? callee.text : undefined;
      if (method === 'push' || method === 'unshift') {
        const name = isPropertyAccessExpression(callee) ? nameOfTarget(skipWrappers(callee.expression)) : undefined;
        return name ? { kind: 'name', name, local: isIdentifier(skipWrappers((callee as ts.PropertyAccessExpression).expression)), at: p, direct: false } : { kind: 'none' };
      }
      if (method && (CARRIER_CALLS.has(method) || MATH_ROUNDING.has(method))) {
        direct = false;
        cur = p;
        continue;
      }
      // setResetToken(Math.random()…), user.setPassword(…)
      if (method && /^(set|save|store|assign)[A-Z]/.test(method)) {
        return { kind: 'name', name: method.replace(/^(set|save|store|assign)/, ''), local: false, at: p, direct: false };
      }
      return { kind: 'none' };
    }
    if (isArrayLiteralExpression(p) || ts.isSpreadElement(p)) {
      direct = false;
      cur = p;
      continue;
    }
    const fnOfBody = isArrowFunction(p) && p.body === cur ? p : undefined;
    if (isReturnStatement(p) || fnOfBody) {
      const fn = fnOfBody ?? enclosingFunctionNode(p);
      if (!fn) return { kind: 'none' };
      const name = functionName(fn);
      if (name) return { kind: 'name', name, local: false, at: fn, direct };
      // An unnamed callback: its result flows into the call that takes it (Array.from(…, () => …).join('')).
      if (fn.parent && isCallExpression(fn.parent) && fn.parent.arguments.includes(fn as ts.Expression)) {
        direct = false;
        cur = fn.parent;
        continue;
      }
      return { kind: 'none' };
    }
    if (isVariableDeclaration(p) && p.initializer === cur) {
      return isIdentifier(p.name) ? { kind: 'name', name: p.name.text, local: true, at: p, direct } : { kind: 'none' };
    }
    if ((isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && p.initializer === cur) {
      const name = propertyName(p.name);
      return name ? { kind: 'name', name, local: false, at: p, direct } : { kind: 'none' };
    }
    return { kind: 'none' };
  }
  return { kind: 'none' };
}

/**
 * The name that makes the value a security value, if any; falls back to the
 * enclosing function for neutral locals.
 */
function securityName(sink: Sink, numericOtp: boolean): string | undefined {
  if (sink.kind !== 'name') return undefined;
  if (isTokenName(sink.name, numericOtp)) return sink.name;
  if (!sink.local || isSafeName(sink.name)) return undefined;
  // let result = ''; for (…) result += chars[…]; inside generatePassword()
  for (let n: ts.Node | undefined = enclosingFunctionNode(sink.at); n; n = enclosingFunctionNode(n)) {
    const name = functionName(n);
    if (name) return isTokenName(name, numericOtp) ? name : undefined;
  }
  return undefined;
}

// --- the fix ---------------------------------------------------------------

interface CryptoNames {
  /** A binding of the whole module: `import crypto from 'crypto'`, `import * as c from 'node:crypto'`, `const crypto = require('crypto')`. */
  ns?: string;
  /** Named imports: exported name → local name. */
  named: Map<string, string>;
}

function cryptoNames(sf: ts.SourceFile): CryptoNames {
  const out: CryptoNames = { named: new Map() };
  for (const st of sf.statements) {
    if (isImportDeclaration(st) && isStringLiteral(st.moduleSpecifier) && /^(node:)?crypto$/.test(st.moduleSpecifier.text)) {
      const c = st.importClause;
      if (!c || c.isTypeOnly) continue;
      if (c.name) out.ns ??= c.name.text;
      const nb = c.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) out.ns ??= nb.name.text;
      else if (nb) for (const el of nb.elements) if (!el.isTypeOnly) out.named.set((el.propertyName ?? el.name).text, el.name.text);
    } else if (isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        if (!d.initializer || requiredModule(d.initializer) !== 'crypto') continue;
        if (isIdentifier(d.name)) out.ns ??= d.name.text;
        else if (ts.isObjectBindingPattern(d.name)) {
          for (const el of d.name.elements) {
            const key = el.propertyName ? propertyName(el.propertyName) : isIdentifier(el.name) ? el.name.text : undefined;
            if (key && isIdentifier(el.name)) out.named.set(key, el.name.text);
          }
        }
      }
    }
  }
  return out;
}

/** `crypto.randomBytes(32)` in the file's own terms, with the import edit it needs. */
function cryptoCall(sf: ts.SourceFile, at: ts.Node, fn: string, args: string): { text: string; imp?: TextEdit } {
  const names = cryptoNames(sf);
  const local = names.named.get(fn);
  if (local) return { text: `${local}(${args})` };
  if (names.ns) return { text: `${names.ns}.${fn}(${args})` };
  const ns = lookup('crypto', at) ? 'nodeCrypto' : 'crypto';
  return { text: `${ns}.${fn}(${args})`, imp: ensureImport(sf, 'crypto', ns) };
}

function replaceFix(sf: ts.SourceFile, node: ts.Node, fn: string, args: string, suffix: string, title: string): Fix {
  const { text, imp } = cryptoCall(sf, node, fn, args);
  const edit: TextEdit = { start: node.getStart(sf), end: node.end, newText: text + suffix };
  return { title, edits: imp ? [imp, edit] : [edit] };
}

// --- the rule --------------------------------------------------------------

export const rule: SourceRule = {
  id: 'insecure-random',
  row: 'secrets',
  severity: 'warning',
  description: 'Detects Math.random() or Date.now() used to make tokens, passwords, reset codes, OTPs, salts or session ids.',
  message: 'Predictable random value used as a secret: Math.random() is not cryptographically secure; use crypto.randomBytes() or crypto.randomInt().',
  fixable: true,
  docs: {
    why:
      "Math.random() is a fast, seedable PRNG (xorshift128+ in V8): its output can be recovered from a few samples and predicted, and Date.now() is guessable to the millisecond. " +
      'Reset tokens, invite codes, OTPs and session ids built from them can be guessed, which turns into account takeover.',
    bad: "const resetToken = Math.random().toString(36).slice(2);\nconst otp = Math.floor(100000 + Math.random() * 900000);",
    good: "import crypto from 'crypto';\n\nconst resetToken = crypto.randomBytes(32).toString('hex');\nconst otp = crypto.randomInt(100000, 1000000);",
    fix:
      "Use the crypto module: `crypto.randomBytes(32).toString('hex')` (or `crypto.randomUUID()`) for tokens and ids, " +
      '`crypto.randomInt(min, max)` for numeric codes and for picking characters of a generated password.',
    cwe: ['CWE-338', 'CWE-330'],
    owasp: ['A02:2021'],
  },
  create(ctx) {
    // Once per file: neither source of predictable values appears. The visitor needs a `.random`
    // or `.now` property name, so a file without either identifier skips the text scans.
    if (!ctx.mentions('random', 'now')) return {};
    if (!textHas(ctx.text, 'Math.random') && !textHas(ctx.text, 'Date.now')) return {};
    const reported = new Set<ts.Node>();
    const sf = ctx.sourceFile;

    const report = (node: ts.Node, message: string | undefined, fix: Fix | undefined): void => {
      if (reported.has(node)) return;
      reported.add(node);
      ctx.report(node, { ...(message ? { message } : {}), fixes: fix ? [fix] : [] });
    };

    /** Inside `'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, c => …)`: the replace call. */
    const uuidTemplateCall = (node: ts.Node): ts.CallExpression | undefined => {
      const fn = enclosingFunctionNode(node);
      if (!fn || !(isArrowFunction(fn) || isFunctionExpression(fn))) return undefined;
      const call = fn.parent;
      if (!call || !isCallExpression(call) || !call.arguments.includes(fn)) return undefined;
      const callee = call.expression;
      if (!isPropertyAccessExpression(callee) || !/^replace(All)?$/.test(callee.name.text)) return undefined;
      const template = stringValue(callee.expression);
      return template && /x{4}-x{4}/i.test(template) ? call : undefined;
    };

    const onMathRandom = (node: ts.CallExpression): void => {
      const uuid = uuidTemplateCall(node);
      if (uuid) {
        report(uuid, 'uuid built from Math.random(): the ids are predictable; use crypto.randomUUID().', replaceFix(sf, uuid, 'randomUUID', '', '', 'Use crypto.randomUUID()'));
        return;
      }
      const num = numericTop(node);
      const intArgs = randomIntArgs(num, sf);
      const top = intArgs ? num : stringTop(num);
      if (reported.has(top)) return;
      const numericOtp = !!intArgs && intArgs.length === 2 && Number(intArgs[0]) >= 1000;
      const sink = sinkOf(top);
      const name = securityName(sink, numericOtp);
      if (!name) return;
      const fix = intArgs
        ? replaceFix(sf, top, 'randomInt', intArgs.join(', '), '', `Use crypto.randomInt(${intArgs.join(', ')})`)
        : replaceFix(sf, top, 'randomBytes', '32', ".toString('hex')", "Use crypto.randomBytes(32).toString('hex')");
      report(top, `Math.random() makes ${name}: it is predictable; use ${intArgs ? 'crypto.randomInt()' : 'crypto.randomBytes()'} instead.`, fix);
    };

    const onDateNow = (node: ts.CallExpression): void => {
      const top = stringTop(numericTop(node));
      if (reported.has(top) || containsMathRandom(top)) return;
      const sink = sinkOf(top);
      // Only the timestamp alone: `${userId}-${Date.now()}` mixes in other data and is a different problem.
      if (sink.kind !== 'name' || !sink.direct || !isTokenName(sink.name)) return;
      const fix = replaceFix(sf, top, 'randomBytes', '32', ".toString('hex')", "Use crypto.randomBytes(32).toString('hex')");
      report(top, `Date.now() makes ${sink.name}: a timestamp is guessable; use crypto.randomBytes() instead.`, fix);
    };

    return {
      CallExpression(node: ts.CallExpression) {
        if (node.arguments.length !== 0) return;
        const c = node.expression;
        if (!isPropertyAccessExpression(c) || !isIdentifier(c.expression)) return;
        if (c.name.text === 'random' && c.expression.text === 'Math') {
          if (isMathRandom(node)) onMathRandom(node);
        } else if (c.name.text === 'now' && c.expression.text === 'Date') {
          if (isDateNow(node)) onDateNow(node);
        }
      },
    };
  },
};
