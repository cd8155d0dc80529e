import {
  forEachChild, isArrowFunction, isBinaryExpression, isCallExpression, isElementAccessExpression,
  isFunctionDeclaration, isFunctionExpression, isIdentifier, isMethodDeclaration,
  isNoSubstitutionTemplateLiteral, isNumericLiteral, isPropertyAccessExpression, isPropertyAssignment,
  isShorthandPropertyAssignment, isSpreadAssignment, isStringLiteral, isTemplateExpression,
  SyntaxKind, ts,
} from './ts';
import { skipWrappers } from './modules';

/** Small, shared predicates over the plain TypeScript AST. */

/** The text of a string literal or a template without substitutions. */
export function stringValue(node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  node = skipWrappers(node);
  if (isStringLiteral(node) || isNoSubstitutionTemplateLiteral(node)) return node.text;
  return undefined;
}

export function numberValue(node: ts.Node | undefined): number | undefined {
  if (!node) return undefined;
  node = skipWrappers(node);
  if (isNumericLiteral(node)) return Number(node.text.replace(/_/g, ''));
  if (isBinaryExpression(node)) return arithmetic(node.operatorToken.kind, numberValue(node.left), numberValue(node.right));
  return undefined;
}

/** `l <op> r` for the operators constant sizes and durations are written with (`15 * 60`, `1024 * 1024 + 1`). */
export function arithmetic(op: ts.SyntaxKind, l: number | undefined, r: number | undefined): number | undefined {
  if (l === undefined || r === undefined) return undefined;
  switch (op) {
    case SyntaxKind.AsteriskToken: return l * r;
    case SyntaxKind.PlusToken: return l + r;
    case SyntaxKind.MinusToken: return l - r;
    case SyntaxKind.SlashToken: return r === 0 ? undefined : l / r;
    default: return undefined;
  }
}

/** The name of a property: identifier, string or numeric literal key. */
export function propertyName(name: ts.PropertyName | ts.MemberName | undefined): string | undefined {
  if (!name) return undefined;
  if (isIdentifier(name) || ts.isPrivateIdentifier(name) || isStringLiteral(name) || isNumericLiteral(name)) {
    return name.text;
  }
  return undefined;
}

/** The property assignment `name: …` (or shorthand `name`) of an object literal. */
export function getProperty(obj: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralElementLike | undefined {
  for (const p of obj.properties) {
    if ((isPropertyAssignment(p) || isShorthandPropertyAssignment(p) || isMethodDeclaration(p)) && propertyName(p.name) === name) {
      return p;
    }
  }
  return undefined;
}

/** The value of `name: value` in an object literal; for a shorthand, the identifier. */
export function getPropertyValue(obj: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  const p = getProperty(obj, name);
  if (!p) return undefined;
  if (isPropertyAssignment(p)) return p.initializer;
  if (isShorthandPropertyAssignment(p)) return p.name;
  return undefined;
}

export function hasSpread(obj: ts.ObjectLiteralExpression): boolean {
  return obj.properties.some((p) => isSpreadAssignment(p));
}

const PROPERTY_ACCESS = SyntaxKind.PropertyAccessExpression;
const IDENTIFIER = SyntaxKind.Identifier;

/** `a.b.c(...)` → 'c'; `c(...)` → 'c'. */
export function calleeName(call: ts.CallExpression | ts.NewExpression): string | undefined {
  // The two common shapes first, without the wrapper loop (neither is a wrapper): a dozen rules ask about every call.
  const callee = call.expression;
  if (callee.kind === PROPERTY_ACCESS) return (callee as ts.PropertyAccessExpression).name.text;
  if (callee.kind === IDENTIFIER) return (callee as ts.Identifier).text;
  const e = skipWrappers(callee);
  if (isIdentifier(e)) return e.text;
  if (isPropertyAccessExpression(e)) return e.name.text;
  if (isElementAccessExpression(e)) return stringValue(e.argumentExpression);
  return undefined;
}

/** `a.b.c(...)` → the node `a.b`; undefined for a plain call. */
export function calleeObject(call: ts.CallExpression | ts.NewExpression): ts.Expression | undefined {
  const e = skipWrappers(call.expression);
  if (isPropertyAccessExpression(e) || isElementAccessExpression(e)) return e.expression;
  return undefined;
}

/** Dotted text of a property chain: `req.session.user` → 'req.session.user'; undefined otherwise. */
export function dottedName(node: ts.Node): string | undefined {
  node = skipWrappers(node);
  if (isIdentifier(node)) return node.text;
  if (node.kind === SyntaxKind.ThisKeyword) return 'this';
  if (isPropertyAccessExpression(node)) {
    const left = dottedName(node.expression);
    return left === undefined ? undefined : `${left}.${node.name.text}`;
  }
  if (isElementAccessExpression(node)) {
    const key = stringValue(node.argumentExpression);
    const left = dottedName(node.expression);
    return left === undefined || key === undefined ? undefined : `${left}.${key}`;
  }
  return undefined;
}

export function isFunctionLike(node: ts.Node | undefined): node is ts.FunctionExpression | ts.ArrowFunction | ts.FunctionDeclaration | ts.MethodDeclaration {
  return !!node && (isFunctionExpression(node) || isArrowFunction(node) || isFunctionDeclaration(node) || isMethodDeclaration(node));
}

export const HTTP_METHODS: ReadonlySet<string> = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'options', 'head']);

