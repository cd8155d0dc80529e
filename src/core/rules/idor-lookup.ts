import {
  forEachChild, isArrayLiteralExpression, isArrowFunction, isAsExpression, isAwaitExpression,
  isBinaryExpression, isCallExpression, isElementAccessExpression, isExpressionStatement,
  isFunctionDeclaration, isFunctionExpression, isIdentifier, isMethodDeclaration, isNewExpression,
  isNumericLiteral, isObjectLiteralExpression, isParenthesizedExpression, isPrefixUnaryExpression,
  isPropertyAccessExpression, isPropertyAssignment, isShorthandPropertyAssignment, isSpreadAssignment,
  isStringLiteralLike, isTemplateExpression, isVariableDeclaration, SyntaxKind, ts,
} from '../ts';
import {
  calleeName, calleeObject, dottedName, HTTP_METHODS, propertyName, routeCall, stringValue, EQUALITY_OPERATORS, isHttpMethodName, isNullish, type RouteCall,
} from '../ast';
import type { Flow, Source } from '../flow';
import { skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { SourceRule } from '../types';

/*
 * Shared route helpers for the access-control rules (idor-lookup,
 * body-unvalidated, mass-assignment): which functions are route handlers,
 * which middleware sits on their routes, and what the authenticated principal
 * looks like (`req.user`, `res.locals.user`, `ctx.state.user`, …).
 */

export type HandlerFn = ts.FunctionExpression | ts.ArrowFunction | ts.FunctionDeclaration | ts.MethodDeclaration;

/**
 * `x.get('/a', mw, h)` as ast.routeCall sees it, plus the later links of
 * `router.route('/a').get(h1).put(mw, h2)`, whose path sits further down the chain.
 */
export function routeOf(node: ts.CallExpression): RouteCall | undefined {
  const direct = routeCall(node);
  if (direct) return direct;
  const e = node.expression;
  if (!isPropertyAccessExpression(e) || node.arguments.length === 0) return undefined;
  const method = e.name.text.toLowerCase();
  if (!HTTP_METHODS.has(method)) return undefined;
  let inner: ts.Expression = e.expression;
  for (let i = 0; i < 12 && isCallExpression(inner) && isPropertyAccessExpression(inner.expression); i++) {
    const name = inner.expression.name.text;
    if (name === 'route') {
      const path = stringValue(inner.arguments[0]);
      if (path === undefined) return undefined;
      return { call: node, method, path, pathNode: inner.arguments[0], handlers: [...node.arguments] };
    }
    if (!HTTP_METHODS.has(name.toLowerCase())) return undefined;
    inner = inner.expression.expression;
  }
  return undefined;
}

/**
 * The function behind a route argument: inline, a same-file declaration, or
 * wrapped (`asyncHandler(async (req, res) => …)`, `catchAsync(fn)`).
 */
export function handlerFunction(expr: ts.Node | undefined, depth = 0): HandlerFn | undefined {
  if (!expr || depth > 4) return undefined;
  expr = skipWrappers(expr);
  if (isFunctionExpression(expr) || isArrowFunction(expr)) return expr;
  if (isCallExpression(expr)) {
    const last = expr.arguments[expr.arguments.length - 1];
    return last ? handlerFunction(last, depth + 1) : undefined;
  }
  if (isIdentifier(expr)) {
    const b = lookup(expr.text, expr);
    if (!b) return undefined;
    if (b.kind === 'function' && isFunctionDeclaration(b.declaration)) return b.declaration;
    if (b.kind === 'variable' && b.init && b.path.length === 0) return handlerFunction(b.init, depth + 1);
  }
  return undefined;
}

/** Middleware arguments flattened: `[body('a'), body('b')]` gives both chains. */
export function flattenMiddleware(list: readonly ts.Expression[]): ts.Expression[] {
  const out: ts.Expression[] = [];
  for (const m of list) {
    const e = skipWrappers(m) as ts.Expression;
    if (isArrayLiteralExpression(e)) out.push(...flattenMiddleware(e.elements));
    else out.push(e);
  }
  return out;
}

/**
 * Name-like tokens of a middleware expression: `passport.authenticate('jwt')`
 * gives authenticate, passport, jwt; `restrictTo('admin')` gives restrictTo, admin.
 * An identifier bound to a same-file array or call is followed once.
 */
export function middlewareTokens(expr: ts.Node, depth = 0): string[] {
  if (depth > 6) return [];
  expr = skipWrappers(expr);
  if (isIdentifier(expr)) {
    const out = [expr.text];
    if (depth < 2) {
      const b = lookup(expr.text, expr);
      if (b && b.kind === 'variable' && b.init && b.path.length === 0) {
        const init = skipWrappers(b.init);
        if (isArrayLiteralExpression(init) || isCallExpression(init)) out.push(...middlewareTokens(init, depth + 2));
      }
    }
    return out;
  }
  if (isStringLiteralLike(expr)) return [expr.text];
  if (isPropertyAccessExpression(expr)) return [expr.name.text, ...middlewareTokens(expr.expression, depth + 1)];
  if (isCallExpression(expr)) {
    const out = middlewareTokens(expr.expression, depth + 1);
    for (const a of expr.arguments) {
      const s = skipWrappers(a);
      if (isStringLiteralLike(s) || isIdentifier(s)) out.push(s.text);
      else if (isArrayLiteralExpression(s)) for (const el of s.elements) if (isStringLiteralLike(el)) out.push(el.text);
    }
    return out;
  }
  if (isArrayLiteralExpression(expr)) return expr.elements.flatMap((e) => middlewareTokens(e, depth + 1));
  return [];
}

/**
 * The tokens of the decorators on a controller method and its class, route decorators
 * (`@Get('/:id')`, `@Controller('/users')`) left out: their paths say nothing of access.
 * Compiled TypeScript keeps them in `__decorate([...], C.prototype, "m", null)` statements.
 */
function decoratorTokens(fn: HandlerFn, compiled: ReadonlyMap<string, ts.Expression[]>): string[] {
  if (!isMethodDeclaration(fn)) return [];
  const cls = fn.parent;
  const exprs: ts.Expression[] = [];
  for (const d of ts.getDecorators(fn) ?? []) exprs.push(d.expression);
  if (ts.isClassLike(cls)) for (const d of ts.getDecorators(cls) ?? []) exprs.push(d.expression);
  const className = ts.isClassLike(cls) ? classNameOf(cls) : undefined;
  const method = propertyName(fn.name);
  if (className && method) exprs.push(...(compiled.get(`${className}.${method}`) ?? []), ...(compiled.get(className) ?? []));
  const out: string[] = [];
  for (const e of exprs) {
    const s = skipWrappers(e);
    let callee = isCallExpression(s) ? skipWrappers(s.expression) : s;
    // `(0, decorators_1.GlobalScope)('user:read')`: compiled calls drop `this` with a comma.
    if (isBinaryExpression(callee) && callee.operatorToken.kind === SyntaxKind.CommaToken) callee = skipWrappers(callee.right);
    const name = isIdentifier(callee) ? callee.text : isPropertyAccessExpression(callee) ? callee.name.text : undefined;
    if (!name || name.startsWith('__') || isHttpMethodName(name) || ROUTE_DECORATORS.has(name)) continue;
    out.push(name, ...middlewareTokens(s));
  }
  return out;
}

const ROUTE_DECORATORS: ReadonlySet<string> = new Set(['Controller', 'RestController', 'Route', 'All', 'Body', 'Param', 'Query', 'Req', 'Res', 'Headers']);

/** `class UsersController {}`, `let UsersController = class UsersController {}` (compiled with decorators). */
function classNameOf(cls: ts.ClassLikeDeclaration): string | undefined {
  if (cls.name) return cls.name.text;
  const p = cls.parent;
  return isVariableDeclaration(p) && isIdentifier(p.name) ? p.name.text : undefined;
}

/**
 * `__decorate([d1, d2], UsersController.prototype, "get", null)` → "UsersController.get": [d1, d2];
 * `__decorate([d], UsersController)` → "UsersController". Top-level statements only, where compilers put them.
 */
function compiledDecorators(sf: ts.SourceFile): Map<string, ts.Expression[]> {
  const out = new Map<string, ts.Expression[]>();
  for (const st of sf.statements) {
    let e: ts.Expression | undefined = isExpressionStatement(st) ? st.expression : undefined;
    // `UsersController = __decorate([...], UsersController)`
    if (e && isBinaryExpression(e) && e.operatorToken.kind === SyntaxKind.EqualsToken) e = e.right;
    if (!e || !isCallExpression(e) || !isIdentifier(e.expression) || e.expression.text !== '__decorate') continue;
    const [list, target, member] = e.arguments;
    if (!list || !isArrayLiteralExpression(list) || !target) continue;
    const t = skipWrappers(target);
    let key: string | undefined;
    if (isIdentifier(t) && member === undefined) key = t.text;
    else if (isPropertyAccessExpression(t) && t.name.text === 'prototype' && isIdentifier(t.expression) && member && isStringLiteralLike(member)) {
      key = `${t.expression.text}.${member.text}`;
    }
    if (key) out.set(key, [...(out.get(key) ?? []), ...list.elements]);
  }
  return out;
}

/** Role / permission / ownership middleware: authorize('admin'), requireRole, checkOwner, isAdmin, ability, can(...). */
const ROLE_TOKEN = /authori[sz]|role|permi[st]|owner|abilit|polic|acl\b|admin|restrict|allow|^can$|^can[A-Z_]|access|guard|scope/i;
/** Authentication middleware: protect, requireAuth, passport.authenticate, verifyToken, isLoggedIn, jwt(). */
const AUTH_TOKEN = /auth|protect|login|logged|session|jwt|passport|token|bearer|require.?user|ensure.?user|current.?user|clerk|firebase|cognito/i;

export function isRoleToken(t: string): boolean {
  return ROLE_TOKEN.test(t);
}

export function isAuthToken(t: string): boolean {
  return AUTH_TOKEN.test(t);
}

export interface RouteInfo {
  route: RouteCall;
  /** Middleware before the handler, flattened. */
  middleware: ts.Expression[];
}

/**
 * The routes of one file, collected during the walk: which function handles
 * which route, and the router-level `x.use(mw)` middleware (assumed to cover
 * every route of the file, since routers are usually one per file).
 */
export class RouteIndex {
  readonly routes: RouteInfo[] = [];
  /** Router-level `x.use([path,] mw…)` mounts, in source order. */
  readonly uses: { path?: string; pos: number; middleware: ts.Expression[] }[] = [];
  private byHandler?: Map<ts.Node, RouteInfo[]>;
  private middlewareFns?: Set<ts.Node>;

  /** Feed every CallExpression of the walk; returns the route when it is one. */
  add(node: ts.CallExpression): RouteCall | undefined {
    const e = node.expression;
    if (e.kind !== SyntaxKind.PropertyAccessExpression) return undefined;
    const name = (e as ts.PropertyAccessExpression).name.text;
    // Every call of the file comes here: rule out most names before lower-casing them.
    if (!mayNameRoute(name)) return undefined;
    if (name === 'use') {
      const r = routeCall(node);
      if (r) this.uses.push({ path: r.path, pos: node.pos, middleware: flattenMiddleware(r.handlers) });
      return undefined;
    }
    if (!HTTP_METHODS.has(name.toLowerCase())) return undefined;
    const route = routeOf(node);
    if (!route || route.path === undefined || route.method === 'use') return undefined;
    this.routes.push({ route, middleware: flattenMiddleware(route.handlers.slice(0, -1)) });
    this.byHandler = undefined;
    return route;
  }

  /**
   * Router-level middleware that covers a route: mounted before it, on no
   * path or a prefix of its path. Without a route (a controller wired up
   * elsewhere), the path-less mounts of this file.
   */
  usesFor(route?: RouteCall): ts.Expression[] {
    const out: ts.Expression[] = [];
    for (const u of this.uses) {
      if (route) {
        if (u.pos > route.call.pos) continue;
        if (u.path !== undefined && !(route.path ?? '').startsWith(u.path)) continue;
      } else if (u.path !== undefined) continue;
      out.push(...u.middleware);
    }
    return out;
  }

  /** The routes whose final handler is `fn`. */
  routesOf(fn: ts.Node): RouteInfo[] {
    if (!this.byHandler) this.index();
    return this.byHandler!.get(fn) ?? [];
  }

  /** True when `fn` is registered as a non-final middleware of some route here. */
  isMiddleware(fn: ts.Node): boolean {
    if (!this.middlewareFns) this.index();
    return this.middlewareFns!.has(fn);
  }

  private index(): void {
    const map = new Map<ts.Node, RouteInfo[]>();
    const mws = new Set<ts.Node>();
    for (const info of this.routes) {
      const fn = handlerFunction(info.route.handlers[info.route.handlers.length - 1]);
      if (fn) {
        const list = map.get(fn);
        if (list) list.push(info);
        else map.set(fn, [info]);
      }
      for (const m of info.middleware) {
        const f = handlerFunction(m);
        if (f) mws.add(f);
      }
    }
    for (const u of this.uses) {
      for (const m of u.middleware) {
        const f = handlerFunction(m);
        if (f) mws.add(f);
      }
    }
    this.byHandler = map;
    this.middlewareFns = mws;
  }
}

/** HTTP_METHODS (any case) and `use` are 3 to 7 letters long, starting with one of these (lower-cased). */
const ROUTE_NAME_INITIALS: ReadonlySet<number> = new Set([...HTTP_METHODS, 'use'].map((m) => m.charCodeAt(0)));

/** A cheap necessary condition for `name === 'use' || HTTP_METHODS.has(name.toLowerCase())`. */
function mayNameRoute(name: string): boolean {
  const n = name.length;
  return n >= 3 && n <= 7 && ROUTE_NAME_INITIALS.has(name.charCodeAt(0) | 32);
}

export function routeLabel(route: RouteCall): string {
  return `${route.method.toUpperCase()} ${route.path ?? ''}`.trim();
}

const REQUEST_PARAM_NAMES: ReadonlySet<string> = new Set(['req', 'request', 'ctx', 'context']);

/** A function whose first parameter is the request (`req`, `request`, Koa `ctx`). */
export function takesRequest(fn: ts.Node): fn is HandlerFn {
  if (!isFunctionExpression(fn) && !isArrowFunction(fn) && !isFunctionDeclaration(fn) && !isMethodDeclaration(fn)) return false;
  const p = fn.parameters[0];
  if (!p || !isIdentifier(p.name) || !REQUEST_PARAM_NAMES.has(p.name.text)) return false;
  // NestJS `@Req() req`: Nest has its own guards and pipes; leave it alone.
  return !ts.canHaveDecorators(p) || (ts.getDecorators(p)?.length ?? 0) === 0;
}

/**
 * The route handler around `node`: the innermost enclosing function registered
 * as a route's final handler in this file, else the outermost enclosing
 * function that takes the request (a controller method wired up elsewhere).
 */
export function enclosingHandler(node: ts.Node, routes: RouteIndex): { fn: HandlerFn; routes: RouteInfo[] } | undefined {
  let outer: HandlerFn | undefined;
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (!ts.isFunctionLike(n)) continue;
    const infos = routes.routesOf(n);
    if (infos.length > 0) return { fn: n as HandlerFn, routes: infos };
    if (takesRequest(n)) outer = n;
  }
  return outer ? { fn: outer, routes: [] } : undefined;
}

