import {
  isIdentifier, isNoSubstitutionTemplateLiteral, isPropertyAccessExpression, isPropertyAssignment,
  isStringLiteral, SyntaxKind, ts,
} from '../ts';
import { textHas, textHasAnyCase } from '../lib/text-hints';
import { getProperty, getPropertyValue, numberValue, stringValue } from '../ast';
import { skipWrappers } from '../modules';
import type { Fix, RuleContext, SourceRule } from '../types';
import { headerWrites, objectLiteralOf } from './cors-wildcard-origin';
import { maySpellWithEscapes } from '../lib/gates';

/**
 * HSTS turned off or made short-lived: `helmet({ hsts: false })`,
 * `helmet({ strictTransportSecurity: { maxAge: 3600 } })`, `helmet.hsts({ maxAge: 86400 })`,
 * `res.setHeader('Strict-Transport-Security', 'max-age=300')`. Also the `hsts`
 * evidence for the https row when helmet's default or a long max-age is set.
 */

/** 180 days, the minimum that HSTS preload lists and scanners accept. */
const MIN_MAX_AGE = 15552000;
const HELMET_MODULES: ReadonlySet<string> = new Set(['helmet', 'koa-helmet']);
const HELMET_PLUGINS: ReadonlySet<string> = new Set(['@fastify/helmet', 'fastify-helmet']);
const HSTS_KEYS = ['hsts', 'strictTransportSecurity'];
/** What the fixes set: one year, the value preload lists ask for. */
const ONE_YEAR = 31536000;
/** `max-age=300`, `max-age="300"` in a header value; group 1 runs up to the number. */
const MAX_AGE = /(max-age\s*=\s*"?)(\d+)/i;

export const rule: SourceRule = {
  id: 'hsts-disabled',
  row: 'https',
  severity: 'warning',
  description: 'Detects HSTS switched off in helmet or sent with a max-age under 180 days.',
  message: 'HSTS is disabled or too short: keep Strict-Transport-Security on with max-age of at least 180 days (1 year recommended).',
  fixable: true,
  docs: {
    why:
      'Strict-Transport-Security tells browsers to use HTTPS only for your domain, so a network attacker cannot downgrade a visit to ' +
      'plain HTTP and steal cookies or tokens (SSL stripping). A disabled header or a max-age of minutes or days leaves that window open ' +
      'on every new visit; preload lists require at least a year.',
    bad: "app.use(helmet({ hsts: false }));\n\nres.setHeader('Strict-Transport-Security', 'max-age=3600');",
    good:
      'app.use(helmet({\n  strictTransportSecurity: { maxAge: 31536000, includeSubDomains: true, preload: true },\n}));',
    fix:
      'Remove `hsts: false` (helmet sends HSTS by default) or set `maxAge` to at least 15552000 seconds, ideally 31536000 with ' +
      '`includeSubDomains` and `preload`. If a proxy or CDN adds the header instead, suppress this finding with that reason.',
    cwe: ['CWE-319', 'CWE-523'],
    owasp: ['A02:2021', 'A05:2021'],
  },
  create(ctx) {
    const text = ctx.text;
    // helmet, koa-helmet, hsts, @fastify/helmet and fastify-helmet are spelled in their specifiers.
    const mayModule = textHas(text, 'helmet') || textHas(text, 'hsts');
    // A header name is a string's content (possibly spelled with escapes).
    const mayHeader = textHasAnyCase(text, 'strict-transport-security') || maySpellWithEscapes(text);
    if (!mayModule && !mayHeader) return {};
    return {
      CallExpression(node: ts.CallExpression) {
        const e = node.expression;
        if (isPropertyAccessExpression(e)) {
          const name = e.name.text;
          if (name === 'register') {
            if (!mayModule) return;
            const plugin = node.arguments[0];
            const o = plugin && ctx.modules.origin(plugin);
            if (o && HELMET_PLUGINS.has(o.module) && o.path.length <= 1) helmetOptions(ctx, node, node.arguments[1]);
            return;
          }
          if (name === 'hsts' || name === 'strictTransportSecurity') {
            if (mayModule) hstsMiddleware(ctx, node);
            return;
          }
          if (!mayHeader) return;
          for (const w of headerWrites(node)) {
            if (w.name === 'strict-transport-security') headerValue(ctx, w.node, w.value);
          }
          return;
        }
        if (!mayModule || !isIdentifier(e)) return;
        const o = ctx.modules.callee(node);
        if (!o) return;
        if (HELMET_MODULES.has(o.module) && o.path.length === 0) helmetOptions(ctx, node, node.arguments[0]);
        else if ((HELMET_MODULES.has(o.module) && o.path.length === 1 && HSTS_KEYS.includes(o.path[0])) || (o.module === 'hsts' && o.path.length === 0)) hstsMiddleware(ctx, node);
      },
      // next.config.js headers(): { key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains; preload' }
      PropertyAssignment(node: ts.PropertyAssignment) {
        if (!mayHeader || !isIdentifier(node.name) || node.name.text !== 'key') return;
        if (stringValue(node.initializer)?.toLowerCase() !== 'strict-transport-security') return;
        const obj = node.parent as ts.ObjectLiteralExpression;
        const value = getPropertyValue(obj, 'value');
        if (value) headerValue(ctx, obj, value);
      },
    };
  },
};

/** `helmet(options)`: hsts off, a short maxAge, or the defaults (evidence). */
function helmetOptions(ctx: RuleContext, call: ts.Node, options: ts.Expression | undefined): void {
  if (!options) {
    ctx.evidence('hsts', call, 'HSTS via helmet defaults');
    return;
  }
  const obj = objectLiteralOf(options);
  if (!obj) return;
  for (const key of HSTS_KEYS) {
    const prop = getProperty(obj, key);
    if (!prop) continue;
    const value = isPropertyAssignment(prop) ? skipWrappers(prop.initializer) : undefined;
    if (!value) return;
    if (value.kind === SyntaxKind.FalseKeyword) {
      ctx.report(prop, {
        message: `helmet's HSTS is disabled (${key}: false): browsers will accept plain-HTTP visits; keep HSTS on with a max-age of at least 1 year, unless your proxy sets it.`,
        fixes: [{
          title: 'Turn HSTS on for one year, subdomains included',
          edits: [{ start: value.getStart(ctx.sourceFile), end: value.end, newText: `{ maxAge: ${ONE_YEAR}, includeSubDomains: true }` }],
        }],
      });
      return;
    }
    if (value.kind === SyntaxKind.TrueKeyword) {
      ctx.evidence('hsts', call, 'HSTS via helmet defaults');
      return;
    }
    const hsts = objectLiteralOf(value);
    if (hsts) maxAgeOption(ctx, call, hsts, 'helmet');
    return;
  }
  ctx.evidence('hsts', call, 'HSTS via helmet defaults');
}

/** `helmet.hsts({ maxAge })`, `strictTransportSecurity({ maxAge })`, `hsts({ maxAge })`. */
function hstsMiddleware(ctx: RuleContext, call: ts.CallExpression): void {
  const o = ctx.modules.callee(call);
  if (!o) return;
  const ok = (HELMET_MODULES.has(o.module) && o.path.length === 1 && HSTS_KEYS.includes(o.path[0])) || (o.module === 'hsts' && o.path.length === 0);
  if (!ok) return;
  const opts = call.arguments[0];
  if (!opts) {
    ctx.evidence('hsts', call, `HSTS via ${o.module} defaults`);
    return;
  }
  const obj = objectLiteralOf(opts);
  if (obj) maxAgeOption(ctx, call, obj, o.module);
}

function maxAgeOption(ctx: RuleContext, call: ts.Node, obj: ts.ObjectLiteralExpression, via: string): void {
  const prop = getProperty(obj, 'maxAge');
  if (!prop) {
    ctx.evidence('hsts', call, `HSTS via ${via} (default max-age)`);
    return;
  }
  const seconds = isPropertyAssignment(prop) ? numberValue(prop.initializer) : undefined;
  if (seconds === undefined || !isPropertyAssignment(prop)) return;
  const fix: Fix = {
    title: 'Raise HSTS max-age to one year',
    edits: [{ start: prop.initializer.getStart(ctx.sourceFile), end: prop.initializer.end, newText: String(ONE_YEAR) }],
  };
  judge(ctx, prop, call, seconds, via, fix);
}

/** A manual Strict-Transport-Security value: 'max-age=31536000; includeSubDomains'. */
function headerValue(ctx: RuleContext, node: ts.Node, value: ts.Expression): void {
  const s = stringValue(value);
  if (s === undefined) return;
  const m = MAX_AGE.exec(s);
  if (!m) return;
  judge(ctx, node, node, Number(m[2]), 'Strict-Transport-Security header', headerFix(ctx, value));
}

/** `'max-age=300; includeSubDomains'` → `'max-age=31536000; includeSubDomains'`, on the literal's own text. */
function headerFix(ctx: RuleContext, value: ts.Expression): Fix | undefined {
  const lit = skipWrappers(value);
  if (!isStringLiteral(lit) && !isNoSubstitutionTemplateLiteral(lit)) return undefined;
  const raw = lit.getText(ctx.sourceFile);
  const m = MAX_AGE.exec(raw);
  if (!m) return undefined;
  const start = lit.getStart(ctx.sourceFile) + m.index + m[1].length;
  return { title: 'Raise HSTS max-age to one year', edits: [{ start, end: start + m[2].length, newText: String(ONE_YEAR) }] };
}

function judge(ctx: RuleContext, at: ts.Node, evidenceAt: ts.Node, seconds: number, via: string, fix?: Fix): void {
  if (seconds >= MIN_MAX_AGE) {
    ctx.evidence('hsts', evidenceAt, `HSTS via ${via} (max-age ${describe(seconds)})`);
    return;
  }
  ctx.report(at, {
    message: seconds === 0
      ? 'HSTS max-age is 0, which tells browsers to forget HTTPS-only: use at least 15552000 (180 days), ideally 31536000 (1 year).'
      : `HSTS max-age is ${seconds} (${describe(seconds)}), under 180 days: raise it to 31536000 (1 year) with includeSubDomains.`,
    fixes: fix ? [fix] : [],
  });
}

function describe(seconds: number): string {
  if (seconds >= 31536000 && seconds % 31536000 === 0) return seconds === 31536000 ? '1 year' : `${seconds / 31536000} years`;
  const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds >= 86400) return plural(Math.round(seconds / 86400), 'day');
  if (seconds >= 3600) return plural(Math.round(seconds / 3600), 'hour');
  if (seconds >= 60) return plural(Math.round(seconds / 60), 'minute');
  return plural(seconds, 'second');
}
