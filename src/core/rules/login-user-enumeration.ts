import {
  forEachChild, isArrayLiteralExpression, isArrowFunction, isBinaryExpression, isBlock,
  isCallExpression, isElementAccessExpression, isFunctionDeclaration, isFunctionExpression,
  isIdentifier, isIfStatement, isMethodDeclaration, isNewExpression, isNoSubstitutionTemplateLiteral,
  isNumericLiteral, isObjectLiteralExpression, isPrefixUnaryExpression, isPropertyAccessExpression,
  isPropertyAssignment, isShorthandPropertyAssignment, isStringLiteral, isVariableDeclaration,
  SyntaxKind, ts,
} from '../ts';
import { textHasAnyOf } from '../lib/text-hints';
import { calleeName, calleeObject, isFunctionLike, propertyName, routeCall, stringValue, type RouteCall, isNullish } from '../ast';
import { skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { Fix, RuleContext, SourceRule, TextEdit, Visitors } from '../types';
import { maySpellWithEscapes } from '../lib/gates';
import { memoWords } from '../lib/words';

/*
 * Shared helpers of the auth-flow rules (login, session, webhook, admin, logout).
 * They live here, beside the first rule that needs them, and are imported by
 * the others: rule files are the unit of ownership.
 */

export type HandlerFn = ts.FunctionExpression | ts.ArrowFunction | ts.FunctionDeclaration | ts.MethodDeclaration;

/** `expectedSig` → ['expected', 'sig']; `x-hub-signature-256` → ['x', 'hub', 'signature', '256']; `API_KEY` → ['api', 'key']. */
export function words(name: string): readonly string[] {
  // Asked of the same names (`req`, `token`, `user`) by six rules in every file.
  return memoWords(wordsOf, name, splitWords);
}

const wordsOf = new Map<string, readonly string[]>();
const splitWords = (name: string): string[] => (name.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g) ?? []).map((x) => x.toLowerCase());

/** The name an expression is known by: identifier, last property, string key, or a called function's name. */
export function nameOf(expr: ts.Node): string | undefined {
  const e = skipWrappers(expr);
  if (isIdentifier(e)) return e.text;
  if (isPropertyAccessExpression(e)) return e.name.text;
  if (isElementAccessExpression(e)) return stringValue(e.argumentExpression);
  if (isCallExpression(e)) return calleeName(e);
  return undefined;
}

/** `Express.Request`, `FastifyRequest` … as written on a parameter. */
function typeText(p: ts.ParameterDeclaration | undefined): string {
  return p?.type ? p.type.getText() : '';
}

function paramName(p: ts.ParameterDeclaration | undefined): string | undefined {
  return p && isIdentifier(p.name) ? p.name.text : undefined;
}

/** `(req, res)` or `(request: Request, response: Response)`: the shape of an HTTP handler. */
export function looksLikeHttpHandler(fn: ts.SignatureDeclaration): boolean {
  const [a, b] = fn.parameters;
  const an = paramName(a);
  const bn = paramName(b);
  if (!an || !bn) return false;
  const reqOk = /^req(uest)?$/i.test(an) || /Request\b/.test(typeText(a));
  const resOk = /^(res|response|reply)$/i.test(bn) || /(Response|Reply)\b/.test(typeText(b));
  return reqOk && resOk;
}

/** `const h = asyncHandler(async (req, res) => …)`: the function inside a wrapper call. */
function unwrapHandlerCall(call: ts.CallExpression): HandlerFn | undefined {
  for (let i = call.arguments.length - 1; i >= 0; i--) {
    const a = skipWrappers(call.arguments[i]);
    if (isArrowFunction(a) || isFunctionExpression(a)) return a;
  }
  return undefined;
}

/**
 * The function a route handler argument stands for, when it is in this file:
 * an inline function, a wrapped one (`asyncHandler(fn)`), a local function or
 * const, or a property of a local object literal (`auth.login`).
 */
export function resolveHandler(expr: ts.Expression, depth = 0): HandlerFn | undefined {
  if (depth > 4) return undefined;
  const e = skipWrappers(expr);
  if (isArrowFunction(e) || isFunctionExpression(e)) return e;
  if (isCallExpression(e)) return unwrapHandlerCall(e);
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (!b) return undefined;
    if (b.kind === 'function' && isFunctionDeclaration(b.declaration)) return b.declaration;
    if (b.kind === 'variable' && b.init && b.path.length === 0) return resolveHandler(b.init, depth + 1);
    return undefined;
  }
  if (isPropertyAccessExpression(e) && isIdentifier(e.expression)) {
    const b = lookup(e.expression.text, e.expression);
    if (!b || b.kind !== 'variable' || !b.init || b.path.length !== 0) return undefined;
    const obj = skipWrappers(b.init);
    if (!isObjectLiteralExpression(obj)) return undefined;
    for (const p of obj.properties) {
      if (propertyName(p.name) !== e.name.text) continue;
      if (isMethodDeclaration(p)) return p;
      if (isPropertyAssignment(p)) return resolveHandler(p.initializer, depth + 1);
      if (isShorthandPropertyAssignment(p)) return resolveHandler(p.name, depth + 1);
    }
  }
  return undefined;
}