/** A middleware by shape: it calls `next()` with no argument to pass the request on. */
export function callsNextOnward(fn: HandlerFn): boolean {
  const p = fn.parameters[2];
  if (!p || !isIdentifier(p.name)) return false;
  const next = p.name.text;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (isCallExpression(n) && isIdentifier(n.expression) && n.expression.text === next && n.arguments.length === 0) {
      found = true;
      return;
    }
    forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return found;
}

// ---------------------------------------------------------------------------
// The authenticated principal

/** `req.user…`, `req.auth…`, `req.userId`, `req.session.userId`, `res.locals.user`, `ctx.state.user`. */
const PRINCIPAL =
  /^(?:req|request)\.(?:user|auth|userId|user_id|currentUser|session\.(?:user|userId|user_id|passport\.user))(?:\.|$)|^req\.payload(?:\.|$)|^res\.locals\.(?:user|userId|currentUser|auth)(?:\.|$)|^(?:ctx|context)\.state\.(?:user|auth|userId)(?:\.|$)/;
const TO_STRING_METHODS: ReadonlySet<string> = new Set(['toString', 'toHexString', 'valueOf', 'trim']);

export function isPrincipalPath(dotted: string): boolean {
  return PRINCIPAL.test(dotted);
}

/**
 * True when an expression derives from the authenticated principal: `req.user.id`,
 * `String(req.user._id)`, `const { id: userId } = req.user`, `const me = req.user`,
 * the principal's own record (`await User.findById(req.user.id)`).
 */
