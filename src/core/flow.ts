import {
  forEachChild, isArrayLiteralExpression, isArrowFunction, isBinaryExpression, isBlock,
  isCallExpression, isConditionalExpression, isElementAccessExpression, isExpressionStatement,
  isFunctionDeclaration, isFunctionExpression, isIdentifier, isIfStatement, isMethodDeclaration,
  isNewExpression, isNumericLiteral, isObjectLiteralExpression, isPrefixUnaryExpression,
  isPropertyAccessExpression, isPropertyAssignment, isReturnStatement, isShorthandPropertyAssignment,
  isSpreadAssignment, isStringLiteralLike, isTemplateExpression, isVariableDeclaration,
  isVariableStatement, SyntaxKind, ts,
} from './ts';
import { dottedName, routeCall } from './ast';
import { requiredModule, skipWrappers } from './modules';
import { assignmentsTo, enclosingFunctionOrFile, identifierAt, isIdentifierChar, lookup, type Binding } from './scopes';
import { NodeCache } from './file-caches';

/**
 * Intra-procedural, on-demand tracking of request data. Nothing is computed
 * during the walk: a rule standing at a sink asks `flow.source(expr)` and the
 * answer is derived from the expression and the declarations it reads, cached
 * per node. Depth, helper nesting and call-site fan-out are bounded.
 *
 * Sources (Source.part says which part of the request):
 * - Express / Fastify / Next.js API routes: `req|request` .body .query .params
 *   .headers .cookies .signedCookies .files .file .hostname .originalUrl .url
 *   .path, and `req.get() / req.header() / req.param()` (headers).
 * - Koa: `ctx.request.body|query|…`, `ctx.query|params|headers|cookies|…`,
 *   `ctx.get()`, and destructuring of `ctx` / `ctx.request`. `ctx.body` is the
 *   response, not a source.
 * - Next.js App Router: `request.json() / formData() / text()` (body),
 *   `request.nextUrl.searchParams` and `new URL(request.url).searchParams`
 *   (`.get()` is query), `request.headers.get()`, and the `{ params }` second
 *   argument of an exported GET/POST/… handler.
 * - Inline route handlers that destructure the request: `app.post('/x', ({ body }, res) => …)`.
 * - NestJS (and routing-controllers / tsoa): a parameter decorated `@Body()`,
 *   `@Query()`, `@Param()`, `@Headers()`, `@Cookies()`, `@UploadedFile()`
 *   is a source (Source.node is the decorator); `@Req()` makes the parameter a
 *   request object. A parse pipe (`@Param('id', ParseIntPipe)`) makes it not a source.
 * - An identifier named `req`/`request` bound to an import or a `require` is
 *   a library (supertest, request), not the incoming request.
 *
 * Propagation: variables (the last write before the use; `+=`, `||=`, `??=`
 * add to it), destructuring (renames, defaults, nesting, rest), templates,
 * concatenation, object and array literals, spread, property and element
 * reads (not `.length`), `await`, `?:`, `??`, `||`, for-of, string and array
 * methods that hand back content (`trim`, `join`, `slice`, `filter`, `at`,
 * `concat`, …; `.map(cb)` when `cb` returns what it is given), callbacks of
 * `forEach/map/filter/…/then` on tainted receivers, `String()`,
 * `decodeURIComponent`, `JSON.parse/stringify`, `Buffer.from`,
 * `Object.assign/keys/values/entries`, `path.join/resolve/normalize`,
 * `new URL(x)` (its `.hostname`, `.href`, `.searchParams.get()` …).
 * Same-file helpers: the result of `helper(a, b)` (function declaration, const
 * arrow or function, or `this.method()` in the same class) carries the
 * arguments whose parameters reach its return value. A helper's parameter is
 * tainted when a same-file call site passes request data for it (at most
 * MAX_CALL_SITES call sites; the Source is the call site's read).
 *
 * Sanitizers end the flow: any call the flow does not know (schema parsing
 * with zod/joi/yup/ajv/class-validator, `Number`, `parseInt`, `Math.*`,
 * `Boolean`, `encodeURIComponent`, `path.basename`, `matchedData(req)`,
 * `escapeHtml`…), same-file helpers named like sanitizers (escape, sanitize,
 * encode, quote, valid…), `.replace(/[^a-z]/g, '')`, and guards that dominate
 * the use: `if (!ALLOWED.has(x)) return|throw|continue;`, `if (!['a','b'].includes(x)) …`,
 * `x !== 'a' && x !== 'b'`, `indexOf(x) === -1`, `x in MAP`, `Object.hasOwn(MAP, x)`,
 * `typeof x === 'number'`, `Number.isInteger(x)`, `isNaN(x)`, validator.js
 * `isInt/isNumeric/isAlphanumeric/isIn…`, `validate(x)` (ajv), joi's
 * `if (error) return` and zod's `if (!r.success) return` (vouch for the
 * validated object), and `assert(…)` / `ctx.assert(…)` of those; Koa's
 * `ctx.throw()` counts as an exit; a `switch (x)` whose default returns or
 * throws; a use inside `if (ALLOWED.has(x)) { … }`, `ALLOWED.has(x) ? … : …`,
 * `ALLOWED.has(x) && …` or a literal `case`. The allowlist itself must be a
 * constant (literal array, `new Set([...])`, an UPPER_CASE or imported name, a
 * config property), never request data or a string being searched.
 * Id-format checks (isMongoId, isValidObjectId, isUUID) are not guards: a
 * well-formed id is still anyone's id (idor-lookup relies on that).
 *
 * Not modelled: writes through properties (`filter.name = req.query.name`),
 * `push`, cross-file calls, calls through objects (`svc.search(q)`), and a
 * Source.via chain (each node's answer is cached, not its path).
 *
 * Sink-specific sanitizers: `flow.source(expr, { sanitizers })` with a
 * predicate over calls. A call for which it returns true ends the flow, and
 * `if (!call) return` guards the call's arguments after it. Pass a stable
 * (module-level) function: answers are cached per predicate.
 */
export interface Source {
  /** The node that reads request data, e.g. `req.body`, or the destructuring binding `const { body: { email } } = req`. */
  node: ts.Node;
  /** Which part of the request: body, query, params, headers, cookies… */
  part: string;
}

export interface SourceOptions {
  /** Calls that end the flow for this sink (and guard their arguments in `if (!call) return`). Keep it a stable function. */
  sanitizers?: (call: ts.CallExpression | ts.NewExpression) => boolean;
}

export const REQUEST_OBJECT_NAMES: ReadonlySet<string> = new Set(['req', 'request']);
export const REQUEST_PARTS: ReadonlySet<string> = new Set([
  'body', 'query', 'params', 'headers', 'cookies', 'signedCookies', 'files', 'file', 'hostname', 'originalUrl', 'url', 'path',
]);
const KOA_CONTEXT_NAMES: ReadonlySet<string> = new Set(['ctx', 'context']);
const KOA_PARTS: ReadonlySet<string> = new Set(['query', 'params', 'headers', 'header', 'cookies', 'querystring', 'href', 'url']);
const REQUEST_GETTERS: ReadonlySet<string> = new Set(['get', 'header', 'param']);
/** Fetch-API request body readers (Next.js App Router, Hono, Remix): `await request.json()`. */
const BODY_READERS: ReadonlySet<string> = new Set(['json', 'formData', 'text', 'arrayBuffer', 'blob']);
const APP_ROUTER_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/** Parameter decorators (NestJS, routing-controllers, tsoa) → the request part they inject. */
const PARAM_DECORATORS: ReadonlyMap<string, string> = new Map([
  ['Body', 'body'], ['BodyParam', 'body'],
  ['Query', 'query'], ['QueryParam', 'query'], ['QueryParams', 'query'],
  ['Param', 'params'], ['Params', 'params'], ['Path', 'params'],
  ['Headers', 'headers'], ['Header', 'headers'], ['HeaderParam', 'headers'], ['HeaderParams', 'headers'],
  ['Cookies', 'cookies'], ['CookieParam', 'cookies'], ['CookieParams', 'cookies'],
  ['UploadedFile', 'file'], ['UploadedFiles', 'files'],
]);
const REQUEST_DECORATORS: ReadonlySet<string> = new Set(['Req', 'Request']);
/** `@Param('id', ParseIntPipe)`: the value arrives converted (or the request fails). */
const PARSE_PIPE = /^Parse(Int|Float|Bool|UUID|Enum)Pipe$/;

