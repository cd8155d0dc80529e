import {
  forEachChild, isBinaryExpression, isBlock, isCallExpression, isElementAccessExpression,
  isExpressionStatement, isIdentifier, isIfStatement, isImportDeclaration, isNewExpression,
  isObjectLiteralExpression, isPrefixUnaryExpression, isPropertyAccessExpression, isReturnStatement,
  isStringLiteral, isTemplateExpression, SyntaxKind, ts,
} from '../ts';
import { calleeName, calleeObject, eol, getPropertyValue, stringValue } from '../ast';
import { ensureImport } from '../fix';
import { SAFE_FETCH_PARTS } from '../lib/safe-fetch-source';
import { stringParts, type Part } from '../lib/injection';
import { normalizeModule, requiredModule, skipWrappers, type Origin } from '../modules';
import { enclosingFunction, lookup } from '../scopes';
import type { Source } from '../flow';
import { specifierTest } from '../lib/gates';
import type { Fix, RuleContext, SourceRule, TextEdit } from '../types';
import { sourceLabel, valueAt } from './sql-injection';

/**
 * A user-controlled URL handed to an outbound HTTP client:
 *
 *   fetch(req.query.url)
 *   axios.get(`https://${req.body.host}/status`)
 *   http.get({ hostname: req.query.host, path: '/' })
 *
 * Only the origin matters: `https://api.example.com/users/${id}` or
 * `${API_BASE}/users/${id}` keep the host fixed, so a tainted path or query is
 * not reported. A URL returned by a validating helper, or checked by an
 * allowlist `if (…) return/throw` earlier in the function, is not reported.
 */

const CLIENT_MODULES: ReadonlySet<string> = new Set([
  'axios', 'got', 'node-fetch', 'cross-fetch', 'isomorphic-fetch', 'make-fetch-happen', 'undici', 'superagent', 'needle',
  'request', 'request-promise', 'request-promise-native', 'postman-request', 'ky', 'phin', 'ofetch',
]);
const NODE_HTTP: ReadonlySet<string> = new Set(['http', 'https', 'http2']);
const VERBS: ReadonlySet<string> = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'head', 'options', 'request', 'stream', 'fetch']);
const GUARD_MODULES: ReadonlySet<string> = new Set(['ssrf-req-filter', 'request-filtering-agent', 'ssrf-agent', 'ssrfcheck', 'ssrf-protect', 'nossrf']);
const GUARD_NAME = /safe|validat|allowlist|allowed|whitelist|isAllowed|assertPublic|isPublic|isPrivate|ssrf|checkUrl|verifyUrl/i;
const SAFE_FETCH_NAME = /^(safe|ssrfSafe|guarded)(Fetch|Request|Get|Http)$/i;
const SELF_URL_PARTS: ReadonlySet<string> = new Set(['url', 'originalUrl', 'path', 'href']);
/**
 * A module origin comes from an import declaration or `require` whose specifier
 * is a string literal spelling the module: `'axios'`, `"node:http"`. When none
 * of the modules this rule cares about is spelled so, every callee's origin is
 * either absent or irrelevant, and resolution can be skipped.
 */