/** `POST /login` for messages. */
export function routeLabel(route: RouteCall): string {
  return `${route.method === 'use' ? 'USE' : route.method.toUpperCase()} ${route.path ?? ''}`.trim();
}

/** Middleware arguments of a route, arrays flattened, without the final handler. */
export function middlewareOf(route: RouteCall): ts.Expression[] {
  const out: ts.Expression[] = [];
  const list = route.method === 'use' ? route.handlers : route.handlers.slice(0, -1);
  for (const h of list) {
    const e = skipWrappers(h);
    if (isArrayLiteralExpression(e)) out.push(...e.elements.filter((x): x is ts.Expression => !ts.isSpreadElement(x)));
    else out.push(e as ts.Expression);
  }
  return out;
}


/** Walks `root`'s descendants (nested functions included) calling `fn`; true from `fn` skips the subtree. */
export function walk(root: ts.Node, fn: (n: ts.Node) => boolean | void): void {
  const visit = (n: ts.Node): void => {
    if (fn(n) === true) return;
    forEachChild(n, visit);
  };
  forEachChild(root, visit);
}

/** isFunctionLike by kind (no `ts.isX` getters): this runs on every node of some walks. */
function isFunctionKind(n: ts.Node): boolean {
  const k = n.kind;
  return k === SyntaxKind.FunctionExpression || k === SyntaxKind.ArrowFunction || k === SyntaxKind.FunctionDeclaration || k === SyntaxKind.MethodDeclaration;
}

/** The first descendant satisfying `pred`. */
export function find(root: ts.Node, pred: (n: ts.Node) => boolean): ts.Node | undefined {
  let found: ts.Node | undefined;
  walk(root, (n) => {
    if (found) return true;
    if (pred(n)) {
      found = n;
      return true;
    }
    return false;
  });
  return found;
}

