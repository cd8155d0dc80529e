import {
  forEachChild, isArrayLiteralExpression, isBinaryExpression, isBlock, isCallExpression,
  isConditionalExpression, isElementAccessExpression, isFunctionDeclaration, isIdentifier,
  isIfStatement, isMethodDeclaration, isNewExpression, isObjectLiteralExpression,
  isPropertyAccessExpression, isPropertyAssignment, isReturnStatement, isStringLiteral,
  isStringLiteralLike, SyntaxKind, ts,
} from '../ts';
import { textHas, textHasAnyCase } from '../lib/text-hints';
import { calleeName, calleeObject, containsNode, dottedName, getProperty, getPropertyValue, hasSpread, isFunctionLike, propertyName, stringValue } from '../ast';
import { calleeMayComeFrom, skipWrappers } from '../modules';
import { enclosingFunctionOrFile, lookup } from '../scopes';
import { addPropertiesEdits, preferredQuote } from '../fix';
import type { Fix, RuleContext, SourceRule, TextEdit } from '../types';
import { maySpellWithEscapes } from '../lib/gates';

/**
 * CORS set up to allow any origin: `cors()` (its default is `*`),
 * `cors({ origin: '*' })`, `fastify.register(cors)`, `app.enableCors()`, or
 * `res.setHeader('Access-Control-Allow-Origin', '*')`. This module also holds
 * the CORS shapes that cors-reflected-origin shares, and emits the row's
 * `cors` fact and `cors-allowlist` evidence (once, here).
 */

/** How a CORS origin setting behaves. */
export type OriginKind = 'wildcard' | 'reflect' | 'allowlist' | 'disabled' | 'unknown';

export interface CorsSetup {
  /** The node to report: the call, or the `origin` property when there is one. */
  node: ts.Node;
  kind: OriginKind;
  credentials: boolean;
  /** How the setup is spelled in messages: `cors()`, `cors() with no origin option`. */
  label: string;
  /** Replaces a literal `'*'` / `true` origin (or a missing one) with an allowlist read from CORS_ORIGINS. */
  fix?: Fix;
}

/** Packages whose middleware defaults to `Access-Control-Allow-Origin: *` when given no origin. */
const CORS_MIDDLEWARE: ReadonlyMap<string, string> = new Map([
  ['cors', ''], ['@koa/cors', ''], ['kcors', ''], ['koa-cors', ''], ['hono/cors', 'cors'], ['@tinyhttp/cors', 'cors'],
]);
const CORS_PLUGINS: ReadonlySet<string> = new Set(['@fastify/cors', 'fastify-cors']);

/** `@koa/cors` before v5 reflected the request origin by default. */
function koaCorsReflects(ctx: RuleContext, module: string): boolean {
  if (module !== '@koa/cors' && module !== 'kcors') return false;
  const range = ctx.project.dependencies[module];
  if (!range) return false;
  const m = /(\d+)/.exec(range);
  return !!m && Number(m[1]) < 5;
}

/**
 * The CORS configuration a call sets up, if it is one: the cors packages'
 * middleware, Fastify's plugin registration, NestJS `enableCors` and
 * `NestFactory.create(M, { cors })`.
 */