/** Methods that hand back (part of) their receiver's data unchanged. */
const PASS_THROUGH_METHODS: ReadonlySet<string> = new Set([
  'trim', 'trimStart', 'trimEnd', 'trimLeft', 'trimRight', 'toLowerCase', 'toUpperCase', 'toLocaleLowerCase', 'toLocaleUpperCase',
  'toString', 'slice', 'substring', 'substr', 'concat', 'split', 'join', 'normalize', 'padStart', 'padEnd', 'replace', 'replaceAll',
  'at', 'valueOf', 'repeat', 'charAt',
  // arrays: elements come back
  'filter', 'flat', 'find', 'findLast', 'reverse', 'sort', 'toSorted', 'toReversed', 'pop', 'shift', 'values',
  // URLSearchParams, Headers, FormData, Map of request data
  'get', 'getAll',
]);
/** Array methods whose callback's first parameter is an element of the receiver. */
const ELEMENT_CALLBACK_METHODS: ReadonlySet<string> = new Set([
  'forEach', 'map', 'flatMap', 'filter', 'find', 'findLast', 'findIndex', 'findLastIndex', 'some', 'every',
]);
/** Global functions whose result still carries their argument's content. */
const PASS_THROUGH_FUNCTIONS: ReadonlySet<string> = new Set(['String', 'decodeURIComponent', 'decodeURI', 'unescape', 'URL', 'URLSearchParams']);
const PASS_THROUGH_STATICS: ReadonlySet<string> = new Set([
  'JSON.parse', 'JSON.stringify', 'Buffer.from', 'Object.assign', 'Object.values', 'Object.keys', 'Object.entries', 'Object.fromEntries',
  'Array.from', 'Array.of', 'path.join', 'path.resolve', 'path.normalize', 'posix.join', 'posix.resolve', 'posix.normalize',
]);
/** A same-file helper with such a name converts or cleans its input: its result is not followed. */
const SANITIZER_NAME = /escape|saniti[sz]|encode|quote|valid|strip|whitelist|allowlist/i;

/** Allowlist membership calls: `SET.has(x)`, `ARR.includes(x)`, `MAP.hasOwnProperty(x)`. */
const MEMBERSHIP_METHODS: ReadonlySet<string> = new Set(['has', 'includes', 'hasOwnProperty']);
/** Checks after which a value is a number, a boolean or one of a fixed set (validator.js names; ajv's `validate`). */
const CHECK_FUNCTIONS: ReadonlySet<string> = new Set([
  'isInt', 'isNumeric', 'isFloat', 'isDecimal', 'isAlphanumeric', 'isAlpha', 'isHexadecimal', 'isBoolean', 'isIn', 'isISO8601', 'isDate',
  'isInteger', 'isSafeInteger', 'isFinite', 'validate', 'isValidSync',
]);
const ASSERT_FUNCTIONS: ReadonlySet<string> = new Set(['assert', 'ok', 'invariant']);
/** Wrappers around the guarded value that do not change which value it is. */
const GUARD_TRANSPARENT: ReadonlySet<string> = new Set(['String', 'Number', 'trim', 'toLowerCase', 'toUpperCase', 'toString']);

const MAX_DEPTH = 16;
/** Nested helper summaries (a helper calling a helper…). */
const MAX_HELPER_DEPTH = 3;
/** Call sites examined when following a parameter back to its callers. */
const MAX_CALL_SITES = 8;
/** Marks a value derived from the parameter under summary. */
const SEED_PART = '<parameter>';

type FunctionNode = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration;
type Sanitizer = (call: ts.CallExpression | ts.NewExpression) => boolean;

interface Mode {
  sanitizers?: Sanitizer;
  /** Summary mode: the parameter followed; request reads are not sources then. */
  seed?: ts.ParameterDeclaration;
  /** Follow a helper's parameters to the call sites in the file. */
  followParams: boolean;
}

export class Flow {
  private readonly main = new Tracker(this, { followParams: true });
  private readonly custom = new Map<Sanitizer, Tracker>();
  /** Per sanitizer set: helpers' request reads without following parameters, and one tracker per (helper, parameter). */
  readonly closures = new Map<Sanitizer | undefined, Tracker>();
  readonly summaries = new Map<Sanitizer | undefined, Map<ts.ParameterDeclaration, Tracker>>();
  readonly activeSummaries = new Set<Tracker>();

  /** The request data an expression may carry, or undefined. */
  source(expr: ts.Node, options?: SourceOptions): Source | undefined {
    const s = options?.sanitizers;
    if (!s) return this.main.taint(expr, 0) ?? undefined;
    let t = this.custom.get(s);
    if (!t) {
      t = new Tracker(this, { followParams: true, sanitizers: s });
      this.custom.set(s, t);
    }
    return t.taint(expr, 0) ?? undefined;
  }

  /**
   * The request object part the expression *is*, whole: `req.body`, or a
   * variable holding it (`const data = req.body`), not a field of it.
   */
  wholeSource(expr: ts.Node, depth = 0): Source | undefined {
    if (depth > MAX_DEPTH) return undefined;
    expr = skipWrappers(expr);
    const direct = requestPart(expr);
    if (direct) return direct;
    if (isIdentifier(expr)) {
      const b = lookup(expr.text, expr);
      if (!b || b.kind !== 'variable' || !b.init) return undefined;
      const write = lastWrite(b, expr);
      if (!write) return undefined;
      if (b.path.length === 0) return this.wholeSource(write, depth + 1);
      // `const { body } = req`, `const { body } = ctx.request`
      if (b.path.length === 1 && isRequestObjectLike(skipWrappers(write)) && typeof b.path[0] === 'string' && REQUEST_PARTS.has(b.path[0])) {
        return { node: b.node, part: b.path[0] };
      }
    }
    return undefined;
  }

  private readonly callCache = new Map<string, ts.CallExpression[]>();

  /**
   * Same-file calls `name(…)` (or `this.name(…)`): the name's occurrences in
   * the file text, each mapped down to its node. No walk of the file; at most
   * MAX_NAME_OCCURRENCES occurrences are looked at.
   */
  callsTo(name: string, viaThis: boolean, from: ts.Node): readonly ts.CallExpression[] {
    const key = `${viaThis ? 'this.' : ''}${name}`;
    const cached = this.callCache.get(key);
    if (cached) return cached;
    const out: ts.CallExpression[] = [];
    const sf = from.getSourceFile();
    const text = sf.text;
    let seen = 0;
    for (let i = text.indexOf(name); i >= 0 && seen < MAX_NAME_OCCURRENCES; i = text.indexOf(name, i + name.length)) {
      if (isIdentifierChar(text.charCodeAt(i - 1)) || isIdentifierChar(text.charCodeAt(i + name.length))) continue;
      // Only a call can follow: `name(`, `name<T>(`, `name?.(`; `this.name` for methods.
      let j = i + name.length;
      while (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9) j++;
      const next = text.charCodeAt(j);
      if (next !== 40 /* ( */ && next !== 60 /* < */ && next !== 63 /* ? */) continue;
      if (viaThis && text.slice(Math.max(0, i - 5), i) !== 'this.') continue;
      seen++;
      const id = identifierAt(sf, i);
      if (!id || id.text !== name) continue;
      const parent = id.parent;
      if (!viaThis && isCallExpression(parent) && parent.expression === id) out.push(parent);
      if (viaThis && isPropertyAccessExpression(parent) && parent.name === id && parent.expression.kind === SyntaxKind.ThisKeyword
        && isCallExpression(parent.parent) && parent.parent.expression === parent) out.push(parent.parent);
    }
    this.callCache.set(key, out);
    return out;
  }
}

