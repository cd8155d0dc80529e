import { ts } from 'ts-morph';
import { skipWrappers } from './modules';
import { assignmentsTo, lookup, type Binding } from './scopes';

/**
 * Intra-procedural, on-demand tracking of request data. Nothing is computed
 * during the walk: a rule standing at a sink asks `flow.source(expr)` and the
 * answer is derived from the expression and the declarations it reads.
 *
 * Sources: `req.body|query|params|headers|cookies…` (Express, Next.js, Fastify
 * `request.*`), `req.get()/req.header()`, Koa `ctx.request.body|ctx.query|ctx.params`.
 */
export interface Source {
  /** The node that reads request data, e.g. `req.body`. */
  node: ts.Node;
  /** Which part of the request: body, query, params, headers, cookies. */
  part: string;
}

export const REQUEST_OBJECT_NAMES: ReadonlySet<string> = new Set(['req', 'request']);
export const REQUEST_PARTS: ReadonlySet<string> = new Set([
  'body', 'query', 'params', 'headers', 'cookies', 'signedCookies', 'files', 'file', 'hostname', 'originalUrl', 'url', 'path',
]);
const KOA_CONTEXT_NAMES: ReadonlySet<string> = new Set(['ctx', 'context']);
const KOA_PARTS: ReadonlySet<string> = new Set(['query', 'params', 'headers', 'cookies', 'querystring', 'href', 'url']);
const REQUEST_GETTERS: ReadonlySet<string> = new Set(['get', 'header', 'param']);

/** Methods that hand back (part of) their receiver's data unchanged. */
const PASS_THROUGH_METHODS: ReadonlySet<string> = new Set([
  'trim', 'trimStart', 'trimEnd', 'toLowerCase', 'toUpperCase', 'toString', 'slice', 'substring', 'substr',
  'concat', 'split', 'join', 'normalize', 'padStart', 'padEnd', 'replace', 'replaceAll', 'at', 'valueOf', 'toLocaleLowerCase',
]);
/** Global functions whose result still carries their argument's content. */
const PASS_THROUGH_FUNCTIONS: ReadonlySet<string> = new Set(['String', 'decodeURIComponent', 'decodeURI', 'unescape']);
const PASS_THROUGH_STATICS: ReadonlySet<string> = new Set(['JSON.parse', 'Buffer.from', 'Object.assign', 'Array.from', 'Object.values']);

const MAX_DEPTH = 16;

export class Flow {
  private readonly cache = new Map<ts.Node, Source | null>();

  /** The request data an expression may carry, or undefined. */
  source(expr: ts.Node): Source | undefined {
    return this.taint(expr, 0) ?? undefined;
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
    if (ts.isIdentifier(expr)) {
      const b = lookup(expr.text, expr);
      if (!b || b.kind !== 'variable' || !b.init) return undefined;
      const write = lastWrite(b, expr);
      if (!write) return undefined;
      if (b.path.length === 0) return this.wholeSource(write, depth + 1);
      // `const { body } = req`
      if (b.path.length === 1 && isRequestObject(skipWrappers(write)) && typeof b.path[0] === 'string' && REQUEST_PARTS.has(b.path[0])) {
        return { node: b.node, part: b.path[0] };
      }
    }
    return undefined;
  }

  private taint(expr: ts.Node, depth: number): Source | null {
    if (depth > MAX_DEPTH) return null;
    const cached = this.cache.get(expr);
    if (cached !== undefined) return cached;
    this.cache.set(expr, null); // cycle guard
    const result = this.compute(expr, depth);
    this.cache.set(expr, result);
    return result;
  }