export function corsSetup(ctx: RuleContext, call: ts.CallExpression): CorsSetup | undefined {
  const name = calleeName(call);
  if (!name) return undefined;
  if (name === 'register') {
    const plugin = call.arguments[0];
    const o = plugin && ctx.modules.origin(plugin);
    if (!o || !CORS_PLUGINS.has(o.module) || o.path.length > 1) return undefined;
    return fromOptions(ctx, call, call.arguments[1], false, `register(${o.module})`, true);
  }
  if (name === 'enableCors') {
    if (!importsNest(ctx)) return undefined;
    return fromOptions(ctx, call, call.arguments[0], false, 'enableCors()', true);
  }
  if (name === 'create' && call.arguments.length >= 2) {
    const o = ctx.modules.callee(call);
    if (o?.module !== '@nestjs/core' || o.path.join('.') !== 'NestFactory.create') return undefined;
    const opts = objectLiteralOf(call.arguments[1]);
    const cors = opts && getPropertyValue(opts, 'cors');
    if (!cors) return undefined;
    const c = skipWrappers(cors);
    if (c.kind === SyntaxKind.TrueKeyword) {
      const sf = ctx.sourceFile;
      const fix = allowlistFix([{ start: c.getStart(sf), end: c.end, newText: `{ origin: ${allowlistExpression(sf)} }` }]);
      return { node: cors, kind: 'wildcard', credentials: false, label: 'NestFactory.create({ cors: true })', fix };
    }
    return fromOptions(ctx, cors, cors, false, 'NestFactory.create({ cors })', true);
  }
  const o = ctx.modules.callee(call);
  if (!o) return undefined;
  const expected = CORS_MIDDLEWARE.get(o.module);
  if (expected === undefined || o.path.join('.') !== expected) return undefined;
  // Koa's cors takes a string or a function as origin, not a list: no fix there.
  return fromOptions(ctx, call, call.arguments[0], koaCorsReflects(ctx, o.module), `${name}()`, !KOA_CORS.has(o.module));
}

const KOA_CORS: ReadonlySet<string> = new Set(['@koa/cors', 'kcors', 'koa-cors']);

/** The allowlist the fixes put in: origins from configuration, none when it is unset. */
export function allowlistExpression(sf: ts.SourceFile): string {
  const q = preferredQuote(sf);
  return `(process.env.CORS_ORIGINS ?? ${q}${q}).split(${q},${q}).filter(Boolean)`;
}

function allowlistFix(edits: TextEdit[]): Fix {
  return { title: 'Allow only the origins listed in CORS_ORIGINS', edits };
}

/**
 * The fix of a setup: a literal `'*'`, `['*']` or `true` origin becomes the
 * allowlist; a missing origin is added to the options (or the options object
 * to the call). Origins held in variables and callbacks are left to the reader.
 */
function originFix(ctx: RuleContext, node: ts.Node, options: ts.Expression | undefined, obj: ts.ObjectLiteralExpression | undefined): Fix | undefined {
  const sf = ctx.sourceFile;
  const allow = allowlistExpression(sf);
  if (!options) {
    if (!isCallExpression(node)) return undefined;
    const args = node.arguments;
    // app.use(cors()) / app.enableCors(): the options object goes in; fastify.register(cors): after the plugin.
    if (args.length === 0) return allowlistFix([{ start: args.pos, end: args.end, newText: `{ origin: ${allow} }` }]);
    if (calleeName(node) === 'register' && args.length === 1) return allowlistFix([{ start: args[0].end, end: args[0].end, newText: `, { origin: ${allow} }` }]);
    return undefined;
  }
  if (!obj) return undefined;
  const origin = getPropertyValue(obj, 'origin');
  if (!origin) return hasSpread(obj) ? undefined : allowlistFix(addPropertiesEdits(sf, obj, [`origin: ${allow}`]));
  const v = skipWrappers(origin);
  // `['*']` alone; a list that also names real origins is left to the reader.
  const literal = v.kind === SyntaxKind.TrueKeyword || stringValue(v) !== undefined ||
    (isArrayLiteralExpression(v) && v.elements.every((el) => stringValue(el)?.trim() === '*'));
  if (!literal) return undefined;
  return allowlistFix([{ start: v.getStart(sf), end: v.end, newText: allow }]);
}

function importsNest(ctx: RuleContext): boolean {
  for (const m of ctx.modules.importedModules()) if (m.startsWith('@nestjs/')) return true;
  return false;
}