const MAX_NAME_OCCURRENCES = 64;

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

class Tracker {
  private readonly cache = new Map<ts.Node, Source | null>();

  constructor(private readonly flow: Flow, private readonly mode: Mode) {}

  taint(expr: ts.Node, depth: number): Source | null {
    if (depth > MAX_DEPTH) return null;
    const cached = this.cache.get(expr);
    if (cached !== undefined) return cached;
    this.cache.set(expr, null); // cycle guard
    const result = this.compute(expr, depth);
    this.cache.set(expr, result);
    return result;
  }

  private get requestSources(): boolean {
    return !this.mode.seed;
  }

  private compute(node: ts.Node, depth: number): Source | null {
    const expr = skipWrappers(node);
    if (expr !== node) return this.taint(expr, depth + 1);

    if (isIdentifier(expr)) return this.fromIdentifier(expr, depth);
    if (isPropertyAccessExpression(expr) || isElementAccessExpression(expr)) {
      if (isPropertyAccessExpression(expr) && expr.name.text === 'length') return null;
      let s = this.requestSources ? readPart(expr) : null;
      if (!s) {
        s = this.taint(expr.expression, depth + 1);
        if (s && isPropertyAccessExpression(expr) && expr.name.text === 'searchParams') s = { node: s.node, part: 'query' };
      }
      // Guards are looked for only on the way of request data: most expressions asked about carry none.
      if (!s) return null;
      const path = dottedName(expr);
      return path !== undefined && isGuarded(expr, { path }, 0, this.mode.sanitizers) ? null : s;
    }
    if (isTemplateExpression(expr)) return this.first(expr.templateSpans.map((s) => s.expression), depth);
    if (isBinaryExpression(expr)) return this.fromBinary(expr, depth);
    if (isConditionalExpression(expr)) return this.first([expr.whenTrue, expr.whenFalse], depth);
    if (isObjectLiteralExpression(expr)) {
      const values: ts.Node[] = [];
      for (const p of expr.properties) {
        if (isPropertyAssignment(p)) values.push(p.initializer);
        else if (isShorthandPropertyAssignment(p)) values.push(p.name);
        else if (isSpreadAssignment(p)) values.push(p.expression);
      }
      return this.first(values, depth);
    }
    if (isArrayLiteralExpression(expr)) return this.first([...expr.elements], depth);
    if (ts.isSpreadElement(expr)) return this.taint(expr.expression, depth + 1);
    if (isCallExpression(expr) || isNewExpression(expr)) return this.fromCall(expr, depth);
    return null;
  }

  private first(nodes: readonly ts.Node[], depth: number): Source | null {
    for (const n of nodes) {
      const s = this.taint(n, depth + 1);
      if (s) return s;
    }
    return null;
  }

  private fromBinary(expr: ts.BinaryExpression, depth: number): Source | null {
    switch (expr.operatorToken.kind) {
      case SyntaxKind.PlusToken:
      case SyntaxKind.BarBarToken:
      case SyntaxKind.QuestionQuestionToken:
      case SyntaxKind.PlusEqualsToken:
      case SyntaxKind.BarBarEqualsToken:
      case SyntaxKind.QuestionQuestionEqualsToken:
        return this.first([expr.left, expr.right], depth);
      case SyntaxKind.AmpersandAmpersandToken:
      case SyntaxKind.CommaToken:
      case SyntaxKind.EqualsToken:
      case SyntaxKind.AmpersandAmpersandEqualsToken:
        return this.taint(expr.right, depth + 1);
      default:
        return null;
    }
  }

  private fromIdentifier(id: ts.Identifier, depth: number): Source | null {
    const b = lookup(id.text, id);
    if (!b) return null;
    let s: Source | null = null;
    // A guard counts only after the value's last write.
    let after = b.node.pos;
    if (b.kind === 'parameter') s = this.fromParameter(b, depth);
    else if (b.kind === 'for-of' && b.init) s = this.taint(b.init, depth + 1);
    else if (b.kind === 'variable') {
      const writes = writesBefore(b, id);
      if (writes.length === 0) s = b.defaultValue ? this.taint(b.defaultValue, depth + 1) : null;
      else after = writes[writes.length - 1].pos;
      for (const write of writes) {
        s = write === b.init && b.path.length > 0 ? this.fromDestructuring(b, write, depth) : this.taint(write, depth + 1);
        if (s) break;
      }
    }
    return s && isGuarded(id, { binding: b }, after, this.mode.sanitizers) ? null : s;
  }

  /** `const { body: data } = req`, `const { query } = ctx`, `const { searchParams } = new URL(request.url)`. */
  private fromDestructuring(b: Binding, init: ts.Expression, depth: number): Source | null {
    const w = skipWrappers(init);
    const head = b.path[0];
    if (this.requestSources && isRequestObjectLike(w)) {
      if (typeof head === 'string' && (REQUEST_PARTS.has(head) || head === '...')) return { node: b.node, part: head === '...' ? 'request' : head };
      return null;
    }
    if (this.requestSources && isKoaContext(w)) {
      if (head === 'request') return typeof b.path[1] === 'string' && REQUEST_PARTS.has(b.path[1]) ? { node: b.node, part: b.path[1] } : null;
      if (typeof head === 'string' && KOA_PARTS.has(head)) return { node: b.node, part: head };
      return null;
    }
    const s = this.taint(init, depth + 1);
    if (s && head === 'searchParams') return { node: s.node, part: 'query' };
    return s;
  }

  private fromParameter(b: Binding, depth: number): Source | null {
    const decl = b.declaration;
    if (!ts.isParameter(decl)) return null;
    if (this.mode.seed) {
      if (decl === this.mode.seed) return { node: decl, part: SEED_PART };
    } else {
      const injected = decoratedPart(decl);
      // The decorator is where the request is read: `@Query('q')` labels the finding better than `q`.
      if (injected && injected !== 'request') return { node: injectingDecorator(decl) ?? b.node, part: injected };
      if (isAppRouterContext(decl) && (b.path.length === 0 || b.path[0] === 'params')) return { node: b.node, part: 'params' };
      // app.post('/x', ({ body }, res) => …)
      const head = b.path[0];
      if (typeof head === 'string' && REQUEST_PARTS.has(head) && decl.parent.parameters[0] === decl && isInlineRouteHandler(decl.parent)) {
        return { node: b.node, part: head };
      }
    }
    const fn = decl.parent;
    const index = fn.parameters.indexOf(decl);
    // ids.forEach((id) => …), request.json().then((body) => …)
    const call = fn.parent;
    if ((isArrowFunction(fn) || isFunctionExpression(fn)) && call && isCallExpression(call) && call.arguments[0] === fn) {
      const callee = skipWrappers(call.expression);
      if (isPropertyAccessExpression(callee)) {
        const m = callee.name.text;
        const element = (index === 0 && (ELEMENT_CALLBACK_METHODS.has(m) || m === 'then')) || (index === 1 && (m === 'reduce' || m === 'reduceRight'));
        if (element) return this.taint(callee.expression, depth + 1);
      }
      return null;
    }
    if (!this.mode.followParams || index < 0 || decl.dotDotDotToken) return null;
    // A helper's parameter: what do the call sites in this file pass?
    for (const site of callSitesOf(this.flow, fn)) {
      const arg = site.arguments[index];
      if (!arg || ts.isSpreadElement(arg)) continue;
      const s = this.taint(arg, depth + 1);
      if (s) return s;
    }
    return null;
  }