export function isPrincipalDerived(expr: ts.Node, depth = 0): boolean {
  if (depth > 8) return false;
  expr = skipWrappers(expr);
  if (isPropertyAccessExpression(expr) || isElementAccessExpression(expr)) {
    const d = dottedName(expr);
    if (d !== undefined && PRINCIPAL.test(d)) return true;
    return isPrincipalDerived(expr.expression, depth + 1);
  }
  if (isIdentifier(expr)) {
    const b = lookup(expr.text, expr);
    if (!b || b.kind !== 'variable' || !b.init) return false;
    if (b.path.length > 0) {
      const base = dottedName(b.init);
      if (base !== undefined && PRINCIPAL.test(`${base}.${b.path.join('.')}`)) return true;
    }
    return isPrincipalDerived(b.init, depth + 1);
  }
  if (isCallExpression(expr) || isNewExpression(expr)) {
    const callee = skipWrappers(expr.expression);
    if (isPropertyAccessExpression(callee) && TO_STRING_METHODS.has(callee.name.text)) return isPrincipalDerived(callee.expression, depth + 1);
    return (expr.arguments ?? []).some((a) => isPrincipalDerived(a, depth + 1));
  }
  if (isTemplateExpression(expr)) return expr.templateSpans.some((s) => isPrincipalDerived(s.expression, depth + 1));
  if (isBinaryExpression(expr)) {
    const k = expr.operatorToken.kind;
    if (k === SyntaxKind.BarBarToken || k === SyntaxKind.QuestionQuestionToken) return isPrincipalDerived(expr.left, depth + 1) || isPrincipalDerived(expr.right, depth + 1);
  }
  return false;
}