const relevantSpecifier = specifierTest([...CLIENT_MODULES, ...NODE_HTTP, ...GUARD_MODULES, 'dns', 'dns/promises'], 'quote');
const guardSpecifier = specifierTest(GUARD_MODULES, 'quote');
/** A SAFE_FETCH_NAME identifier spelled somewhere (`ssrfSafeFetch` contains `SafeFetch`); `\u` escapes can spell it otherwise. */
const SAFE_FETCH_TEXT = /(?:safe|guarded)(?:fetch|request|get|http)|\\u/i;
const PRIVATE_RANGE_HINT = /ipaddr|isPrivate|BlockList|isIP|\brange\(|169\.254|127\.0\.0|192\.168|\b10\.0\.0|loopback|private/;

interface UrlArg {
  /** The URL (string, URL object or config object). */
  url: ts.Expression;
  /** An options object that may carry `host`/`hostname` (node http). */
  hostOptions?: boolean;
}

export const rule: SourceRule = {
  id: 'ssrf-request-url',
  row: 'ssrf',
  severity: 'error',
  description: 'Detects request data used as the URL or host of an outbound HTTP request (fetch, axios, got, undici, http.request …).',
  message: 'Outbound request to a user-supplied URL (SSRF): validate the host against an allowlist or a DNS-resolved private-range check first.',
  fixable: true,
  docs: {
    why:
      'When the server fetches a URL the client chose, the client can make it reach what only the server can: cloud metadata ' +
      '(169.254.169.254 hands out credentials), internal admin panels, databases on localhost. Checking the string is not enough: ' +
      'DNS names can resolve to private addresses and redirects can bounce to them.',
    bad: "app.get('/preview', async (req, res) => {\n  const page = await fetch(req.query.url);\n  res.send(await page.text());\n});",
    good:
      "app.get('/preview', async (req, res) => {\n  const { url } = Preview.parse(req.query);\n" +
      "  // resolves the host, refuses private/link-local ranges, re-checks every redirect\n  const page = await safeFetch(url);\n  res.send(await page.text());\n});",
    fix:
      'Keep the origin fixed in code and let users choose only a path segment (encodeURIComponent it); when users must supply URLs, ' +
      'parse them, allow only http(s), resolve the host with dns.lookup and refuse loopback, private, link-local and metadata ' +
      'addresses, and turn redirects off or re-validate each hop (or use request-filtering-agent). The quick fix routes a global ' +
      '`fetch` through the pf-safe-fetch helper, which resolves to `{ status, headers, body }` rather than a Response: adjust the caller.',
    cwe: ['CWE-918'],
    owasp: ['A10:2021'],
  },
  create(ctx) {
    // Every report, fact and evidence needs a relevant module spelled as a specifier,
    // a `fetch` identifier (global fetch), or a safeFetch-style identifier.
    const relevantSpelled = relevantSpecifier(ctx.text);
    if (!relevantSpelled && !ctx.mentions('fetch') && !SAFE_FETCH_TEXT.test(ctx.text)) return {};
    const guardSpelled = relevantSpelled && guardSpecifier(ctx.text);
    const serverFile = !/\.(tsx|jsx)$/i.test(ctx.file) && !hasUseClient(ctx.sourceFile);
    let outboundNoted = false;
    let guardNoted = false;
    const outbound = (node: ts.Node): void => {
      if (outboundNoted) return;
      outboundNoted = true;
      ctx.fact('outbound-http', node);
    };
    const guard = (node: ts.Node, message: string): void => {
      if (guardNoted) return;
      guardNoted = true;
      ctx.evidence('ssrf-guard', node, message);
    };
    const noteModule = (m: string, node: ts.Node): void => {
      if (CLIENT_MODULES.has(m)) outbound(node);
    };
    // The helper's edits depend on the file only: built once, copied into each fix.
    let helperMemo: TextEdit[] | null | undefined;
    const helper = (): TextEdit[] | undefined => {
      if (helperMemo === undefined) helperMemo = helperEdits(ctx) ?? null;
      return helperMemo?.map((e) => ({ ...e }));
    };
    return {
      ImportDeclaration(node: ts.ImportDeclaration) {
        if (isStringLiteral(node.moduleSpecifier)) noteModule(normalizeModule(node.moduleSpecifier.text), node);
      },
      NewExpression(node: ts.NewExpression) {
        if (guardNoted || !guardSpelled) return;
        const o = ctx.modules.callee(node);
        if (o && GUARD_MODULES.has(o.module)) guard(node, `${o.module} agent blocks private addresses`);
      },
      CallExpression(node: ts.CallExpression) {
        const callee = skipWrappers(node.expression);
        const name = calleeName(node);
        if (!name) return;
        if (name === 'require') {
          const m = requiredModule(node);
          if (m) noteModule(m, node);
          return;
        }
        if (isPropertyAccessExpression(callee) && !VERBS.has(name) && !isDnsName(name)) return;
        // Without a relevant module spelled, the callee's origin is absent or irrelevant:
        // only a global fetch or a safeFetch-style identifier call can matter.
        if (!relevantSpelled && name !== 'fetch') {
          if (!guardNoted && isIdentifier(callee)) checkGuardEvidence(ctx, node, name, undefined, guard);
          return;
        }
        const o = relevantSpelled ? ctx.modules.callee(node) : undefined;
        if (!guardNoted) checkGuardEvidence(ctx, node, name, o, guard);
        const target = urlArgument(node, o);
        if (!target) return;
        // `globalThis.fetch` with a local `globalThis` bound to some other module: not a client.
        if (!relevantSpelled && ctx.modules.callee(node)) return;
        const isGlobalFetch = !o && name === 'fetch';
        if (o && NODE_HTTP.has(o.module)) outbound(node);
        else if (isGlobalFetch && serverFile && !stringValue(target.url)) outbound(node);
        if (!serverFile && isGlobalFetch) return;
        const source = taintedOrigin(ctx, target.url, 0, !!target.hostOptions);
        if (!source) return;
        if (guardedBefore(node, target.url)) return;
        const label = sourceLabel(source);
        ctx.report(node, {
          message: `SSRF: outbound request to a URL built from request data (${label}); allow only known hosts, or resolve DNS and refuse private ranges before fetching.`,
          related: [{ node: source.node, message: `request data (${label}) enters here` }],
          fixes: o ? [] : safeFetchFix(ctx, node, helper),
        });
      },
    };
  },
};

/**
 * Global `fetch(url, opts)` → `safeFetch(url, opts)`, and the pf-safe-fetch
 * helper appended to the file (its requires as imports in the file's style)
 * unless the file already has a `safeFetch`. Not preferred: safeFetch allows
 * https only and resolves to `{ status, headers, body }`, not a Response.
 */
function safeFetchFix(ctx: RuleContext, call: ts.CallExpression, helperOf: () => TextEdit[] | undefined = () => helperEdits(ctx)): Fix[] {
  const sf = ctx.sourceFile;
  const callee = skipWrappers(call.expression);
  const edits: TextEdit[] = [{ start: callee.getStart(sf), end: callee.end, newText: 'safeFetch' }];
  if (!lookup('safeFetch', call)) {
    const helper = helperOf();
    if (!helper) return [];
    edits.push(...helper);
  }
  return [{ title: 'Fetch through safeFetch (https only, private addresses refused; resolves to { status, headers, body })', edits }];
}

/** Imports and the helper at the end of the file; undefined when a name it declares is already taken. */
function helperEdits(ctx: RuleContext): TextEdit[] | undefined {
  const sf = ctx.sourceFile;
  for (const name of SAFE_FETCH_PARTS.declares) if (lookup(name, sf)) return undefined;
  const text = sf.text;
  const nl = eol(text);
  const esm = isEsm(sf, ctx.file);
  const edits: TextEdit[] = [];
  for (const r of SAFE_FETCH_PARTS.requires) {
    const b = lookup(r.name, sf);
    if (b) {
      // Already imported under that name (`import * as dns from 'dns/promises'`): reuse it.
      const o = ctx.modules.origin(b.node);
      if (!o || o.module !== r.module.replace(/^node:/, '') || o.path.length > 0) return undefined;
      continue;
    }
    const hasImports = sf.statements.some((st) => isImportDeclaration(st));
    const edit = esm && !hasImports
      ? { start: 0, end: 0, newText: `import * as ${r.name} from '${r.module}';${nl}` }
      : ensureImport(sf, r.module, r.name, 'namespace');
    if (edit) edits.push(edit);
  }
  const code = SAFE_FETCH_PARTS.code.replace(/\n/g, nl);
  // One blank line before the helper; the file keeps (or keeps lacking) its final newline.
  const newText = text.endsWith('\n') ? `${nl}${code}${nl}` : `${nl}${nl}${code}`;
  edits.push({ start: text.length, end: text.length, newText });
  return edits;
}

/** ES module syntax: imports or exports in the file, or an extension that implies it. */
function isEsm(sf: ts.SourceFile, file: string): boolean {
  if (/\.(mjs|mts|ts|tsx)$/i.test(file)) return true;
  return sf.statements.some((st) => isImportDeclaration(st) || ts.isExportDeclaration(st) || ts.isExportAssignment(st) ||
    (ts.canHaveModifiers(st) && (ts.getModifiers(st) ?? []).some((m) => m.kind === SyntaxKind.ExportKeyword)));
}

function hasUseClient(sf: ts.SourceFile): boolean {
  const first = sf.statements[0];
  return !!first && isExpressionStatement(first) && stringValue(first.expression) === 'use client';
}

function isDnsName(name: string): boolean {
  return name === 'lookup' || name.startsWith('resolve');
}

/** Where the URL sits in a client call; undefined when the call is not an HTTP client. */
function urlArgument(call: ts.CallExpression, o: Origin | undefined): UrlArg | undefined {
  const args = call.arguments;
  if (args.length === 0) return undefined;
  if (!o) {
    // Global fetch (no local declaration of that name).
    const callee = skipWrappers(call.expression);
    if (isIdentifier(callee) && callee.text === 'fetch' && !lookup('fetch', callee)) return { url: args[0] };
    if (isPropertyAccessExpression(callee) && callee.name.text === 'fetch' && isIdentifier(callee.expression) && callee.expression.text === 'globalThis') return { url: args[0] };
    return undefined;
  }
  const path = o.path[0] === 'default' ? o.path.slice(1) : o.path;
  if (NODE_HTTP.has(o.module)) {
    if (path.length === 1 && (path[0] === 'request' || path[0] === 'get')) return { url: args[0], hostOptions: true };
    return undefined;
  }
  if (!CLIENT_MODULES.has(o.module)) return undefined;
  // axios.create(…).get, got.extend(…).post: instance methods behave like the module's own.
  let p = path;
  while (p.length >= 2 && (p[0] === 'create' || p[0] === 'extend') && p[1] === '()') p = p.slice(2);
  if (p.length === 0) {
    if (o.module === 'superagent' || o.module === 'needle') return args.length > 1 ? { url: args[1] } : { url: args[0] };
    return { url: args[0] };
  }
  if (p.length === 1 && VERBS.has(p[0])) {
    if (o.module === 'needle' && p[0] === 'request') return args[1] ? { url: args[1] } : undefined;
    return { url: args[0] };
  }
  // got.stream.get(url) and similar.
  if (p.length === 2 && p[0] === 'stream' && VERBS.has(p[1])) return { url: args[0] };
  return undefined;
}

/**
 * The request data that decides the origin (scheme, host, port) of a URL, if
 * any. Walks templates and concatenations part by part until the path starts;
 * follows variables, `new URL(u, base)`, `.toString()`/`.href` and config
 * objects (`{ url }`, `{ baseURL }`, `{ host }`, `{ hostname }`).
 */
function taintedOrigin(ctx: RuleContext, expr: ts.Expression, depth: number, hostOptions: boolean): Source | undefined {
  if (depth > 8) return undefined;
  const e = skipWrappers(expr) as ts.Expression;
  if (isObjectLiteralExpression(e)) {
    for (const key of ['url', 'uri', 'baseURL', 'prefixUrl', 'origin']) {
      const v = getPropertyValue(e, key);
      if (v) {
        const s = taintedOrigin(ctx, v, depth + 1, false);
        if (s) return s;
      }
    }
    if (hostOptions || getPropertyValue(e, 'path') || getPropertyValue(e, 'port')) {
      for (const key of ['host', 'hostname']) {
        const v = getPropertyValue(e, key);
        const s = v && ctx.flow.source(v);
        if (s) return s;
      }
    }
    return undefined;
  }
  if (isNewExpression(e) && isIdentifier(e.expression) && e.expression.text === 'URL' && e.arguments?.[0]) {
    // An absolute first argument overrides the base, so the first argument decides.
    const s = taintedOrigin(ctx, e.arguments[0], depth + 1, false);
    if (s) return s;
    const base = e.arguments[1];
    if (!base || !startsRelative(e.arguments[0])) return undefined;
    // `new URL('/api/session', request.url)`: the app's own origin, not a user's choice.
    const fromBase = taintedOrigin(ctx, base, depth + 1, false);
    return fromBase && !SELF_URL_PARTS.has(fromBase.part) ? fromBase : undefined;
  }
  if (isCallExpression(e)) {
    const name = calleeName(e);
    const recv = calleeObject(e);
    if ((name === 'toString' || name === 'trim') && recv) return taintedOrigin(ctx, recv, depth + 1, false);
    if (name === 'String' && isIdentifier(skipWrappers(e.expression)) && e.arguments[0]) return taintedOrigin(ctx, e.arguments[0], depth + 1, false);
    return ctx.flow.source(e);
  }
  if (isPropertyAccessExpression(e) && e.name.text === 'href') {
    const base = skipWrappers(e.expression);
    if (isNewExpression(base) || isIdentifier(base)) return taintedOrigin(ctx, base as ts.Expression, depth + 1, false);
  }
  if (isTemplateExpression(e) || (isBinaryExpression(e) && e.operatorToken.kind === SyntaxKind.PlusToken)) {
    return originOfParts(ctx, stringParts(e), depth);
  }
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (b && b.kind === 'variable' && b.path.length === 0) {
      const w = valueAt(b, e);
      if (!w) return undefined;
      return taintedOrigin(ctx, w, depth + 1, hostOptions);
    }
  }
  return ctx.flow.source(e);
}

