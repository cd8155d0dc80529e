import {
  forEachChild, isArrayLiteralExpression, isArrowFunction, isBinaryExpression, isBlock,
  isCallExpression, isConditionalExpression, isElementAccessExpression, isFunctionExpression,
  isIdentifier, isIfStatement, isObjectLiteralExpression, isPrefixUnaryExpression,
  isPropertyAccessExpression, isPropertyAssignment, isReturnStatement, isShorthandPropertyAssignment,
  isSpreadAssignment, isTemplateExpression, SyntaxKind, ts,
} from '../ts';
import { calleeName, dottedName, propertyName } from '../ast';
import { preferredQuote } from '../fix';
import { skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { Fix, RuleContext, SourceRule, TextEdit } from '../types';

/**
 * Error details sent to the client: an Express error handler
 * `(err, req, res, next) => res.status(500).json({ message: err.message, stack: err.stack })`,
 * or a route's `catch (e) { res.status(500).send(e) }`. Driver errors carry
 * SQL, table and column names; stacks carry file paths and library versions.
 *
 * Safe: a message chosen by the code, details behind a NODE_ENV /
 * app.get('env') check, `err.expose ? err.message : 'Internal error'` and other
 * checks on the error's type or status (the message of a known error class is
 * the code's own), logging.
 */

/** Error fields that carry internals. `message` is the common one; the others come from database drivers. */
const LEAKY_FIELDS: ReadonlySet<string> = new Set(['stack', 'message', 'sql', 'sqlMessage', 'errors', 'original', 'parent', 'detail', 'query', 'sqlState']);
/** Fields that stay a leak even behind a type or status check. */
const ALWAYS_LEAKY: ReadonlySet<string> = new Set(['stack', 'sql', 'sqlMessage', 'original', 'parent', 'query']);
const SEND_METHODS: ReadonlySet<string> = new Set(['send', 'json', 'jsonp', 'end', 'write', 'render']);
/** `res.status(500).json(…)`: calls that return the response itself. */
const CHAIN_METHODS: ReadonlySet<string> = new Set(['status', 'type', 'set', 'header', 'code', 'contentType', 'setHeader', 'vary', 'headers']);
const RES_NAME = /^_?(res|resp|response|reply)$/;
const KOA_NAME = /^(ctx|context)$/;
const PASS_THROUGH: ReadonlySet<string> = new Set(['toString', 'trim', 'slice', 'substring', 'split', 'join', 'replace', 'toUpperCase', 'toLowerCase', 'concat']);
const SERIALIZERS: ReadonlySet<string> = new Set(['String', 'JSON.stringify', 'util.inspect', 'inspect', 'serializeError', 'format', 'util.format']);

/** A condition that keeps details out of production. */
const ENV_GUARD = /NODE_ENV|\benv\b|['"`](development|dev|production|prod|test)['"`]|is_?dev|is_?prod|isDevelopment|isProduction|debug|\bdev(elopment)?\b|\bprod(uction)?\b/i;
/** A check on the error's kind or status: the message of a known error class is chosen by the code. */
const TYPE_GUARD = /expose|isOperational|instanceof|status|\.name\b|\.code\b|\bcode\b|isAxiosError|isHttpError|HttpError|isBoom|Validation|ZodError|known|custom|AppError|ApiError/i;

type Guard = 'env' | 'type' | undefined;

interface Scope {
  err: string;
  res: Set<string>;
  koa: Set<string>;
  root: ts.Node;
}

export const rule: SourceRule = {
  id: 'error-leak',
  row: 'error-handling',
  severity: 'error',
  description: 'Detects error handlers and route catch blocks that send error messages, stack traces or raw driver errors to the client.',
  message: 'Error details are sent to the client: log the error and send a generic message instead.',
  fixable: true,
  docs: {
    why:
      'Stack traces, database driver errors and raw exception messages tell an attacker your file layout, library versions, ' +
      'SQL statements, table and column names, and sometimes data. Clients need a status code and a short, generic message; ' +
      'the details belong in your logs.',
    bad:
      'app.use((err, req, res, next) => {\n  res.status(500).json({ message: err.message, stack: err.stack });\n});',
    good:
      'app.use((err, req, res, next) => {\n  logger.error({ err, path: req.path }, \'unhandled error\');\n' +
      "  const status = err.status ?? 500;\n  res.status(status).json({ message: err.expose ? err.message : 'Internal server error' });\n});",
    fix:
      "Log the error server-side and respond with a fixed message (`{ message: 'Internal server error' }`). " +
      "If you want details while developing, guard them with `process.env.NODE_ENV !== 'production'`; send `err.message` only for errors " +
      'you created for the client (`err.expose`, your own error classes).',
    cwe: ['CWE-209', 'CWE-497'],
    owasp: ['A04:2021', 'A05:2021'],
  },
  create(ctx) {
    // Every report and the evidence need a sink: `x.send|json|jsonp|end|write|render(…)` or Koa's `ctx.body = …`.
    if (!ctx.mentions('send', 'json', 'jsonp', 'end', 'write', 'render', 'body')) return {};
    const reported = new Set<ts.Node>();
    const onFunction = (fn: ts.FunctionExpression | ts.ArrowFunction | ts.FunctionDeclaration): void => {
      if (fn.parameters.length !== 4 || !fn.body) return;
      const names = fn.parameters.map((p) => (isIdentifier(p.name) ? p.name.text : undefined));
      if (names.some((n) => n === undefined)) return;
      const parent = fn.parent;
      const registered = isCallExpression(parent) && calleeName(parent) === 'use';
      if (!RES_NAME.test(names[2]!) && !registered) return;
      if (!/^_?(req|request)$/.test(names[1]!) && !registered) return;
      const scope: Scope = { err: names[0]!, res: new Set([names[2]!]), koa: new Set(), root: fn.body };
      const result = scan(ctx, scope, fn.body);
      for (const l of result.leaks) report(l, 'Error handler');
      if (result.sinks > 0 && result.leaks.length === 0) ctx.evidence('error-handler-generic', fn, 'error handler sends a generic message');
    };
    const report = (l: Leak, where: string): void => {
      if (reported.has(l.sink)) return;
      reported.add(l.sink);
      ctx.report(l.sink, {
        message: `${where} sends ${l.what} to the client: log the error and send a generic message (details only when NODE_ENV is not production).`,
        fixes: genericMessageFix(ctx.sourceFile, l),
      });
    };
    return {
      ArrowFunction: onFunction,
      FunctionExpression: onFunction,
      FunctionDeclaration: onFunction,
      CatchClause(node: ts.CatchClause) {
        const d = node.variableDeclaration;
        if (!d || !isIdentifier(d.name)) return;
        // Next.js route handlers answer with NextResponse.json / Response.json, no res parameter needed.
        const result = scan(ctx, { err: d.name.text, ...responseNames(node), root: node.block }, node.block);
        for (const l of result.leaks) report(l, 'This catch block');
      },
      // promise.catch((err) => res.status(500).json(err))
      CallExpression(node: ts.CallExpression) {
        const e = node.expression;
        if (!isPropertyAccessExpression(e) || e.name.text !== 'catch' || node.arguments.length !== 1) return;
        const fn = node.arguments[0];
        if (!isArrowFunction(fn) && !isFunctionExpression(fn)) return;
        const p = fn.parameters[0];
        if (!p || !isIdentifier(p.name)) return;
        const names = responseNames(node);
        if (names.res.size === 0 && names.koa.size === 0) return;
        const result = scan(ctx, { err: p.name.text, ...names, root: fn.body }, fn.body);
        for (const l of result.leaks) report(l, 'This .catch() handler');
      },
    };
  },
};

/** Response parameters of the functions around a node: `res`, `reply`, Koa's `ctx`. */
function responseNames(node: ts.Node): { res: Set<string>; koa: Set<string> } {
  const res = new Set<string>();
  const koa = new Set<string>();
  let fns = 0;
  for (let n: ts.Node | undefined = node.parent; n && fns < 4; n = n.parent) {
    if (!ts.isFunctionLike(n)) continue;
    fns++;
    for (const p of (n as ts.SignatureDeclaration).parameters) {
      if (!isIdentifier(p.name)) continue;
      if (RES_NAME.test(p.name.text)) res.add(p.name.text);
      else if (KOA_NAME.test(p.name.text)) koa.add(p.name.text);
    }
  }
  return { res, koa };
}


interface Leak {
  sink: ts.Node;
  what: string;
  /** The sent value that carries the detail, and what the scan knew about it. */
  arg: ts.Expression;
  scope: Scope;
  guard: Guard;
  /** The payload is serialized as JSON (`res.json`, `Response.json`, Koa's `ctx.body`). */
  json: boolean;
}

function scan(ctx: RuleContext, scope: Scope, body: ts.Node): { sinks: number; leaks: Leak[] } {
  let sinks = 0;
  const leaks: Leak[] = [];
  const visit = (n: ts.Node): void => {
    const payload = sinkPayload(ctx, scope, n);
    if (payload) {
      sinks++;
      const guard = guardAt(n, scope);
      if (guard !== 'env') {
        for (const arg of payload) {
          const what = leakIn(scope, arg, guard, 0);
          if (what) {
            leaks.push({ sink: n, what, arg, scope, guard, json: sendsJson(n) });
            break;
          }
        }
      }
    }
    forEachChild(n, visit);
  };
  visit(body);
  return { sinks, leaks };
}

/** The values a response-sending node sends, or undefined when it is not one. */
function sinkPayload(ctx: RuleContext, scope: Scope, n: ts.Node): readonly ts.Expression[] | undefined {
  // Only calls and assignments can send: by kind first (no `ts.isX` getters), as scan asks for every node.
  const kind = n.kind;
  if (kind !== SyntaxKind.CallExpression && kind !== SyntaxKind.BinaryExpression) return undefined;
  if (isCallExpression(n)) {
    const e = n.expression;
    if (!isPropertyAccessExpression(e)) return undefined;
    const method = e.name.text;
    if (!SEND_METHODS.has(method)) return undefined;
    // NextResponse.json(body) / Response.json(body)
    if (method === 'json' && isIdentifier(e.expression) && /^(Next)?Response$/.test(e.expression.text)) {
      if (e.expression.text === 'Response' && !lookup('Response', e.expression)) return n.arguments.slice(0, 1);
      if (e.expression.text === 'NextResponse' && ctx.modules.origin(e.expression)?.module === 'next/server') return n.arguments.slice(0, 1);
      return undefined;
    }
    if (!isResponse(scope, e.expression)) return undefined;
    if (method === 'render') return n.arguments.slice(1);
    return n.arguments.slice(0, 1);
  }
  // Koa: ctx.body = …
  if (isBinaryExpression(n) && n.operatorToken.kind === SyntaxKind.EqualsToken && scope.koa.size > 0) {
    const left = dottedName(n.left);
    if (!left) return undefined;
    const parts = left.split('.');
    if (scope.koa.has(parts[0]) && parts[parts.length - 1] === 'body' && (parts.length === 2 || (parts.length === 3 && parts[1] === 'response'))) return [n.right];
  }
  return undefined;
}

function isResponse(scope: Scope, recv: ts.Expression): boolean {
  let r = skipWrappers(recv);
  while (isCallExpression(r) && isPropertyAccessExpression(r.expression) && CHAIN_METHODS.has(r.expression.name.text)) {
    r = skipWrappers(r.expression.expression);
  }
  return isIdentifier(r) && scope.res.has(r.text);
}

/** The guard around a sink: an enclosing if or an earlier early-return if between it and the scope root. */
function guardAt(sink: ts.Node, scope: Scope): Guard {
  let guard: Guard;
  let child: ts.Node = sink;
  for (let n: ts.Node | undefined = sink.parent; n && child !== scope.root; child = n, n = n.parent) {
    if (isIfStatement(n) && child !== n.expression) {
      const g = guardOf(n.expression);
      if (g === 'env') return 'env';
      if (g === 'type' && (child === n.thenStatement || isStatusCheck(n.expression))) guard = 'type';
    }
    if (isConditionalExpression(n) && child !== n.condition) {
      const g = guardOf(n.condition);
      if (g === 'env') return 'env';
      if (g === 'type') guard = 'type';
    }
    if (isBlock(n)) {
      for (const st of n.statements) {
        if (st.pos >= child.pos) break;
        if (!isIfStatement(st) || !exits(st.thenStatement)) continue;
        const g = guardOf(st.expression);
        if (g === 'env') return 'env';
        // `if (!(err instanceof AppError)) return next(err);` leaves only known errors below.
        if (g === 'type' && isNegated(st.expression)) guard = 'type';
      }
    }
    if (n === scope.root) break;
  }
  return guard;
}

function guardOf(cond: ts.Expression): Guard {
  // `e instanceof Error ? e.message : …` holds for every error: not a check on its kind.
  const text = cond.getText().replace(/instanceof\s+Error\b/g, '');
  if (ENV_GUARD.test(text)) return 'env';
  if (TYPE_GUARD.test(text)) return 'type';
  return undefined;
}

function isStatusCheck(cond: ts.Expression): boolean {
  return /status/i.test(cond.getText());
}

function isNegated(cond: ts.Expression): boolean {
  const c = skipWrappers(cond);
  if (isPrefixUnaryExpression(c) && c.operator === SyntaxKind.ExclamationToken) return true;
  return isBinaryExpression(c) && (c.operatorToken.kind === SyntaxKind.ExclamationEqualsEqualsToken || c.operatorToken.kind === SyntaxKind.ExclamationEqualsToken);
}

function exits(st: ts.Statement): boolean {
  if (isReturnStatement(st) || ts.isThrowStatement(st)) return true;
  if (isBlock(st)) return st.statements.some((s) => isReturnStatement(s) || ts.isThrowStatement(s));
  return false;
}

/** What error detail an expression carries, described for the message (`err.stack`), or undefined. */
function leakIn(scope: Scope, expr: ts.Node, guard: Guard, depth: number): string | undefined {
  if (depth > 6) return undefined;
  const e = skipWrappers(expr);
  const err = scope.err;
  const field = (name: string): string | undefined => {
    if (!LEAKY_FIELDS.has(name)) return undefined;
    if (guard === 'type' && !ALWAYS_LEAKY.has(name)) return undefined;
    return `${err}.${name}`;
  };
  if (isIdentifier(e)) {
    if (e.text === err) {
      const b = lookup(e.text, e);
      // Shadowed by something that is not the error (a local `const err = …` in a nested scope).
      if (b && b.kind !== 'catch' && b.kind !== 'parameter') return undefined;
      return guard === 'type' ? undefined : 'the whole error object';
    }
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable' || !b.init || !isInside(b.node, scope.root)) return undefined;
    if (b.path.length === 0) return leakIn(scope, b.init, guard, depth + 1);
    // const { message, stack } = err
    const init = skipWrappers(b.init);
    if (isIdentifier(init) && init.text === err && b.path.length === 1) return field(String(b.path[0]));
    return undefined;
  }
  if (isPropertyAccessExpression(e) || isElementAccessExpression(e)) {
    const name = isPropertyAccessExpression(e) ? e.name.text : propertyName(e.argumentExpression as ts.PropertyName);
    const base = skipWrappers(e.expression);
    if (isIdentifier(base)) {
      // err.message, or `const e = err; e.stack`
      const whole = base.text === err || leakIn(scope, base, undefined, depth + 1) === 'the whole error object';
      return whole && name ? field(name) : undefined;
    }
    // err.errors[0].message, err.original.sqlMessage: the first field decides.
    return leakIn(scope, base, guard, depth + 1);
  }
  if (isCallExpression(e)) {
    const callee = skipWrappers(e.expression);
    const name = dottedName(callee);
    if (name && SERIALIZERS.has(name) && e.arguments[0]) {
      const inner = leakIn(scope, e.arguments[0], guard, depth + 1);
      return inner === 'the whole error object' ? `${name}(${err})` : inner;
    }
    if (isPropertyAccessExpression(callee) && PASS_THROUGH.has(callee.name.text)) {
      const recv = skipWrappers(callee.expression);
      if (isIdentifier(recv) && recv.text === err) return guard === 'type' ? undefined : `${err}.${callee.name.text}()`;
      return leakIn(scope, recv, guard, depth + 1);
    }
    return undefined;
  }
  if (isTemplateExpression(e)) {
    for (const span of e.templateSpans) {
      const inner = leakIn(scope, span.expression, guard, depth + 1);
      if (inner) return inner === 'the whole error object' ? `${err} (its message)` : inner;
    }
    return undefined;
  }
  if (isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === SyntaxKind.AmpersandAmpersandToken) {
      const g = guardOf(e.left);
      if (g === 'env') return undefined;
      return leakIn(scope, e.right, g ?? guard, depth + 1);
    }
    if (op === SyntaxKind.PlusToken || op === SyntaxKind.BarBarToken || op === SyntaxKind.QuestionQuestionToken) {
      const inner = leakIn(scope, e.left, guard, depth + 1) ?? leakIn(scope, e.right, guard, depth + 1);
      if (inner === 'the whole error object' && op === SyntaxKind.PlusToken) return `${err} (its message)`;
      return inner;
    }
    return undefined;
  }
  if (isConditionalExpression(e)) {
    const g = guardOf(e.condition);
    if (g === 'env') return undefined;
    const inner = g ?? guard;
    return leakIn(scope, e.whenTrue, inner, depth + 1) ?? leakIn(scope, e.whenFalse, inner, depth + 1);
  }
  if (isObjectLiteralExpression(e)) {
    for (const p of e.properties) {
      let inner: string | undefined;
      if (isPropertyAssignment(p)) inner = leakIn(scope, p.initializer, guard, depth + 1);
      else if (isShorthandPropertyAssignment(p)) inner = leakIn(scope, p.name, guard, depth + 1);
      else if (isSpreadAssignment(p)) inner = leakIn(scope, p.expression, guard, depth + 1);
      if (inner) return inner;
    }
    return undefined;
  }
  if (isArrayLiteralExpression(e)) {
    for (const el of e.elements) {
      const inner = leakIn(scope, el, guard, depth + 1);
      if (inner) return inner;
    }
    return undefined;
  }
  return undefined;
}

function isInside(node: ts.Node, container: ts.Node): boolean {
  return node.pos >= container.pos && node.end <= container.end;
}

// ---------------------------------------------------------------------------
// Fix: the leaked value becomes a generic message

const GENERIC = 'Internal Server Error';
/** Keys that hold the client-facing message: the one kept when several leaky fields are sent. */
const MESSAGE_KEYS: ReadonlySet<string> = new Set(['message', 'error', 'msg', 'err', 'detail', 'details', 'reason', 'description']);

function sendsJson(sink: ts.Node): boolean {
  if (isBinaryExpression(sink)) return true; // ctx.body = …
  const e = isCallExpression(sink) ? sink.expression : undefined;
  return !!e && isPropertyAccessExpression(e) && (e.name.text === 'json' || e.name.text === 'jsonp');
}

/**
 * `res.json({ message: err.message, stack: err.stack })` → `res.json({ message: 'Internal Server Error' })`;
 * `res.send(err.stack)` → `res.send('Internal Server Error')`; `res.json(err)` → `res.json({ error: 'Internal Server Error' })`.
 * Leaky fields beside the kept message are removed. No fix when the detail comes
 * through a spread or a payload object built elsewhere.
 */
function genericMessageFix(sf: ts.SourceFile, leak: Leak): Fix[] {
  const q = preferredQuote(sf);
  const literal = `${q}${GENERIC}${q}`;
  const edits = genericEdits(sf, leak, leak.arg, leak.json, literal);
  if (!edits || edits.length === 0) return [];
  return [{ title: `Send a generic '${GENERIC}' message instead of the error details`, edits }];
}

function genericEdits(sf: ts.SourceFile, leak: Leak, expr: ts.Expression, json: boolean, literal: string): TextEdit[] | undefined {
  const e = skipWrappers(expr) as ts.Expression;
  const replace = (node: ts.Node, text: string): TextEdit => ({ start: node.getStart(sf), end: node.end, newText: text });
  if (isObjectLiteralExpression(e)) return objectEdits(sf, leak, e, literal);
  if (isIdentifier(e)) {
    const what = leakIn(leak.scope, e, leak.guard, 0);
    if (!what) return undefined;
    if (what === 'the whole error object') return [replace(expr, json ? `{ error: ${literal} }` : literal)];
    // A variable holding a payload object: the detail sits in its declaration.
    const b = lookup(e.text, e);
    if (b && b.path.length === 0 && b.init && isObjectLiteralExpression(skipWrappers(b.init))) return undefined;
    return [replace(expr, literal)];
  }
  return [replace(expr, literal)];
}

function objectEdits(sf: ts.SourceFile, leak: Leak, obj: ts.ObjectLiteralExpression, literal: string): TextEdit[] | undefined {
  const props = obj.properties;
  const leaky: number[] = [];
  const edits: TextEdit[] = [];
  for (let i = 0; i < props.length; i++) {
    const p = props[i];
    if (isSpreadAssignment(p)) {
      if (leakIn(leak.scope, p.expression, leak.guard, 0)) return undefined;
      continue;
    }
    const value = isPropertyAssignment(p) ? p.initializer : isShorthandPropertyAssignment(p) ? p.name : undefined;
    if (!value || !leakIn(leak.scope, value, leak.guard, 0)) continue;
    const inner = skipWrappers(value);
    if (isObjectLiteralExpression(inner)) {
      // { error: { message: err.message, code: err.code } }: fix inside.
      const nested = objectEdits(sf, leak, inner, literal);
      if (!nested) return undefined;
      edits.push(...nested);
      continue;
    }
    leaky.push(i);
  }
  if (leaky.length === 0) return edits.length > 0 ? edits : undefined;
  const keyOf = (i: number): string => propertyName(props[i].name as ts.PropertyName) ?? '';
  // `{ message: 'Invalid token', error: err.message }` already has its own message: the details just go.
  const ownMessage = props.some((p, i) => !leaky.includes(i) && !isSpreadAssignment(p) && MESSAGE_KEYS.has(keyOf(i)));
  const keep = ownMessage ? -1 : leaky.find((i) => MESSAGE_KEYS.has(keyOf(i))) ?? leaky[0];
  const kept = props[keep];
  if (kept && isPropertyAssignment(kept)) {
    edits.push({ start: kept.initializer.getStart(sf), end: kept.initializer.end, newText: literal });
  } else if (kept) {
    edits.push({ start: kept.getStart(sf), end: kept.end, newText: `${kept.name!.getText(sf)}: ${literal}` });
  }
  const removed = new Set(leaky.filter((i) => i !== keep));
  // Leading removed properties go up to the first kept one; later ones take the separator before them.
  let first = 0;
  while (removed.has(first)) first++;
  if (first > 0) edits.push({ start: props[0].getStart(sf), end: props[first].getStart(sf), newText: '' });
  for (let i = first + 1; i < props.length; i++) {
    if (removed.has(i)) edits.push({ start: props[i - 1].end, end: props[i].end, newText: '' });
  }
  return edits;
}