/** Some part of the expression derives from the principal. */
export function containsPrincipal(node: ts.Node, budget = { n: 200 }): boolean {
  if (--budget.n < 0) return false;
  if ((isPropertyAccessExpression(node) || isIdentifier(node) || isCallExpression(node)) && isPrincipalDerived(node)) return true;
  let found = false;
  forEachChild(node, (c) => {
    if (!found && containsPrincipal(c, budget)) found = true;
  });
  return found;
}

// ---------------------------------------------------------------------------
// Handler summaries

export interface HandlerSummary {
  /** The handler mentions the principal somewhere (it serves signed-in users). */
  usesPrincipal: boolean;
  /**
   * The handler makes an authorization decision itself: compares something to
   * the principal, answers 403, or hands the record to an authorization helper.
   */
  checksAccess: boolean;
}

const COMPARE_METHODS: ReadonlySet<string> = new Set(['equals', 'includes', 'some', 'every', 'has', 'indexOf', 'find', 'isSameUser']);
/** Helpers that decide access: authorize(), ability.can(), checkOwnership(), assertCanEdit(), ForbiddenError. */
const AUTHZ_CALL = /authori[sz]|^can$|^cannot$|^can[A-Z]|permi[st]|owner|polic|abilit|enforce|forbid|allowed|access(?!Token)|guard/i;
/** Calls that merely use the principal without deciding anything. */
const NON_DECIDING_RECEIVERS: ReadonlySet<string> = new Set(['res', 'reply', 'response', 'console', 'logger', 'log', 'ctx']);