function originOfParts(ctx: RuleContext, list: Part[], depth: number): Source | undefined {
  let acc = '';
  for (const part of list) {
    if ('text' in part) {
      acc += part.text;
      if (pathStarted(acc)) return undefined;
      continue;
    }
    const constant = constantString(part.expr);
    if (constant !== undefined) {
      acc += constant;
      if (pathStarted(acc)) return undefined;
      continue;
    }
    const s = taintedOrigin(ctx, part.expr, depth + 1, false);
    if (s) return s;
    // A trusted value (config, env) in origin position: assume it holds the origin.
    return undefined;
  }
  return undefined;
}

/** The text so far fixes the origin: a relative path, or `scheme://host` followed by `/`, `?` or `#`. */
function pathStarted(acc: string): boolean {
  if (acc.startsWith('/') && !acc.startsWith('//')) return true;
  if (acc.startsWith('?') || acc.startsWith('#')) return true;
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#@]+[/?#]/i.test(acc);
}

function startsRelative(e: ts.Expression): boolean {
  const x = skipWrappers(e);
  const head = isTemplateExpression(x) ? x.head.text : stringValue(x);
  return head !== undefined && pathStarted(head);
}

function constantString(e: ts.Expression): string | undefined {
  const s = stringValue(e);
  if (s !== undefined) return s;
  const x = skipWrappers(e);
  if (!isIdentifier(x)) return undefined;
  const b = lookup(x.text, x);
  if (!b || b.kind !== 'variable' || b.path.length !== 0 || !b.init) return undefined;
  const list = b.declaration.parent;
  if (!list || !ts.isVariableDeclarationList(list) || (list.flags & ts.NodeFlags.Const) === 0) return undefined;
  return stringValue(b.init);
}