  private fromCall(call: ts.CallExpression | ts.NewExpression, depth: number): Source | null {
    if (this.mode.sanitizers?.(call)) return null;
    const callee = skipWrappers(call.expression);
    const args = call.arguments ?? ts.factory.createNodeArray();
    if (isIdentifier(callee)) {
      if (PASS_THROUGH_FUNCTIONS.has(callee.text)) return args[0] ? this.taint(args[0], depth + 1) : null;
      const fn = isCallExpression(call) ? helperFunction(callee) : undefined;
      return fn ? this.fromHelper(call as ts.CallExpression, fn, callee.text, depth) : null;
    }
    if (!isPropertyAccessExpression(callee)) return null;
    const method = callee.name.text;
    const receiver = skipWrappers(callee.expression);
    if (this.requestSources && isCallExpression(call)) {
      // req.get('x-forwarded-host'), req.header('origin'), ctx.get('x-forwarded-for')
      if (REQUEST_GETTERS.has(method) && isRequestObjectLike(receiver)) return { node: call, part: 'headers' };
      if (method === 'get' && isKoaContext(receiver)) return { node: call, part: 'headers' };
      // await request.json()
      if (BODY_READERS.has(method) && isRequestObjectLike(receiver)) return { node: call, part: 'body' };
    }
    if (receiver.kind === SyntaxKind.ThisKeyword && isCallExpression(call)) {
      const fn = thisMethod(callee);
      return fn ? this.fromHelper(call, fn, method, depth) : null;
    }
    if (isIdentifier(receiver) && PASS_THROUGH_STATICS.has(`${receiver.text}.${method}`)) return this.first([...args], depth);
    if ((method === 'replace' || method === 'replaceAll') && stripsToAllowlist(args)) return null;
    if ((method === 'map' || method === 'flatMap') && args[0]) {
      const src = this.taint(receiver, depth + 1);
      return src && this.callbackReturnsElement(args[0]) ? src : null;
    }
    if (method === 'filter' && args[0] && filtersByAllowlist(args[0], this.mode.sanitizers)) return null;
    // [].concat(req.body.tags), base.concat(suffix)
    if (method === 'concat') return this.first([receiver, ...args], depth);
    if (PASS_THROUGH_METHODS.has(method)) return this.taint(receiver, depth + 1);
    return null;
  }

  /** `.map((x) => `'${x}'`)` keeps the elements' data; `.map(Number)`, `.map(() => '?')` do not. */
  private callbackReturnsElement(cb: ts.Expression): boolean {
    const e = skipWrappers(cb);
    if (isArrowFunction(e) || isFunctionExpression(e)) return this.summary(e, 0) !== null;
    if (isIdentifier(e)) {
      if (e.text === 'String') return true;
      const fn = helperFunction(e);
      return !!fn && !SANITIZER_NAME.test(e.text) && this.summary(fn, 0) !== null;
    }
    return false;
  }

  /** A same-file helper's result: the arguments whose parameters reach its return, or request data it reads itself. */
  private fromHelper(call: ts.CallExpression, fn: FunctionNode, name: string, depth: number): Source | null {
    if (SANITIZER_NAME.test(name)) return null;
    const params = fn.parameters;
    for (let i = 0; i < params.length && i < call.arguments.length; i++) {
      const rest = !!params[i].dotDotDotToken;
      const args = rest ? call.arguments.slice(i) : [call.arguments[i]];
      for (const arg of args) {
        const s = this.taint(arg, depth + 1);
        if (s && this.summary(fn, i) !== null) return s;
      }
      if (rest) break;
    }
    return this.closureSummary(fn);
  }

  /** Whether parameter `index` of `fn` reaches one of its return values (under this tracker's sanitizers). */
  private summary(fn: FunctionNode, index: number): Source | null {
    const param = fn.parameters[index];
    if (!param) return null;
    let bySeed = this.flow.summaries.get(this.mode.sanitizers);
    if (!bySeed) {
      bySeed = new Map();
      this.flow.summaries.set(this.mode.sanitizers, bySeed);
    }
    let t = bySeed.get(param);
    if (!t) {
      t = new Tracker(this.flow, { followParams: false, seed: param, sanitizers: this.mode.sanitizers });
      bySeed.set(param, t);
    }
    return t.returns(fn);
  }

  /** Request data a helper returns whatever its arguments (a closure over `req`). */
  private closureSummary(fn: FunctionNode): Source | null {
    let t = this.flow.closures.get(this.mode.sanitizers);
    if (!t) {
      t = new Tracker(this.flow, { followParams: false, sanitizers: this.mode.sanitizers });
      this.flow.closures.set(this.mode.sanitizers, t);
    }
    return t.returns(fn);
  }

  private readonly returnCache = new Map<FunctionNode, Source | null>();

  /** The taint of a function's return values, in this tracker; bounded nesting, recursion answered `null`. */
  returns(fn: FunctionNode): Source | null {
    const cached = this.returnCache.get(fn);
    if (cached !== undefined) return cached;
    const active = this.flow.activeSummaries;
    if (active.has(this) && this.mode.seed) return null;
    if (active.size >= MAX_HELPER_DEPTH) return null;
    active.add(this);
    this.returnCache.set(fn, null); // recursion guard
    let result: Source | null = null;
    try {
      result = this.first(returnExpressions(fn), 0);
    } finally {
      active.delete(this);
    }
    this.returnCache.set(fn, result);
    return result;
  }
}

/** The value of a binding as it stands at `use`: the last assignment before it, else the initializer. */
function lastWrite(b: Binding, use: ts.Node): ts.Expression | undefined {
  const w = writesBefore(b, use);
  return w.length > 0 ? w[w.length - 1] : undefined;
}

/**
 * The expressions that make up a variable's value at `use`: the last plain
 * write before it (or the initializer), plus the `+=`, `||=`, `??=`, `&&=`
 * after that one. Other compound operators leave a number.
 */
function writesBefore(b: Binding, use: ts.Node): ts.Expression[] {
  let out: ts.Expression[] = b.init ? [b.init] : [];
  const usePos = use.pos;
  for (const a of writesTo(b)) {
    if (!(a.pos < usePos && a.pos > b.node.pos && !isInside(use, a))) continue;
    switch (a.operatorToken.kind) {
      case SyntaxKind.EqualsToken:
        out = [a.right];
        break;
      case SyntaxKind.PlusEqualsToken:
      case SyntaxKind.BarBarEqualsToken:
      case SyntaxKind.QuestionQuestionEqualsToken:
      case SyntaxKind.AmpersandAmpersandEqualsToken:
        out = [...out, a.right];
        break;
      default:
        out = [];
    }
  }
  return out;
}

const compoundCache = new NodeCache<ts.Node, Map<string, ts.BinaryExpression[]>>();

/**
 * Assignments to a name in the declaring function or file, in source order:
 * plain `=` from scopes' shared index, plus `+=`, `||=`, `??=`, `&&=` found
 * by searching the function's text for the name followed by the operator (no
 * second walk of the function).
 */
function writesTo(b: Binding): ts.BinaryExpression[] {
  const plain = assignmentsTo(b);
  const compound = compoundWritesTo(b);
  if (compound.length === 0) return plain;
  return [...plain, ...compound].sort((x, y) => x.pos - y.pos);
}

function compoundWritesTo(b: Binding): ts.BinaryExpression[] {
  const container = enclosingFunctionOrFile(b.node);
  let byName = compoundCache.get(container);
  if (!byName) {
    byName = new Map();
    compoundCache.set(container, byName);
  }
  const cached = byName.get(b.name);
  if (cached) return cached;
  const out: ts.BinaryExpression[] = [];
  const sf = container.getSourceFile();
  const text = sf.text;
  const name = b.name;
  // Searched in the container's own text (a slice, not a copy): a search past its end would scan the rest of the file.
  const base = container.pos;
  const own = text.slice(base, container.end);
  for (let k = own.indexOf(name); k >= 0; k = own.indexOf(name, k + name.length)) {
    const i = base + k;
    if (isIdentifierChar(text.charCodeAt(i - 1)) || isIdentifierChar(text.charCodeAt(i + name.length))) continue;
    let j = i + name.length;
    while (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9) j++;
    if (!(text.startsWith('+=', j) || text.startsWith('||=', j) || text.startsWith('??=', j) || text.startsWith('&&=', j))) continue;
    const id = identifierAt(sf, i);
    const bin = id?.parent;
    if (bin && isBinaryExpression(bin) && bin.left === id) out.push(bin);
  }
  byName.set(name, out);
  return out;
}