export function summarizeHandler(fn: HandlerFn, cache: Map<ts.Node, HandlerSummary>): HandlerSummary {
  const cached = cache.get(fn);
  if (cached) return cached;
  const s: HandlerSummary = { usesPrincipal: false, checksAccess: false };
  const visit = (n: ts.Node): void => {
    if (s.checksAccess) return;
    if (isPropertyAccessExpression(n)) {
      const d = dottedName(n);
      if (d !== undefined && PRINCIPAL.test(d)) {
        s.usesPrincipal = true;
        return;
      }
    } else if (isVariableDeclaration(n) && ts.isObjectBindingPattern(n.name) && n.initializer) {
      // const { user } = req
      const d = dottedName(n.initializer);
      if (d !== undefined && n.name.elements.some((el) => PRINCIPAL.test(`${d}.${propertyName(el.propertyName) ?? (isIdentifier(el.name) ? el.name.text : '')}`))) {
        s.usesPrincipal = true;
      }
    } else if (isBinaryExpression(n) && EQUALITY_OPERATORS.has(n.operatorToken.kind)) {
      if (!isNullish(n.left) && !isNullish(n.right) && (isPrincipalDerived(n.left) || isPrincipalDerived(n.right))) {
        s.usesPrincipal = true;
        s.checksAccess = true;
        return;
      }
    } else if (isCallExpression(n) || isNewExpression(n)) {
      if (decidesAccess(n)) {
        s.checksAccess = true;
        return;
      }
    }
    forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  cache.set(fn, s);
  return s;
}

function decidesAccess(call: ts.CallExpression | ts.NewExpression): boolean {
  const args = call.arguments ?? [];
  // res.status(403), sendStatus(403), ctx.throw(403), createError(403), new HttpError(403)
  if (args.some((a) => isNumericLiteral(a) && a.text === '403')) return true;
  const name = calleeName(call);
  if (name && AUTHZ_CALL.test(name)) return true;
  if (isCallExpression(call) && name && COMPARE_METHODS.has(name)) {
    const recv = calleeObject(call);
    if ((recv && isPrincipalDerived(recv)) || args.some((a) => isPrincipalDerived(a))) return true;
  }
  // someHelper(req.user, doc): the principal handed over with something else, to code we cannot see.
  if (args.length >= 2 && args.some((a) => isPrincipalDerived(a)) && args.some((a) => !isPrincipalDerived(a) && !isLiteral(a))) {
    const recv = calleeObject(call);
    const root = recv ? dottedName(recv)?.split('.')[0] : undefined;
    if (!root || !NON_DECIDING_RECEIVERS.has(root)) return true;
  }
  return false;
}

function isLiteral(n: ts.Node): boolean {
  n = skipWrappers(n);
  return isStringLiteralLike(n) || isNumericLiteral(n) || n.kind === SyntaxKind.TrueKeyword || n.kind === SyntaxKind.FalseKeyword ||
    n.kind === SyntaxKind.NullKeyword;
}

// ---------------------------------------------------------------------------
// Lookups by id

/** Take the id as their first argument. */
const DIRECT_ID: ReadonlySet<string> = new Set([
  'findById', 'findByIdAndUpdate', 'findByIdAndDelete', 'findByIdAndRemove', 'findByPk', 'findOneById',
]);
/** Take a filter object (`{ _id }`, `{ where: { id } }`). */
const FILTER_METHODS: ReadonlySet<string> = new Set([
  'findOne', 'findFirst', 'findUnique', 'findFirstOrThrow', 'findUniqueOrThrow', 'findOneOrFail', 'findOneBy', 'findOneByOrFail',
  'findOneAndUpdate', 'findOneAndDelete', 'findOneAndRemove', 'findOneAndReplace', 'updateOne', 'deleteOne', 'replaceOne',
  'update', 'delete', 'destroy', 'remove', 'softDelete', 'where', 'andWhere',
]);
/** Repository methods that also take a bare id (TypeORM `repo.delete(id)`). */
const REPO_DIRECT_ID: ReadonlySet<string> = new Set(['findOne', 'findOneOrFail', 'delete', 'softDelete', 'remove', 'restore']);
const MUTATING: ReadonlySet<string> = new Set([
  'findByIdAndUpdate', 'findByIdAndDelete', 'findByIdAndRemove', 'findOneAndUpdate', 'findOneAndDelete', 'findOneAndRemove',
  'findOneAndReplace', 'updateOne', 'deleteOne', 'replaceOne', 'update', 'delete', 'destroy', 'remove', 'softDelete', 'restore',
]);

export const LOOKUP_METHODS: ReadonlySet<string> = new Set([...DIRECT_ID, ...FILTER_METHODS, ...REPO_DIRECT_ID]);
const LOOKUP_METHOD_NAMES: readonly string[] = [...LOOKUP_METHODS];

const ID_KEY = /^(?:_?id|uuid|guid)$/i;
/** Keys that scope a lookup to an owner or tenant: userId, owner, authorId, tenant_id, orgId … */
const OWNER_KEY = /^(?:user|owner|author|account|tenant|org|organi[sz]ation|team|workspace|company|creator|created_?by|customer|member|profile|client)(?:_?id|Id|ID)?$/i;

const ID_PARTS: ReadonlySet<string> = new Set(['params', 'query', 'body']);

export interface IdLookup {
  call: ts.CallExpression;
  method: string;
  /** The request read that supplies the id. */
  source: Source;
  mutating: boolean;
  /** How the query itself is scoped, if it is: 'principal' or the owner key. */
  scopedBy?: string;
}

/** Calls that convert or validate an id without changing whose record it names. */
const ID_CONVERSIONS: ReadonlySet<string> = new Set([
  'ObjectId', 'ObjectID', 'Number', 'String', 'parseInt', 'BigInt', 'toObjectId', 'parse', 'parseAsync', 'safeParse', 'safeParseAsync',
  'validate', 'validateAsync', 'validateSync', 'cast', 'Parse', 'Decode',
]);

/**
 * The request source of an id expression: `req.params.id`, `id` from
 * `const { id } = req.params`, `new ObjectId(req.params.id)`, or `id` from
 * `const { id } = Params.parse(req.params)` (a well-formed id is still anyone's id).
 */
function idSource(flow: Flow, expr: ts.Node, depth = 0): Source | undefined {
  const s = flow.source(expr);
  if (s) return ID_PARTS.has(s.part) ? s : undefined;
  if (depth > 4) return undefined;
  const e = skipWrappers(expr);
  if (isCallExpression(e) || isNewExpression(e)) {
    const name = calleeName(e);
    if (!name || !ID_CONVERSIONS.has(name) || !e.arguments) return undefined;
    for (const a of e.arguments.slice(0, 2)) {
      const inner = idSource(flow, a, depth + 1);
      if (inner) return inner;
    }
    return undefined;
  }
  if (isPropertyAccessExpression(e) || isElementAccessExpression(e)) return idSource(flow, e.expression, depth + 1);
  // +id, Number(id)
  if (isPrefixUnaryExpression(e) && e.operator === SyntaxKind.PlusToken) return idSource(flow, e.operand, depth + 1);
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (b && b.kind === 'variable' && b.init) return idSource(flow, b.init, depth + 1);
  }
  return undefined;
}

