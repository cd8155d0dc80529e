import {
  isBinaryExpression, isCallExpression, isIdentifier, isObjectLiteralExpression,
  isParenthesizedExpression, isPropertyAccessExpression, isPropertyAssignment,
  isShorthandPropertyAssignment, isSpreadAssignment, isTemplateExpression, SyntaxKind, ts,
} from '../ts';
import { textHas } from '../lib/text-hints';
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
  return isPropertyAccessExpression(expr) && expr.name.text === 'env' && isIdentifier(expr.expression) &&
    expr.expression.text === 'process' && lookup('process', expr.expression) === undefined;
}

/** Last names of the dotted CARRIERS: a call whose callee ends otherwise is no carrier (checked before building the dotted name). */
const CARRIER_LAST: ReadonlySet<string> = new Set([...CARRIERS].map((c) => c.slice(c.lastIndexOf('.') + 1)));

/** The `process.env` node an expression exposes whole, if any. */
export function exposedEnv(expr: ts.Node, depth = 0): ts.Node | undefined {
  return exposedEnvIn(expr, depth, undefined);
}

/**
 * exposedEnv, where `may` (when given) is false for variable names whose declarations cannot lead to
 * process.env (see envHolders): an identifier so named exposes nothing, so it is not looked up.
 */
function exposedEnvIn(expr: ts.Node, depth: number, may: ((name: string) => boolean) | undefined): ts.Node | undefined {
  if (depth > 5) return undefined;
  expr = skipWrappers(expr);
  if (isProcessEnv(expr)) return expr;
  if (isObjectLiteralExpression(expr)) {
    for (const p of expr.properties) {
      const v = isPropertyAssignment(p) ? p.initializer : isSpreadAssignment(p) ? p.expression : isShorthandPropertyAssignment(p) ? p.name : undefined;
      const found = v && exposedEnvIn(v, depth + 1, may);
      if (found) return found;
    }
    return undefined;
  }
  if (isTemplateExpression(expr)) {
    for (const s of expr.templateSpans) {
      const found = exposedEnvIn(s.expression, depth + 1, may);
      if (found) return found;
    }
    return undefined;
  }
  if (isBinaryExpression(expr) && expr.operatorToken.kind === SyntaxKind.PlusToken) {
    return exposedEnvIn(expr.left, depth + 1, may) ?? exposedEnvIn(expr.right, depth + 1, may);
  }
  if (isCallExpression(expr)) {
    const callee = skipWrappers(expr.expression);
    if (isPropertyAccessExpression(callee) ? !CARRIER_LAST.has(callee.name.text) : isIdentifier(callee) && !CARRIERS.has(callee.text)) return undefined;
    const d = dottedName(expr.expression);
    if (!d || !CARRIERS.has(d)) return undefined;
    for (const a of expr.arguments) {
      const found = exposedEnvIn(a, depth + 1, may);
      if (found) return found;
    }
    return undefined;
  }
  if (isIdentifier(expr)) {
    // const env = process.env; const snapshot = { ...process.env };
    if (may && !may(expr.text)) return undefined;
    const b = lookup(expr.text, expr);
    if (!b || b.kind !== 'variable' || !b.init || b.path.length > 0) return undefined;
    return exposedEnvIn(b.init, depth + 1, may);
  }
  return undefined;
}

/** More names than this and envHolders gives up (no filter): each name costs a scan of the text. */
const MAX_HOLDERS = 16;

/**
 * A superset of the variable names that can hold process.env (in part), from the declarations
 * `name = init` of the file: those whose initializer spells `process`, then, to a fixpoint, those
 * whose initializer spells a name already in the set. Spelled means occurring in the initializer's
 * text as the end of a word (see wordsAt), which holds every identifier as written unless the file has a `\u` escape:
 * undefined then (no filter), as when the set grows past MAX_HOLDERS.
 * exposedEnv follows an identifier only into such an initializer, so any other name exposes nothing.
 */
function envHolders(text: string, decls: readonly { name: string; init: ts.Expression }[]): ReadonlySet<string> | undefined {
  if (text.includes('\\u')) return undefined;
  const holders = new Set<string>();
  const pending = ['process'];
  const open = decls.slice();
  for (let word = pending.pop(); word !== undefined && open.length > 0; word = pending.pop()) {
    const at = wordsAt(text, word);
    if (at.length === 0) continue;
    let kept = 0;
    for (const d of open) {
      if (!spansOccurrence(at, d.init.pos, d.init.end - word.length)) {
        open[kept++] = d;
      } else if (!holders.has(d.name)) {
        if (holders.size === MAX_HOLDERS) return undefined;
        holders.add(d.name);
        pending.push(d.name);
      }
    }
    open.length = kept;
  }
  return holders;
}

