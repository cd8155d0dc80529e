import {
  isBinaryExpression, isCallExpression, isConditionalExpression, isElementAccessExpression,
  isIdentifier, isNewExpression, isNumericLiteral, isObjectLiteralExpression,
  isPropertyAccessExpression, isPropertyAssignment, isTemplateExpression, SyntaxKind, ts,
} from '../ts';
import { textHas, textHasAnyCase } from '../lib/text-hints';
import { calleeName, calleeObject, propertyName, stringValue } from '../ast';
import { skipWrappers } from '../modules';
import { enclosingFunction, lookup } from '../scopes';
import type { Source } from '../flow';
import { resolveString } from './jwt-verify-algorithms';
import { valueAt } from './sql-injection';
import {
  appendHelperEdit, calleeOrigin, chainRoot, guardedBefore, isResponse, isTypeScriptFile, mentionsAny, namesIn, relatedSource,
  sourceText, stringParts, trace, validatingCondition, wrapEdit, type TraceOptions,
} from '../lib/injection';
import type { Fix, RuleContext, SourceRule, TextEdit } from '../types';

/**
 * Request data as the target of a redirect:
 *
 *   res.redirect(req.query.next)                 res.redirect(302, returnTo)
 *   res.location(req.body.url)                   res.setHeader('Location', target)
 *   ctx.redirect(ctx.query.back)                 reply.redirect(req.query.to)
 *   NextResponse.redirect(new URL(next))         Response.redirect(url)
 *
 * Not reported: a constant origin or path before the request data
 * (`/login?next=${encodeURIComponent(x)}`, `/users/${id}`), a value checked
 * (`x.startsWith('/') && !x.startsWith('//')`, an allowlist, an origin
 * comparison) before the redirect or in a `?:` around it, allowlist lookups,
 * and the request's own URL, host or Referer (redirect-back, HTTPS upgrades).
 */

const HELPER = 'safeRedirectTarget';
const HEADER_SINKS: readonly string[] = ['location', 'setHeader', 'set', 'header', 'append', 'writeHead', 'writeHeader'];
const SINK_NAMES: ReadonlySet<string> = new Set(['redirect', ...HEADER_SINKS]);
const LOCATION_TEXT = /location|\\/i;
/** Request parts that hold the server's own URL: redirecting to them keeps the user on this site. */
const SELF_PARTS: ReadonlySet<string> = new Set(['url', 'originalUrl', 'path', 'hostname', 'href']);
const SELF_HEADERS: ReadonlySet<string> = new Set(['referer', 'referrer', 'host', 'x-forwarded-host', 'x-forwarded-proto', 'origin']);
const KOA_NAME = /^(ctx|context)$/;
const SANITIZER_NAME = /safe|sanitiz|valid|allow|whitelist|relative|local|trusted/i;

interface Target {
  value: ts.Expression;
  /** The fix may wrap the value (an Express/Koa/Fastify redirect or Location header). */
  wrappable: boolean;
}

export const rule: SourceRule = {
  id: 'open-redirect',
  row: 'injection-other',
  severity: 'warning',
  description: 'Detects request data used as a redirect target (res.redirect, res.location, a Location header, Koa ctx.redirect, Fastify reply.redirect, NextResponse.redirect) without a same-site check.',
  message: 'Redirect to a URL taken from the request: attackers send users to a phishing site from your domain; allow only relative paths or known hosts.',
  fixable: true,
  docs: {
    why:
      'A link like `https://your.app/login?next=https://evil.example` looks trustworthy, and after login your own server sends the user ' +
      'to the attacker, who shows a fake "session expired" page and collects the password, or receives OAuth codes and tokens. ' +
      '`//evil.example` and `/\\evil.example` are absolute URLs to browsers too.',
    bad: "app.post('/login', async (req, res) => {\n  // …authenticate…\n  res.redirect(req.query.next);\n});",
    good:
      "app.post('/login', async (req, res) => {\n  const next = String(req.query.next ?? '/');\n" +
      "  // a path on this site only: not //host, not /\\host\n" +
      "  res.redirect(next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\\\') ? next : '/');\n});",
    fix:
      'Accept only relative paths (`startsWith(\'/\')` and not `//` or `/\\`), or parse with `new URL(target, base)` and compare its ' +
      '`origin` with an allowlist; better, redirect to a key looked up in a table of known destinations.',
    cwe: ['CWE-601'],
    owasp: ['A01:2021'],
  },
  create(ctx) {
    // Every sink but `redirect` writes a Location header: the name `location` (any case) spelled in
    // the file, or escapes (`\u…`, `\x…`, identity escapes) that can spell it otherwise.
    let location: boolean | undefined;
    const hasLocation = (): boolean => (location ??= textHasAnyCase(ctx.text, 'location') || textHas(ctx.text, '\\'));
    if (!ctx.mentions('redirect') && !(ctx.mentions(...HEADER_SINKS) && hasLocation())) return {};
    return {
      CallExpression(node: ts.CallExpression) {
        if (node.arguments.length === 0) return;
        const name = calleeName(node);
        if (!name || !SINK_NAMES.has(name)) return;
        if (name !== 'redirect' && !hasLocation()) return;
        const target = targetOf(ctx, node, name);
        if (!target) return;
        const source = redirectSource(ctx, target.value, 0);
        if (!source || SELF_PARTS.has(source.part) || guardedBefore(node, target.value)) return;
        // Through a helper (`res.redirect(onDoneRedirect(req))`): a guard in the helper that gates the returned value counts too.
        if (enclosingFunction(source.node) !== enclosingFunction(node) && guardedBefore(source.node, source.node)) return;
        ctx.report(node, {
          message: `Redirect target comes from the request (${sourceText(source)}): users can be sent to any site; allow only relative paths or known hosts.`,
          related: relatedSource(source),
          fixes: target.wrappable ? redirectFix(ctx, target.value) : [],
        });
      },
    };
  },
};

