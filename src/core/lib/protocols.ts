import {
  forEachChild, isArrayLiteralExpression, isArrowFunction, isBinaryExpression, isCallExpression,
  isElementAccessExpression, isIdentifier, isNewExpression, isNoSubstitutionTemplateLiteral,
  isParenthesizedExpression, isPropertyAccessExpression, isSourceFile, isStringLiteral,
  isTemplateExpression, SyntaxKind, ts,
} from '../ts';
import { calleeName, calleeObject, dottedName, isFunctionLike, stringValue } from '../ast';
import { requestPart } from '../flow';
import { skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { RuleContext, Visitors } from '../types';
import { resolveObject, resolveString, type ResolvedObject } from '../rules/jwt-verify-algorithms';

/*
 * Helpers shared by the protocol-level rules (csrf-*, oauth-*, graphql-*):
 * what counts as CSRF protection, how a session cookie's SameSite reads, what
 * an OAuth authorization URL is, and which calls create a GraphQL server.
 */

export { isTestOrSampleFile } from './test-files';

/** A piece of string text: a literal, or a template literal's head, middle or tail. */
export type StringPart = ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateLiteralLikeNode;

/** Visitors sending every piece of string text in the file to `onPart` (how OAuth URLs are found). */
export function stringPartVisitors(onPart: (node: StringPart) => void): Visitors {
  return { StringLiteral: onPart, NoSubstitutionTemplateLiteral: onPart, TemplateHead: onPart, TemplateMiddle: onPart, TemplateTail: onPart };
}

/** True when `opt` is the boolean literal `true`. */
export function isTrue(e: ts.Node | undefined): boolean {
  return !!e && skipWrappers(e).kind === SyntaxKind.TrueKeyword;
}

export function isFalse(e: ts.Node | undefined): boolean {
  return !!e && skipWrappers(e).kind === SyntaxKind.FalseKeyword;
}

// ---------------------------------------------------------------------------
// CSRF

/** Maintained CSRF protections, module → label. `csurf` is deliberately absent. */
export const CSRF_MODULES: ReadonlyMap<string, string> = new Map([
  ['csrf-csrf', 'csrf-csrf double-submit tokens'],
  ['csrf-sync', 'csrf-sync synchronizer tokens'],
  ['lusca', 'lusca.csrf()'],
  ['@fastify/csrf-protection', '@fastify/csrf-protection'],
  ['fastify-csrf', 'fastify-csrf'],
  ['tiny-csrf', 'tiny-csrf'],
  ['@dr.pogodin/csurf', '@dr.pogodin/csurf (maintained csurf fork)'],
  ['koa-csrf', 'koa-csrf'],
  ['@koa/csrf', '@koa/csrf'],
  ['@nestjs/csrf', '@nestjs/csrf'],
]);

export const DEPRECATED_CSRF_MODULE = 'csurf';

/** Session middleware whose cookie authenticates every request. */
export const SESSION_MODULES: ReadonlySet<string> = new Set(['express-session', 'cookie-session']);

/**
 * The maintained CSRF protection a call sets up, as a label: `doubleCsrf({…})`,
 * `csrfSync()`, `lusca.csrf()`, `lusca({ csrf: true })`, `tinyCsrf(…)`,
 * `fastify.register(fastifyCsrf)`. Undefined otherwise.
 */
export function csrfProtectionCall(ctx: RuleContext, call: ts.CallExpression): string | undefined {
  const args = call.arguments;
  if (calleeName(call) === 'register' && args.length > 0) {
    const plugin = ctx.modules.origin(args[0]);
    return plugin && plugin.path.length <= 1 && CSRF_MODULES.has(plugin.module) ? CSRF_MODULES.get(plugin.module) : undefined;
  }
  const o = ctx.modules.callee(call);
  if (!o || !CSRF_MODULES.has(o.module)) return undefined;
  if (o.module === 'lusca') {
    if (o.path.length === 1 && o.path[0] === 'csrf') return 'lusca.csrf()';
    // lusca({ csrf: true, … })
    if (o.path.length === 0) {
      const opts = resolveObject(args[0]);
      const v = opts?.props.get('csrf');
      return v && !isFalse(v) ? 'lusca({ csrf })' : undefined;
    }
    return undefined;
  }
  if (o.path.some((p) => p === '()')) return undefined; // a call on the result: generateToken(), …
  return CSRF_MODULES.get(o.module);
}

const CSRF_NAME = /csrf|xsrf/i;

/** A request header read whose name says CSRF: `req.headers['x-csrf-token']`, `req.get('X-XSRF-TOKEN')`. */
function isCsrfHeaderRead(e: ts.Node): boolean {
  e = skipWrappers(e);
  if (isCallExpression(e)) {
    const name = calleeName(e);
    const recv = calleeObject(e);
    if ((name === 'get' || name === 'header') && recv && /^(req|request)$/.test(dottedName(recv) ?? '')) return CSRF_NAME.test(resolveString(e.arguments[0]) ?? '');
    return false;
  }
  if (isPropertyAccessExpression(e) || isElementAccessExpression(e)) {
    const key = isPropertyAccessExpression(e) ? e.name.text : stringValue(e.argumentExpression);
    const part = requestPart(skipWrappers(e.expression));
    return !!key && !!part && part.part === 'headers' && CSRF_NAME.test(key);
  }
  return false;
}

/** A cookie read: `req.cookies._csrf`, `req.signedCookies['csrf']`, `ctx.cookies.get('csrf')`. */
function isCookieRead(e: ts.Node): boolean {
  e = skipWrappers(e);
  if (isCallExpression(e)) return calleeName(e) === 'get' && /cookies$/.test(dottedName(calleeObject(e) ?? e) ?? '');
  if (isPropertyAccessExpression(e) || isElementAccessExpression(e)) {
    const part = requestPart(skipWrappers(e.expression));
    return !!part && (part.part === 'cookies' || part.part === 'signedCookies');
  }
  return false;
}

type Side = 'csrf-header' | 'cookie' | undefined;

/** What one side of a comparison reads: a CSRF header, a cookie, or neither (through one local variable). */
function sideOf(e: ts.Node): Side {
  e = skipWrappers(e);
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable' || !b.init) return undefined;
    const init = skipWrappers(b.init);
    if (b.path.length === 0) return direct(init);
    // `const { 'x-csrf-token': header } = req.headers`, `const { _csrf } = req.cookies`
    if (b.path.length === 1 && typeof b.path[0] === 'string') {
      const part = requestPart(init);
      if (part?.part === 'headers' && CSRF_NAME.test(b.path[0])) return 'csrf-header';
      if (part && (part.part === 'cookies' || part.part === 'signedCookies')) return 'cookie';
    }
    return undefined;
  }
  return direct(e);
}