/** An object literal, directly or through a same-file `const filter = { … }`. */
function objectOf(expr: ts.Node | undefined): ts.ObjectLiteralExpression | undefined {
  if (!expr) return undefined;
  expr = skipWrappers(expr);
  if (isObjectLiteralExpression(expr)) return expr;
  if (isIdentifier(expr)) {
    const b = lookup(expr.text, expr);
    if (b && b.kind === 'variable' && b.path.length === 0 && b.init) {
      const init = skipWrappers(b.init);
      if (isObjectLiteralExpression(init)) return init;
    }
  }
  return undefined;
}

function propertyValue(p: ts.ObjectLiteralElementLike): ts.Node | undefined {
  if (isPropertyAssignment(p)) return p.initializer;
  if (isShorthandPropertyAssignment(p)) return p.name;
  return undefined;
}

function looksLikeRepository(recv: ts.Node | undefined): boolean {
  if (!recv) return false;
  recv = skipWrappers(recv);
  const name = isIdentifier(recv) ? recv.text : isPropertyAccessExpression(recv) ? recv.name.text : undefined;
  if (name && /repo(?:sitory)?$/i.test(name)) return true;
  return isCallExpression(recv) && /^get(?:Custom)?Repository$/.test(calleeName(recv) ?? '');
}

/**
 * A lookup, update or delete keyed by an id from the request, with how the
 * query itself is scoped. Undefined when the call is no such lookup.
 */
export function idLookup(flow: Flow, call: ts.CallExpression, method: string): IdLookup | undefined {
  const args = call.arguments;
  if (args.length === 0) return undefined;
  const mutating = MUTATING.has(method);
  const accept = (s: Source | undefined): Source | undefined => (s && (s.part !== 'body' || mutating) ? s : undefined);

  if (DIRECT_ID.has(method)) {
    const source = accept(idSource(flow, args[0]));
    return source ? { call, method, source, mutating, scopedBy: chainScope(call) } : undefined;
  }

  // knex / objection: .where('id', id), .where('orders.id', '=', id)
  if (method === 'where' || method === 'andWhere') {
    const key = stringValue(args[0]);
    if (key !== undefined) {
      const value = args.length === 3 && stringValue(args[1]) === '=' ? args[2] : args.length === 2 ? args[1] : undefined;
      const col = key.slice(key.lastIndexOf('.') + 1);
      if (!value || !ID_KEY.test(col)) return undefined;
      const source = accept(idSource(flow, value));
      return source ? { call, method, source, mutating, scopedBy: chainScope(call) } : undefined;
    }
  }

  if (REPO_DIRECT_ID.has(method) && !objectOf(args[0]) && looksLikeRepository(calleeObject(call))) {
    const source = accept(idSource(flow, args[0]));
    if (source) return { call, method, source, mutating, scopedBy: chainScope(call) };
  }

  // Sequelize `Model.update(values, { where })` keeps its filter second.
  const second = method === 'update' ? objectOf(args[1]) : undefined;
  const secondWhere = second ? objectOf(getValue(second, 'where')) : undefined;
  const outer = secondWhere ? second : objectOf(args[0]);
  if (!outer) return undefined;
  const query = secondWhere ?? objectOf(getValue(outer, 'where')) ?? outer;

  let source: Source | undefined;
  let idProp: ts.ObjectLiteralElementLike | undefined;
  for (const p of query.properties) {
    const key = isPropertyAssignment(p) || isShorthandPropertyAssignment(p) ? propertyName(p.name) : undefined;
    if (key === undefined || !ID_KEY.test(key)) continue;
    const value = propertyValue(p);
    const s = value ? accept(idSource(flow, value)) : undefined;
    if (s) {
      source = s;
      idProp = p;
      break;
    }
  }
  if (!source) return undefined;
  return { call, method, source, mutating, scopedBy: queryScope(flow, query, idProp) ?? chainScope(call) };
}

function getValue(obj: ts.ObjectLiteralExpression, name: string): ts.Node | undefined {
  for (const p of obj.properties) {
    if ((isPropertyAssignment(p) || isShorthandPropertyAssignment(p)) && propertyName(p.name) === name) return propertyValue(p);
  }
  return undefined;
}

/** How the rest of the query object scopes the lookup: by the principal, or by an owner key not taken from the request. */
function queryScope(flow: Flow, query: ts.ObjectLiteralExpression, idProp: ts.ObjectLiteralElementLike | undefined): string | undefined {
  let byKey: string | undefined;
  for (const p of query.properties) {
    if (p === idProp) continue;
    // `{ id, ...scopeFor(req) }`: something we cannot see constrains the query.
    if (isSpreadAssignment(p)) {
      if (containsPrincipal(p.expression)) return 'principal';
      if (!flow.source(p.expression)) byKey ??= 'spread';
      continue;
    }
    const value = propertyValue(p);
    if (!value) continue;
    if (containsPrincipal(value)) return 'principal';
    const key = isPropertyAssignment(p) || isShorthandPropertyAssignment(p) ? propertyName(p.name) : undefined;
    if (key !== undefined && (OWNER_KEY.test(key) || /^(?:AND|OR|\$and|\$or)$/.test(key)) && !flow.source(value)) byKey ??= key;
  }
  return byKey;
}