function isAssignmentOperator(kind: ts.SyntaxKind): boolean {
  return kind >= SyntaxKind.FirstAssignment && kind <= SyntaxKind.LastAssignment;
}

function isInside(node: ts.Node, container: ts.Node): boolean {
  return node.pos >= container.pos && node.end <= container.end;
}

export function isRequestObject(expr: ts.Node): boolean {
  return isIdentifier(expr) && REQUEST_OBJECT_NAMES.has(expr.text);
}

function isKoaContext(expr: ts.Node): boolean {
  return isIdentifier(expr) && KOA_CONTEXT_NAMES.has(expr.text);
}

/**
 * The incoming request, more strictly than `isRequestObject`: `req`/`request`
 * not bound to an import or require (supertest, the `request` library), Koa's
 * `ctx.request`, a `@Req()` parameter, the first parameter of an App Router
 * handler.
 */
function isRequestObjectLike(expr: ts.Node): boolean {
  if (isIdentifier(expr)) {
    const b = lookup(expr.text, expr);
    if (REQUEST_OBJECT_NAMES.has(expr.text)) return !b || !isLibraryBinding(b);
    if (!b || b.kind !== 'parameter' || b.path.length > 0 || !ts.isParameter(b.declaration)) return false;
    return decoratedPart(b.declaration) === 'request' || isAppRouterRequest(b.declaration);
  }
  return isPropertyAccessExpression(expr) && expr.name.text === 'request' && isKoaContext(skipWrappers(expr.expression));
}

function isLibraryBinding(b: Binding): boolean {
  if (b.kind === 'import') return true;
  if (b.kind !== 'variable' || !b.init) return false;
  let init = skipWrappers(b.init);
  while (isPropertyAccessExpression(init) || (isCallExpression(init) && !requiredModule(init))) init = skipWrappers(init.expression);
  return requiredModule(init) !== undefined;
}

/** `req.body`, `request.query`, `ctx.request.body`, `ctx.query`, `req['params']`. */
export function requestPart(expr: ts.Node): Source | null {
  if (!isPropertyAccessExpression(expr) && !isElementAccessExpression(expr)) return null;
  const name = isPropertyAccessExpression(expr)
    ? expr.name.text
    : isStringLiteralLike(expr.argumentExpression) ? expr.argumentExpression.text : undefined;
  if (!name) return null;
  const obj = skipWrappers(expr.expression);
  if (isRequestObject(obj) && REQUEST_PARTS.has(name)) return { node: expr, part: name };
  if (isKoaContext(obj) && KOA_PARTS.has(name)) return { node: expr, part: name };
  // ctx.request.body
  if (isPropertyAccessExpression(obj) && obj.name.text === 'request' && isKoaContext(skipWrappers(obj.expression)) && REQUEST_PARTS.has(name)) {
    return { node: expr, part: name };
  }
  return null;
}

/** `requestPart`, with the stricter request object of the flow (imports excluded, `@Req()` included) and `request.nextUrl.searchParams`. */
function readPart(expr: ts.PropertyAccessExpression | ts.ElementAccessExpression): Source | null {
  const name = isPropertyAccessExpression(expr)
    ? expr.name.text
    : isStringLiteralLike(expr.argumentExpression) ? expr.argumentExpression.text : undefined;
  if (!name) return null;
  const obj = skipWrappers(expr.expression);
  if (REQUEST_PARTS.has(name) && isRequestObjectLike(obj)) return { node: expr, part: name };
  if (KOA_PARTS.has(name) && isKoaContext(obj)) return { node: expr, part: name };
  if (name === 'searchParams' && isPropertyAccessExpression(obj) && obj.name.text === 'nextUrl' && isRequestObjectLike(skipWrappers(obj.expression))) {
    return { node: expr, part: 'query' };
  }
  return null;
}

const decoratorCache = new NodeCache<ts.ParameterDeclaration, string | null>();

/** The request part a parameter decorator injects (`@Body()` → body), 'request' for `@Req()`, null otherwise or after a parse pipe. */
function decoratedPart(p: ts.ParameterDeclaration): string | null {
  const cached = decoratorCache.get(p);
  if (cached !== undefined) return cached;
  let result: string | null = null;
  for (const d of ts.canHaveDecorators(p) ? ts.getDecorators(p) ?? [] : []) {
    const e = d.expression;
    if (!isCallExpression(e)) continue;
    const c = e.expression;
    const name = isIdentifier(c) ? c.text : isPropertyAccessExpression(c) ? c.name.text : '';
    const part = REQUEST_DECORATORS.has(name) ? 'request' : PARAM_DECORATORS.get(name);
    if (!part) continue;
    const piped = e.arguments.some((a) => {
      const x = skipWrappers(a);
      const id = isNewExpression(x) ? x.expression : x;
      return isIdentifier(id) && PARSE_PIPE.test(id.text);
    });
    result = piped ? null : part;
    break;
  }
  decoratorCache.set(p, result);
  return result;
}

function injectingDecorator(p: ts.ParameterDeclaration): ts.Decorator | undefined {
  return (ts.getDecorators(p) ?? []).find((d) => {
    const e = d.expression;
    if (!isCallExpression(e)) return false;
    const c = e.expression;
    const name = isIdentifier(c) ? c.text : isPropertyAccessExpression(c) ? c.name.text : '';
    return PARAM_DECORATORS.has(name);
  });
}

/** An exported App Router handler: `export async function GET(request, { params })`, `export const POST = async (req) => …`. */
function appRouterHandler(fn: ts.SignatureDeclaration): boolean {
  if (isFunctionDeclaration(fn)) {
    return !!fn.name && APP_ROUTER_METHODS.has(fn.name.text) && !!fn.modifiers?.some((m) => m.kind === SyntaxKind.ExportKeyword);
  }
  if (!isArrowFunction(fn) && !isFunctionExpression(fn)) return false;
  const decl = fn.parent;
  if (!decl || !isVariableDeclaration(decl) || !isIdentifier(decl.name) || !APP_ROUTER_METHODS.has(decl.name.text)) return false;
  const stmt = decl.parent?.parent;
  return !!stmt && isVariableStatement(stmt) && !!stmt.modifiers?.some((m) => m.kind === SyntaxKind.ExportKeyword);
}

function isInlineRouteHandler(fn: ts.SignatureDeclaration): boolean {
  if (!isArrowFunction(fn) && !isFunctionExpression(fn)) return false;
  const call = fn.parent;
  if (!call || !isCallExpression(call)) return false;
  const route = routeCall(call);
  return !!route && route.handlers.includes(fn);
}

function isAppRouterContext(p: ts.ParameterDeclaration): boolean {
  return p.parent.parameters[1] === p && appRouterHandler(p.parent);
}

function isAppRouterRequest(p: ts.ParameterDeclaration): boolean {
  return p.parent.parameters[0] === p && appRouterHandler(p.parent);
}

/** The same-file function an identifier callee names: a function declaration, or a const initialised with an arrow or function. */
function helperFunction(callee: ts.Identifier): FunctionNode | undefined {
  const b = lookup(callee.text, callee);
  if (!b) return undefined;
  if (b.kind === 'function' && isFunctionDeclaration(b.declaration) && b.declaration.body) return b.declaration;
  if (b.kind === 'variable' && b.path.length === 0 && b.init) {
    const init = skipWrappers(b.init);
    if (isArrowFunction(init) || isFunctionExpression(init)) return init;
  }
  return undefined;
}