function targetOf(ctx: RuleContext, call: ts.CallExpression, name: string): Target | undefined {
  const args = call.arguments;
  const recv = calleeObject(call);
  if (name === 'redirect') {
    if (recv && (isResponse(recv) || isKoaContext(recv))) {
      // res.redirect(301, url) (Express, Fastify 4); reply.redirect(url, 301) (Fastify 5)
      const value = args.length >= 2 && isStatus(args[0]) ? args[1] : args[0];
      return value ? { value, wrappable: true } : undefined;
    }
    // NextResponse.redirect(url), Response.redirect(url), redirect(url) from next/navigation
    const o = calleeOrigin(ctx, call);
    if (o && o.module === 'next/server' && o.path.join('.') === 'NextResponse.redirect') return { value: args[0], wrappable: false };
    if (o && o.module === 'next/navigation' && o.path.join('.') === 'redirect') return { value: args[0], wrappable: false };
    const callee = skipWrappers(call.expression);
    if (isPropertyAccessExpression(callee) && isIdentifier(callee.expression) && callee.expression.text === 'Response' && !lookup('Response', callee)) {
      return { value: args[0], wrappable: false };
    }
    return undefined;
  }
  if (!recv || !isResponse(recv)) return undefined;
  if (name === 'location') return { value: args[0], wrappable: true };
  // res.setHeader('Location', url), res.set('Location', url), reply.header('location', url)
  const header = resolveString(args[0]);
  if (header !== undefined) {
    return header.toLowerCase() === 'location' && args[1] ? { value: args[1], wrappable: true } : undefined;
  }
  // res.writeHead(302, { Location: url }), res.set({ Location: url })
  for (const a of args) {
    const obj = skipWrappers(a);
    if (!isObjectLiteralExpression(obj)) continue;
    for (const p of obj.properties) {
      if (isPropertyAssignment(p) && propertyName(p.name)?.toLowerCase() === 'location') return { value: p.initializer, wrappable: true };
    }
  }
  return undefined;
}

function isKoaContext(recv: ts.Expression): boolean {
  const root = chainRoot(recv);
  return isIdentifier(root) && KOA_NAME.test(root.text);
}

/** A status code: a number, or a name that says so. */
function isStatus(e: ts.Expression): boolean {
  const x = skipWrappers(e);
  if (isNumericLiteral(x)) return true;
  if (isPropertyAccessExpression(x) || isIdentifier(x)) return /status|code|found|moved|redirect|permanent/i.test(x.getText());
  return false;
}

const REDIRECT_TRACE: TraceOptions = {
  sanitizes(ctx, e) {
    // req.headers.referer, req.get('Referer'): going back where the user came from.
    if (isPropertyAccessExpression(e) || isElementAccessExpression(e)) {
      const key = isPropertyAccessExpression(e) ? e.name.text : stringValue(e.argumentExpression);
      if (key && SELF_HEADERS.has(key.toLowerCase()) && ctx.flow.source(e.expression)?.part === 'headers') return true;
      return false;
    }
    if (isCallExpression(e)) {
      const n = calleeName(e) ?? '';
      if (SANITIZER_NAME.test(n)) return true;
      if ((n === 'get' || n === 'header') && ctx.flow.source(e)?.part === 'headers') {
        const key = stringValue(e.arguments[0]);
        return !!key && SELF_HEADERS.has(key.toLowerCase());
      }
    }
    return false;
  },
};