/** Scoping elsewhere in a query chain: `db('orders').where({ id }).andWhere('user_id', req.user.id)`. */
function chainScope(call: ts.CallExpression): string | undefined {
  let top: ts.Expression = call;
  for (let i = 0; i < 16; i++) {
    const p = top.parent;
    if (p && isPropertyAccessExpression(p) && p.expression === top && p.parent && isCallExpression(p.parent) && p.parent.expression === p) {
      top = p.parent;
    } else if (p && (isAwaitExpression(p) || isParenthesizedExpression(p)) && p.parent && isPropertyAccessExpression(p.parent)) {
      top = p as ts.Expression;
    } else break;
  }
  let n: ts.Node = top;
  for (let i = 0; i < 24; i++) {
    n = skipWrappers(n);
    if (!isCallExpression(n)) break;
    if (n !== call && n.arguments.some((a) => containsPrincipal(a))) return 'principal';
    const e = n.expression;
    if (isPropertyAccessExpression(e)) n = e.expression;
    else break;
  }
  return undefined;
}

function isIdentifierNamed(n: ts.Node, name: string): boolean {
  n = skipWrappers(n);
  return isIdentifier(n) && n.text === name;
}

function isRequestOrPrincipal(n: ts.Node): boolean {
  const e = skipWrappers(n);
  if (isIdentifier(e) && REQUEST_PARAM_NAMES.has(e.text)) return true;
  return isPrincipalDerived(e);
}

/** res.json(doc), reply.send(doc), console.log(doc): output, not a check. */
function isResponseCall(call: ts.CallExpression): boolean {
  const recv = calleeObject(call);
  const root = recv ? dottedName(recv)?.split('.')[0] : undefined;
  return root !== undefined && NON_DECIDING_RECEIVERS.has(root);
}

const RELATION_ADD: ReadonlySet<string> = new Set(['push', 'addToSet', 'unshift', 'add']);
const RELATION_CREATE: ReadonlySet<string> = new Set(['create', 'insert', 'insertOne', 'build', 'bulkCreate', 'createMany']);

/** The variable a lookup's result is stored in: `const post = await Post.findById(id).populate('x')`. */
function resultVariable(call: ts.CallExpression): string | undefined {
  let n: ts.Node = call;
  for (let i = 0; i < 12; i++) {
    const p: ts.Node | undefined = n.parent;
    if (!p) return undefined;
    if (isVariableDeclaration(p)) return p.initializer === n && isIdentifier(p.name) ? p.name.text : undefined;
    if (isAwaitExpression(p) || isParenthesizedExpression(p) || isAsExpression(p) || ts.isNonNullExpression(p)) n = p;
    else if (isPropertyAccessExpression(p) && p.expression === n && p.parent && isCallExpression(p.parent)) n = p.parent;
    else return undefined;
  }
  return undefined;
}

function mentions(node: ts.Node, name: string): boolean {
  if (isIdentifier(node)) return node.text === name;
  let found = false;
  forEachChild(node, (c) => {
    if (!found && mentions(c, name)) found = true;
  });
  return found;
}

/**
 * The handler ties the loaded record to the principal: `post.likes.push(req.user.id)`,
 * `Comment.create({ post: post.id, author: req.user.id })`. Typical of shared
 * records (posts, events, groups) that any signed-in user may act on.
 */
function relatesToPrincipal(fn: HandlerFn, lookupCall: ts.CallExpression, mutating: boolean): boolean {
  const record = resultVariable(lookupCall);
  if (!record || !fn.body) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if ((isCallExpression(n) || isNewExpression(n)) && n !== lookupCall && n.arguments && n.arguments.length > 0) {
      const name = calleeName(n) ?? '';
      const recv = isCallExpression(n) ? calleeObject(n) : undefined;
      const passesRecord = n.arguments.some((a) => isIdentifierNamed(a, record));
      if (passesRecord && isCallExpression(n) && !isResponseCall(n) && n.arguments.some((a) => isRequestOrPrincipal(a))) {
        found = true;
        return;
      }
      // post.likes.push(req.user.id) adds the principal to the record; post.update({ editedBy }) changes it.
      const adds = !mutating && recv !== undefined && mentions(recv, record) && RELATION_ADD.has(name);
      const creates = !mutating && (isNewExpression(n) || RELATION_CREATE.has(name)) && n.arguments.some((a) => mentions(a, record));
      if ((adds || creates) && n.arguments.some((a) => containsPrincipal(a))) {
        found = true;
        return;
      }
    }
    forEachChild(n, visit);
  };
  visit(fn.body);
  return found;
}

/** How to scope this kind of lookup, in its own API. */
function scopeHint(l: IdLookup): string {
  if (l.method.startsWith('findById')) {
    const one = l.method === 'findById' ? 'findOne' : l.method === 'findByIdAndUpdate' ? 'findOneAndUpdate' : 'findOneAndDelete';
    return `\`${one}({ _id: id, owner: req.user.id }${one === 'findOneAndUpdate' ? ', changes' : ''})\``;
  }
  if (l.method === 'where' || l.method === 'andWhere') return '`.where({ id, user_id: req.user.id })`';
  if (l.method === 'findOneBy') return '`findOneBy({ id, owner: { id: req.user.id } })`';
  const args = l.call.arguments;
  const obj = objectOf(args[0]) ?? objectOf(args[1]);
  if (l.method === 'findByPk' || (obj && getValue(obj, 'where'))) return '`where: { id, userId: req.user.id }`';
  return '`{ _id: id, owner: req.user.id }`';
}

// ---------------------------------------------------------------------------
// The rule

