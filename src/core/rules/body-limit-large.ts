import { isCallExpression, isIdentifier, isPropertyAccessExpression, isPropertyAssignment, ts } from '../ts';
import { textHas } from '../lib/text-hints';
import { getProperty, numberValue, routeCall, stringValue } from '../ast';
import type { Fix, RuleContext, SourceRule } from '../types';
import { objectLiteralOf } from './cors-wildcard-origin';
import { calleeMayComeFrom } from '../modules';

/**
 * Body parsers allowed more than 1 MB: `express.json({ limit: '50mb' })`,
 * `bodyParser.urlencoded({ limit: '10MB' })`, koa-bodyparser's `jsonLimit`,
 * `fastify({ bodyLimit: 50 * 1024 * 1024 })`. Also the `body-limit` evidence
 * for parsers kept at their small defaults or an explicit small limit.
 */

const ONE_MB = 1024 * 1024;

interface Parser {
  /** How it is named in messages. */
  label: string;
  /** Option keys holding limits, with their defaults in words. */
  keys: readonly string[];
  defaultNote: string;
  /** The limit must be a number of bytes (Fastify). */
  numeric?: boolean;
}

const EXPRESS_PARSERS: ReadonlySet<string> = new Set(['json', 'urlencoded', 'raw', 'text']);
const KOA_KEYS = ['jsonLimit', 'formLimit', 'textLimit', 'xmlLimit'];
const PROPERTY_CALLEES: ReadonlySet<string> = new Set(['fastify', 'default', 'koaBody', 'bodyParser']);
/** Every module parserOf knows. */
const PARSER_MODULES: ReadonlySet<string> = new Set(['express', 'body-parser', 'koa-bodyparser', '@koa/bodyparser', 'koa-body', 'fastify']);

/** The body parser a call creates, if any. */
function parserOf(ctx: RuleContext, call: ts.CallExpression): Parser | undefined {
  const o = ctx.modules.callee(call);
  if (!o) return undefined;
  const path = o.path.join('.');
  if ((o.module === 'express' || o.module === 'body-parser') && o.path.length === 1 && EXPRESS_PARSERS.has(path)) {
    const label = `${o.module === 'express' ? 'express' : 'bodyParser'}.${path}()`;
    return { label, keys: ['limit'], defaultNote: `${label} default 100kb limit` };
  }
  if ((o.module === 'koa-bodyparser' || o.module === '@koa/bodyparser') && (path === '' || path === 'bodyParser' || path === 'default')) {
    return { label: 'koa bodyParser()', keys: KOA_KEYS, defaultNote: 'koa bodyParser() default 1mb JSON / 56kb form limits' };
  }
  if (o.module === 'koa-body' && (path === '' || path === 'koaBody' || path === 'default')) {
    return { label: 'koaBody()', keys: KOA_KEYS, defaultNote: 'koaBody() default 1mb JSON / 56kb form limits' };
  }
  if (o.module === 'fastify' && (path === '' || path === 'fastify' || path === 'default')) {
    return { label: 'fastify()', keys: ['bodyLimit'], defaultNote: 'fastify() default 1 MiB body limit', numeric: true };
  }
  return undefined;
}

/** Bytes of a limit as the `bytes` package reads it: 100kb, '1.5MB', 1048576. */
export function parseBytes(node: ts.Node): number | undefined {
  const n = numberValue(node);
  if (n !== undefined) return n;
  const s = stringValue(node);
  if (s === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|pb)?\s*$/i.exec(s);
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase();
  const power = ['b', 'kb', 'mb', 'gb', 'tb', 'pb'].indexOf(unit);
  return Math.floor(Number(m[1]) * 1024 ** power);
}