/**
 * Where `word` occurs in the text with no ASCII identifier character right after it: the scanner ends an
 * identifier only there. (Not checked before it: a recovered `0xAprocess` puts an identifier right after a literal.)
 */
function wordsAt(text: string, word: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
    if (!asciiIdentifierChar(text.charCodeAt(i + word.length))) at.push(i);
  }
  return at;
}

function asciiIdentifierChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 36 || c === 95;
}

/** Some position in the sorted list lies in [from, to]. */
function spansOccurrence(sorted: readonly number[], from: number, to: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo] <= to;
}

/** `res.json(x)`, `res.status(500).send(x)`, `reply.send(x)`, `NextResponse.json(x)`. */
function isResponseCall(call: ts.CallExpression): boolean {
  const callee = skipWrappers(call.expression);
  if (!isPropertyAccessExpression(callee) || !RESPONSE_METHODS.has(callee.name.text)) return false;
  let base: ts.Node = skipWrappers(callee.expression);
  // res.status(500).set(h).json(x)
  while (isCallExpression(base) && isPropertyAccessExpression(base.expression)) base = skipWrappers(base.expression.expression);
  return isIdentifier(base) && RESPONSE_OBJECTS.has(base.text);
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
    const ok = p === call || isPropertyAssignment(p) || ts.isTemplateSpan(p) || isParenthesizedExpression(p) ||
      (isBinaryExpression(p) && p.operatorToken.kind === SyntaxKind.PlusToken) ||
      (isCallExpression(p) && KEYS_OK_CALLS.has(dottedName(p.expression) ?? ''));
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
    if (!textHas(ctx.text, 'process.env')) return {};
    const hints = logCallHints(ctx.text);
    // Sinks are collected in walk order and judged in onEnd, once every declaration is known:
    // envHolders then spares the scope lookup of most identifiers in their arguments.
    const sinks: { node: ts.CallExpression | ts.BinaryExpression; kind: 'response' | 'log' }[] = [];
    const decls: { name: string; init: ts.Expression }[] = [];
    return {
      CallExpression(node: ts.CallExpression) {
        if (node.arguments.length === 0) return;
        const callee = skipWrappers(node.expression);
        const method = isPropertyAccessExpression(callee) ? callee.name.text : isIdentifier(callee) ? callee.text : undefined;
        if (method === undefined) return;
        const response = RESPONSE_METHODS.has(method);
        if (response) {
          if (isResponseCall(node)) sinks.push({ node, kind: 'response' });
          return;
        }
        if (isPropertyAccessExpression(callee) && !LOG_METHODS.has(method)) return;
        if (isLogCall(ctx, node, hints)) sinks.push({ node, kind: 'log' });
      },
      BinaryExpression(node: ts.BinaryExpression) {
        // Koa: ctx.body = process.env
        if (node.operatorToken.kind !== SyntaxKind.EqualsToken) return;
        const left = node.left;
        if (!isPropertyAccessExpression(left) || left.name.text !== 'body') return;
        const d = dottedName(left.expression);
        if (d !== 'ctx' && d !== 'ctx.response' && d !== 'context') return;
        sinks.push({ node, kind: 'response' });
      },
      VariableDeclaration(node: ts.VariableDeclaration) {
        if (node.initializer && isIdentifier(node.name)) decls.push({ name: node.name.text, init: node.initializer });
      },
      onEnd() {
        if (sinks.length === 0) return;
        // Made on first use: most sinks hand over literals, calls and plain reads that need no lookup.
        let holders: ReadonlySet<string> | undefined | null = null;
        const may = (name: string): boolean => {
          if (holders === null) holders = envHolders(ctx.text, decls);
          return !holders || holders.has(name);
        };
        const exposes = (node: ts.CallExpression | ts.BinaryExpression): boolean => {
          if (isBinaryExpression(node)) return !!exposedEnvIn(node.right, 0, may);
          for (const a of node.arguments) if (exposedEnvIn(a, 0, may)) return true;
          return false;
        };
        for (const { node, kind } of sinks) {
          if (!exposes(node)) continue;
          if (kind === 'response') {
            ctx.report(node, { message: 'process.env sent in a response: every secret in the environment goes to the caller; return only the fields the client needs.' });
          } else {
            ctx.report(node, {
              message: 'The whole process.env is logged: every secret in the environment lands in log storage; log only the variables you need.',
              fixes: keysOnlyFix(ctx.sourceFile, node as ts.CallExpression),
            });
          }
        }
      },
    };
  },
};