/**
 * An allowlist or validation before the call, in the same function:
 *   if (!ALLOWED_HOSTS.has(new URL(target).hostname)) return res.sendStatus(400);
 *   await assertPublicUrl(target);
 */
function guardedBefore(call: ts.CallExpression, urlExpr: ts.Expression): boolean {
  const fn = enclosingFunction(call);
  const body = fn && (fn as ts.FunctionLikeDeclaration).body;
  if (!body) return false;
  const names = referencedNames(urlExpr);
  if (names.size === 0) return false;
  let found = false;
  const mentions = (n: ts.Node): boolean => {
    let hit = false;
    const visit = (x: ts.Node): void => {
      if (hit) return;
      if (isIdentifier(x) && names.has(x.text)) hit = true;
      else if ((isPropertyAccessExpression(x) || isElementAccessExpression(x)) && names.has(x.getText())) hit = true;
      else forEachChild(x, visit);
    };
    visit(n);
    return hit;
  };
  const visit = (n: ts.Node): void => {
    if (found || n.pos >= call.pos) return;
    if (isIfStatement(n) && mentions(n.expression) && checksHost(n.expression)) {
      // `if (!allowed(u)) return;` before the call, or `if (allowed(u)) { fetch(u) }` around it.
      const before = n.end <= call.pos && exits(n.thenStatement);
      const around = n.thenStatement.pos <= call.pos && call.end <= n.thenStatement.end && !isNegation(n.expression);
      if (before || around) {
        found = true;
        return;
      }
    }
    if (isCallExpression(n) && n.end <= call.pos && GUARD_NAME.test(calleeName(n) ?? '') && n.arguments.some(mentions)) {
      found = true;
      return;
    }
    forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/** Names the URL expression reads, and for a variable the request read it was set from. */
function referencedNames(urlExpr: ts.Expression): Set<string> {
  const names = new Set<string>();
  const add = (n: ts.Node, depth: number): void => {
    if (depth > 3) return;
    const x = skipWrappers(n);
    if (isIdentifier(x)) {
      names.add(x.text);
      const b = lookup(x.text, x);
      if (b && b.kind === 'variable' && b.init && b.path.length === 0) add(b.init, depth + 1);
      return;
    }
    if (isPropertyAccessExpression(x) || isElementAccessExpression(x)) {
      names.add(x.getText());
      return;
    }
    forEachChild(x, (c) => add(c, depth + 1));
  };
  add(urlExpr, 0);
  return names;
}

function isNegation(e: ts.Expression): boolean {
  const x = skipWrappers(e);
  return isPrefixUnaryExpression(x) && x.operator === SyntaxKind.ExclamationToken;
}

function exits(st: ts.Statement): boolean {
  if (isReturnStatement(st) || ts.isThrowStatement(st)) return true;
  if (isBlock(st)) return st.statements.some((s) => isReturnStatement(s) || ts.isThrowStatement(s));
  if (isExpressionStatement(st)) return isCallExpression(st.expression) && calleeName(st.expression) === 'next';
  return false;
}

/** An allowlist or validation condition: a guard-named call, `.has/.includes/.startsWith/.endsWith`, or a host/protocol comparison. */
function checksHost(cond: ts.Expression): boolean {
  let hit = false;
  const visit = (x: ts.Node): void => {
    if (hit) return;
    if (isCallExpression(x)) {
      const n = calleeName(x) ?? '';
      if (GUARD_NAME.test(n) || ['has', 'includes', 'startsWith', 'endsWith', 'test'].includes(n)) hit = true;
    } else if (isPropertyAccessExpression(x) && ['hostname', 'host', 'origin', 'protocol'].includes(x.name.text)) {
      hit = true;
    }
    if (!hit) forEachChild(x, visit);
  };
  visit(cond);
  return hit;
}

/**
 * Evidence that outbound URLs are checked where it counts: a function that
 * resolves DNS and checks private ranges, an SSRF-filtering agent, or a call
 * through a safeFetch-style helper.
 */
function checkGuardEvidence(
  ctx: RuleContext,
  call: ts.CallExpression,
  name: string,
  o: Origin | undefined,
  guard: (node: ts.Node, message: string) => void,
): void {
  if (o && GUARD_MODULES.has(o.module)) {
    guard(call, `${o.module} blocks requests to private addresses`);
    return;
  }
  if (o && (o.module === 'dns' || o.module === 'dns/promises') && isDnsName(name)) {
    const fn = enclosingFunction(call);
    if (fn && PRIVATE_RANGE_HINT.test(fn.getText())) {
      const fname = fn.name && isIdentifier(fn.name) ? fn.name.text : 'a helper';
      guard(call, `${fname} resolves the host (dns.${name}) and refuses private ranges`);
    }
    return;
  }
  if (SAFE_FETCH_NAME.test(name) && isIdentifier(skipWrappers(call.expression))) {
    guard(call, `outbound request goes through ${name}()`);
  }
}