function fromOptions(
  ctx: RuleContext, node: ts.Node, options: ts.Expression | undefined, defaultReflects: boolean, label: string, fixable: boolean,
): CorsSetup | undefined {
  const defaultKind: OriginKind = defaultReflects ? 'reflect' : 'wildcard';
  const fixFor = (obj?: ts.ObjectLiteralExpression): Fix | undefined => (fixable ? originFix(ctx, node, options, obj) : undefined);
  if (!options) return { node, kind: defaultKind, credentials: false, label: `${label} with no origin option`, fix: fixFor() };
  const obj = objectLiteralOf(options);
  // An options delegate `cors((req, cb) => …)` or options built elsewhere: nothing to say.
  if (!obj) return undefined;
  const credentials = getPropertyValue(obj, 'credentials')?.kind === SyntaxKind.TrueKeyword;
  const originProp = getProperty(obj, 'origin');
  // `origin(origin, callback) { … }` written as a method
  if (originProp && isMethodDeclaration(originProp)) {
    const kind = classifyOriginFunction(originProp);
    return { node: originProp, kind, credentials, label: kind === 'reflect' ? `${label} with an origin callback that allows every origin` : label };
  }
  const origin = getPropertyValue(obj, 'origin');
  if (!origin) {
    if (hasSpread(obj)) return undefined;
    return { node, kind: defaultKind, credentials, label: `${label} with no origin option`, fix: fixFor(obj) };
  }
  const kind = classifyOrigin(ctx, origin);
  const how = kind === 'wildcard' ? " with origin '*'"
    : kind !== 'reflect' ? ''
      : skipWrappers(origin).kind === SyntaxKind.TrueKeyword ? ' with origin: true' : ' with an origin callback that allows every origin';
  const fix = kind === 'wildcard' || kind === 'reflect' ? fixFor(obj) : undefined;
  return { node: originProp ?? origin, kind, credentials, label: `${label}${how}`, fix };
}

/** What an `origin` option allows. */
export function classifyOrigin(ctx: RuleContext, origin: ts.Expression, depth = 0): OriginKind {
  const e = skipWrappers(origin);
  if (e.kind === SyntaxKind.TrueKeyword) return 'reflect';
  if (e.kind === SyntaxKind.FalseKeyword) return 'disabled';
  const s = stringValue(e);
  if (s !== undefined) return s.trim() === '*' ? 'wildcard' : 'allowlist';
  if (isArrayLiteralExpression(e)) {
    return e.elements.some((el) => stringValue(el)?.trim() === '*') ? 'wildcard' : 'allowlist';
  }
  if (ts.isRegularExpressionLiteral(e)) return 'allowlist';
  if (isNewExpression(e) && isIdentifier(e.expression) && (e.expression.text === 'Set' || e.expression.text === 'RegExp')) return 'allowlist';
  // `process.env.ORIGINS.split(',')`, also trimmed or filtered: `.split(',').filter(Boolean)`
  if (isCallExpression(e) && isSplitList(e)) return 'allowlist';
  if (isFunctionLike(e)) return classifyOriginFunction(e);
  if (isIdentifier(e) && depth < 3) {
    const b = lookup(e.text, e);
    if (b?.kind === 'function' && isFunctionDeclaration(b.declaration)) return classifyOriginFunction(b.declaration);
    if (b?.kind === 'variable' && b.path.length === 0 && b.init) return classifyOrigin(ctx, b.init, depth + 1);
  }
  return 'unknown';
}

/**
 * An origin callback: `(origin, cb) => cb(null, true)` always allows, the
 * Koa style `(ctx) => ctx.get('Origin')` always echoes; a callback that can
 * refuse is an allowlist.
 */