/** An HTTP method in any case (`post`, `Post`, `DELETE`), as route helpers read a method name. */
export function isHttpMethodName(name: string): boolean {
  // Every call's name comes here: length and first letter rule most out before lower-casing.
  const n = name.length;
  return n >= 3 && n <= 7 && HTTP_METHOD_INITIALS.has(name.charCodeAt(0) | 32) && HTTP_METHODS.has(name.toLowerCase());
}

/** The first letters of HTTP_METHODS, lower-cased (`| 32` lower-cases an ASCII letter). */
const HTTP_METHOD_INITIALS: ReadonlySet<number> = new Set([...HTTP_METHODS].map((m) => m.charCodeAt(0)));

/** `===`, `!==`, `==`, `!=`. */
export const EQUALITY_OPERATORS: ReadonlySet<ts.SyntaxKind> = new Set([
  SyntaxKind.EqualsEqualsEqualsToken, SyntaxKind.ExclamationEqualsEqualsToken,
  SyntaxKind.EqualsEqualsToken, SyntaxKind.ExclamationEqualsToken,
]);

/** `null` or `undefined`, through parentheses and casts. */
export function isNullish(e: ts.Node): boolean {
  const s = skipWrappers(e);
  return s.kind === SyntaxKind.NullKeyword || (isIdentifier(s) && s.text === 'undefined');
}

export interface RouteCall {
  call: ts.CallExpression;
  /** Lower-case method, or 'use' for middleware mounts. */
  method: string;
  /** The literal path, when there is one. */
  path?: string;
  pathNode?: ts.Expression;
  /** Middleware and handler arguments after the path. */
  handlers: ts.Expression[];
}

/**
 * A route registration in the Express style, which Router, express-promise-router,
 * koa-router and Fastify's shorthand share: `x.post('/login', mw, handler)`,
 * `x.route('/a').get(handler)`. Recognised by shape (a method name, a string
 * path, at least one handler) so that routers passed between files still count.
 */