function direct(e: ts.Node): Side {
  // `req.get('x-csrf-token') || ''`
  if (isBinaryExpression(e) && (e.operatorToken.kind === SyntaxKind.BarBarToken || e.operatorToken.kind === SyntaxKind.QuestionQuestionToken)) {
    return direct(skipWrappers(e.left));
  }
  if (isCsrfHeaderRead(e)) return 'csrf-header';
  if (isCookieRead(e)) return 'cookie';
  return undefined;
}

/**
 * A hand-written double-submit check: a CSRF header compared with a cookie,
 * `req.get('x-csrf-token') !== req.cookies.csrf` or `timingSafeEqual(a, b)`
 * over the same two, directly or through local variables.
 */
export function isDoubleSubmitCheck(node: ts.BinaryExpression | ts.CallExpression): boolean {
  let a: ts.Node | undefined;
  let b: ts.Node | undefined;
  if (isBinaryExpression(node)) {
    const k = node.operatorToken.kind;
    if (k !== SyntaxKind.EqualsEqualsEqualsToken && k !== SyntaxKind.ExclamationEqualsEqualsToken &&
        k !== SyntaxKind.EqualsEqualsToken && k !== SyntaxKind.ExclamationEqualsToken) return false;
    a = node.left;
    b = node.right;
  } else {
    if (calleeName(node) !== 'timingSafeEqual' || node.arguments.length < 2) return false;
    a = unwrapBufferFrom(node.arguments[0]);
    b = unwrapBufferFrom(node.arguments[1]);
  }
  const x = sideOf(a);
  const y = sideOf(b);
  return (x === 'csrf-header' && y === 'cookie') || (x === 'cookie' && y === 'csrf-header');
}

function unwrapBufferFrom(e: ts.Node): ts.Node {
  const s = skipWrappers(e);
  if (isCallExpression(s) && calleeName(s) === 'from' && s.arguments[0]) return s.arguments[0];
  return s;
}