function classifyOriginFunction(fn: ts.SignatureDeclaration): OriginKind {
  const body = (fn as ts.FunctionLikeDeclaration).body;
  if (!body) return 'unknown';
  const params = fn.parameters.map((p) => (isIdentifier(p.name) ? p.name.text : ''));
  const originParam = params[0];
  if (params.length >= 2 && params[params.length - 1] !== '') {
    const cb = params[params.length - 1];
    const calls: ts.CallExpression[] = [];
    const visit = (n: ts.Node): void => {
      if (isCallExpression(n) && isIdentifier(n.expression) && n.expression.text === cb) calls.push(n);
      forEachChild(n, visit);
    };
    visit(body);
    if (calls.length > 0) {
      const allows = (c: ts.CallExpression): boolean => {
        const v = c.arguments[1] && skipWrappers(c.arguments[1]);
        if (!v) return false;
        const err = c.arguments[0];
        if (err && err.kind !== SyntaxKind.NullKeyword && !isUndefined(err)) return false;
        return v.kind === SyntaxKind.TrueKeyword || (isIdentifier(v) && v.text === originParam);
      };
      return calls.every(allows) ? 'reflect' : 'allowlist';
    }
  }
  // Koa / Hono: the function returns the origin to allow.
  const returns: ts.Expression[] = [];
  if (!isBlock(body)) returns.push(body);
  else {
    const visit = (n: ts.Node): void => {
      if (isFunctionLike(n)) return;
      if (isReturnStatement(n) && n.expression) returns.push(n.expression);
      forEachChild(n, visit);
    };
    forEachChild(body, visit);
  }
  if (returns.length === 0) return 'unknown';
  const echoes = (r: ts.Expression): boolean => {
    const x = skipWrappers(r);
    return isOriginRead(x) || (isIdentifier(x) && x.text === originParam && /origin/i.test(originParam));
  };
  if (returns.every(echoes)) return containsGuard(body) ? 'allowlist' : 'reflect';
  if (returns.some((r) => stringValue(r)?.trim() === '*')) return 'wildcard';
  return 'allowlist';
}

/** `x.split(',')`, possibly followed by `.map(…)` / `.filter(…)`. */
function isSplitList(call: ts.CallExpression, depth = 0): boolean {
  const name = calleeName(call);
  if (name === 'split') return true;
  if ((name !== 'filter' && name !== 'map') || depth > 3) return false;
  const recv = calleeObject(call);
  const r = recv && skipWrappers(recv);
  return !!r && isCallExpression(r) && isSplitList(r, depth + 1);
}

function isUndefined(n: ts.Node): boolean {
  return isIdentifier(n) && n.text === 'undefined';
}

/** Any condition in the function: an if, a ternary or a lookup-style call. */
function containsGuard(body: ts.Node): boolean {
  return containsNode(body, (n) => isIfStatement(n) || isConditionalExpression(n) || (isCallExpression(n) && GUARD_METHODS.has(calleeName(n) ?? '')));
}

const GUARD_METHODS: ReadonlySet<string> = new Set(['includes', 'has', 'test', 'indexOf', 'some', 'find', 'match', 'exec', 'startsWith', 'endsWith', 'get']);
const GUARD_FUNCTION_NAME = /allow|valid|check|trust|whitelist|permit|verify/i;

/** The object literal an options argument is or names (`const corsOptions = {…}`). */
export function objectLiteralOf(expr: ts.Node | undefined): ts.ObjectLiteralExpression | undefined {
  if (!expr) return undefined;
  const e = skipWrappers(expr);
  if (isObjectLiteralExpression(e)) return e;
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (b && b.kind === 'variable' && b.path.length === 0 && b.init) {
      const init = skipWrappers(b.init);
      if (isObjectLiteralExpression(init)) return init;
    }
  }
  return undefined;
}

/** The request's Origin header: `req.headers.origin`, `req.get('Origin')`, `ctx.get('origin')`, `request.headers.get('origin')`, or a variable holding it. */
export function isOriginRead(expr: ts.Node, depth = 0): boolean {
  if (depth > 4) return false;
  const e = skipWrappers(expr);
  if (isPropertyAccessExpression(e) || isElementAccessExpression(e)) {
    const name = isPropertyAccessExpression(e) ? e.name.text : stringValue(e.argumentExpression);
    if (name?.toLowerCase() !== 'origin') return false;
    const inner = dottedName(e.expression);
    return !!inner && /(^|\.)headers?$/.test(inner);
  }
  if (isCallExpression(e)) {
    const n = calleeName(e);
    if ((n === 'get' || n === 'header' || n === 'getHeader') && stringValue(e.arguments[0])?.toLowerCase() === 'origin') {
      const recv = dottedName(e.expression);
      return !recv || !/^(res|resp|response|reply)\./.test(recv);
    }
    return false;
  }
  if (isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === SyntaxKind.BarBarToken || op === SyntaxKind.QuestionQuestionToken) return isOriginRead(e.left, depth + 1) || isOriginRead(e.right, depth + 1);
    return false;
  }
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable' || !b.init) return false;
    if (b.path.length === 0) return isOriginRead(b.init, depth + 1);
    // `const { origin } = req.headers`
    if (b.path.length === 1 && String(b.path[0]).toLowerCase() === 'origin') {
      const inner = dottedName(b.init);
      return !!inner && /(^|\.)headers?$/.test(inner);
    }
  }
  return false;
}

