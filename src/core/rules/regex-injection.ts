import {
  isArrayLiteralExpression, isCallExpression, isExpressionStatement, isIdentifier, isNewExpression,
  isObjectLiteralExpression, isParenthesizedExpression, isPropertyAssignment, ts,
} from '../ts';
import { calleeName, calleeObject, propertyName, stringValue } from '../ast';
import { skipWrappers } from '../modules';
import { lookup } from '../scopes';
import { builtString } from './sql-injection';
import { appendHelperEdit, isTypeScriptFile, relatedSource, sourceText, trace, wrapEdit, type TraceOptions } from '../lib/injection';
import type { Fix, RuleContext, SourceRule, TextEdit } from '../types';

/**
 * Request data compiled as a regular expression:
 *
 *   new RegExp(req.query.q, 'i')          // (a+)+$ hangs the event loop (ReDoS)
 *   RegExp(`^${prefix}`)                  // `.*` matches everything: filters bypassed
 *   title.match(req.query.pattern)        // strings passed to match/search become regexes
 *
 * Escaped input is fine: escapeRegExp/escape-string-regexp/lodash
 * escapeRegExp, or `.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')`. A RegExp that is
 * a MongoDB filter value or `$regex` is left to nosql-injection.
 */

const HELPER = 'escapeRegExp';
/** String methods that turn a string argument into a RegExp. */
const IMPLICIT_REGEX: ReadonlySet<string> = new Set(['match', 'matchAll', 'search']);
const ESCAPE_NAME = /escape|quote/i;
/** MongoDB filter methods: nosql-injection reports regexes used there. */
const FILTER_METHODS: ReadonlySet<string> = new Set([
  'find', 'findOne', 'findOneAndUpdate', 'findOneAndDelete', 'findOneAndRemove', 'findOneAndReplace', 'updateOne', 'updateMany',
  'deleteOne', 'deleteMany', 'countDocuments', 'count', 'exists', 'where', 'aggregate', 'replaceOne', 'distinct',
]);

export const rule: SourceRule = {
  id: 'regex-injection',
  row: 'injection-other',
  severity: 'warning',
  description: 'Detects request data compiled into a regular expression (new RegExp, RegExp(), String#match/search) without escaping, which allows ReDoS and pattern bypasses.',
  message: 'Regular expression built from request data without escaping: a crafted pattern can hang the server (ReDoS) or match everything; escape it first.',
  fixable: true,
  docs: {
    why:
      'A pattern like `(a+)+$` takes exponential time on a short input and blocks the single Node.js event loop, taking the whole server ' +
      'down with one request. Even harmless-looking input changes meaning: `.*` matches every record a search or an access check was meant to filter.',
    bad: "app.get('/search', (req, res) => {\n  const re = new RegExp(req.query.q, 'i');\n  res.json(products.filter((p) => re.test(p.name)));\n});",
    good:
      "const escapeRegExp = (s) => String(s).replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&');\n\n" +
      "app.get('/search', (req, res) => {\n  const re = new RegExp(escapeRegExp(req.query.q), 'i');\n  res.json(products.filter((p) => re.test(p.name)));\n});",
    fix:
      'Escape request text before it becomes part of a pattern (lodash `escapeRegExp`, `escape-string-regexp`, or a one-line helper), ' +
      'or use `includes()`/`startsWith()` when you only need a substring match; cap the input length.',
    cwe: ['CWE-1333', 'CWE-625'],
    owasp: ['A03:2021'],
  },
  create(ctx) {
    const check = (node: ts.CallExpression | ts.NewExpression, arg: ts.Expression): void => {
      const source = trace(ctx, arg, REGEX_TRACE);
      if (!source) return;
      ctx.report(node, {
        message: `Regular expression built from request data (${sourceText(source)}) without escaping: a crafted pattern can hang the server (ReDoS) or match everything; escape it first.`,
        related: relatedSource(source),
        fixes: escapeFix(ctx, node, arg),
      });
    };
    // Sinks: the global `RegExp` (called or constructed), or a `.match/.matchAll/.search` call.
    const regExp = ctx.mentions('RegExp');
    const implicit = ctx.mentions(...IMPLICIT_REGEX);
    if (!regExp && !implicit) return {};
    return {
      NewExpression(node: ts.NewExpression) {
        if (!regExp) return;
        const arg = node.arguments?.[0];
        if (!arg || !isGlobalRegExp(node.expression) || leftToNosql(node) || discarded(node)) return;
        check(node, arg);
      },
      CallExpression(node: ts.CallExpression) {
        const arg = node.arguments[0];
        if (!arg) return;
        if (regExp && isGlobalRegExp(node.expression)) {
          if (!leftToNosql(node) && !discarded(node)) check(node, arg);
          return;
        }
        if (!implicit) return;
        const name = calleeName(node);
        if (!name || !IMPLICIT_REGEX.has(name) || node.arguments.length !== 1) return;
        const recv = calleeObject(node);
        // path-to-regexp's match(), router.match(): libraries, not String#match.
        if (!recv || ctx.modules.origin(recv) || ts.isRegularExpressionLiteral(skipWrappers(arg))) return;
        check(node, arg);
      },
    };
  },
};