/** `session(…)` / `cookieSession(…)` from express-session or cookie-session: the module, else undefined. */
export function sessionModuleOf(ctx: RuleContext, call: ts.CallExpression): string | undefined {
  if (call.arguments.length === 0) return undefined;
  const o = ctx.modules.callee(call);
  if (!o || !SESSION_MODULES.has(o.module)) return undefined;
  if (o.path.length > 1 || (o.path.length === 1 && o.path[0] !== 'default' && o.path[0] !== 'session')) return undefined;
  return o.module;
}

export type SameSite = 'strict' | 'lax' | 'none' | 'unknown' | 'missing';

export interface SessionCookie {
  options?: ResolvedObject;
  /** The object holding the flags (the `cookie` literal for express-session, the options for cookie-session). */
  flags?: ts.ObjectLiteralExpression;
  sameSite: SameSite;
  /** The `sameSite` value, when written. */
  sameSiteNode?: ts.Expression;
}

/** How a session middleware's cookie reads for SameSite. */
export function sessionCookie(module: string, optionsArg: ts.Expression | undefined): SessionCookie {
  const options = resolveObject(optionsArg);
  if (!options) return { sameSite: 'unknown' };
  let flags: ts.ObjectLiteralExpression | undefined;
  let value: ts.Expression | undefined;
  if (module === 'cookie-session') {
    flags = options.literal;
    value = options.props.get('sameSite');
    if (!value && !options.complete) return { options, flags, sameSite: 'unknown' };
  } else {
    const cookieExpr = options.props.get('cookie');
    if (!cookieExpr) return { options, sameSite: options.complete ? 'missing' : 'unknown' };
    const cookie = resolveObject(cookieExpr);
    if (!cookie) return { options, sameSite: 'unknown' };
    flags = cookie.literal;
    value = cookie.props.get('sameSite');
    if (!value && !cookie.complete) return { options, flags, sameSite: 'unknown' };
  }
  return { options, flags, sameSite: sameSiteValue(value), sameSiteNode: value };
}

export function sameSiteValue(value: ts.Expression | undefined): SameSite {
  if (!value) return 'missing';
  if (isTrue(value)) return 'strict';
  if (isFalse(value)) return 'none';
  const s = resolveString(value)?.toLowerCase();
  if (s === 'strict' || s === 'lax' || s === 'none') return s;
  return 'unknown';
}

/** Cookie names that carry a login: token, session, sid, auth, jwt (not the CSRF cookie, not a refresh token). */
export function isAuthCookieName(name: string | undefined): boolean {
  if (!name || CSRF_NAME.test(name) || /refresh/i.test(name)) return false;
  return /token|sess|(^|[^a-z])sid|auth|jwt|login|remember/i.test(name);
}

/** `res.cookie('session', v, { sameSite: 'lax' })` for an auth cookie: the SameSite policy, else undefined. */
export function authCookieSameSite(call: ts.CallExpression): { name: string; sameSite: SameSite } | undefined {
  const method = calleeName(call);
  if (method !== 'cookie' && method !== 'setCookie') return undefined;
  const [nameArg, , optionsArg] = call.arguments;
  const name = resolveString(nameArg);
  if (!isAuthCookieName(name) || !optionsArg) return undefined;
  const options = resolveObject(optionsArg);
  if (!options) return undefined;
  return { name: name!, sameSite: sameSiteValue(options.props.get('sameSite')) };
}

// ---------------------------------------------------------------------------
// OAuth

/** Authorization endpoints of common providers (host + path prefix). */
const AUTHORIZE_ENDPOINTS: readonly RegExp[] = [
  /accounts\.google\.com\/o\/oauth2\/(v2\/)?auth\b/,
  /github\.com\/login\/oauth\/authorize/,
  /facebook\.com\/(v[\d.]+\/)?dialog\/oauth/,
  /login\.microsoftonline\.com\/[^/]+\/oauth2\/(v2\.0\/)?authorize/,
  /discord(app)?\.com\/(api\/)?oauth2\/authorize/,
  /slack\.com\/oauth\/(v2\/)?authorize/,
  /linkedin\.com\/oauth\/v2\/authorization/,
  /gitlab\.com\/oauth\/authorize/,
  /\/oauth2?\/authorize\b|\/authorize\?|\/o\/oauth2\/auth/,
];

export interface AuthorizationUrl {
  text: string;
  /** `response_type` value, spaces for `+` / `%20`, when present. */
  responseType?: string;
  hasState: boolean;
  hasPkce: boolean;
}