function human(bytes: number): string {
  if (bytes >= ONE_MB && bytes % ONE_MB === 0) return `${bytes / ONE_MB}mb`;
  if (bytes >= ONE_MB) return `${(bytes / ONE_MB).toFixed(1)}mb`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)}kb`;
  return `${bytes}b`;
}

export const rule: SourceRule = {
  id: 'body-limit-large',
  row: 'request-limits',
  severity: 'warning',
  description: 'Detects body parsers (express.json/urlencoded/raw/text, body-parser, koa body parsers, Fastify bodyLimit) allowed more than 1 MB per request.',
  message: 'Request body limit above 1mb: keep the global parser limit small and raise it only on the routes that need it.',
  fixable: true,
  docs: {
    why:
      'Every byte of a request body is buffered in memory and parsed before your code runs. A global limit of tens of megabytes ' +
      'lets a handful of clients exhaust memory and CPU (JSON parsing is synchronous and blocks the event loop), an easy denial of service.',
    bad: "app.use(express.json({ limit: '50mb' }));",
    good:
      "app.use(express.json({ limit: '100kb' }));\n\n// the one route that takes big payloads gets its own parser\n" +
      "app.post('/imports', express.json({ limit: '5mb' }), importHandler);",
    fix:
      "Set the global limit to 1mb or less (Express's default is 100kb). Mount a parser with a larger limit only on the specific " +
      'route that needs it, and stream file uploads (multer with limits, busboy) instead of parsing them as JSON.',
    cwe: ['CWE-400', 'CWE-770'],
    owasp: ['A05:2021'],
  },
  create(ctx) {
    // Reports and evidence need `x.useBodyParser(…)` or a callee resolved to one of the parser modules,
    // whose specifier the file must spell ('bodyparser' covers koa-bodyparser and @koa/bodyparser).
    const t = ctx.text;
    if (!ctx.mentions('useBodyParser') && !textHas(t, 'express') && !textHas(t, 'body-parser') && !textHas(t, 'bodyparser') &&
        !textHas(t, 'koa-body') && !textHas(t, 'fastify')) return {};
    // `res.json(…)` passes the name filter below: resolve only callees that can come from a parser module.
    const mayCome = calleeMayComeFrom(ctx, PARSER_MODULES);
    return {
      CallExpression(node: ts.CallExpression) {
        const e = node.expression;
        // NestJS: app.useBodyParser('json', { limit: '50mb' })
        if (isPropertyAccessExpression(e) && e.name.text === 'useBodyParser') {
          const kind = stringValue(node.arguments[0]);
          if (!kind) return;
          check(ctx, node, node.arguments[1], { label: `useBodyParser('${kind}')`, keys: ['limit'], defaultNote: `useBodyParser('${kind}') default 100kb limit` });
          return;
        }
        // Cheap filter: `express.json(…)`, `bodyParser.urlencoded(…)`, `Fastify.fastify(…)`, or a plain/required call.
        if (isPropertyAccessExpression(e)) {
          if (!EXPRESS_PARSERS.has(e.name.text) && !PROPERTY_CALLEES.has(e.name.text)) return;
        } else if (!isIdentifier(e) && !isCallExpression(e)) {
          return;
        }
        if (!mayCome(e)) return;
        const parser = parserOf(ctx, node);
        if (!parser) return;
        check(ctx, node, node.arguments[0], parser);
      },
    };
  },
};

function check(ctx: RuleContext, call: ts.CallExpression, options: ts.Expression | undefined, parser: Parser): void {
  if (!options) {
    ctx.evidence('body-limit', call, parser.defaultNote);
    return;
  }
  const obj = objectLiteralOf(options);
  if (!obj) return;
  let explicit: number | undefined;
  let any = false;
  for (const key of parser.keys) {
    const prop = getProperty(obj, key);
    if (!prop) continue;
    any = true;
    if (!isPropertyAssignment(prop)) return;
    const bytes = parseBytes(prop.initializer);
    if (bytes === undefined) return;
    if (bytes > ONE_MB) {
      // A bigger limit on the one route that needs it is the recommended pattern.
      if (routeScoped(call)) return;
      ctx.report(prop.initializer, {
        message: `${parser.label} accepts bodies up to ${human(bytes)}: keep the global limit at 1mb or less and raise it only on the routes that need it.`,
        fixes: fixFor(ctx, prop.initializer, parser),
      });
      return;
    }
    explicit = Math.max(explicit ?? 0, bytes);
  }
  if (explicit !== undefined) ctx.evidence('body-limit', call, `${parser.label} limited to ${human(explicit)}`);
  else if (!any) ctx.evidence('body-limit', call, parser.defaultNote);
}

/** `router.post('/bulk', express.json({ limit: '5mb' }), h)` or `app.use('/imports', express.json(…))`: not global. */
function routeScoped(call: ts.CallExpression): boolean {
  const parent = call.parent;
  if (!isCallExpression(parent) || !parent.arguments.includes(call)) return false;
  const route = routeCall(parent);
  if (!route || route.path === undefined) return false;
  if (route.method !== 'use') return true;
  return route.path !== '/' && route.path !== '*' && route.path !== '/*';
}

/** Replaces the limit with 1mb, in the literal's own quote style (a number for Fastify). */
function fixFor(ctx: RuleContext, value: ts.Expression, parser: Parser): Fix[] {
  const start = value.getStart(ctx.sourceFile);
  let newText: string;
  if (parser.numeric) newText = '1048576';
  else {
    const first = ctx.text[start];
    const q = first === '"' || first === '`' ? first : "'";
    newText = `${q}1mb${q}`;
  }
  return [{ title: 'Lower the body limit to 1mb', edits: [{ start, end: value.end, newText }], preferred: false }];
}