/** `this.name(…)`: the method (or arrow-function property) of the enclosing class. */
function thisMethod(callee: ts.PropertyAccessExpression): FunctionNode | undefined {
  const cls = enclosingClass(callee);
  if (!cls) return undefined;
  const name = callee.name.text;
  for (const m of cls.members) {
    if (!m.name || !isIdentifier(m.name) || m.name.text !== name) continue;
    if (isMethodDeclaration(m) && m.body) return m;
    if (ts.isPropertyDeclaration(m) && m.initializer) {
      const init = skipWrappers(m.initializer);
      if (isArrowFunction(init) || isFunctionExpression(init)) return init;
    }
  }
  return undefined;
}

function enclosingClass(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isClassDeclaration(n) || ts.isClassExpression(n)) return n;
    // `this` inside a plain function is not the class instance.
    if (isFunctionDeclaration(n) || isFunctionExpression(n)) return undefined;
  }
  return undefined;
}

/** The calls in this file that invoke `fn` (by its name, or `this.name()` for methods), at most MAX_CALL_SITES. */
function callSitesOf(flow: Flow, fn: ts.SignatureDeclaration): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  if (isMethodDeclaration(fn) || (fn.parent && ts.isPropertyDeclaration(fn.parent))) {
    const member = isMethodDeclaration(fn) ? fn : (fn.parent as ts.PropertyDeclaration);
    if (!member.name || !isIdentifier(member.name)) return out;
    for (const c of flow.callsTo(member.name.text, true, fn)) {
      if (out.length >= MAX_CALL_SITES) break;
      if (isPropertyAccessExpression(c.expression) && thisMethod(c.expression) === fn) out.push(c);
    }
    return out;
  }
  let name: ts.Identifier | undefined;
  if (isFunctionDeclaration(fn)) name = fn.name;
  else if ((isArrowFunction(fn) || isFunctionExpression(fn)) && fn.parent && isVariableDeclaration(fn.parent) && isIdentifier(fn.parent.name)) name = fn.parent.name;
  if (!name) return out;
  for (const c of flow.callsTo(name.text, false, fn)) {
    if (out.length >= MAX_CALL_SITES) break;
    if (helperFunction(c.expression as ts.Identifier) === fn) out.push(c);
  }
  return out;
}

const returnsCache = new NodeCache<ts.Node, ts.Expression[]>();

/** A function's returned expressions (an arrow's expression body), not those of nested functions. */
function returnExpressions(fn: FunctionNode): ts.Expression[] {
  let list = returnsCache.get(fn);
  if (list) return list;
  const out: ts.Expression[] = [];
  const body = fn.body;
  if (body && !isBlock(body)) out.push(body);
  else if (body) {
    const visit = (n: ts.Node): void => {
      if (isReturnStatement(n)) {
        if (n.expression) out.push(n.expression);
        return;
      }
      if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
      forEachChild(n, visit);
    };
    forEachChild(body, visit);
  }
  list = out;
  returnsCache.set(fn, list);
  return list;
}

/** `.replace(/[^a-z0-9_]/g, '')`: what is left is drawn from an allowlist of characters. */
function stripsToAllowlist(args: ts.NodeArray<ts.Expression>): boolean {
  const re = args[0] && skipWrappers(args[0]);
  const by = args[1] && skipWrappers(args[1]);
  if (!re || !by || !ts.isRegularExpressionLiteral(re)) return false;
  if (!(isStringLiteralLike(by) && by.text === '')) return false;
  return /^\/\[\^[^\]]*\][+*]?\/[a-z]*g[a-z]*$/.test(re.text);
}

/** `.filter((k) => ALLOWED.includes(k))`: what is left is allowlisted. */
function filtersByAllowlist(cb: ts.Expression, sanitizers: Sanitizer | undefined): boolean {
  const fn = skipWrappers(cb);
  if (!isArrowFunction(fn) && !isFunctionExpression(fn)) return false;
  const p = fn.parameters[0];
  if (!p || !isIdentifier(p.name)) return false;
  const ret = returnExpressions(fn);
  if (ret.length !== 1) return false;
  const pname = p.name.text;
  return checks(ret[0], true, sanitizers).some((g) => isIdentifier(g) && g.text === pname);
}

// ---------------------------------------------------------------------------
// Guards: allowlist checks that dominate a use.

type GuardKey = { binding: Binding } | { path: string };

/** Whether `use` sits where a guard has checked it: after an exiting `if (!check(x))` in an enclosing block (and after `after`), or inside a positive branch. */
function isGuarded(use: ts.Node, key: GuardKey, after: number, sanitizers: Sanitizer | undefined): boolean {
  let child: ts.Node = use;
  for (let a: ts.Node | undefined = use.parent; a; child = a, a = a.parent) {
    switch (a.kind) {
      case SyntaxKind.Block:
      case SyntaxKind.SourceFile:
      case SyntaxKind.ModuleBlock:
      case SyntaxKind.CaseClause:
      case SyntaxKind.DefaultClause: {
        const statements = (a as ts.Block).statements;
        for (const g of guardStatements(a, statements, sanitizers)) {
          if (g.stmt.end > child.pos) break;
          if (g.stmt.pos < after) continue;
          if (g.checked.some((x) => sameValue(x, key))) return true;
        }
        if (ts.isCaseClause(a) && caseGuards(a, key)) return true;
        break;
      }
      case SyntaxKind.IfStatement: {
        const s = a as ts.IfStatement;
        if (s.pos < after) break;
        if (child === s.thenStatement && branchChecks(s.expression, true, sanitizers).some((x) => sameValue(x, key))) return true;
        if (child === s.elseStatement && branchChecks(s.expression, false, sanitizers).some((x) => sameValue(x, key))) return true;
        break;
      }
      case SyntaxKind.ConditionalExpression: {
        const c = a as ts.ConditionalExpression;
        if (c.pos < after) break;
        if (child === c.whenTrue && branchChecks(c.condition, true, sanitizers).some((x) => sameValue(x, key))) return true;
        if (child === c.whenFalse && branchChecks(c.condition, false, sanitizers).some((x) => sameValue(x, key))) return true;
        break;
      }
      case SyntaxKind.BinaryExpression: {
        const bin = a as ts.BinaryExpression;
        if (child !== bin.right || bin.pos < after) break;
        const op = bin.operatorToken.kind;
        if (op === SyntaxKind.AmpersandAmpersandToken && branchChecks(bin.left, true, sanitizers).some((x) => sameValue(x, key))) return true;
        if (op === SyntaxKind.BarBarToken && branchChecks(bin.left, false, sanitizers).some((x) => sameValue(x, key))) return true;
        break;
      }
      default:
        break;
    }
  }
  return false;
}

interface GuardStatement {
  stmt: ts.Statement;
  /** The values known to be allowlisted once execution is past the statement. */
  checked: ts.Expression[];
}

const guardCache = new NodeCache<ts.Node, GuardStatement[]>();
const customGuardCache = new NodeCache<ts.Node, Map<Sanitizer, GuardStatement[]>>();

function guardStatements(container: ts.Node, statements: readonly ts.Statement[], sanitizers: Sanitizer | undefined): GuardStatement[] {
  let list: GuardStatement[] | undefined;
  let custom: Map<Sanitizer, GuardStatement[]> | undefined;
  if (sanitizers) {
    custom = customGuardCache.get(container);
    if (!custom) customGuardCache.set(container, (custom = new Map()));
    list = custom.get(sanitizers);
  } else {
    list = guardCache.get(container);
  }
  if (list) return list;
  list = [];
  for (const stmt of statements) {
    const checked = guardedAfter(stmt, sanitizers);
    if (checked.length > 0) list.push({ stmt, checked });
  }
  if (custom) custom.set(sanitizers!, list);
  else guardCache.set(container, list);
  return list;
}