  private compute(node: ts.Node, depth: number): Source | null {
    const expr = skipWrappers(node);
    if (expr !== node) return this.taint(expr, depth + 1);
    const part = requestPart(expr);
    if (part) return part;

    if (ts.isIdentifier(expr)) return this.fromIdentifier(expr, depth);
    if (ts.isPropertyAccessExpression(expr)) {
      if (expr.name.text === 'length') return null;
      return this.taint(expr.expression, depth + 1);
    }
    if (ts.isElementAccessExpression(expr)) return this.taint(expr.expression, depth + 1);
    if (ts.isTemplateExpression(expr)) return this.first(expr.templateSpans.map((s) => s.expression), depth);
    if (ts.isBinaryExpression(expr)) return this.fromBinary(expr, depth);
    if (ts.isConditionalExpression(expr)) return this.first([expr.whenTrue, expr.whenFalse], depth);
    if (ts.isObjectLiteralExpression(expr)) {
      const values: ts.Node[] = [];
      for (const p of expr.properties) {
        if (ts.isPropertyAssignment(p)) values.push(p.initializer);
        else if (ts.isShorthandPropertyAssignment(p)) values.push(p.name);
        else if (ts.isSpreadAssignment(p)) values.push(p.expression);
      }
      return this.first(values, depth);
    }
    if (ts.isArrayLiteralExpression(expr)) return this.first([...expr.elements], depth);
    if (ts.isSpreadElement(expr)) return this.taint(expr.expression, depth + 1);
    if (ts.isCallExpression(expr) || ts.isNewExpression(expr)) return this.fromCall(expr, depth);
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
      case ts.SyntaxKind.PlusToken:
      case ts.SyntaxKind.BarBarToken:
      case ts.SyntaxKind.QuestionQuestionToken:
        return this.first([expr.left, expr.right], depth);
      case ts.SyntaxKind.AmpersandAmpersandToken:
      case ts.SyntaxKind.CommaToken:
      case ts.SyntaxKind.EqualsToken:
        return this.taint(expr.right, depth + 1);
      default:
        return null;
    }
  }

  private fromIdentifier(id: ts.Identifier, depth: number): Source | null {
    const b = lookup(id.text, id);
    if (!b) return null;
    if (b.kind === 'for-of' && b.init) return this.taint(b.init, depth + 1);
    if (b.kind !== 'variable') return null;
    const write = lastWrite(b, id);
    if (!write) return b.defaultValue ? this.taint(b.defaultValue, depth + 1) : null;
    const w = skipWrappers(write);
    // `const { body: data } = req` reads a request part through destructuring.
    if (b.path.length > 0 && write === b.init && isRequestObject(w)) {
      const head = b.path[0];
      if (typeof head === 'string' && (REQUEST_PARTS.has(head) || head === '...')) return { node: b.node, part: head === '...' ? 'request' : head };
      return null;
    }
    if (b.path.length > 0 && write === b.init && isKoaContext(w)) {
      const head = b.path[0];
      if (head === 'request' || (typeof head === 'string' && KOA_PARTS.has(head))) return { node: b.node, part: String(b.path[1] ?? head) };
      return null;
    }
    return this.taint(write, depth + 1);
  }

  private fromCall(call: ts.CallExpression | ts.NewExpression, depth: number): Source | null {
    const callee = skipWrappers(call.expression);
    const args = call.arguments ?? ts.factory.createNodeArray();
    if (ts.isIdentifier(callee)) {
      if (PASS_THROUGH_FUNCTIONS.has(callee.text) || callee.text === 'URL') return args[0] ? this.taint(args[0], depth + 1) : null;
      return null;
    }
    if (!ts.isPropertyAccessExpression(callee)) return null;
    const method = callee.name.text;
    const receiver = skipWrappers(callee.expression);
    // req.get('x-forwarded-host'), req.header('origin')
    if (REQUEST_GETTERS.has(method) && isRequestObject(receiver) && ts.isCallExpression(call)) {
      return { node: call, part: 'headers' };
    }
    if (ts.isIdentifier(receiver) && PASS_THROUGH_STATICS.has(`${receiver.text}.${method}`)) {
      return this.first([...args], depth);
    }
    if (PASS_THROUGH_METHODS.has(method)) return this.taint(receiver, depth + 1);
    return null;
  }
}

/** The value of a binding as it stands at `use`: the last assignment before it, else the initializer. */
function lastWrite(b: Binding, use: ts.Node): ts.Expression | undefined {
  let write = b.init;
  const usePos = use.pos;
  for (const a of assignmentsTo(b)) {
    if (a.pos < usePos && a.pos > b.node.pos && !isInside(use, a)) write = a.right;
  }
  return write;
}

function isInside(node: ts.Node, container: ts.Node): boolean {
  return node.pos >= container.pos && node.end <= container.end;
}

export function isRequestObject(expr: ts.Node): boolean {
  return ts.isIdentifier(expr) && REQUEST_OBJECT_NAMES.has(expr.text);
}

function isKoaContext(expr: ts.Node): boolean {
  return ts.isIdentifier(expr) && KOA_CONTEXT_NAMES.has(expr.text);
}

/** `req.body`, `request.query`, `ctx.request.body`, `ctx.query`, `req['params']`. */
export function requestPart(expr: ts.Node): Source | null {
  if (!ts.isPropertyAccessExpression(expr) && !ts.isElementAccessExpression(expr)) return null;
  const name = ts.isPropertyAccessExpression(expr)
    ? expr.name.text
    : ts.isStringLiteralLike(expr.argumentExpression) ? expr.argumentExpression.text : undefined;
  if (!name) return null;
  const obj = skipWrappers(expr.expression);
  if (isRequestObject(obj) && REQUEST_PARTS.has(name)) return { node: expr, part: name };
  if (isKoaContext(obj) && KOA_PARTS.has(name)) return { node: expr, part: name };
  // ctx.request.body
  if (ts.isPropertyAccessExpression(obj) && obj.name.text === 'request' && isKoaContext(skipWrappers(obj.expression)) && REQUEST_PARTS.has(name)) {
    return { node: expr, part: name };
  }
  return null;
}
