import {
  forEachChild, isBinaryExpression, isCallExpression, isConditionalExpression, isIdentifier,
  isObjectLiteralExpression, isPrefixUnaryExpression, isPropertyAccessExpression,
  isPropertyAssignment, isShorthandPropertyAssignment, SyntaxKind, ts,
} from '../ts';
import { calleeName, dottedName, propertyName } from '../ast';
import { comparesAbove, constNumber, enclosingFn, exits, ifsBefore, isTestOrSampleFile, valueAt } from '../lib/hygiene';
import { skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { Fix, RuleContext, SourceRule } from '../types';

/**
 * A page size taken from the request and handed to the database without a cap:
 *
 *   const limit = parseInt(req.query.limit) || 20;
 *   const rows = await Post.find().skip(offset).limit(limit);      // ?limit=10000000
 *   await prisma.post.findMany({ take: Number(req.query.take) });
 *
 * Sinks: `.limit(n)` / `.take(n)` on a query chain (mongoose, mongodb, knex,
 * TypeORM query builders) and the `limit` / `take` option of find calls
 * (Sequelize, Prisma, TypeORM, MikroORM, mongoose-paginate). `LIMIT ${n}` in a
 * SQL string belongs to sql-injection. A `Math.min(n, MAX)` anywhere on the
 * way, a clamp helper, or an `if (n > MAX)` guard counts as a cap (and gives
 * the `pagination-bounded` evidence); a schema's parse result is not request
 * data to begin with.
 */

const MAX_SUGGESTED = 100;
/** Options-object sinks: `find*({ limit })`, `findMany({ take })`, `paginate(q, { limit })`. */
const FIND_METHODS: ReadonlySet<string> = new Set([
  'find', 'findAll', 'findMany', 'findAndCountAll', 'findAndCount', 'findBy', 'paginate', 'aggregatePaginate', 'findManyAndCount', 'scan',
]);
const OPTION_KEYS: ReadonlySet<string> = new Set(['limit', 'take']);
const CHAIN_SINKS: ReadonlySet<string> = new Set(['limit', 'take']);
/** Conversions that keep the request's number: parseInt(x), Number(x), Math.floor(x). */
const NUMERIC_WRAPPERS: ReadonlySet<string> = new Set([
  'parseInt', 'parseFloat', 'Number', 'Number.parseInt', 'Number.parseFloat', 'Math.floor', 'Math.ceil', 'Math.round', 'Math.trunc', 'Math.abs',
]);
/** A receiver named like a rate limiter (`limiter.limit(key)`) is not a query. */
const LIMITER_RECEIVER = /limit|rate|throttl|bucket|quota/i;

type Verdict = { kind: 'request'; node: ts.Node } | { kind: 'capped'; node: ts.Node };

export const rule: SourceRule = {
  id: 'pagination-unbounded',
  row: 'request-limits',
  severity: 'warning',
  description: 'Detects a page size taken from the request (limit, take, pageSize, per_page) passed to a database query without a maximum.',
  message: 'Page size from the request reaches the query uncapped: `?limit=1000000` reads the whole table; wrap it in Math.min(value, 100).',
  fixable: true,
  docs: {
    why:
      'A list endpoint that passes `req.query.limit` straight to the database lets any client ask for millions of rows in one request: ' +
      'the database scans them, the server serializes them into memory, and a few such requests exhaust memory, CPU and bandwidth. ' +
      'It also turns every list endpoint into a one-request data export for a scraper.',
    bad:
      'router.get(\'/posts\', async (req, res) => {\n' +
      '  const limit = parseInt(req.query.limit) || 20;\n' +
      '  res.json(await Post.find().sort({ createdAt: -1 }).limit(limit));\n' +
      '});',
    good:
      'const MAX_PAGE_SIZE = 100;\n\n' +
      'router.get(\'/posts\', async (req, res) => {\n' +
      '  const limit = Math.min(parseInt(req.query.limit) || 20, MAX_PAGE_SIZE);\n' +
      '  res.json(await Post.find().sort({ createdAt: -1 }).limit(limit));\n' +
      '});',
    fix:
      'Cap the page size with `Math.min(value, MAX_PAGE_SIZE)` (or `.max(100)` in the zod/joi schema that parses the query), ' +
      'keep a small default, and use cursor pagination for exports.',
    cwe: ['CWE-770', 'CWE-400'],
    owasp: ['A04:2021'],
  },
  create(ctx) {
    // Once per file: every sink is a `.limit`/`.take` call or a `limit`/`take` option key (an identifier or
    // string-literal property name, both in the identifier table).
    if (isTestOrSampleFile(ctx.file) || !ctx.mentions('limit', 'take')) return {};
    return {
      CallExpression(node: ts.CallExpression) {
        const e = node.expression;
        if (!isPropertyAccessExpression(e)) return;
        const name = e.name.text;
        if (CHAIN_SINKS.has(name)) {
          if (node.arguments.length !== 1 || !isQueryReceiver(e.expression)) return;
          judge(ctx, node.arguments[0], `.${name}()`);
          return;
        }
        if (!FIND_METHODS.has(name)) return;
        for (const arg of node.arguments) {
          const obj = skipWrappers(arg);
          if (!isObjectLiteralExpression(obj)) continue;
          for (const p of obj.properties) {
            const key = p.name ? propertyName(p.name as ts.PropertyName) : undefined;
            if (!key || !OPTION_KEYS.has(key)) continue;
            if (isPropertyAssignment(p)) judge(ctx, p.initializer, `${name}({ ${key} })`, p);
            else if (isShorthandPropertyAssignment(p)) judge(ctx, p.name, `${name}({ ${key} })`, p);
          }
        }
      },
    };
  },
};

/** `Post.find().limit(n)`, `query.limit(n)`, `db('posts').limit(n)`, `qb.take(n)`; not `limiter.limit(key)`. */
function isQueryReceiver(recv: ts.Expression): boolean {
  const r = skipWrappers(recv);
  if (isCallExpression(r)) {
    const n = calleeName(r);
    return !n || !LIMITER_RECEIVER.test(n);
  }
  const d = dottedName(r);
  return !!d && !LIMITER_RECEIVER.test(d);
}

function judge(ctx: RuleContext, value: ts.Expression, sink: string, prop?: ts.ObjectLiteralElementLike): void {
  const v = classify(ctx, value, value, 0);
  if (!v) return;
  if (v.kind === 'capped') {
    ctx.evidence('pagination-bounded', value, `page size capped before ${sink}`);
    return;
  }
  ctx.report(value, {
    message: `Page size from the request reaches ${sink} without a cap: a client can ask for every row at once; wrap it in Math.min(value, ${MAX_SUGGESTED}).`,
    fixes: capFix(ctx, value, prop),
  });
}

/** Where a page-size value comes from: the request (uncapped), a cap, or neither. */
function classify(ctx: RuleContext, expr: ts.Expression, use: ts.Node, depth: number): Verdict | undefined {
  if (depth > 8) return undefined;
  const e = skipWrappers(expr) as ts.Expression;
  if (isCallExpression(e)) {
    const d = dottedName(e.expression);
    const name = calleeName(e) ?? '';
    if (d === 'Math.min') {
      const verdicts = e.arguments.map((a) => classify(ctx, a, use, depth + 1));
      // Math.min(req.query.limit, MAX): some argument is not the request.
      return verdicts.some((v) => v?.kind !== 'request') ? { kind: 'capped', node: e } : verdicts[0];
    }
    if (/clamp|bound|cap|sanitize.*(limit|page)|(limit|page).*size/i.test(name) && !NUMERIC_WRAPPERS.has(d ?? '')) {
      return e.arguments.some((a) => ctx.flow.source(a)) ? { kind: 'capped', node: e } : undefined;
    }
    if (d === 'Math.max') return firstOf(ctx, e.arguments, use, depth);
    if (d && NUMERIC_WRAPPERS.has(d) && e.arguments[0]) return classify(ctx, e.arguments[0], use, depth + 1);
    return ctx.flow.source(e) ? { kind: 'request', node: e } : undefined;
  }
  if (isBinaryExpression(e)) {
    const k = e.operatorToken.kind;
    if (k === SyntaxKind.BarBarToken || k === SyntaxKind.QuestionQuestionToken) return firstOf(ctx, [e.left, e.right], use, depth);
    if (k === SyntaxKind.BarToken || k === SyntaxKind.AsteriskToken || k === SyntaxKind.MinusToken) return firstOf(ctx, [e.left], use, depth);
    return undefined;
  }
  if (isPrefixUnaryExpression(e) && (e.operator === SyntaxKind.PlusToken || e.operator === SyntaxKind.TildeToken)) {
    return classify(ctx, e.operand, use, depth + 1);
  }
  if (isConditionalExpression(e)) {
    // limit > 100 ? 100 : limit
    if (comparesAbove(e.condition, () => true) || comparesBelow(e.condition)) return { kind: 'capped', node: e };
    return firstOf(ctx, [e.whenTrue, e.whenFalse], use, depth);
  }
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable') return undefined;
    if (guarded(e.text, use)) return { kind: 'capped', node: e };
    if (b.path.length > 0) return ctx.flow.source(e) ? { kind: 'request', node: e } : undefined;
    const write = valueAt(b, use);
    return write ? classify(ctx, write, write, depth + 1) : undefined;
  }
  return ctx.flow.source(e) ? { kind: 'request', node: e } : undefined;
}