/** What a statement proves about values for the code after it. */
function guardedAfter(stmt: ts.Statement, sanitizers: Sanitizer | undefined): ts.Expression[] {
  if (isIfStatement(stmt)) {
    const thenExits = exits(stmt.thenStatement);
    const elseExits = !!stmt.elseStatement && exits(stmt.elseStatement);
    if (thenExits && !elseExits) return checks(stmt.expression, false, sanitizers);
    if (elseExits && !thenExits) return checks(stmt.expression, true, sanitizers);
    return [];
  }
  if (ts.isSwitchStatement(stmt)) {
    const clauses = stmt.caseBlock.clauses;
    const def = clauses.find((c) => ts.isDefaultClause(c));
    if (!def || !exits(def)) return [];
    if (!clauses.every((c) => ts.isDefaultClause(c) || isLiteral(c.expression))) return [];
    return [stmt.expression];
  }
  if (isExpressionStatement(stmt)) {
    // assert(ALLOWED.has(x)), assert.ok(…), invariant(…)
    const e = skipWrappers(stmt.expression);
    if (isCallExpression(e) && e.arguments[0]) {
      const c = skipWrappers(e.expression);
      const name = isIdentifier(c) ? c.text : isPropertyAccessExpression(c) ? c.name.text : '';
      if (ASSERT_FUNCTIONS.has(name) && (name !== 'ok' || (isPropertyAccessExpression(c) && isIdentifier(c.expression) && c.expression.text === 'assert'))) {
        return checks(e.arguments[0], true, sanitizers);
      }
    }
  }
  return [];
}

/** The statement always leaves the enclosing block: return, throw, continue, break, or a block that does. */
function exits(stmt: ts.Node): boolean {
  switch (stmt.kind) {
    case SyntaxKind.ReturnStatement:
    case SyntaxKind.ThrowStatement:
    case SyntaxKind.ContinueStatement:
    case SyntaxKind.BreakStatement:
      return true;
    case SyntaxKind.Block:
      return (stmt as ts.Block).statements.some(exits);
    case SyntaxKind.DefaultClause:
      return (stmt as ts.DefaultClause).statements.some((s) => s.kind !== SyntaxKind.BreakStatement && exits(s));
    case SyntaxKind.IfStatement: {
      const s = stmt as ts.IfStatement;
      return !!s.elseStatement && exits(s.thenStatement) && exits(s.elseStatement);
    }
    case SyntaxKind.ExpressionStatement: {
      // Koa's ctx.throw(400) always throws; process.exit() never returns.
      const e = skipWrappers((stmt as ts.ExpressionStatement).expression);
      if (!isCallExpression(e)) return false;
      const text = dottedName(e.expression);
      return text === 'ctx.throw' || text === 'context.throw' || text === 'process.exit';
    }
    default:
      return false;
  }
}

/** A `case 'x':` clause of `switch (value)`, not reachable by falling through from `default`. */
function caseGuards(clause: ts.CaseClause, key: GuardKey): boolean {
  if (!isLiteral(clause.expression)) return false;
  const sw = clause.parent.parent;
  if (!sameValue(sw.expression, key)) return false;
  const clauses = sw.caseBlock.clauses;
  for (let i = clauses.indexOf(clause) - 1; i >= 0; i--) {
    const prev = clauses[i];
    if (prev.statements.some(exits)) break;
    if (ts.isDefaultClause(prev) || !isLiteral(prev.expression)) return false;
  }
  return true;
}

function isLiteral(e: ts.Expression): boolean {
  const x = skipWrappers(e);
  return isStringLiteralLike(x) || isNumericLiteral(x) || x.kind === SyntaxKind.TrueKeyword || x.kind === SyntaxKind.FalseKeyword || x.kind === SyntaxKind.NullKeyword;
}

const branchCache = new NodeCache<ts.Node, { true?: ts.Expression[]; false?: ts.Expression[] }>();

/** `checks` of a condition on the way up from a use, cached per condition (default sanitizers only). */
function branchChecks(cond: ts.Expression, when: boolean, sanitizers: Sanitizer | undefined): ts.Expression[] {
  if (sanitizers) return checks(cond, when, sanitizers);
  let entry = branchCache.get(cond);
  if (!entry) {
    entry = {};
    branchCache.set(cond, entry);
  }
  const k = when ? 'true' : 'false';
  return (entry[k] ??= checks(cond, when, undefined));
}

/**
 * The values `cond` proves allowlisted when it evaluates to `when`:
 * `ALLOWED.has(x)` (true) proves x; `!ALLOWED.has(x)` (false) proves x;
 * `x !== 'a' && x !== 'b'` (false) proves x.
 */
function checks(cond: ts.Expression, when: boolean, sanitizers: Sanitizer | undefined, depth = 0): ts.Expression[] {
  if (depth > 8) return [];
  const e = skipWrappers(cond);
  if (isPrefixUnaryExpression(e) && e.operator === SyntaxKind.ExclamationToken) return checks(e.operand, !when, sanitizers, depth + 1);
  if (isCallExpression(e)) {
    const nan = nanCheck(e);
    if (nan) return when ? [] : [nan];
    return when ? checkedByCall(e, sanitizers) : [];
  }
  // if (error) return … after `const { error } = schema.validate(x)`; if (!r.success) return … after `r = S.safeParse(x)`
  const validated = resultFlag(e as ts.Expression, when);
  if (validated) return [validated];
  if (!isBinaryExpression(e)) return [];
  const op = e.operatorToken.kind;
  if (op === SyntaxKind.AmpersandAmpersandToken || op === SyntaxKind.BarBarToken) {
    const l = checks(e.left, when, sanitizers, depth + 1);
    const r = checks(e.right, when, sanitizers, depth + 1);
    // (a && b) true: both hold; (a || b) false: both fail. Otherwise only what both sides prove.
    const both = (op === SyntaxKind.AmpersandAmpersandToken) === when;
    return both ? [...l, ...r] : l.filter((x) => r.some((y) => sameExpression(x, y)));
  }
  if (op === SyntaxKind.InKeyword) return when && isAllowlistReceiver(e.right) ? [e.left] : [];
  const equal = op === SyntaxKind.EqualsEqualsEqualsToken || op === SyntaxKind.EqualsEqualsToken;
  const notEqual = op === SyntaxKind.ExclamationEqualsEqualsToken || op === SyntaxKind.ExclamationEqualsToken;
  if (equal || notEqual) {
    const proves = equal === when;
    // typeof x === 'number'
    if (ts.isTypeOfExpression(skipWrappers(e.left)) || ts.isTypeOfExpression(skipWrappers(e.right))) {
      const typed = typeofCheck(e.left, e.right) ?? typeofCheck(e.right, e.left);
      return typed && proves ? [typed] : [];
    }
    // ALLOWED.indexOf(x) === -1
    const idx = indexOfCheck(e.left, e.right) ?? indexOfCheck(e.right, e.left);
    if (idx) return proves === false ? [idx] : [];
    // x === 'asc'
    if (isLiteral(e.right) && !isLiteral(e.left)) return proves ? [e.left] : [];
    if (isLiteral(e.left) && !isLiteral(e.right)) return proves ? [e.right] : [];
    return [];
  }
  if (op === SyntaxKind.LessThanToken || op === SyntaxKind.GreaterThanEqualsToken || op === SyntaxKind.GreaterThanToken) {
    // indexOf(x) < 0 (found when false), indexOf(x) >= 0, indexOf(x) > -1 (found when true)
    const idx = indexOfCall(e.left);
    if (!idx) return [];
    return (op === SyntaxKind.LessThanToken) !== when ? [idx] : [];
  }
  return [];
}