/**
 * The request data that decides where a redirect goes: built strings count
 * only while no constant has fixed the origin yet; `new URL(a, base)` is
 * decided by `a`; a validating `?:` makes it safe.
 */
function redirectSource(ctx: RuleContext, expr: ts.Expression, depth: number): Source | undefined {
  if (depth > 8) return undefined;
  const e = skipWrappers(expr) as ts.Expression;
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (b && b.kind === 'variable' && b.path.length === 0 && b.init) {
      const w = valueAt(b, e);
      return w ? redirectSource(ctx, w, depth + 1) : undefined;
    }
    return trace(ctx, e, REDIRECT_TRACE);
  }
  if (isTemplateExpression(e) || (isBinaryExpression(e) && e.operatorToken.kind === SyntaxKind.PlusToken)) {
    let acc = '';
    for (const part of stringParts(e)) {
      if ('text' in part) {
        acc += part.text;
        if (originFixed(acc)) return undefined;
        continue;
      }
      const constant = resolveString(part.expr);
      if (constant !== undefined) {
        acc += constant;
        if (originFixed(acc)) return undefined;
        continue;
      }
      // A trusted value (config, env, a base URL) in front: assume it fixes the origin.
      return redirectSource(ctx, part.expr, depth + 1);
    }
    return undefined;
  }
  if (isNewExpression(e) && isIdentifier(e.expression) && e.expression.text === 'URL' && e.arguments?.[0]) {
    // An absolute first argument overrides any base.
    return redirectSource(ctx, e.arguments[0], depth + 1);
  }
  if (isConditionalExpression(e)) {
    if (validatingCondition(e.condition) && mentionsAny(e.condition, namesIn(e.whenTrue, e.whenFalse))) return undefined;
    return redirectSource(ctx, e.whenTrue, depth + 1) ?? redirectSource(ctx, e.whenFalse, depth + 1);
  }
  if (isBinaryExpression(e) && (e.operatorToken.kind === SyntaxKind.BarBarToken || e.operatorToken.kind === SyntaxKind.QuestionQuestionToken)) {
    return redirectSource(ctx, e.left, depth + 1) ?? redirectSource(ctx, e.right, depth + 1);
  }
  // url.href, url.toString()
  if (isPropertyAccessExpression(e) && e.name.text === 'href') return redirectSource(ctx, e.expression, depth + 1);
  if (isCallExpression(e) && calleeName(e) === 'toString' && calleeObject(e)) return redirectSource(ctx, calleeObject(e)!, depth + 1);
  return trace(ctx, e, REDIRECT_TRACE);
}

/** The constant text so far fixes the destination: a path on this site, or `scheme://host/`. */
function originFixed(acc: string): boolean {
  if (/^\/[^/\\]/.test(acc)) return true;
  // `./callback?…`, `../login`: relative to the current path, on this site.
  if (/^\.\.?\/[^/\\]/.test(acc)) return true;
  if (acc.startsWith('?') || acc.startsWith('#')) return true;
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#@\\]+[/?#]/i.test(acc);
}

// ---------------------------------------------------------------------------
// Fix: res.redirect(next) → res.redirect(safeRedirectTarget(next)) + the helper

function redirectFix(ctx: RuleContext, value: ts.Expression): Fix[] {
  const sf = ctx.sourceFile;
  const x = skipWrappers(value);
  if (isNewExpression(x) || isObjectLiteralExpression(x)) return [];
  const ts_ = isTypeScriptFile(ctx.file);
  const signature = ts_ ? `function ${HELPER}(target: unknown): string {` : `function ${HELPER}(target) {`;
  const helper = appendHelperEdit(
    sf,
    HELPER,
    '/** Only paths on this site: not //host or /\\host, which browsers treat as other origins. */\n' +
      `${signature}\n` +
      "  return typeof target === 'string' && target.startsWith('/') && !target.startsWith('//') && !target.startsWith('/\\\\') ? target : '/';\n" +
      '}',
  );
  const edits: TextEdit[] = [wrapEdit(sf, value, HELPER)];
  if (helper) edits.push(helper);
  return [{ title: 'Redirect only to paths on this site', edits, preferred: false }];
}