export const rule: SourceRule = {
  id: 'idor-lookup',
  row: 'authz-object',
  severity: 'warning',
  description:
    'Detects route handlers that load, update or delete a record by an id taken from the request without checking that it belongs to the signed-in user (IDOR / BOLA).',
  message:
    'Record looked up by a request id with no ownership check: any signed-in user can reach any record; scope the query by owner (`{ _id: id, owner: req.user.id }`) or return 404 when it is not theirs.',
  fixable: false,
  docs: {
    why:
      'Ids in URLs and bodies are guessable or leak easily. When a handler loads `/orders/:id` by that id alone, every signed-in user can read, ' +
      'change or delete everyone else\'s records just by changing the number: broken object-level authorization, the most common API flaw.',
    bad:
      "router.get('/orders/:id', requireAuth, async (req, res) => {\n" +
      '  const order = await Order.findById(req.params.id);\n' +
      '  res.json(order);\n' +
      '});',
    good:
      "router.get('/orders/:id', requireAuth, async (req, res) => {\n" +
      '  const order = await Order.findOne({ _id: req.params.id, owner: req.user.id });\n' +
      '  if (!order) return res.sendStatus(404);\n' +
      '  res.json(order);\n' +
      '});',
    fix:
      'Put the owner into the query itself (`findOne({ _id: id, owner: req.user.id })`, `where: { id, userId: req.user.id }`) and answer 404 when nothing matches; ' +
      'or compare the loaded record\'s owner with `req.user` and answer 403/404 before using it; or guard the route with a role/ownership middleware.',
    cwe: ['CWE-639', 'CWE-284'],
    owasp: ['A01:2021'],
  },
  create(ctx) {
    // Findings, the fact and the evidence all need a lookup call `x.<method>(…)` named in LOOKUP_METHODS.
    if (!ctx.mentions(...LOOKUP_METHOD_NAMES)) return {};
    // Calls RouteIndex.add would take, and the `x.<lookup method>(…)` calls: both judged in onEnd, and only
    // inside a handler (the judgement's first filter) is idLookup's flow query worth making.
    const routeCalls: ts.CallExpression[] = [];
    const candidates: ts.CallExpression[] = [];
    return {
      CallExpression(node: ts.CallExpression) {
        const e = node.expression;
        if (e.kind !== SyntaxKind.PropertyAccessExpression || node.arguments.length === 0) return;
        const name = (e as ts.PropertyAccessExpression).name.text;
        if (mayNameRoute(name)) routeCalls.push(node);
        if (LOOKUP_METHODS.has(name)) candidates.push(node);
      },
      onEnd() {
        if (candidates.length === 0) return;
        const routes = new RouteIndex();
        for (const c of routeCalls) routes.add(c);
        const summaries = new Map<ts.Node, HandlerSummary>();
        // Per handler: calls next() onward; the tokens of its routes' middleware (both fixed once the walk is done).
        const nextOnward = new Map<ts.Node, boolean>();
        const tokensOf = new Map<ts.Node, string[]>();
        const adminFile = /(?:^|[/\\])admin/i.test(ctx.file);
        let factDone = false;
        let evidenceDone = false;
        let decorated: Map<string, ts.Expression[]> | undefined;
        for (const call of candidates) {
          const h = enclosingHandler(call, routes);
          if (!h || routes.isMiddleware(h.fn)) continue;
          let onward = nextOnward.get(h.fn);
          if (onward === undefined) nextOnward.set(h.fn, (onward = callsNextOnward(h.fn)));
          if (onward) continue;
          const l = idLookup(ctx.flow, call, (call.expression as ts.PropertyAccessExpression).name.text);
          if (!l) continue;
          if (!factDone) {
            ctx.fact('data-access', l.call);
            factDone = true;
          }
          if (l.scopedBy) {
            if (l.scopedBy === 'principal' && !evidenceDone) {
              ctx.evidence('ownership-in-query', l.call, 'lookup scoped to req.user');
              evidenceDone = true;
            }
            continue;
          }
          const s = summarizeHandler(h.fn, summaries);
          if (s.checksAccess) continue;
          if (h.routes.length === 0 && adminFile) continue;
          let tokens = tokensOf.get(h.fn);
          if (!tokens) {
            const middleware = h.routes.length > 0
              ? h.routes.flatMap((r) => [...routes.usesFor(r.route), ...r.middleware])
              : routes.usesFor();
            tokensOf.set(h.fn, (tokens = middleware.flatMap((m) => middlewareTokens(m))));
          }
          if (tokens.some(isRoleToken)) continue;
          // A controller method's permission decorators: `@GlobalScope('user:read')`, `@Roles('admin')`, `@UseGuards(OwnerGuard)`.
          if (decoratorTokens(h.fn, (decorated ??= compiledDecorators(ctx.sourceFile))).some(isRoleToken)) continue;
          const authenticated = s.usesPrincipal || tokens.some(isAuthToken);
          // A route nobody signs in to serves public records (products, posts): not an ownership question.
          if (!authenticated) continue;
          // Liking or commenting on a shared record ties the principal to it: not a read of someone else's data.
          // Handing the record to a helper along with the request or principal (`checkNote(note, req, res)`): a check we cannot see.
          if (relatesToPrincipal(h.fn, l.call, l.mutating)) continue;
          const what = l.source.part === 'params' ? 'URL' : l.source.part === 'query' ? 'query string' : 'request body';
          const callee = l.call.expression;
          const at = isPropertyAccessExpression(callee) ? { start: callee.name.getStart(ctx.sourceFile), end: l.call.end } : l.call;
          ctx.report(at, {
            message:
              `\`${l.method}\` takes an id from the ${what} with no ownership check: any signed-in user can ${l.mutating ? 'change' : 'read'} anyone's record; ` +
              `scope the query by owner (${scopeHint(l)}) or answer 404 when it is not theirs.`,
            related: [{ node: l.source.node, message: 'the id comes from the request here' }],
          });
        }
      },
    };
  },
};