/** `isNaN(x)` or `Number.isNaN(Number(x))`: false proves x numeric (`parseInt` would not: '1 OR 1=1' parses). */
function nanCheck(call: ts.CallExpression): ts.Expression | undefined {
  const text = dottedName(call.expression);
  const arg = call.arguments[0];
  if (!arg || call.arguments.length !== 1) return undefined;
  if (text === 'isNaN') return arg;
  if (text !== 'Number.isNaN') return undefined;
  const inner = skipWrappers(arg);
  if (isCallExpression(inner) && dottedName(inner.expression) === 'Number' && inner.arguments[0]) return inner.arguments[0];
  if (isPrefixUnaryExpression(inner) && inner.operator === SyntaxKind.PlusToken) return inner.operand;
  return undefined;
}

const VALIDATE_CALLS: ReadonlySet<string> = new Set(['validate', 'validateSync']);
const SAFE_PARSE_CALLS: ReadonlySet<string> = new Set(['safeParse', 'safeParseAsync', 'spa']);

/**
 * The value a validation result vouches for: `error` from `schema.validate(x)`
 * (joi) proves x when falsy; `r.success` from `S.safeParse(x)` (zod) when true.
 */
function resultFlag(e: ts.Expression, when: boolean): ts.Expression | undefined {
  let field: string | undefined;
  let holder: ts.Expression | undefined;
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable' || b.path.length !== 1 || !b.init) return undefined;
    field = String(b.path[0]);
    holder = b.init;
  } else if (isPropertyAccessExpression(e) && isIdentifier(e.expression)) {
    const b = lookup(e.expression.text, e.expression);
    if (!b || b.kind !== 'variable' || b.path.length !== 0 || !b.init) return undefined;
    field = e.name.text;
    holder = b.init;
  }
  if (!field || !holder) return undefined;
  const call = skipWrappers(holder);
  if (!isCallExpression(call) || !isPropertyAccessExpression(call.expression) || !call.arguments[0]) return undefined;
  const name = call.expression.name.text;
  if (field === 'error' && !when && VALIDATE_CALLS.has(name)) return call.arguments[0];
  if (field === 'success' && when && SAFE_PARSE_CALLS.has(name)) return call.arguments[0];
  return undefined;
}

function typeofCheck(a: ts.Expression, b: ts.Expression): ts.Expression | undefined {
  const t = skipWrappers(a);
  const lit = skipWrappers(b);
  if (!ts.isTypeOfExpression(t) || !isStringLiteralLike(lit)) return undefined;
  return lit.text === 'number' || lit.text === 'boolean' ? t.expression : undefined;
}

function indexOfCheck(a: ts.Expression, b: ts.Expression): ts.Expression | undefined {
  const x = skipWrappers(b);
  const minusOne = isPrefixUnaryExpression(x) && x.operator === SyntaxKind.MinusToken && isNumericLiteral(x.operand) && x.operand.text === '1';
  return minusOne ? indexOfCall(a) : undefined;
}

/** `ALLOWED.indexOf(x)` → x, when ALLOWED is not request data itself. */
function indexOfCall(e: ts.Expression): ts.Expression | undefined {
  const c = skipWrappers(e);
  if (!isCallExpression(c) || !isPropertyAccessExpression(c.expression) || c.expression.name.text !== 'indexOf' || !c.arguments[0]) return undefined;
  return isAllowlistReceiver(c.expression.expression) ? c.arguments[0] : undefined;
}

/** The values a true call result proves allowlisted. */
function checkedByCall(call: ts.CallExpression, sanitizers: Sanitizer | undefined): ts.Expression[] {
  if (sanitizers?.(call)) return [...call.arguments];
  const callee = skipWrappers(call.expression);
  const name = isIdentifier(callee) ? callee.text : isPropertyAccessExpression(callee) ? callee.name.text : '';
  const args = call.arguments;
  if (isPropertyAccessExpression(callee) && MEMBERSHIP_METHODS.has(name) && args[0]) {
    return isAllowlistReceiver(callee.expression) ? [args[0]] : [];
  }
  // Object.hasOwn(MAP, x), Object.prototype.hasOwnProperty.call(MAP, x)
  if ((name === 'hasOwn' || name === 'call') && args.length >= 2) {
    const text = dottedName(callee);
    if (text === 'Object.hasOwn' || text === 'Object.prototype.hasOwnProperty.call') return [args[1]];
    return [];
  }
  if (CHECK_FUNCTIONS.has(name)) {
    // ajv.validate(schema, data): the data is the last argument; validator.isIn(x, list) and validate(x): the first.
    if (name === 'validate' && isPropertyAccessExpression(callee) && args.length >= 2) return [args[args.length - 1]];
    if (name === 'validate' && args.length !== 1) return [];
    // yup: schema.isValidSync(x)
    return args[0] ? [args[0]] : [];
  }
  return [];
}

/** An allowlist: a constant collection, not request data and not a string being searched (`url.includes('example.com')`). */
function isAllowlistReceiver(e: ts.Expression): boolean {
  const x = skipWrappers(e);
  if (isArrayLiteralExpression(x)) return x.elements.every((el) => isLiteral(el as ts.Expression));
  if (isIdentifier(x)) {
    const b = lookup(x.text, x);
    if (!b) return /^[A-Z][A-Z0-9_]*$/.test(x.text);
    if (b.kind === 'import') return true;
    if (b.kind !== 'variable' || !b.init || b.path.length > 0) return false;
    const init = skipWrappers(b.init);
    if (isArrayLiteralExpression(init)) return init.elements.every((el) => isLiteral(el as ts.Expression));
    if (isObjectLiteralExpression(init)) return true;
    if (isNewExpression(init) && isIdentifier(init.expression) && (init.expression.text === 'Set' || init.expression.text === 'Map')) {
      const a = init.arguments?.[0] && skipWrappers(init.arguments[0]);
      return !a || isArrayLiteralExpression(a) || isIdentifier(a) || isCallExpression(a);
    }
    // Object.keys(COLUMNS), Object.values(Role)
    if (isCallExpression(init)) {
      const t = dottedName(init.expression);
      return t === 'Object.keys' || t === 'Object.values';
    }
    return false;
  }
  // config.allowedHosts, this.allowed
  if (isPropertyAccessExpression(x)) {
    const root = dottedName(x);
    return !!root && !/^(req|request|ctx|context)\./.test(root);
  }
  return false;
}

/** The guarded value matches the key: the same variable, or the same property chain. */
function sameValue(guarded: ts.Expression, key: GuardKey): boolean {
  const g = unwrapGuarded(guarded);
  if ('binding' in key) return isIdentifier(g) && g.text === key.binding.name && lookup(g.text, g) === key.binding;
  return (isPropertyAccessExpression(g) || isElementAccessExpression(g)) && dottedName(g) === key.path;
}

function sameExpression(a: ts.Expression, b: ts.Expression): boolean {
  const x = unwrapGuarded(a);
  const y = unwrapGuarded(b);
  if (isIdentifier(x) && isIdentifier(y)) return x.text === y.text && lookup(x.text, x) === lookup(y.text, y);
  const dx = dottedName(x);
  return dx !== undefined && dx === dottedName(y);
}

/** `String(x)`, `x.trim()`, `x.toLowerCase()` check the same value as `x`. */
function unwrapGuarded(e: ts.Expression): ts.Expression {
  let x = skipWrappers(e) as ts.Expression;
  for (let i = 0; i < 4; i++) {
    if (!isCallExpression(x)) break;
    const c = skipWrappers(x.expression);
    if (isIdentifier(c) && GUARD_TRANSPARENT.has(c.text) && x.arguments.length === 1) x = skipWrappers(x.arguments[0]) as ts.Expression;
    else if (isPropertyAccessExpression(c) && GUARD_TRANSPARENT.has(c.name.text) && x.arguments.length === 0) x = skipWrappers(c.expression) as ts.Expression;
    else break;
  }
  return x;
}