/**
 * True when the enclosing function compares the origin with something before
 * (or around) `at`: `allowed.includes(origin)`, `set.has(origin)`,
 * `/…/.test(origin)`, `origin === X`, `isAllowedOrigin(origin)`.
 */
export function originGuarded(at: ts.Node, value: ts.Node): boolean {
  const fn = enclosingFunctionOrFile(at);
  const v = skipWrappers(value);
  const names = new Set<string>(['origin']);
  if (isIdentifier(v)) names.add(v.text);
  const mentionsOrigin = (n: ts.Node): boolean => {
    const x = skipWrappers(n);
    if (isIdentifier(x)) return names.has(x.text);
    return isOriginRead(x) || containsNode(x, (c) => (isIdentifier(c) && names.has(c.text)) || isOriginRead(c));
  };
  const limit = at.getEnd();
  return containsNode(fn, (n) => {
    if (n.getStart() > limit) return false;
    if (isCallExpression(n)) {
      const name = calleeName(n);
      if (!name) return false;
      if (GUARD_METHODS.has(name) && name !== 'get') {
        // `allowed.includes(origin)`, `/re/.test(origin)`, `origin.endsWith('.example.com')`
        const recv = isPropertyAccessExpression(n.expression) ? n.expression.expression : undefined;
        return n.arguments.some(mentionsOrigin) || (!!recv && mentionsOrigin(recv));
      }
      if (GUARD_FUNCTION_NAME.test(name)) return n.arguments.some(mentionsOrigin);
      return false;
    }
    if (isBinaryExpression(n)) {
      const op = n.operatorToken.kind;
      if (op !== SyntaxKind.EqualsEqualsEqualsToken && op !== SyntaxKind.EqualsEqualsToken && op !== SyntaxKind.ExclamationEqualsEqualsToken && op !== SyntaxKind.ExclamationEqualsToken) return false;
      return (mentionsOrigin(n.left) && stringValue(n.right) !== undefined) || (mentionsOrigin(n.right) && stringValue(n.left) !== undefined) ||
        (mentionsOrigin(n.left) && isIdentifier(skipWrappers(n.right))) || (mentionsOrigin(n.right) && isIdentifier(skipWrappers(n.left)));
    }
    return false;
  });
}

const RESPONSE_ROOTS = /^(res|resp|response|reply|ctx|context|httpResponse|serverResponse|nextResponse)$/i;
const RESPONSE_TAIL: ReadonlySet<string> = new Set(['headers', 'res', 'response', 'raw']);
const SET_METHODS: ReadonlySet<string> = new Set(['setHeader', 'header', 'set', 'append']);
const OBJECT_METHODS: ReadonlySet<string> = new Set(['set', 'header', 'headers', 'writeHead', 'setHeaders']);

function isResponseReceiver(node: ts.Node): boolean {
  const name = dottedName(node);
  if (!name) return false;
  const parts = name.split('.');
  if (!RESPONSE_ROOTS.test(parts[0])) return false;
  return parts.slice(1).every((p) => RESPONSE_TAIL.has(p));
}

export interface HeaderWrite {
  /** Lower-case header name. */
  name: string;
  value: ts.Expression;
  /** The call or property that writes it. */
  node: ts.Node;
}

