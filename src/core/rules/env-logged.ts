import { ts } from '../ts';
import { dottedName } from '../ast';
import { skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { Fix, SourceRule } from '../types';
import { isLogCall, LOG_METHODS, logCallHints } from './log-sensitive-data';

/**
 * The whole environment written to a log or a response:
 * `console.log(process.env)`, `logger.debug({ env: process.env })`,
 * `res.json(process.env)`, `res.send(JSON.stringify(process.env))`,
 * `ctx.body = { ...process.env }`. Reading one variable
 * (`process.env.PORT`) or counting keys (`Object.keys(process.env)`) is fine.
 */

const RESPONSE_METHODS: ReadonlySet<string> = new Set(['json', 'send', 'jsonp', 'end', 'write']);
const RESPONSE_OBJECTS: ReadonlySet<string> = new Set(['res', 'response', 'reply', 'resp', 'NextResponse', 'Response']);
/** Calls whose result still holds every value of their argument. */
const CARRIERS: ReadonlySet<string> = new Set(['JSON.stringify', 'Object.entries', 'Object.values', 'util.inspect', 'inspect', 'String', 'Object.assign', 'structuredClone']);

function isProcessEnv(expr: ts.Node): boolean {
  return ts.isPropertyAccessExpression(expr) && expr.name.text === 'env' && ts.isIdentifier(expr.expression) &&
    expr.expression.text === 'process' && lookup('process', expr.expression) === undefined;
}

/** The `process.env` node an expression exposes whole, if any. */
export function exposedEnv(expr: ts.Node, depth = 0): ts.Node | undefined {
  if (depth > 5) return undefined;
  expr = skipWrappers(expr);
  if (isProcessEnv(expr)) return expr;
  if (ts.isObjectLiteralExpression(expr)) {
    for (const p of expr.properties) {
      const v = ts.isPropertyAssignment(p) ? p.initializer : ts.isSpreadAssignment(p) ? p.expression : ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
      const found = v && exposedEnv(v, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (ts.isTemplateExpression(expr)) {
    for (const s of expr.templateSpans) {
      const found = exposedEnv(s.expression, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (ts.isBinaryExpression(expr) && expr.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    return exposedEnv(expr.left, depth + 1) ?? exposedEnv(expr.right, depth + 1);
  }
  if (ts.isCallExpression(expr)) {
    const d = dottedName(expr.expression);
    if (!d || !CARRIERS.has(d)) return undefined;
    for (const a of expr.arguments) {
      const found = exposedEnv(a, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (ts.isIdentifier(expr)) {
    // const env = process.env; const snapshot = { ...process.env };
    const b = lookup(expr.text, expr);
    if (!b || b.kind !== 'variable' || !b.init || b.path.length > 0) return undefined;
    return exposedEnv(b.init, depth + 1);
  }
  return undefined;
}

/** `res.json(x)`, `res.status(500).send(x)`, `reply.send(x)`, `NextResponse.json(x)`. */
function isResponseCall(call: ts.CallExpression): boolean {
  const callee = skipWrappers(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !RESPONSE_METHODS.has(callee.name.text)) return false;
  let base: ts.Node = skipWrappers(callee.expression);
  // res.status(500).set(h).json(x)
  while (ts.isCallExpression(base) && ts.isPropertyAccessExpression(base.expression)) base = skipWrappers(base.expression.expression);
  return ts.isIdentifier(base) && RESPONSE_OBJECTS.has(base.text);
}

/** Where `process.env` may become `Object.keys(process.env)` and still read well: an argument, a property value, a template, a string concatenation, a serializer's argument. */
const KEYS_OK_CALLS: ReadonlySet<string> = new Set(['JSON.stringify', 'util.inspect', 'inspect', 'String']);

/**
 * `console.log('env', process.env)` → `console.log('env', Object.keys(process.env))`:
 * the names of the variables stay in the log, their values do not. Only when
 * every exposure sits in the call itself (not in a variable declared elsewhere,
 * a spread or Object.assign).
 */
function keysOnlyFix(sf: ts.SourceFile, call: ts.CallExpression): Fix[] {
  const edits = [];
  for (const arg of call.arguments) {
    const env = exposedEnv(arg);
    if (!env) continue;
    if (env.pos < arg.pos || env.end > arg.end) return [];
    const p = env.parent;
    const ok = p === call || ts.isPropertyAssignment(p) || ts.isTemplateSpan(p) || ts.isParenthesizedExpression(p) ||
      (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.PlusToken) ||
      (ts.isCallExpression(p) && KEYS_OK_CALLS.has(dottedName(p.expression) ?? ''));
    if (!ok) return [];
    edits.push({ start: env.getStart(sf), end: env.end, newText: `Object.keys(${env.getText(sf)})` });
  }
  if (edits.length === 0) return [];
  return [{ title: 'Log only the names of the environment variables', edits }];
}

export const rule: SourceRule = {
  id: 'env-logged',
  row: 'secrets',
  severity: 'error',
  description: 'Detects the whole process.env written to a log or sent in an HTTP response.',
  message: 'The whole process.env is logged or sent: every secret in the environment leaks; output only the variables you need.',
  fixable: true,
  docs: {
    why:
      'process.env holds every secret the process has: database passwords, API keys, signing secrets. ' +
      'Logging it copies them into log storage that many people and services can read; sending it in a response hands them to any caller.',
    bad: "console.log('config', process.env);\napp.get('/debug', (req, res) => res.json(process.env));",
    good: "console.log('config', { port: process.env.PORT, nodeEnv: process.env.NODE_ENV });\napp.get('/health', (req, res) => res.json({ ok: true }));",
    fix:
      'Log or return only the named, non-secret variables you need (`process.env.PORT`, `NODE_ENV`), or the list of keys; remove debug endpoints that dump the environment.',
    cwe: ['CWE-532', 'CWE-200', 'CWE-526'],
    owasp: ['A09:2021', 'A01:2021'],
  },
  create(ctx) {
    // Once per file: no mention of process.env, nothing to find.
    if (!ctx.text.includes('process.env')) return {};
    const hints = logCallHints(ctx.text);
    return {
      [ts.SyntaxKind.CallExpression](node: ts.CallExpression) {
        if (node.arguments.length === 0) return;
        const callee = skipWrappers(node.expression);
        const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : undefined;
        if (method === undefined) return;
        const response = RESPONSE_METHODS.has(method);
        if (response) {
          if (!isResponseCall(node)) return;
          const env = node.arguments.map((a) => exposedEnv(a)).find(Boolean);
          if (env) ctx.report(node, { message: 'process.env sent in a response: every secret in the environment goes to the caller; return only the fields the client needs.' });
          return;
        }
        if (ts.isPropertyAccessExpression(callee) && !LOG_METHODS.has(method)) return;
        if (!isLogCall(ctx, node, hints)) return;
        const env = node.arguments.map((a) => exposedEnv(a)).find(Boolean);
        if (env) {
          ctx.report(node, {
            message: 'The whole process.env is logged: every secret in the environment lands in log storage; log only the variables you need.',
            fixes: keysOnlyFix(ctx.sourceFile, node),
          });
        }
      },
      [ts.SyntaxKind.BinaryExpression](node: ts.BinaryExpression) {
        // Koa: ctx.body = process.env
        if (node.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return;
        const left = node.left;
        if (!ts.isPropertyAccessExpression(left) || left.name.text !== 'body') return;
        const d = dottedName(left.expression);
        if (d !== 'ctx' && d !== 'ctx.response' && d !== 'context') return;
        if (exposedEnv(node.right)) ctx.report(node, { message: 'process.env sent in a response: every secret in the environment goes to the caller; return only the fields the client needs.' });
      },
    };
  },
};