/** The static text of a URL expression: literals, templates and `+` chains, constants resolved, holes as `${}`. */
export function staticText(expr: ts.Node, depth = 0): string {
  if (depth > 8) return '${}';
  const e = skipWrappers(expr);
  if (isStringLiteral(e) || isNoSubstitutionTemplateLiteral(e)) return e.text;
  if (isTemplateExpression(e)) return e.head.text + e.templateSpans.map((s) => staticText(s.expression, depth + 1) + s.literal.text).join('');
  if (isBinaryExpression(e) && e.operatorToken.kind === SyntaxKind.PlusToken) return staticText(e.left, depth + 1) + staticText(e.right, depth + 1);
  const s = isIdentifier(e) ? resolveString(e) : undefined;
  return s ?? '${}';
}

/** The outermost `+` chain or template around a string part. */
export function outermostStringExpression(node: ts.Node): ts.Expression {
  let n = node as ts.Expression;
  for (;;) {
    const p = n.parent;
    if (!p) return n;
    if (isParenthesizedExpression(p) || (isBinaryExpression(p) && p.operatorToken.kind === SyntaxKind.PlusToken)) n = p;
    else if (ts.isTemplateSpan(p) && isTemplateExpression(p.parent)) n = p.parent;
    else if (isTemplateExpression(n) && n !== node) return n;
    else return n;
  }
}