/** Headers written by a response call: `res.setHeader(n, v)`, `res.set({ n: v })`, `res.writeHead(200, { n: v })`, `response.headers.set(n, v)`. */
export function headerWrites(call: ts.CallExpression): HeaderWrite[] {
  const e = skipWrappers(call.expression);
  if (!isPropertyAccessExpression(e)) return [];
  const method = e.name.text;
  if (!SET_METHODS.has(method) && !OBJECT_METHODS.has(method)) return [];
  if (!isResponseReceiver(e.expression)) return [];
  const args = call.arguments;
  const name = stringValue(args[0]);
  if (name !== undefined && args[1] && SET_METHODS.has(method)) return [{ name: name.toLowerCase(), value: args[1], node: call }];
  const obj = [...args].reverse().find((a) => isObjectLiteralExpression(skipWrappers(a)));
  if (!obj || !OBJECT_METHODS.has(method)) return [];
  const out: HeaderWrite[] = [];
  for (const p of (skipWrappers(obj) as ts.ObjectLiteralExpression).properties) {
    if (!isPropertyAssignment(p)) continue;
    const n = propertyName(p.name);
    if (n) out.push({ name: n.toLowerCase(), value: p.initializer, node: p });
  }
  return out;
}

/**
 * Serverless responses: `return { statusCode: 200, headers: { 'Access-Control-Allow-Origin': '*' }, body }`.
 * Given the header property, true when it sits in such a response object.
 */
export function isServerlessResponseHeader(p: ts.PropertyAssignment): boolean {
  const headers = p.parent;
  if (!isObjectLiteralExpression(headers)) return false;
  const holder = headers.parent;
  if (!isPropertyAssignment(holder) || propertyName(holder.name) !== 'headers') return false;
  const response = holder.parent;
  return isObjectLiteralExpression(response) && getPropertyValue(response, 'statusCode') !== undefined;
}

/** `Access-Control-Allow-Credentials` set anywhere in the same function (or object). */
export function credentialsAllowedNear(node: ts.Node): boolean {
  const scope = enclosingFunctionOrFile(node);
  return containsNode(scope, (n) => {
    if (!isStringLiteralLike(n) || n.text.toLowerCase() !== 'access-control-allow-credentials') return false;
    const p = n.parent;
    const value = isPropertyAssignment(p) ? p.initializer : isCallExpression(p) ? p.arguments[1] : undefined;
    return !!value && (value.kind === SyntaxKind.TrueKeyword || stringValue(value) === 'true');
  });
}

export const ACAO = 'access-control-allow-origin';


/**
 * Per-file gates of the two CORS rules. `maySetup`: corsSetup can return a setup
 * (every cors module and plugin spells `cors` in its specifier; NestFactory.create
 * needs a `cors` key; enableCors is a name). `mayHeader`: some string can name
 * Access-Control-Allow-Origin (headerWrites, serverless header objects).
 */
export function corsGates(ctx: RuleContext): { maySetup: boolean; mayHeader: boolean } {
  const text = ctx.text;
  // Cheapest first: the identifier table, then one text scan, then the escape scan (only when still needed).
  const maySetup = ctx.mentions('enableCors') || textHas(text, 'cors') || maySpellWithEscapes(text);
  const mayHeader = textHasAnyCase(text, 'access-control-allow-origin') || maySpellWithEscapes(text);
  return { maySetup, mayHeader };
}

const CORS_MIDDLEWARE_MODULES: ReadonlySet<string> = new Set(CORS_MIDDLEWARE.keys());