/** A capped branch wins over a request one only when no branch is the raw request. */
function firstOf(ctx: RuleContext, list: readonly ts.Expression[], use: ts.Node, depth: number): Verdict | undefined {
  let capped: Verdict | undefined;
  for (const x of list) {
    const v = classify(ctx, x, use, depth + 1);
    if (v?.kind === 'request') return v;
    if (v) capped = v;
  }
  return capped;
}

/** `if (limit > 100) limit = 100;` or `if (limit > MAX) return res.status(400)…` before the use. */
function guarded(name: string, use: ts.Node): boolean {
  const fn = enclosingFn(use);
  if (!fn) return false;
  const ifs = ifsBefore(fn, use, (c) => comparesAbove(c, (x) => isIdentifier(x) && x.text === name));
  return ifs.some((s) => exits(s.thenStatement) || assignsTo(s.thenStatement, name));
}

function assignsTo(st: ts.Statement, name: string): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (isBinaryExpression(n) && n.operatorToken.kind === SyntaxKind.EqualsToken && isIdentifier(n.left) && n.left.text === name) found = true;
    forEachChild(n, visit);
  };
  visit(st);
  return found;
}

/** `.limit(limit)` → `.limit(Math.min(limit, 100))`; `{ take }` → `{ take: Math.min(take, 100) }`. */
function capFix(ctx: RuleContext, value: ts.Expression, prop?: ts.ObjectLiteralElementLike): Fix[] {
  const sf = ctx.sourceFile;
  if (constNumber(value) !== undefined) return [];
  const text = value.getText(sf);
  if (prop && isShorthandPropertyAssignment(prop)) {
    return [{
      title: `Cap the page size at ${MAX_SUGGESTED}`,
      edits: [{ start: prop.getStart(sf), end: prop.end, newText: `${text}: Math.min(${text}, ${MAX_SUGGESTED})` }],
      preferred: false,
    }];
  }
  return [{
    title: `Cap the page size at ${MAX_SUGGESTED}`,
    edits: [{ start: value.getStart(sf), end: value.end, newText: `Math.min(${text}, ${MAX_SUGGESTED})` }],
    preferred: false,
  }];
}

/** `limit < 100 ? limit : 100`: a comparison with a numeric bound on the right of `<`. */
function comparesBelow(cond: ts.Node): boolean {
  const e = skipWrappers(cond);
  if (!isBinaryExpression(e)) return false;
  const k = e.operatorToken.kind;
  return (k === SyntaxKind.LessThanToken || k === SyntaxKind.LessThanEqualsToken) && constNumber(e.right) !== undefined;
}
