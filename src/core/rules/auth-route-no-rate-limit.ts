import {
  isArrayLiteralExpression, isCallExpression, isFunctionDeclaration, isIdentifier,
  isObjectLiteralExpression, isPropertyAccessExpression, isStringLiteralLike, SyntaxKind, ts,
} from '../ts';
import { textHas, textHasAnyOf } from '../lib/text-hints';
import { calleeName, containsNode, dottedName, getPropertyValue, inlineHandler, isFunctionLike, routeCall, stringValue, type RouteCall } from '../ast';
import { requestPart } from '../flow';
import { calleeMayComeFrom, skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { RuleContext, SourceRule } from '../types';

/**
 * `router.post('/login', handler)` with no rate limiter in front of it: none in
 * its middleware list and none mounted before it in the same file
 * (`app.use(limiter)`, `app.use('/auth', limiter)`). A router-only file cannot
 * see what its mounting file adds, so there the finding stands only while no
 * rate limiter exists anywhere in the workspace.
 */

/** Packages whose values are rate limiters (or build them). */
export const LIMITER_MODULES: ReadonlySet<string> = new Set([
  'express-rate-limit', 'rate-limiter-flexible', 'express-slow-down', 'express-brute', 'express-brute-redis',
  '@fastify/rate-limit', 'fastify-rate-limit', 'koa-ratelimit', 'koa2-ratelimit', 'express-limiter',
  '@nestjs/throttler', 'hono-rate-limiter', 'rate-limit-redis', 'limiter', 'bottleneck',
]);
/** General-purpose limiters (job queues, token buckets): used inside a middleware they count, created alone they are no HTTP evidence. */
const GENERIC_LIMITERS: ReadonlySet<string> = new Set(['limiter', 'bottleneck']);
/** A middleware identifier named like a limiter: `authLimiter`, `loginThrottle`, `bruteforce.prevent`, `slowDown`. */
const LIMITER_NAME = /limit|throttl|brute|slow_?down/i;
/** `sizeLimit`, `bodyLimit`, `uploadLimits`: limits on size, not on rate. */
const SIZE_LIMIT_NAME = /size|body|upload|file|payload|json|length|param/i;
/** Inside a handler body `limit` alone is a query builder (`.limit(10)`): require a clearer name. */
const LIMITER_CALL_NAME = /rate_?limit|limiter|throttl|brute|slow_?down/i;

/** Modules noteApp recognises as creating an app. */
const APP_MODULES = ['express', 'koa', 'fastify', 'polka', 'hyper-express', 'ultimate-express', 'hono', '@nestjs/core', 'restify', '@tinyhttp/app'];
const LIMITER_MODULE_LIST: readonly string[] = [...LIMITER_MODULES];
/** Matches every text that contains one of LIMITER_MODULES (each contains one of these words); one regex pass is cheaper than 15 includes(). */
const LIMITER_WORDS: readonly string[] = ['rate-limit', 'limiter', 'express-slow-down', 'express-brute', 'ratelimit', '@nestjs/throttler', 'bottleneck'];
/** Matches exactly the texts that contain one of APP_MODULES. */
const APP_MODULE_TEXT = new RegExp(APP_MODULES.map((m) => m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'));

/** Route frameworks: a file importing one of these declares server routes, not client calls. */
const SERVER_MODULES: ReadonlySet<string> = new Set([
  'express', 'express-promise-router', 'express-async-router', 'koa', 'koa-router', '@koa/router', 'fastify',
  'restify', 'polka', 'hyper-express', 'ultimate-express', '@tinyhttp/app', 'hono', 'router',
]);
/** HTTP mocking libraries declare look-alike routes in tests. */
const MOCK_MODULES: ReadonlySet<string> = new Set(['msw', 'nock', 'miragejs', 'fetch-mock', 'json-server']);

const LIMITED_METHODS: ReadonlySet<string> = new Set(['post', 'put', 'all']);
const NEST_METHODS: ReadonlySet<string> = new Set(['Post', 'Put', 'All']);

/** Path segments of credential endpoints. */
const AUTH_SEGMENTS: ReadonlySet<string> = new Set([
  'login', 'log-in', 'logon', 'signin', 'sign-in', 'sign_in', 'register', 'signup', 'sign-up', 'sign_up',
  'forgot-password', 'forgot_password', 'forgotpassword', 'reset-password', 'reset_password', 'resetpassword',
  'otp', 'verify-otp', 'verify_otp', 'token', '2fa', 'mfa', 'authenticate',
]);
const LOGIN_SEGMENTS: ReadonlySet<string> = new Set(['login', 'log-in', 'logon', 'signin', 'sign-in', 'sign_in', 'authenticate']);
/** Under /auth/ these are not credential checks. */
const NOT_AUTH_LAST: ReadonlySet<string> = new Set(['logout', 'log-out', 'signout', 'sign-out', 'me', 'status', 'session', 'callback']);

const TEST_FILE = /(^|\/)(test|tests|__tests__|__mocks__|mocks?|spec|e2e|cypress|fixtures)\/|\.(test|spec|e2e|stories)\.[cm]?[jt]sx?$/i;

export interface AuthPath {
  auth: boolean;
  login: boolean;
}

/** Every segment classifyPath recognises contains one of these: a path without any is neither. */
const AUTH_WORD = /log|sign|register|password|otp|token|2fa|mfa|auth/;
const NOT_AUTH: AuthPath = { auth: false, login: false };

/** Classifies a route path: `/api/v1/auth/login` is an auth and a login path. */
export function classifyPath(path: string): AuthPath {
  if (!AUTH_WORD.test(path.toLowerCase())) return { auth: false, login: false };
  const segments = path.toLowerCase().split(/[/?#]/).filter((s) => s !== '' && !s.startsWith(':') && s !== '*');
  const last = segments[segments.length - 1];
  let auth = false;
  let login = false;
  segments.forEach((s, i) => {
    const clean = s.replace(/\.(json|html)$/, '').replace(/\(.*\)$/, '');
    if (AUTH_SEGMENTS.has(clean)) auth = true;
    if (LOGIN_SEGMENTS.has(clean)) login = true;
    if (clean === 'password' && segments[i + 1] === 'reset') auth = true;
    if (clean === 'auth' && (last === undefined || !NOT_AUTH_LAST.has(last))) auth = true;
  });
  return { auth, login };
}

interface Mount {
  pos: number;
  receiver: string | undefined;
  paths: string[] | undefined;
  /** Identifiers mounted with the limiter: `app.use('/auth', limiter, authRouter)`. */
  names: Set<string>;
}

interface PendingRoute {
  route: RouteCall;
  receiver: string | undefined;
  method: string;
}

export const rule: SourceRule = {
  id: 'auth-route-no-rate-limit',
  row: 'rate-limit',
  severity: 'warning',
  description: 'Detects login, signup, password-reset, OTP and token routes that no rate limiter protects.',
  message: 'Auth route without a rate limiter: add one (e.g. express-rate-limit, about 5 tries per 15 min) to stop brute force and credential stuffing.',
  fixable: false,
  docs: {
    why:
      'Login, signup, password-reset and OTP endpoints are the first target of credential stuffing and brute force: ' +
      'without a limiter an attacker can try thousands of passwords or 6-digit codes per minute. ' +
      'A per-IP (and ideally per-account) limit makes these attacks slow enough to be useless.',
    bad: "router.post('/login', async (req, res) => {\n  const user = await users.verify(req.body.email, req.body.password);\n  // ...\n});",
    good:
      "import rateLimit from 'express-rate-limit';\n\n" +
      'const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 5, standardHeaders: true, legacyHeaders: false });\n\n' +
      "router.post('/login', loginLimiter, async (req, res) => {\n  // ...\n});",
    fix:
      'Put a rate limiter in front of every auth route: `router.post(\'/login\', loginLimiter, handler)`, or mount one on the ' +
      'auth router (`app.use(\'/auth\', authLimiter, authRouter)`). Use a shared store (Redis) when you run several instances. ' +
      'If your limiter has a custom name, list it under `rateLimiters` in preflight.config.json.',
    cwe: ['CWE-307', 'CWE-770'],
    owasp: ['A07:2021', 'A04:2021'],
  },
  create(ctx) {
    if (TEST_FILE.test(ctx.file)) return {};
    const routes: PendingRoute[] = [];
    const mounts: Mount[] = [];
    const nestRoutes: { node: ts.Decorator; path: string; method: string; skipped: boolean }[] = [];
    // Calls that may create an app: noteApp resolves them only when onEnd needs createsApp (see there).
    const appCandidates: (ts.CallExpression | ts.NewExpression)[] = [];
    let mountsOnApp = false;
    let limiterSeen = false;
    let serverFile: boolean | undefined;
    const configured = new Set(ctx.project.rateLimiters);
    // noteApp can only succeed on a callee resolved to one of these modules, noteLimiterCreation on a
    // LIMITER_MODULES one: either needs the module's specifier spelled in this file. Computed on
    // first need, with regexes (one pass each, where includes() costs a pass per module).
    const t = ctx.text;
    let appSpelled: boolean | undefined;
    let limiterSpelled: boolean | undefined;
    const mayCreateApp = (): boolean => (appSpelled ??= APP_MODULE_TEXT.test(t));
    const mayCreateLimiter = (): boolean => (limiterSpelled ??= textHasAnyOf(t, LIMITER_WORDS) && LIMITER_MODULE_LIST.some((m) => textHas(t, m)));
    // isLimiter, usesLimiter, limiterLabel and noteLimiterCreation act only on what resolves to
    // LIMITER_MODULES. Such a resolution needs the module's specifier in the text, spelled out or
    // with a `\` escape; then calleeMayComeFrom (made on first use) rules out most expressions.
    let limiterFilter: ((e: ts.Node) => boolean) | undefined;
    let limiterResolvable: boolean | undefined;
    const mayLimit = (e: ts.Node): boolean =>
      (limiterResolvable ??= mayCreateLimiter() || textHas(t, '\\')) && (limiterFilter ??= calleeMayComeFrom(ctx, LIMITER_MODULES))(e);
    const lim: LimiterCtx = { ctx, configured, mayCome: mayLimit, usesMemo: new Map() };

    const isServerFile = (): boolean => {
      if (serverFile === undefined) {
        const mods = ctx.modules.importedModules();
        serverFile = [...mods].some((m) => SERVER_MODULES.has(m)) && ![...mods].some((m) => MOCK_MODULES.has(m));
      }
      return serverFile;
    };

    return {
      CallExpression(node: ts.CallExpression) {
        const e = node.expression;
        // Cheap name filter first: only `x.<method>(…)`, `x.use`, `x.register` and plain calls that may build apps or limiters.
        if (e.kind === SyntaxKind.PropertyAccessExpression) {
          const name = (e as ts.PropertyAccessExpression).name.text;
          if (name === 'register') {
            const plugin = node.arguments[0];
            if (plugin && limiterIn(lim, plugin)) {
              limiterSeen = true;
              mounts.push({ pos: node.getStart(ctx.sourceFile), receiver: undefined, paths: undefined, names: new Set() });
              ctx.evidence('rate-limiter', node, 'rate limiter plugin registered app-wide');
            }
            return;
          }
          // The names below have at most 6 letters: no lowercase copy of longer ones.
          if (name.length <= 6) {
            const lower = name.toLowerCase();
            if (lower === 'use') {
              onUse(node);
              return;
            }
            if (LIMITED_METHODS.has(lower) || lower === 'get' || lower === 'patch' || lower === 'delete') {
              onRoute(node);
              return;
            }
          }
          if (name === 'create' || name === 'createServer') appCandidates.push(node);
          return;
        }
        if (e.kind === SyntaxKind.Identifier || e.kind === SyntaxKind.CallExpression) {
          appCandidates.push(node);
          noteLimiterCreation(node);
        }
      },
      NewExpression(node: ts.NewExpression) {
        appCandidates.push(node);
        noteLimiterCreation(node);
      },
      MethodDeclaration(node: ts.MethodDeclaration) {
        onNestMethod(node);
      },
      // NestJS: `{ provide: APP_GUARD, useClass: ThrottlerGuard }` throttles every route.
      PropertyAssignment(node: ts.PropertyAssignment) {
        if (!isIdentifier(node.name) || node.name.text !== 'useClass') return;
        if (limiterIn(lim, node.initializer)) {
          limiterSeen = true;
          ctx.evidence('rate-limiter', node, 'ThrottlerGuard applied globally');
        }
      },
      onEnd() {
        // createsApp only matters for a route reported here: its calls are resolved then, if at all.
        let definite: boolean | undefined;
        for (const r of routes) {
          if (covered(r)) continue;
          definite ??= mountsOnApp || limiterSeen || appCandidates.some(createsApp);
          const call = r.route.call;
          const start = call.getStart(ctx.sourceFile);
          const end = r.route.pathNode ? r.route.pathNode.end : call.end;
          ctx.report(
            { start, end },
            {
              message: `${r.method.toUpperCase()} ${r.route.path} has no rate limiter: add one (e.g. express-rate-limit, about 5 tries per 15 min) to stop brute force and credential stuffing.`,
              ...(definite ? {} : { unlessEvidence: 'rate-limiter' as const }),
            },
          );
        }
        for (const n of nestRoutes) {
          ctx.report(n.node, {
            message: n.skipped
              ? `@SkipThrottle() on ${n.method.toUpperCase()} ${n.path}: auth routes need the throttler most; remove it or set a strict @Throttle() limit.`
              : `${n.method.toUpperCase()} ${n.path} has no throttling: apply ThrottlerGuard (globally or with @UseGuards) and a strict @Throttle() limit.`,
            ...(n.skipped ? {} : { unlessEvidence: 'rate-limiter' as const }),
          });
        }
      },
    };

    /** True when the call creates an app (express(), new Koa(), NestFactory.create()…). */
    function createsApp(node: ts.CallExpression | ts.NewExpression): boolean {
      if (!mayCreateApp()) return false;
      const o = ctx.modules.callee(node);
      if (!o) return false;
      const p = o.path.join('.');
      return (
        (['express', 'koa', 'fastify', 'polka', 'hyper-express', 'ultimate-express'].includes(o.module) && (p === '' || p === 'default' || p === o.module)) ||
        (o.module === 'hono' && p === 'Hono') ||
        (o.module === '@nestjs/core' && p === 'NestFactory.create') ||
        (o.module === 'restify' && p === 'createServer') ||
        (o.module === '@tinyhttp/app' && p === 'App')
      );
    }

    function noteLimiterCreation(node: ts.CallExpression | ts.NewExpression): void {
      const callee = skipWrappers(node.expression);
      if (callee.kind !== SyntaxKind.Identifier || !mayCreateLimiter() || !mayLimit(callee)) return;
      const o = ctx.modules.callee(node);
      if (!o || !LIMITER_MODULES.has(o.module) || o.path.length > 1) return;
      // Decorators and generic job limiters are not HTTP limiters being created.
      if (o.module === '@nestjs/throttler' || GENERIC_LIMITERS.has(o.module)) return;
      limiterSeen = true;
      // Written inline in a route or mount: that call reports the evidence.
      if (isCallExpression(node.parent) && node.parent.arguments.includes(node as ts.Expression)) return;
      ctx.evidence('rate-limiter', node, `${o.module} limiter created`);
    }

    function onUse(node: ts.CallExpression): void {
      const args = node.arguments;
      if (args.length === 0) return;
      const receiverNode = skipWrappers((node.expression as ts.PropertyAccessExpression).expression);
      const receiver = dottedName(receiverNode);
      if (!isRouterReceiver(receiverNode)) mountsOnApp = true;
      const first = args[0];
      const pathText = stringValue(first);
      let paths: string[] | undefined;
      let rest: readonly ts.Expression[] = args;
      if (pathText !== undefined) {
        paths = [pathText];
        rest = args.slice(1);
      } else if (isArrayLiteralExpression(first) && first.elements.every((el) => stringValue(el) !== undefined)) {
        paths = first.elements.map((el) => stringValue(el)!);
        rest = args.slice(1);
      }
      if (!rest.some((a) => limiterIn(lim, a))) return;
      limiterSeen = true;
      const names = new Set<string>();
      for (const a of rest) {
        const n = dottedName(a);
        if (n) names.add(n);
      }
      mounts.push({ pos: node.getStart(ctx.sourceFile), receiver, paths, names });
      ctx.evidence('rate-limiter', node, paths ? `rate limiter on ${paths.join(', ')}` : 'rate limiter applied app-wide');
    }

    function onRoute(node: ts.CallExpression): void {
      const route = routeCall(node);
      if (!route || route.path === undefined || route.method === 'use') return;
      // Only post/put/all routes read the path's kind.
      const kind = LIMITED_METHODS.has(route.method) ? classifyPath(route.path) : NOT_AUTH;
      const auth = kind.auth && LIMITED_METHODS.has(route.method);
      // Only auth routes pay for a look inside handler bodies (depth 0); others just get their evidence.
      const depth = auth ? 0 : 1;
      const limited = route.handlers.some((h) => limiterIn(lim, h, depth) || routeOptionsLimit(lim, h));
      if (limited) {
        limiterSeen = true;
        ctx.evidence('rate-limiter', node, `${limiterLabel(lim, route.handlers)} on ${route.path}`);
      }
      if (!auth) return;
      if (!isServerRoute(route)) return;
      if (limited) return;
      // `app.all('/login', (req, res) => res.redirect('/'))` takes no credentials: nothing to guess at.
      if (isRedirectOnly(route)) return;
      if (kind.login) ctx.fact('login-route', node);
      const receiverNode = routeReceiver(route);
      routes.push({ route, receiver: receiverNode && dottedName(receiverNode), method: route.method });
    }

    function isServerRoute(route: RouteCall): boolean {
      const last = route.handlers[route.handlers.length - 1];
      if (!last) return false;
      const l = skipWrappers(last);
      if (isObjectLiteralExpression(l) || isStringLiteralLike(l) || isArrayLiteralExpression(l)) {
        // `fastify.post('/login', { schema }, handler)` keeps the handler last; a trailing object is a client payload.
        return false;
      }
      if (isServerFile()) return true;
      const receiver = routeReceiver(route);
      const o = receiver && ctx.modules.origin(receiver);
      if (o) return SERVER_MODULES.has(o.module);
      // A plugin or router factory without imports: trust an inline (req, res) / (request, reply) handler.
      return isFunctionLike(l) && l.parameters.length >= 2 && /^(req|request|_req|ctx)$/.test(l.parameters[0].name.getText(ctx.sourceFile));
    }

    function covered(r: PendingRoute): boolean {
      const pos = r.route.call.getStart(ctx.sourceFile);
      for (const m of mounts) {
        if (r.receiver && m.names.has(r.receiver)) return true;
        // Another receiver (the app mounting this router, a plugin): where the router sits is unknown, assume covered.
        if (m.receiver !== r.receiver) return true;
        if (m.pos > pos) continue;
        if (!m.paths || m.paths.some((p) => pathCovers(p, r.route.path!))) return true;
      }
      return false;
    }

    function isRedirectOnly(route: RouteCall): boolean {
      const fn = inlineHandler(route);
      if (!fn) return false;
      const readsInput = (n: ts.Node): boolean => requestPart(n) !== null || (isIdentifier(n) && n.text === 'body');
      const isRedirect = (n: ts.Node): boolean => isCallExpression(n) && /^redirect$/i.test(calleeName(n) ?? '');
      // An arrow's expression body is itself the call, so look at the body node too.
      const reads = readsInput(fn.body) || containsNode(fn.body, readsInput);
      const redirects = isRedirect(fn.body) || containsNode(fn.body, isRedirect);
      return redirects && !reads;
    }

    function onNestMethod(node: ts.MethodDeclaration): void {
      const decorators = ts.canHaveDecorators(node) ? ts.getDecorators(node) : undefined;
      if (!decorators || decorators.length === 0) return;
      let method: string | undefined;
      let methodDecorator: ts.Decorator | undefined;
      let sub = '';
      let throttled = false;
      let skipped = false;
      for (const d of decorators) {
        if (!isCallExpression(d.expression)) continue;
        const name = dottedName(d.expression.expression);
        if (!name) continue;
        if (NEST_METHODS.has(name)) {
          const o = ctx.modules.callee(d.expression);
          if (o?.module !== '@nestjs/common') continue;
          method = name;
          methodDecorator = d;
          sub = stringValue(d.expression.arguments[0]) ?? '';
        } else if (isThrottleDecorator(d.expression)) {
          throttled = true;
        } else if (name === 'SkipThrottle') {
          skipped = d.expression.arguments.length === 0 || d.expression.arguments[0].kind === SyntaxKind.TrueKeyword;
        }
      }
      if (!method || !methodDecorator) return;
      const cls = node.parent;
      let prefix = '';
      if (ts.isClassDeclaration(cls)) {
        for (const d of (ts.getDecorators(cls) ?? [])) {
          if (!isCallExpression(d.expression)) continue;
          const name = dottedName(d.expression.expression);
          if (name === 'Controller') prefix = controllerPath(d.expression) ?? '';
          else if (isThrottleDecorator(d.expression)) throttled = true;
          else if (name === 'SkipThrottle' && d.expression.arguments.length === 0) skipped = true;
        }
      }
      const path = `/${[prefix, sub].map((s) => s.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
      if (throttled) {
        ctx.evidence('rate-limiter', node, `@nestjs/throttler on ${path}`);
        return;
      }
      const kind = classifyPath(path);
      if (!kind.auth) return;
      if (kind.login) ctx.fact('login-route', node);
      nestRoutes.push({ node: methodDecorator, path, method: method.toLowerCase(), skipped });
    }

    function isThrottleDecorator(call: ts.CallExpression): boolean {
      const name = dottedName(call.expression);
      if (name === 'Throttle') return ctx.modules.callee(call)?.module === '@nestjs/throttler';
      if (name === 'UseGuards') return call.arguments.some((a) => limiterIn(lim, a));
      return false;
    }
  },
};

/** `express-rate-limit` when a handler resolves to a known package, else 'rate limiter'. */
function limiterLabel(lim: LimiterCtx, handlers: readonly ts.Expression[]): string {
  for (const h of handlers) {
    const e = skipWrappers(h);
    if (!isIdentifier(e) && !isCallExpression(e) && !isPropertyAccessExpression(e)) continue;
    if (!lim.mayCome(e)) continue;
    const o = lim.ctx.modules.origin(e);
    if (o && LIMITER_MODULES.has(o.module)) return o.module;
  }
  return 'rate limiter';
}

function controllerPath(call: ts.CallExpression): string | undefined {
  const arg = call.arguments[0];
  const s = stringValue(arg);
  if (s !== undefined) return s;
  if (arg && isObjectLiteralExpression(arg)) return stringValue(getPropertyValue(arg, 'path'));
  return undefined;
}

/** `app.use('/auth', …)` covers `/auth/login`; Hono-style `/auth/*` too. */
function pathCovers(mount: string, path: string): boolean {
  const m = mount.replace(/\/?\*$/, '').replace(/\/+$/, '').toLowerCase();
  if (m === '') return true;
  const p = path.toLowerCase();
  return p === m || p.startsWith(`${m}/`);
}

function routeReceiver(route: RouteCall): ts.Expression | undefined {
  const e = route.call.expression;
  if (!isPropertyAccessExpression(e)) return undefined;
  let r = skipWrappers(e.expression);
  // `router.route('/login').post(h)` → router
  if (isCallExpression(r) && isPropertyAccessExpression(r.expression) && r.expression.name.text === 'route') r = skipWrappers(r.expression.expression);
  return r as ts.Expression;
}

function isRouterReceiver(node: ts.Node): boolean {
  const name = dottedName(node);
  return !!name && /router|routes/i.test(name);
}

/** What the limiter tests share within one file: the resolution pre-filter and the usesLimiter memo. */
interface LimiterCtx {
  ctx: RuleContext;
  configured: ReadonlySet<string>;
  /** False only for expressions that cannot resolve to a LIMITER_MODULES module (calleeMayComeFrom). */
  mayCome: (expr: ts.Node) => boolean;
  /** usesLimiter per function body: a middleware mounted on many routes is walked once. */
  usesMemo: Map<ts.Node, boolean>;
}

/** A value that is a rate-limiting middleware (or guard, or plugin). */
export function isLimiter(ctx: RuleContext, expr: ts.Node, configured: ReadonlySet<string>, depth = 0): boolean {
  return limiterIn({ ctx, configured, mayCome: () => true, usesMemo: new Map() }, expr, depth);
}

function limiterIn(lim: LimiterCtx, expr: ts.Node, depth = 0): boolean {
  const { ctx, configured } = lim;
  const e = skipWrappers(expr);
  if (isArrayLiteralExpression(e)) return e.elements.some((el) => limiterIn(lim, el, depth));
  const name = dottedName(isCallExpression(e) ? e.expression : e);
  if (name) {
    const last = name.slice(name.lastIndexOf('.') + 1);
    if (configured.has(name) || configured.has(last)) return true;
    if (LIMITER_NAME.test(name) && !SIZE_LIMIT_NAME.test(name)) return true;
  }
  if (!isIdentifier(e) && !isPropertyAccessExpression(e) && !isCallExpression(e) && !isFunctionLike(e)) return false;
  if (!isFunctionLike(e) && lim.mayCome(e)) {
    const o = ctx.modules.origin(e);
    if (o && LIMITER_MODULES.has(o.module)) return true;
  }
  if (depth > 0) return false;
  // A middleware written in this file that consumes a limiter (rate-limiter-flexible style).
  const fn = functionOf(e);
  if (!fn || !fn.body) return false;
  let uses = lim.usesMemo.get(fn.body);
  if (uses === undefined) {
    uses = usesLimiter(lim, fn.body);
    lim.usesMemo.set(fn.body, uses);
  }
  return uses;
}

function functionOf(e: ts.Node): ts.FunctionLikeDeclaration | undefined {
  if (isFunctionLike(e)) return e;
  if (!isIdentifier(e)) return undefined;
  const b = lookup(e.text, e);
  if (!b) return undefined;
  if (b.kind === 'function' && isFunctionDeclaration(b.declaration)) return b.declaration;
  if (b.kind === 'variable' && b.path.length === 0 && b.init) {
    const init = skipWrappers(b.init);
    if (isFunctionLike(init)) return init;
  }
  return undefined;
}

function usesLimiter(lim: LimiterCtx, body: ts.Node): boolean {
  return containsNode(body, (n) => {
    if (n.kind !== SyntaxKind.CallExpression) return false;
    const call = n as ts.CallExpression;
    const name = dottedName(call.expression);
    if (name && LIMITER_CALL_NAME.test(name)) return true;
    if (!lim.mayCome(call.expression)) return false;
    const o = lim.ctx.modules.callee(call);
    return !!o && LIMITER_MODULES.has(o.module);
  });
}

/** Fastify route options: `{ config: { rateLimit: {…} } }`, or a limiter in `preHandler` / `onRequest`. */
function routeOptionsLimit(lim: LimiterCtx, h: ts.Expression): boolean {
  const o = skipWrappers(h);
  if (!isObjectLiteralExpression(o)) return false;
  const config = getPropertyValue(o, 'config');
  if (config && isObjectLiteralExpression(skipWrappers(config))) {
    const rl = getPropertyValue(skipWrappers(config) as ts.ObjectLiteralExpression, 'rateLimit');
    if (rl && rl.kind !== SyntaxKind.FalseKeyword) return true;
  }
  for (const hook of ['preHandler', 'onRequest', 'preValidation']) {
    const v = getPropertyValue(o, hook);
    if (v && limiterIn(lim, v)) return true;
  }
  return false;
}