export function segments(path: string): string[] {
  return path.split(/[/?#]/).filter((s) => s.length > 0);
}

/** Paths of login endpoints: `/login`, `/auth/sign-in`, `/api/sessions`, `/login/password`. */
export function isLoginPath(path: string): boolean {
  // Every login segment spells one of these (ASCII case-insensitively, as toLowerCase() folds them).
  if (!LOGIN_PATH_HINT.test(path)) return false;
  const segs = segments(path.toLowerCase());
  if (segs.length === 0) return false;
  const last = segs[segs.length - 1];
  if (LOGIN_SEGMENTS.has(last)) return true;
  // passport's own example: POST /login/password
  return segs.length >= 2 && LOGIN_SEGMENTS.has(segs[segs.length - 2]) && last === 'password';
}

/** Words one of which every login path segment and login function name spells, in any case. */
export const LOGIN_PATH_WORDS: readonly string[] = ['login', 'log-in', 'signin', 'sign-in', 'session', 'authenticate'];
/** LOGIN_PATH_WORDS as a test of one string (the file's text goes through textHasAnyOf instead). */
const LOGIN_PATH_HINT = new RegExp(LOGIN_PATH_WORDS.join('|'), 'i');

const LOGIN_SEGMENTS: ReadonlySet<string> = new Set(['login', 'log-in', 'signin', 'sign-in', 'session', 'sessions', 'authenticate']);

/** Function names that mark a login handler when it also takes (req, res). */
const LOGIN_FN_NAME = /^(do|handle|post|user|process)?(login|signin)(user|handler|controller|action|route)?$/i;

/** LOGIN_FN_NAME, after a length test that rules out most names: it spells 5 (`login`) to 23 (`processSigninController`) characters. */
function isLoginFnName(name: string): boolean {
  return name.length >= 5 && name.length <= 23 && LOGIN_FN_NAME.test(name);
}

export interface LoginHandler {
  fn?: HandlerFn;
  /** Where to put facts and evidence: the route call or the function's name. */
  anchor: ts.Node;
  /** `POST /login` or `login()`. */
  label: string;
  route?: RouteCall;
}

/**
 * Visitors that collect the login handlers of a file: POST routes to a login
 * path (handler resolved when it is local) and functions named like `login`
 * taking (req, res). Each function is collected once.
 */
export function loginHandlerVisitors(sink: (h: LoginHandler) => void): Visitors {
  const routes: LoginHandler[] = [];
  const functions: LoginHandler[] = [];
  const named = (name: string | undefined, fn: ts.Node | undefined, anchor: ts.Node): void => {
    if (!name || !fn || !isFunctionLike(fn)) return;
    if (!isLoginFnName(name)) return;
    if (!looksLikeHttpHandler(fn) && !looksLikeKoaHandler(fn)) return;
    functions.push({ fn, anchor, label: `${name}()` });
  };
  return {
    CallExpression(node: ts.CallExpression) {
      // Only `x.post(…)` (any case) can be a login route: checked before routeCall builds its record.
      const e = node.expression;
      if (e.kind !== SyntaxKind.PropertyAccessExpression) return;
      const m = (e as ts.PropertyAccessExpression).name.text;
      if (m.length !== 4 || m.toLowerCase() !== 'post') return;
      const route = routeCall(node);
      if (!route || route.method !== 'post' || route.path === undefined || !isLoginPath(route.path)) return;
      const last = route.handlers[route.handlers.length - 1];
      // A route whose handler lives elsewhere still is a login route.
      routes.push({ fn: last ? resolveHandler(last) : undefined, anchor: node, label: routeLabel(route), route });
    },
    FunctionDeclaration(node: ts.FunctionDeclaration) {
      if (node.name && isLoginFnName(node.name.text)) named(node.name.text, node, node.name);
    },
    MethodDeclaration(node: ts.MethodDeclaration) {
      const name = propertyName(node.name);
      if (name && isLoginFnName(name)) named(name, node, node.name);
    },
    VariableDeclaration(node: ts.VariableDeclaration) {
      if (node.name.kind !== SyntaxKind.Identifier || !node.initializer || !isLoginFnName(node.name.text)) return;
      named(node.name.text, resolveHandler(node.initializer), node.name);
    },
    PropertyAssignment(node: ts.PropertyAssignment) {
      const name = propertyName(node.name);
      if (!name || !isLoginFnName(name)) return;
      named(name, resolveHandler(node.initializer), node.name);
    },
    onEnd() {
      // Routes first: their label and middleware say more than a function name.
      const seen = new Set<ts.Node>();
      for (const h of [...routes, ...functions]) {
        if (h.fn) {
          if (seen.has(h.fn)) continue;
          seen.add(h.fn);
        }
        sink(h);
      }
    },
  };
}

function looksLikeKoaHandler(fn: ts.SignatureDeclaration): boolean {
  return fn.parameters.length >= 1 && fn.parameters.length <= 2 && paramName(fn.parameters[0]) === 'ctx';
}

// ---------------------------------------------------------------------------
// Password comparison

const HASH_MODULES: ReadonlySet<string> = new Set([
  'bcrypt', 'bcryptjs', 'bcrypt-nodejs', 'argon2', '@node-rs/argon2', '@node-rs/bcrypt', 'scrypt-kdf', '@phc/argon2',
]);
const COMPARE_NAMES: ReadonlySet<string> = new Set(['compare', 'compareSync', 'verify', 'verifySync', 'check']);

/**
 * A call that checks a password: `bcrypt.compare(pw, hash)`, `argon2.verify(hash, pw)`,
 * `user.comparePassword(pw)`, `user.validPassword(pw)`, `verifyPassword(…)`.
 */
export function isPasswordCompare(ctx: RuleContext, node: ts.Node): node is ts.CallExpression {
  if (!isCallExpression(node)) return false;
  const name = calleeName(node);
  if (!name) return false;
  if (!COMPARE_NAMES.has(name)) {
    // comparePassword, validPassword, verifyPassword, isPasswordCorrect, checkPwd
    return name.length > 8 && PASSWORD_IN_NAME.test(name) && CHECK_IN_NAME.test(name);
  }
  // `compare(password, user.passwordHash)` from a local helper module. Tested before the
  // callee's module (either answers true): it reads names only, the module needs resolution.
  if (node.arguments.some((a) => {
    const n = nameOf(a);
    return !!n && words(n).some((w) => PASSWORDISH.has(w));
  })) return true;
  const origin = ctx.modules.callee(node);
  return !!origin && HASH_MODULES.has(origin.module);
}

const PASSWORD_IN_NAME = /pass(word|wd)?|pwd/i;
const CHECK_IN_NAME = /compare|verify|check|valid|match|correct/i;
const PASSWORDISH: ReadonlySet<string> = new Set(['password', 'passwd', 'pwd', 'pass', 'hash', 'hashed']);

// ---------------------------------------------------------------------------
// What a branch answers

interface Outcome {
  status?: string;
  message?: string;
  node: ts.Node;
  /** The numeric literal the status came from (absent for error classes and passport's `false`). */
  statusNode?: ts.NumericLiteral;
  /** The string literal the message came from. */
  messageNode?: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral;
}

const SEND_NAMES: ReadonlySet<string> = new Set(['json', 'send', 'end', 'jsonp', 'render', 'redirect']);
const STATUS_NAMES: ReadonlySet<string> = new Set(['status', 'code', 'sendStatus', 'writeHead']);
const MESSAGE_KEYS = ['message', 'error', 'msg', 'detail', 'details', 'reason', 'description', 'title', 'err', 'errors'];
const PLAIN_ERRORS: ReadonlySet<string> = new Set(['Error', 'TypeError', 'RangeError']);

/** The literal holding a response's message: the string itself, or `{ message: '…' }` (also nested one level). */
function messageLiteral(node: ts.Node | undefined, depth = 0): ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | undefined {
  if (!node || depth > 2) return undefined;
  const e = skipWrappers(node);
  if (isStringLiteral(e) || isNoSubstitutionTemplateLiteral(e)) return e;
  if (isObjectLiteralExpression(e)) {
    for (const key of MESSAGE_KEYS) {
      for (const p of e.properties) {
        if (isPropertyAssignment(p) && propertyName(p.name) === key) {
          const m = messageLiteral(p.initializer, depth + 1);
          if (m !== undefined) return m;
        }
      }
    }
  }
  return undefined;
}

/** Records the first message of a branch. */
function setMessage(out: Outcome, node: ts.Node | undefined): void {
  if (out.message !== undefined) return;
  const lit = messageLiteral(node);
  if (!lit) return;
  out.message = lit.text;
  out.messageNode = lit;
}

/** Records the first numeric status of a branch. */
function setStatus(out: Outcome, lit: ts.NumericLiteral): void {
  if (out.status !== undefined) return;
  out.status = lit.text;
  out.statusNode = lit;
}

/** `createError(401, 'x')`, `new UnauthorizedException('x')`, `Boom.notFound('x')`: status from numbers or the error's name. */
function errorOutcome(expr: ts.Node, into: Outcome): void {
  const e = skipWrappers(expr);
  if (!isCallExpression(e) && !isNewExpression(e)) return;
  const name = calleeName(e);
  if (!name || PLAIN_ERRORS.has(name)) return;
  for (const a of e.arguments ?? []) {
    const v = skipWrappers(a);
    if (isNumericLiteral(v)) setStatus(into, v);
    else setMessage(into, v);
  }
  into.status ??= name;
}

/**
 * What a branch sends back: the status code (or error class) and the literal
 * message of `res.status(404).json({ message })`, `ctx.throw(401, 'x')`,
 * `throw new NotFoundException('x')`, `done(null, false, { message })`.
 */
function outcomeOf(branch: ts.Node): Outcome | undefined {
  const out: Outcome = { node: branch };
  // Node kinds tested directly (no `ts.isX` getters): this visits every node of a branch.
  const visit = (n: ts.Node): void => {
    if (isFunctionKind(n)) return;
    const k = n.kind;
    if (k === SyntaxKind.ThrowStatement) {
      const t = n as ts.ThrowStatement;
      if (t.expression) errorOutcome(t.expression, out);
    } else if (k === SyntaxKind.CallExpression) {
      const c = n as ts.CallExpression;
      const name = calleeName(c);
      const a0 = c.arguments[0] ? skipWrappers(c.arguments[0]) : undefined;
      if (name && STATUS_NAMES.has(name) && a0 && isNumericLiteral(a0)) setStatus(out, a0);
      else if (name && SEND_NAMES.has(name)) {
        setMessage(out, a0);
      } else if (name === 'throw' && calleeObject(c)) {
        for (const a of c.arguments) {
          const v = skipWrappers(a);
          if (isNumericLiteral(v)) setStatus(out, v);
          else setMessage(out, v);
        }
      } else if (name === 'next' && a0) {
        errorOutcome(a0, out);
      } else if (isIdentifier(c.expression) && c.arguments.length >= 2 && c.arguments[1].kind === SyntaxKind.FalseKeyword) {
        // passport: done(null, false, { message: 'Incorrect username.' })
        out.status ??= 'false';
        setMessage(out, c.arguments[2]);
      }
    } else if (k === SyntaxKind.BinaryExpression) {
      const b = n as ts.BinaryExpression;
      if (b.operatorToken.kind === SyntaxKind.EqualsToken && isPropertyAccessExpression(b.left)) {
        const prop = b.left.name.text;
        const v = skipWrappers(b.right);
        if ((prop === 'status' || prop === 'statusCode') && isNumericLiteral(v)) setStatus(out, v);
        else if (prop === 'body') setMessage(out, v);
      }
    }
    forEachChild(n, visit);
  };
  visit(branch);
  return out.status !== undefined || out.message !== undefined ? out : undefined;
}

// ---------------------------------------------------------------------------
// Branch classification

const USERISH: ReadonlySet<string> = new Set([
  'user', 'users', 'account', 'accounts', 'member', 'customer', 'admin', 'employee', 'client', 'person', 'profile',
  'found', 'existing', 'record', 'records', 'row', 'rows', 'result', 'results', 'doc', 'identity', 'principal', 'login',
]);
const LOOKUP_CALL = /find|get|fetch|load|lookup|query|select|search|first|one|by|where|read/i;

class Classifier {
  constructor(private readonly ctx: RuleContext) {}

  /** The condition reads the result of a password check. */
  mentionsPassword(cond: ts.Node): boolean {
    const test = (n: ts.Node): boolean =>
      isPasswordCompare(this.ctx, n) || (isIdentifier(n) && !isPropertyNameNode(n) && this.isPasswordResult(n));
    return test(cond) || !!find(cond, test);
  }

  private isPasswordResult(id: ts.Identifier): boolean {
    const b = lookup(id.text, id);
    if (!b) return false;
    if (b.kind === 'variable' && b.init) return isPasswordCompare(this.ctx, skipWrappers(b.init)) || !!find(b.init, (n) => isPasswordCompare(this.ctx, n));
    // user.comparePassword(pw, (err, isMatch) => …)
    if (b.kind === 'parameter') {
      const fn = b.declaration.parent;
      const call = fn?.parent;
      return !!call && isCallExpression(call) && isPasswordCompare(this.ctx, call);
    }
    return false;
  }

  /** `user`, `rows[0]`, `result.rows` when it holds a looked-up record. */
  private isUserish(expr: ts.Node): boolean {
    const e = skipWrappers(expr);
    let base: ts.Node = e;
    while (isPropertyAccessExpression(base) || isElementAccessExpression(base)) base = skipWrappers(base.expression);
    if (!isIdentifier(base)) return false;
    const b = lookup(base.text, base);
    if (!b) return false;
    if (/err|pass|pwd|hash|token|valid|match/i.test(base.text)) return false;
    const nameUserish = words(base.text).some((w) => USERISH.has(w));
    if (b.kind === 'variable' && b.init) {
      const init = skipWrappers(b.init);
      const call = isCallExpression(init) ? init : (find(b.init, (n) => isCallExpression(n)) as ts.CallExpression | undefined);
      if (!call || isPasswordCompare(this.ctx, call)) return false;
      return nameUserish || LOOKUP_CALL.test(calleeName(call) ?? '');
    }
    // (err, user) => … callbacks and passport's (username, password, done)
    if (b.kind === 'parameter') return nameUserish;
    return false;
  }

  /** `!user`, `user == null`, `user === undefined`, `!rows.length`, `rows.length === 0`. */
  private isMissing(cond: ts.Node): boolean {
    const c = skipWrappers(cond);
    if (isPrefixUnaryExpression(c) && c.operator === SyntaxKind.ExclamationToken) return this.isUserish(c.operand);
    if (isBinaryExpression(c)) {
      const op = c.operatorToken.kind;
      if (op === SyntaxKind.BarBarToken) return this.isMissing(c.left) || this.isMissing(c.right);
      if (op === SyntaxKind.EqualsEqualsEqualsToken || op === SyntaxKind.EqualsEqualsToken) {
        const [x, y] = isNothing(c.right) ? [c.left, c.right] : [c.right, c.left];
        if (!isNothing(y)) return false;
        return this.isUserish(x);
      }
    }
    return false;
  }

  /** `if (user)` … else: the else branch is the unknown-user one. */
  private isPresent(cond: ts.Node): boolean {
    const c = skipWrappers(cond);
    return (isIdentifier(c) || isPropertyAccessExpression(c)) && this.isUserish(c);
  }

  /**
   * The condition's user was looked up with request data (`User.findOne({ email })`
   * with `email` from `req.body`): a login, not a change of password by a
   * user already known from the session.
   */
  lookedUpFromRequest(cond: ts.Node): boolean {
    const test = (n: ts.Node): boolean => {
      if (!isIdentifier(n) || isPropertyNameNode(n) || !words(n.text).some((w) => USERISH.has(w))) return false;
      const b = lookup(n.text, n);
      if (!b) return false;
      if (b.kind === 'variable' && b.init) return !!find(b.init, (c) => isCallExpression(c) && this.argsFromRequest(c));
      if (b.kind === 'parameter') {
        const call = b.declaration.parent?.parent;
        if (!call || !isCallExpression(call)) return false;
        if (this.argsFromRequest(call)) return true;
        // User.findOne({ email }).then((user) => …)
        const callee = call.expression;
        return isPropertyAccessExpression(callee) && isCallExpression(callee.expression) && this.argsFromRequest(callee.expression);
      }
      return false;
    };
    return test(cond) || !!find(cond, test);
  }

  private argsFromRequest(call: ts.CallExpression): boolean {
    return call.arguments.some((a) => !isFunctionLike(a) && !!this.ctx.flow.source(a));
  }

  classify(s: ts.IfStatement): { kind: 'user' | 'password'; branch: ts.Statement } | undefined {
    const cond = s.expression;
    const pw = this.mentionsPassword(cond);
    const missing = this.isMissing(cond);
    if (pw && missing) return undefined; // `if (!user || !(await compare(…)))`: one answer for both
    if (pw) {
      if (isNegative(cond)) return { kind: 'password', branch: s.thenStatement };
      return s.elseStatement ? { kind: 'password', branch: pastErrorChecks(s.elseStatement) } : undefined;
    }
    if (missing) return { kind: 'user', branch: s.thenStatement };
    if (s.elseStatement && this.isPresent(cond)) return { kind: 'user', branch: pastErrorChecks(s.elseStatement) };
    return undefined;
  }
}

/**
 * `if (user) { … } else if (err) { 500 } else { 401 }`: the unknown-user answer is the last else, not the
 * callback's error branch before it (the same for `if (isMatch) … else if (err) … else …`).
 */
function pastErrorChecks(branch: ts.Statement): ts.Statement {
  let b = branch;
  while (isIfStatement(b) && b.elseStatement && isErrorCheck(b.expression)) b = b.elseStatement;
  return b;
}

/** `err`, `err2`, `error`, `dbError`, `e`. */
const ERROR_NAME = /^(e|ex|err|error|exception)\d*$|[a-z](Err|Error)$/;

/** `err`, `error != null`, `err !== undefined`. */
function isErrorCheck(cond: ts.Expression): boolean {
  const c = skipWrappers(cond);
  if (isIdentifier(c)) return ERROR_NAME.test(c.text);
  if (!isBinaryExpression(c)) return false;
  const op = c.operatorToken.kind;
  if (op !== SyntaxKind.ExclamationEqualsToken && op !== SyntaxKind.ExclamationEqualsEqualsToken) return false;
  const l = skipWrappers(c.left);
  const r = skipWrappers(c.right);
  return (isIdentifier(l) && ERROR_NAME.test(l.text) && isNullish(r)) || (isIdentifier(r) && ERROR_NAME.test(r.text) && isNullish(l));
}

function isPropertyNameNode(n: ts.Identifier): boolean {
  const p = n.parent;
  return (isPropertyAccessExpression(p) && p.name === n) || (isPropertyAssignment(p) && p.name === n);
}

function isNothing(n: ts.Node): boolean {
  const e = skipWrappers(n);
  if (e.kind === SyntaxKind.NullKeyword) return true;
  if (isIdentifier(e) && e.text === 'undefined') return true;
  if (isNumericLiteral(e) && e.text === '0') return true;
  return false;
}

/** `!ok`, `!(await compare())`, `ok === false`, `!ok || x`. */
function isNegative(cond: ts.Node): boolean {
  const c = skipWrappers(cond);
  if (isPrefixUnaryExpression(c) && c.operator === SyntaxKind.ExclamationToken) return true;
  if (isBinaryExpression(c)) {
    const op = c.operatorToken.kind;
    if ((op === SyntaxKind.EqualsEqualsEqualsToken || op === SyntaxKind.EqualsEqualsToken) &&
      (c.right.kind === SyntaxKind.FalseKeyword || c.left.kind === SyntaxKind.FalseKeyword)) return true;
    if (op === SyntaxKind.ExclamationEqualsEqualsToken || op === SyntaxKind.ExclamationEqualsToken) {
      return c.right.kind === SyntaxKind.TrueKeyword || c.left.kind === SyntaxKind.TrueKeyword;
    }
    if (op === SyntaxKind.BarBarToken) return isNegative(c.left) || isNegative(c.right);
  }
  return false;
}

// ---------------------------------------------------------------------------
// Failed-attempt counting

const COUNTING_WORDS: ReadonlySet<string> = new Set(['attempt', 'attempts', 'tries', 'strikes', 'lockout', 'lock', 'locked', 'lockouts']);
const FAIL_WORDS: ReadonlySet<string> = new Set(['fail', 'failed', 'failure', 'failures', 'fails']);
const COUNTING_HINT = /attempt|tries|strikes|lock|fail/i;
const LIMITER_WORDS: ReadonlySet<string> = new Set(['limiter', 'limit', 'brute', 'bruteforce', 'throttle', 'throttler', 'attempts', 'lockout']);
const BRUTE_MODULES: ReadonlySet<string> = new Set(['express-brute', 'rate-limiter-flexible', 'express-brute-redis', 'express-brute-mongo']);

/** `loginAttempts`, `failedLoginCount`, `lockUntil`, `registerFailure`, but not a bare `fail` or `blocked`. */
export function isCountingName(name: string): boolean {
  // words() are lower-cased pieces of the name: every COUNTING_WORDS and FAIL_WORDS word contains one of these.
  if (!COUNTING_HINT.test(name)) return false;
  const w = words(name);
  if (w.some((x) => COUNTING_WORDS.has(x))) return true;
  return w.length >= 2 && w.some((x) => FAIL_WORDS.has(x));
}

/** The node that counts failed logins inside a handler or its middleware, if any. */
export function countingSignal(ctx: RuleContext, fn: ts.Node | undefined, middleware: ts.Expression[]): ts.Node | undefined {
  for (const m of middleware) {
    const name = nameOf(m);
    const full = isPropertyAccessExpression(skipWrappers(m)) || isCallExpression(skipWrappers(m)) ? skipWrappers(m).getText() : name ?? '';
    if (words(full).some((w) => w === 'brute' || w === 'bruteforce' || w === 'lockout' || w === 'attempts')) return m;
    const origin = ctx.modules.origin(isCallExpression(m) ? m.expression : m);
    if (origin && BRUTE_MODULES.has(origin.module)) return m;
  }
  if (!fn) return undefined;
  return find(fn, (node) => {
    // Kinds first (no `ts.isX` getters): the predicate sees every node of the handler.
    const k = node.kind;
    if (k !== SyntaxKind.PrefixUnaryExpression && k !== SyntaxKind.PostfixUnaryExpression && k !== SyntaxKind.BinaryExpression &&
      k !== SyntaxKind.PropertyAssignment && k !== SyntaxKind.CallExpression) return false;
    const n = node as ts.Node;
    if (isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) {
      if (n.operator !== SyntaxKind.PlusPlusToken) return false;
      const name = nameOf(n.operand);
      return !!name && isCountingName(name);
    }
    if (isBinaryExpression(n)) {
      const op = n.operatorToken.kind;
      const name = nameOf(n.left);
      if (!name || !isCountingName(name)) return false;
      // `user.failedLogins += 1`, `attempts += 1`, `user.lockUntil = …`
      if (op === SyntaxKind.PlusEqualsToken) return true;
      return op === SyntaxKind.EqualsToken && (isPropertyAccessExpression(n.left) || isElementAccessExpression(n.left));
    }
    if (isPropertyAssignment(n)) {
      const name = propertyName(n.name);
      return !!name && isCountingName(name);
    }
    if (isCallExpression(n)) {
      const name = calleeName(n);
      if (!name) return false;
      if (isCountingName(name)) return true;
      if (name === 'consume' || name === 'penalty') {
        const recv = calleeObject(n);
        const recvName = recv ? nameOf(recv) : undefined;
        if (recvName && words(recvName).some((w) => LIMITER_WORDS.has(w))) return true;
        const origin = ctx.modules.callee(n);
        return !!origin && BRUTE_MODULES.has(origin.module);
      }
    }
    return false;
  });
}

// ---------------------------------------------------------------------------
// The rule

/**
 * A login flow that answers "no such user" differently from "wrong password":
 *
 *   const user = await User.findOne({ email });
 *   if (!user) return res.status(404).json({ message: 'User not found' });
 *   if (!(await bcrypt.compare(password, user.password))) return res.status(401).json({ message: 'Invalid password' });
 *
 * Analysed from each password comparison, in the function that owns it (the
 * route handler, a service method, a passport LocalStrategy callback). The
 * same walk records the login-route facts and failed-attempt counting evidence.
 */
export const rule: SourceRule = {
  id: 'login-user-enumeration',
  row: 'account-lockout',
  severity: 'warning',
  description: 'Detects login flows that answer differently for an unknown user and a wrong password, revealing which accounts exist.',
  message: 'Login answers differently for an unknown user and a wrong password: return one generic error such as "Invalid email or password" for both.',
  fixable: true,
  docs: {
    why:
      'When "user not found" and "wrong password" produce different messages or status codes, an attacker can test a list of ' +
      'emails and learn which ones have accounts, then focus password guessing or phishing on them. ' +
      'The login endpoint must give one answer for both failures.',
    bad:
      "const user = await User.findOne({ email });\n" +
      "if (!user) return res.status(404).json({ message: 'User not found' });\n" +
      "if (!(await bcrypt.compare(password, user.passwordHash))) {\n" +
      "  return res.status(401).json({ message: 'Invalid password' });\n" +
      '}',
    good:
      "const user = await User.findOne({ email });\n" +
      "if (!user || !(await bcrypt.compare(password, user.passwordHash))) {\n" +
      "  return res.status(401).json({ message: 'Invalid email or password' });\n" +
      '}',
    fix:
      'Use the same status code and the same message for an unknown user and a wrong password, ideally in one combined ' +
      'condition; also count failed attempts and lock or slow down the account after about five.',
    cwe: ['CWE-204', 'CWE-203'],
    owasp: ['A07:2021'],
  },
  create(ctx) {
    // Once per file. An escape in a string or identifier can spell any name, so it keeps both paths open.
    // The hints first: most files that pass say them, and the escape scan then is not needed.
    const text = ctx.text;
    // Login handlers need a login path segment (`/login`, `/sessions`) or a login function name.
    const mayHandlers = textHasAnyOf(text, LOGIN_PATH_WORDS, true) || maySpellWithEscapes(text);
    // Reports need a password comparison: a COMPARE_NAMES callee or a name with pass/pwd in it.
    const mayCompare = textHasAnyOf(text, COMPARE_WORDS, true) || maySpellWithEscapes(text);
    if (!mayHandlers && !mayCompare) return {};
    const classifier = new Classifier(ctx);
    const handlers: LoginHandler[] = [];
    const compares: ts.CallExpression[] = [];
    /** Every if statement of the file in walk order (pre-order, so by position): check() reads a root's slice. */
    const ifs: ts.IfStatement[] = [];
    const own: Visitors = {
      CallExpression: mayCompare
        ? (node: ts.CallExpression) => {
          if (isPasswordCompare(ctx, node)) compares.push(node);
        }
        : undefined,
      IfStatement: mayCompare ? (node: ts.IfStatement) => void ifs.push(node) : undefined,
      onEnd() {
        const handlerFns = new Set<ts.Node>();
        for (const h of handlers) {
          ctx.fact('login-route', h.anchor);
          if (h.fn) handlerFns.add(h.fn);
          const signal = countingSignal(ctx, h.fn, h.route ? middlewareOf(h.route) : []);
          if (signal) ctx.evidence('login-attempt-counting', signal, `failed logins counted in ${h.label}`);
        }
        const roots = new Set<ts.Node>();
        for (const c of compares) {
          const root = analysisRoot(c, handlerFns);
          if (root) roots.add(root);
        }
        for (const root of roots) check(root, handlerFns.has(root) || isLoginContext(root));
      },
    };

    /** The if statements inside `root` (its descendants), in the order a walk of root meets them. */
    function ifsIn(root: ts.Node): ts.IfStatement[] {
      let lo = 0;
      let hi = ifs.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ifs[mid].pos < root.pos) lo = mid + 1;
        else hi = mid;
      }
      const out: ts.IfStatement[] = [];
      for (let i = lo; i < ifs.length && ifs[i].pos < root.end; i++) {
        if (ifs[i].end <= root.end) out.push(ifs[i]);
      }
      return out;
    }

    /**
     * `loginContext`: the function is known to log users in (a login route or
     * name, a passport strategy); otherwise the user must have been looked up
     * with request data.
     */
    function check(root: ts.Node, loginContext: boolean): void {
      let user: Outcome | undefined;
      let password: Outcome | undefined;
      let fromRequest = false;
      for (const n of ifsIn(root)) {
        const c = classifier.classify(n);
        if (!c) continue;
        const outcome = outcomeOf(c.branch);
        if (!outcome) continue;
        if (c.kind === 'user' && !user) {
          user = outcome;
          fromRequest = classifier.lookedUpFromRequest(n.expression);
        } else if (c.kind === 'password') password ??= outcome;
      }
      if (!user || !password) return;
      if (!loginContext && !fromRequest) return;
      const statusDiffers = user.status !== undefined && password.status !== undefined && user.status !== password.status;
      const messageDiffers = user.message !== undefined && password.message !== undefined && user.message.trim() !== password.message.trim();
      if (!statusDiffers && !messageDiffers) return;
      const what = messageDiffers
        ? `"${user.message}" vs "${password.message}"`
        : `${user.status} vs ${password.status}`;
      ctx.report(firstStatement(user.node), {
        message: `Login answers differently for an unknown user and a wrong password (${what}): return one generic error such as "Invalid email or password" for both.`,
        related: [{ node: firstStatement(password.node), message: 'the wrong-password answer' }],
        fixes: sameAnswerFix(ctx.sourceFile, user, password, statusDiffers, messageDiffers),
      });
    }

    // The collector's onEnd hands the handlers over before own's onEnd reads them: it comes first.
    return mayHandlers ? [loginHandlerVisitors((h) => handlers.push(h)), own] : own;
  },
};