export function routeCall(node: ts.Node): RouteCall | undefined {
  if (!isCallExpression(node)) return undefined;
  const e = node.expression;
  if (!isPropertyAccessExpression(e)) return undefined;
  const name = e.name.text;
  // Every method name below has 3 to 7 letters: most calls stop here, before a lower-cased copy.
  if (name.length < 3 || name.length > 7) return undefined;
  const method = name.toLowerCase();
  if (!HTTP_METHODS.has(method) && method !== 'use') return undefined;
  const args = node.arguments;
  if (args.length === 0) return undefined;
  const first = args[0];
  const path = stringValue(first) ?? templateHead(first);
  // `x.route('/a').get(h)`: the path sits on the route() call.
  if (path === undefined && isCallExpression(e.expression) && isPropertyAccessExpression(e.expression.expression) && e.expression.expression.name.text === 'route') {
    const routePath = stringValue(e.expression.arguments[0]);
    if (routePath === undefined) return undefined;
    return { call: node, method, path: routePath, pathNode: e.expression.arguments[0], handlers: [...args] };
  }
  if (path === undefined) {
    if (method !== 'use') return undefined;
    return { call: node, method, handlers: [...args] };
  }
  const handlers = args.slice(1);
  if (handlers.length === 0) return undefined;
  // `map.get('key', fallback)` and `headers.get('x')` look alike: require a path-like string.
  if (!path.startsWith('/') && path !== '*') return undefined;
  return { call: node, method, path, pathNode: first, handlers: [...handlers] };
}

function templateHead(node: ts.Node): string | undefined {
  return isTemplateExpression(node) ? node.head.text : undefined;
}

/** The last handler of a route, when it is written inline. */
export function inlineHandler(route: RouteCall): ts.FunctionExpression | ts.ArrowFunction | undefined {
  const last = route.handlers[route.handlers.length - 1];
  if (last && (isFunctionExpression(last) || isArrowFunction(last))) return last;
  return undefined;
}

/**
 * Where `node` is in a walk-order list (RuleContext.nodes), or -1. The list is sorted by `pos`
 * (pre-order: a parent starts where its first child does or before, siblings follow each other),
 * so a bisection finds the first node at `node.pos` and the node is among those sharing it.
 */
export function indexInWalk(nodes: readonly ts.Node[], node: ts.Node): number {
  const pos = node.pos;
  let lo = 0;
  let hi = nodes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (nodes[mid].pos < pos) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < nodes.length && nodes[i].pos === pos; i++) if (nodes[i] === node) return i;
  return -1;
}

/**
 * `node`'s descendants in a walk-order list, as the index range [from, to): they follow it as one
 * run, which ends at the first node starting at or after `node.end`, so zero-width descendants at
 * the very end (an end-of-file token, a node the parser made up for missing code) are left out.
 * Undefined when the list does not hold the node.
 */
export function descendantsInWalk(nodes: readonly ts.Node[], node: ts.Node): { from: number; to: number } | undefined {
  const at = indexInWalk(nodes, node);
  if (at < 0) return undefined;
  let to = at + 1;
  while (to < nodes.length && nodes[to].pos < node.end) to++;
  return { from: at + 1, to };
}

/** 1-based line of a node's start. */
export function lineOf(node: ts.Node): number {
  const sf = node.getSourceFile();
  return sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
}

/** Calls `fn` for every descendant of `node` (not `node` itself); returning true stops descent below that node. */
export function forEachDescendant(node: ts.Node, fn: (n: ts.Node) => boolean | void): void {
  const visit = (n: ts.Node): void => {
    if (fn(n) === true) return;
    forEachChild(n, visit);
  };
  forEachChild(node, visit);
}

/** True when some descendant satisfies the predicate. */
export function containsNode(node: ts.Node, pred: (n: ts.Node) => boolean): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (pred(n)) {
      found = true;
      return;
    }
    forEachChild(n, visit);
  };
  forEachChild(node, visit);
  return found;
}

/** Leading whitespace of the line holding `pos`. */
export function indentAt(text: string, pos: number): string {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  const m = /^[ \t]*/.exec(text.slice(lineStart, pos + 200));
  return m ? m[0] : '';
}

/** The end-of-line sequence the file uses. */
export function eol(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}