/** Reads an authorization request URL; undefined when the text is not one (token requests, other URLs). */
export function authorizationUrl(text: string): AuthorizationUrl | undefined {
  if (!text.includes('client_id=')) return undefined;
  if (/[?&](grant_type|client_secret|code|refresh_token)=/.test(text)) return undefined;
  const rt = /[?&]response_type=([^&#]*)/.exec(text);
  if (!rt && !AUTHORIZE_ENDPOINTS.some((re) => re.test(text))) return undefined;
  return {
    text,
    responseType: rt ? decodeValue(rt[1]) : undefined,
    hasState: /[?&]state=/.test(text),
    hasPkce: /[?&]code_challenge=/.test(text),
  };
}

function decodeValue(v: string): string {
  return v.replace(/\+|%20/gi, ' ').trim().toLowerCase();
}

/** Response types that deliver an access token in the redirect: `token`, `id_token token` (not hybrid `code …`). */
export function isImplicitResponseType(value: string | undefined): boolean {
  if (!value) return false;
  const parts = value.toLowerCase().split(/[\s+]+|%20/).filter(Boolean);
  return parts.includes('token') && !parts.includes('code');
}

const STATE_WORD = /state/i;

/** True when some identifier or string under `node` names a state: `state`, `oauthState`, `'state'`. */
export function mentionsState(node: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if ((isIdentifier(n) && STATE_WORD.test(n.text)) || ((isStringLiteral(n) || isNoSubstitutionTemplateLiteral(n)) && /(^|[^a-z])state([^a-z]|$)/i.test(n.text))) {
      found = true;
      return;
    }
    forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/** The function around a node, or the source file. */
export function enclosingFunctionOrFile(node: ts.Node): ts.Node {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (isFunctionLike(n) || isArrowFunction(n)) return n;
    if (isSourceFile(n)) return n;
  }
  return node.getSourceFile();
}

/** Passport strategy modules for OAuth / OpenID Connect providers. */
export function isPassportOAuthModule(module: string): boolean {
  return /^(@[\w.-]+\/)?passport-(oauth|oauth2|google|github|facebook|twitter|linkedin|microsoft|azure-ad|discord|gitlab|slack|openidconnect|apple|auth0|okta|spotify|bitbucket|amazon|instagram|reddit|twitch|strava|dropbox)/.test(module);
}

// ---------------------------------------------------------------------------
// GraphQL

export type GraphqlServerKind = 'apollo' | 'yoga' | 'mercurius' | 'express-graphql' | 'graphql-http' | 'nest';

export interface GraphqlServer {
  kind: GraphqlServerKind;
  node: ts.CallExpression | ts.NewExpression;
  label: string;
  optionsArg?: ts.Expression;
  options?: ResolvedObject;
}

const APOLLO_MODULES = /^(@apollo\/server|apollo-server(-[a-z-]+)?)$/;
const GRAPHQL_SERVER_HINT = /apollo-server|@apollo\/server|graphql-yoga|mercurius|express-graphql|graphql-http|@nestjs\/graphql/;

/** Cheap per-file gate: the file can create a GraphQL server at all. */
export function fileMayCreateGraphqlServer(ctx: RuleContext): boolean {
  for (const m of ctx.modules.importedModules()) if (GRAPHQL_SERVER_HINT.test(m)) return true;
  return false;
}

/**
 * The GraphQL server a call creates: `new ApolloServer({…})`, `createYoga({…})`,
 * `app.register(mercurius, {…})`, `graphqlHTTP({…})`, graphql-http
 * `createHandler({…})`, NestJS `GraphQLModule.forRoot({…})`.
 */
export function graphqlServerOf(ctx: RuleContext, node: ts.CallExpression | ts.NewExpression): GraphqlServer | undefined {
  const args = node.arguments ?? ts.factory.createNodeArray<ts.Expression>();
  const name = calleeName(node);
  if (!name) return undefined;
  const make = (kind: GraphqlServerKind, label: string, optionsArg: ts.Expression | undefined): GraphqlServer =>
    ({ kind, node, label, optionsArg, options: optionsArg ? resolveObject(optionsArg) : undefined });
  if (isNewExpression(node)) {
    if (name !== 'ApolloServer') return undefined;
    const o = ctx.modules.callee(node);
    return o && APOLLO_MODULES.test(o.module) ? make('apollo', 'ApolloServer', args[0]) : undefined;
  }
  if (name === 'register') {
    if (args.length === 0) return undefined;
    const plugin = ctx.modules.origin(args[0]);
    return plugin && plugin.module === 'mercurius' && plugin.path.length <= 1 ? make('mercurius', 'mercurius', args[1]) : undefined;
  }
  if (name !== 'createYoga' && name !== 'createServer' && name !== 'graphqlHTTP' && name !== 'createHandler' && name !== 'forRoot' && name !== 'graphqlExpress') {
    // express-graphql's default export under any local name: `const graphqlHTTP = require('express-graphql')`.
    if (!isIdentifier(node.expression)) return undefined;
  }
  const o = ctx.modules.callee(node);
  if (!o) return undefined;
  if ((o.module === 'graphql-yoga' || o.module === '@graphql-yoga/node') && (o.path[0] === 'createYoga' || o.path[0] === 'createServer') && o.path.length === 1) return make('yoga', o.path[0], args[0]);
  if (o.module === 'express-graphql' && (o.path.length === 0 || (o.path.length === 1 && o.path[0] === 'graphqlHTTP'))) return make('express-graphql', 'graphqlHTTP', args[0]);
  if (o.module.startsWith('graphql-http') && o.path.length === 1 && o.path[0] === 'createHandler') return make('graphql-http', 'createHandler', args[0]);
  if (o.module === '@nestjs/graphql' && o.path.length === 2 && o.path[0] === 'GraphQLModule' && o.path[1] === 'forRoot') return make('nest', 'GraphQLModule.forRoot', args[0]);
  return undefined;
}

/** Modules whose calls configure a query depth or complexity limit. */
const LIMIT_MODULES = /^(graphql-depth-limit|graphql-query-complexity|graphql-validation-complexity|graphql-cost-analysis|@escape\.tech\/graphql-armor(-[a-z-]+)?|@envelop\/depth-limit|@envelop\/query-complexity|graphql-armor|@graphile\/depth-limit|graphql-no-alias)$/;

/** Cheap per-file gate: the file imports a depth / complexity limit library. */
export function fileImportsLimitLibrary(ctx: RuleContext): boolean {
  for (const m of ctx.modules.importedModules()) if (LIMIT_MODULES.test(m)) return true;
  return false;
}

/** The limit library a call comes from (`depthLimit(10)`, `createComplexityRule(…)`, `new ApolloArmor()`), else undefined. */
export function limitLibraryOf(ctx: RuleContext, node: ts.CallExpression | ts.NewExpression): string | undefined {
  const o = ctx.modules.callee(node);
  return o && LIMIT_MODULES.test(o.module) ? o.module : undefined;
}

/** Option values that may hold a limit we cannot see: `validationRules: [rules]`, `plugins: [costPlugin]`. */
export function mayConfigureLimit(server: GraphqlServer): boolean {
  const opts = server.options;
  if (!opts) return true;
  if (server.kind === 'mercurius' && (opts.props.has('queryDepth') || opts.props.has('complexity'))) return true;
  const rules = opts.props.get('validationRules');
  if (rules) {
    const e = skipWrappers(rules);
    if (!isArrayLiteralExpression(e) || e.elements.length > 0) return true;
  }
  const plugins = opts.props.get('plugins') ?? opts.props.get('envelopPlugins');
  if (plugins && /depth|complex|cost|armor|limit/i.test(plugins.getText().slice(0, 2000))) return true;
  return !opts.complete;
}