/** Text every password-comparison callee spells: COMPARE_NAMES, or a name matching PASSWORD_IN_NAME. */
const COMPARE_WORDS: readonly string[] = ['compare', 'verify', 'check', 'pass', 'pwd'];

const GENERIC_LOGIN_ERROR = 'Invalid email or password';
const GENERIC_LOGIN_STATUS = '401';

/**
 * Both branches answer with the same literal: each differing message becomes
 * 'Invalid email or password' and each differing status 401. Only when every
 * differing part is a literal in the code (not an error class, not a variable).
 */
function sameAnswerFix(sf: ts.SourceFile, user: Outcome, password: Outcome, statusDiffers: boolean, messageDiffers: boolean): Fix[] {
  const edits: TextEdit[] = [];
  for (const o of [user, password]) {
    if (statusDiffers) {
      if (!o.statusNode) return [];
      if (o.status !== GENERIC_LOGIN_STATUS) edits.push({ start: o.statusNode.getStart(sf), end: o.statusNode.end, newText: GENERIC_LOGIN_STATUS });
    }
    if (messageDiffers) {
      if (!o.messageNode) return [];
      if (o.message !== GENERIC_LOGIN_ERROR) {
        const start = o.messageNode.getStart(sf);
        const quote = sf.text[start];
        edits.push({ start, end: o.messageNode.end, newText: `${quote}${GENERIC_LOGIN_ERROR}${quote}` });
      }
    }
  }
  if (edits.length === 0) return [];
  return [{ title: `Answer both failures with ${GENERIC_LOGIN_STATUS} '${GENERIC_LOGIN_ERROR}'`, edits }];
}