/**
 * `try { new RegExp(pattern); } catch { throw invalid(); }`: a regular
 * expression built only to see whether the pattern compiles, never matched
 * against anything. Compiling does not backtrack; only matching can hang.
 */
function discarded(node: ts.Node): boolean {
  let n = node;
  while (isParenthesizedExpression(n.parent) || ts.isVoidExpression(n.parent)) n = n.parent;
  return isExpressionStatement(n.parent);
}

function isGlobalRegExp(callee: ts.Expression): boolean {
  const e = skipWrappers(callee);
  return isIdentifier(e) && e.text === 'RegExp' && !lookup('RegExp', e);
}

/** `{ name: new RegExp(q) }` or `{ $regex: … }` inside a MongoDB filter: nosql-injection's finding. */
function leftToNosql(node: ts.Node): boolean {
  let n: ts.Node = node;
  for (let i = 0; i < 8; i++) {
    const p = n.parent;
    if (!p) return false;
    if (isPropertyAssignment(p)) {
      if (propertyName(p.name) === '$regex') return true;
    } else if (isCallExpression(p)) {
      return p.arguments.includes(n as ts.Expression) && FILTER_METHODS.has(calleeName(p) ?? '');
    } else if (!isObjectLiteralExpression(p) && !isArrayLiteralExpression(p)) {
      return false;
    }
    n = p;
  }
  return false;
}

/** `x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')`: the replacement puts a backslash before each match. */
function isEscapingReplace(call: ts.CallExpression | ts.NewExpression): boolean {
  const n = calleeName(call);
  if (n !== 'replace' && n !== 'replaceAll') return false;
  const r = stringValue(call.arguments?.[1]);
  return r !== undefined && /^\\\$(&|1)$/.test(r);
}

/** Stable for flow's per-sanitizer cache. */
function regexSanitizer(call: ts.CallExpression | ts.NewExpression): boolean {
  return ESCAPE_NAME.test(calleeName(call) ?? '') || isEscapingReplace(call);
}

const REGEX_TRACE: TraceOptions = {
  sanitizes(_ctx, e) {
    return (isCallExpression(e) || isNewExpression(e)) && regexSanitizer(e);
  },
  flowSanitizers: regexSanitizer,
};

// ---------------------------------------------------------------------------
// Fix: escape each request-derived piece of the pattern

function escapeFix(ctx: RuleContext, sink: ts.Node, arg: ts.Expression): Fix[] {
  const sf = ctx.sourceFile;
  const built = builtString(arg);
  const targets = built ? built.exprs.filter((e) => trace(ctx, e, REGEX_TRACE)) : [arg];
  if (targets.length === 0) return [];
  const edits: TextEdit[] = targets.map((t) => wrapEdit(sf, t, HELPER));
  // A local or imported escapeRegExp (lodash's named export) is reused.
  if (!lookup(HELPER, sink)) {
    const typed = isTypeScriptFile(ctx.file);
    const helper = appendHelperEdit(
      sf,
      HELPER,
      '/** Escapes regular-expression syntax so that the text matches literally. */\n' +
        `function ${HELPER}(value${typed ? ': unknown): string' : ')'} {\n` +
        "  return String(value).replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&');\n" +
        '}',
    );
    if (helper) edits.push(helper);
  }
  return [{ title: 'Escape request data before building the regular expression', edits, preferred: false }];
}