export const rule: SourceRule = {
  id: 'cors-wildcard-origin',
  row: 'cors',
  severity: 'warning',
  description: 'Detects CORS configured to allow every origin: cors() with no origin, origin "*", or a manual Access-Control-Allow-Origin: * header.',
  message: "CORS allows any origin ('*'): set `origin` to an allowlist of the front-end origins that need access.",
  fixable: true,
  docs: {
    why:
      "`Access-Control-Allow-Origin: *` lets any web page read your API's responses from a visitor's browser. " +
      "That is only right for truly public, unauthenticated data; for anything else it hands your users' data to every site they visit, " +
      'and a wildcard tends to be "fixed" later by reflecting the origin with credentials, which is worse.',
    bad: "import cors from 'cors';\n\napp.use(cors());",
    good:
      "import cors from 'cors';\n\nconst allowedOrigins = ['https://app.example.com', 'https://admin.example.com'];\n" +
      'app.use(cors({ origin: allowedOrigins, credentials: true }));',
    fix:
      "Pass an explicit allowlist: `cors({ origin: ['https://app.example.com'] })`, or read it from configuration " +
      "(`origin: process.env.CORS_ORIGINS.split(',')`). Keep `*` only for public, cookie-less endpoints.",
    cwe: ['CWE-942'],
    owasp: ['A05:2021', 'A01:2021'],
  },
  create(ctx) {
    const { maySetup, mayHeader } = corsGates(ctx);
    if (!maySetup && !mayHeader) return {};
    // A plain `name(…)` call is a setup only when its callee resolves to a CORS_MIDDLEWARE module:
    // calleeMayComeFrom (made on first use) rules out most callees without resolving them.
    let mayComeFromCors: ((e: ts.Node) => boolean) | undefined;
    const report = (node: ts.Node, what: string, credentials: boolean, fix?: Fix): void => {
      ctx.report(node, {
        message: credentials
          ? `${what} allows any origin together with credentials: browsers reject that pair, and the usual "fix" of reflecting the origin is worse. Set \`origin\` to an allowlist.`
          : `${what} allows any origin: set \`origin\` to an allowlist of the front-end origins that need access.`,
        fixes: fix ? [fix] : [],
      });
    };
    const headerWrite = (w: HeaderWrite): void => {
      ctx.fact('cors', w.node);
      const s = stringValue(w.value);
      if (s?.trim() === '*') {
        report(w.node, "Access-Control-Allow-Origin '*'", credentialsAllowedNear(w.node));
        return;
      }
      if (s !== undefined && s.trim() !== '' && s.trim() !== 'null') ctx.evidence('cors-allowlist', w.node, `Access-Control-Allow-Origin fixed to ${s}`);
      else if (isOriginRead(w.value) && originGuarded(w.node, w.value)) ctx.evidence('cors-allowlist', w.node, 'request origin checked against an allowlist');
      else if (isIdentifier(skipWrappers(w.value)) && originGuarded(w.node, w.value)) ctx.evidence('cors-allowlist', w.node, 'request origin checked against an allowlist');
    };
    return {
      CallExpression(node: ts.CallExpression) {
        const e = node.expression;
        // Cheap: a property call on something, or a plain identifier call (cors(), koaCors()).
        if (isPropertyAccessExpression(e)) {
          const name = e.name.text;
          if (SET_METHODS.has(name) || OBJECT_METHODS.has(name)) {
            if (mayHeader) for (const w of headerWrites(node)) if (w.name === ACAO) headerWrite(w);
            return;
          }
          if (name !== 'register' && name !== 'enableCors' && name !== 'create') return;
        } else if (!isIdentifier(e)) {
          return;
        } else if (maySetup && e.text !== 'register' && e.text !== 'enableCors' && e.text !== 'create' &&
          !(mayComeFromCors ??= calleeMayComeFrom(ctx, CORS_MIDDLEWARE_MODULES))(e)) {
          return;
        }
        if (!maySetup) return;
        const setup = corsSetup(ctx, node);
        if (!setup) return;
        ctx.fact('cors', node);
        if (setup.kind === 'wildcard') report(setup.node, setup.label, setup.credentials, setup.fix);
        else if (setup.kind === 'allowlist') ctx.evidence('cors-allowlist', node, `${setup.label} with an explicit origin allowlist`);
      },
      PropertyAssignment(node: ts.PropertyAssignment) {
        if (!mayHeader || !isStringLiteral(node.name) || node.name.text.length !== ACAO.length || node.name.text.toLowerCase() !== ACAO) return;
        if (!isServerlessResponseHeader(node)) return;
        headerWrite({ name: ACAO, value: node.initializer, node });
      },
    };
  },
};