/** The statement a branch starts with (the branch itself when it is not a block). */
function firstStatement(branch: ts.Node): ts.Node {
  if (isBlock(branch) && branch.statements.length > 0) return branch.statements[0];
  return branch;
}

/**
 * The function to analyse for a password comparison: the login handler that
 * contains it, else the nearest function that is not a mere callback (so that
 * `User.findOne(q, (err, user) => …)` chains are read as one flow).
 */
function analysisRoot(call: ts.Node, handlers: Set<ts.Node>): ts.Node | undefined {
  let candidate: ts.Node | undefined;
  for (let n: ts.Node | undefined = call.parent; n; n = n.parent) {
    if (handlers.has(n)) return n;
    if (!candidate && isFunctionKind(n)) {
      const isCallback = isCallExpression(n.parent) && n.parent.arguments.includes(n as ts.Expression) && !routeCall(n.parent) && !isStrategyCall(n.parent);
      if (!isCallback) candidate = n;
    }
  }
  return candidate;
}

/** `new LocalStrategy(verify)` is called but its callback is the whole login flow. */
function isStrategyCall(n: ts.Node): boolean {
  return (isCallExpression(n) || isNewExpression(n)) && /Strategy$/.test(calleeName(n) ?? '');
}

const LOGIN_CONTEXT_NAME = /log_?in|sign_?in|logon|authenticat|validate_?user|credential/i;

/**
 * A function that logs users in, by its name (`login`, `signIn`, `validateUser`,
 * `authenticate`, `checkCredentials`) or as a passport Strategy's verify
 * callback. Keeps change-password flows (which also look a user up and compare
 * a password, with the user already known) out.
 */
function isLoginContext(fn: ts.Node): boolean {
  const p = fn.parent;
  if (p && (isCallExpression(p) || isNewExpression(p)) && isStrategyCall(p)) return true;
  let name: string | undefined;
  if ((isFunctionDeclaration(fn) || isFunctionExpression(fn)) && fn.name) name = fn.name.text;
  else if (isMethodDeclaration(fn)) name = propertyName(fn.name);
  else if (p && isVariableDeclaration(p) && isIdentifier(p.name)) name = p.name.text;
  else if (p && isPropertyAssignment(p)) name = propertyName(p.name);
  else if (p && isCallExpression(p) && p.parent && isVariableDeclaration(p.parent) && isIdentifier(p.parent.name)) name = p.parent.name.text;
  return !!name && LOGIN_CONTEXT_NAME.test(name);
}
