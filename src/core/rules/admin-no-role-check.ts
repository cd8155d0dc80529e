import {
  isBinaryExpression, isCallExpression, isIdentifier, isIfStatement, isNewExpression,
  isPropertyAccessExpression, isPropertyAssignment, isReturnStatement, isSourceFile,
  isVariableDeclaration, SyntaxKind, ts,
} from '../ts';
import { calleeName, calleeObject, routeCall, type RouteCall, isFunctionLike } from '../ast';
import { requiredModule, skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { RuleContext, SourceRule } from '../types';
import { find, isLoginPath, middlewareOf, resolveHandler, routeLabel, segments, words } from './login-user-enumeration';

/**
 * An /admin route that only checks *who* the caller is, not *what* they may do:
 *
 *   router.use(requireAuth);                          // any logged-in user …
 *   router.delete('/admin/users/:id', deleteUser);    // … can delete users
 *
 * A role check is a middleware named like one (`requireRole('admin')`,
 * `isAdmin`, `authorize(...)`, `checkPermission`, `can(...)`, `restrictTo('admin')`)
 * on the route, in an earlier `use` of the same router or app, on the `use`
 * that mounts a local router at /admin, or a role test in the handler that
 * answers 401/403. A router from another file mounted at /admin without one is
 * reported at the mount unless a role check exists somewhere in the workspace;
 * no admin route is reported when a middleware somewhere tests the request
 * path for /admin and the caller's role (a global access check).
 */
export const rule: SourceRule = {
  id: 'admin-no-role-check',
  row: 'admin-endpoints',
  severity: 'error',
  description: 'Detects admin routes that authenticate the caller but never check their role or permissions.',
  message: 'Admin route has no role check: any authenticated (or anonymous) user can call it; add a role middleware such as requireRole(\'admin\').',
  fixable: false,
  docs: {
    why:
      'Authentication says who the caller is; only an authorization check says they may use the back office. An /admin ' +
      'route behind `requireAuth` alone is open to every registered user, which turns any sign-up into an admin account ' +
      '(privilege escalation, OWASP\'s most common risk).',
    bad:
      'router.use(requireAuth);\n' +
      "router.delete('/admin/users/:id', async (req, res) => {\n" +
      '  await User.findByIdAndDelete(req.params.id);\n' +
      '  res.status(204).end();\n' +
      '});',
    good:
      'router.use(requireAuth);\n' +
      "router.delete('/admin/users/:id', requireRole('admin'), async (req, res) => {\n" +
      '  await User.findByIdAndDelete(req.params.id);\n' +
      '  res.status(204).end();\n' +
      '});',
    fix:
      'Put a role or permission middleware (`requireRole(\'admin\')`, `authorize(...)`) on every admin route, or once with ' +
      '`router.use(requireRole(\'admin\'))` before them, and log the denied attempts.',
    cwe: ['CWE-285', 'CWE-862'],
    owasp: ['A01:2021'],
  },
  create(ctx) {
    const routes: RouteCall[] = [];
    let pathGuard = false;
    return {
      CallExpression(node: ts.CallExpression) {
        // routeCall needs `x.<method>(…)` with an argument: tested here first, by kind.
        if (node.expression.kind !== SyntaxKind.PropertyAccessExpression || node.arguments.length === 0) return;
        const route = routeCall(node);
        if (route) routes.push(route);
      },
      StringLiteral(node: ts.StringLiteral) {
        if (pathGuard || !node.text.startsWith('/') || !isAdminPath(node.text)) return;
        const fn = adminPathGuard(node);
        if (!fn) return;
        pathGuard = true;
        ctx.evidence('admin-path-guard', node, `${node.text} paths need an admin role (${functionLabel(fn)})`);
      },
      onEnd() {
        if (routes.length > 0) check(ctx, routes);
      },
    };
  },
};

/**
 * `const requireAdmin = req.path.indexOf('/admin') === 0; … if (requireAdmin && !user.is_admin) return deny();`:
 * a middleware (any file, mounted app-wide) that tests the request path and the role. Its function, or undefined.
 */
function adminPathGuard(literal: ts.StringLiteral): ts.Node | undefined {
  if (!testsRequestPath(literal)) return undefined;
  // `const requireAdmin = req.path…('/admin')`: that name holds the path test, not a role.
  const pathTest = new Set<string>();
  for (let n: ts.Node | undefined = literal.parent; n && !isSourceFile(n); n = n.parent) {
    if (isVariableDeclaration(n) && isIdentifier(n.name)) pathTest.add(n.name.text);
    if (!isFunctionLike(n)) continue;
    return checksRoleInside(n, pathTest) ? n : undefined;
  }
  return undefined;
}

const PATH_TESTS: ReadonlySet<string> = new Set(['indexOf', 'startsWith', 'includes', 'test', 'match']);
const REQUEST_PATH_PROPS: ReadonlySet<string> = new Set(['path', 'url', 'originalUrl', 'baseUrl', 'pathname']);

/** `req.path.indexOf('/admin')`, `req.originalUrl.startsWith('/admin/')`, `req.url === '/admin'`. */
function testsRequestPath(literal: ts.StringLiteral): boolean {
  const p = literal.parent;
  let subject: ts.Expression | undefined;
  if (isCallExpression(p) && p.arguments[0] === literal && PATH_TESTS.has(calleeName(p) ?? '')) subject = calleeObject(p);
  else if (isBinaryExpression(p) && (p.left === literal || p.right === literal)) subject = p.left === literal ? p.right : p.left;
  if (!subject) return false;
  // Through .toLowerCase() and friends.
  let e = skipWrappers(subject);
  while (isCallExpression(e) && isPropertyAccessExpression(e.expression)) e = skipWrappers(e.expression.expression);
  return isPropertyAccessExpression(e) && REQUEST_PATH_PROPS.has(e.name.text);
}

function functionLabel(fn: ts.Node): string {
  const named = (fn as ts.FunctionDeclaration).name;
  if (named && isIdentifier(named)) return `${named.text}()`;
  const p = fn.parent;
  if (isVariableDeclaration(p) && isIdentifier(p.name)) return `${p.name.text}()`;
  if (isPropertyAssignment(p) || isBinaryExpression(p)) return `${(isPropertyAssignment(p) ? p.name : p.left).getText()}`;
  return 'a middleware';
}

/** `/admin`, `/api/admin/users`, `/admin-panel`, `/users/:id/admin`; not `/administrative-areas`. */
export function isAdminPath(path: string): boolean {
  // Every admin segment below contains admin or backoffice/back-office (any case; toLowerCase also makes a Kelvin sign `k`).
  if (!ADMIN_HINT.test(path)) return false;
  return segments(path.toLowerCase()).some((s) => ADMIN_SEGMENTS.has(s) || /^(super)?admin[-_]/.test(s));
}
const ADMIN_HINT = /admin|bac[k\u212A]-?office/i;
const ADMIN_SEGMENTS: ReadonlySet<string> = new Set(['admin', 'admins', 'administrator', 'superadmin', 'backoffice', 'back-office']);

/** Login, logout and password-reset pages of the back office are public by design. */
function isPublicAdminPath(path: string): boolean {
  const last = segments(path.toLowerCase()).pop() ?? '';
  return isLoginPath(path) || /^(log-?out|sign-?out|forgot[-_]?password|reset[-_]?password|register|sign-?up|auth|callback|assets|static|public)$/.test(last);
}

const ROLE_WORDS: ReadonlySet<string> = new Set([
  'admin', 'admins', 'role', 'roles', 'permission', 'permissions', 'permit', 'permitted', 'authorize', 'authorized', 'authorise',
  'authorised', 'authorization', 'authz', 'can', 'ability', 'abilities', 'acl', 'rbac', 'abac', 'guard', 'policy', 'policies',
  'staff', 'superuser', 'superadmin', 'privilege', 'privileges', 'privileged', 'scope', 'scopes', 'restrict', 'grant', 'grants',
]);
/** Names that are routers or apps, not guards: `adminRouter`, `adminRoutes`, `adminPanel`. */
const NOT_GUARD_WORDS: ReadonlySet<string> = new Set(['router', 'routes', 'route', 'routing', 'controller', 'controllers', 'app', 'api', 'panel', 'ui', 'dashboard', 'module', 'static', 'page', 'pages', 'view', 'views']);
const ADMINISH_ARG = /admin|superuser|staff|moderator|\brole|permission/i;

/** A middleware expression that checks a role or permission. */
export function isRoleGuard(m: ts.Node): boolean {
  const e = skipWrappers(m);
  let target: ts.Node = e;
  if (isCallExpression(e)) {
    if (e.arguments.some((a) => ADMINISH_ARG.test(a.getText()))) {
      // requireRole('admin'), restrictTo('admin'), jwtAuth({ roles: ['admin'] }); not express.static('admin')
      const name = calleeName(e) ?? '';
      if (!/static|router|render|sendFile/i.test(name)) return true;
    }
    target = e.expression;
  }
  const text = isIdentifier(target) || isPropertyAccessExpression(target) ? target.getText() : undefined;
  if (!text) return false;
  const w = words(text);
  if (w.some((x) => NOT_GUARD_WORDS.has(x))) return false;
  if (w.includes('passport') || w.includes('authenticate')) return false;
  return w.some((x) => ROLE_WORDS.has(x));
}

const CHECK_VERBS: ReadonlySet<string> = new Set(['assert', 'ensure', 'check', 'require', 'requires', 'verify', 'authorize', 'can', 'has', 'is', 'throw', 'must', 'guard', 'enforce', 'only']);
const ROLE_PROPS: ReadonlySet<string> = new Set(['role', 'roles', 'admin', 'permission', 'permissions', 'superuser', 'staff', 'privileges', 'scopes', 'scope']);

/**
 * A role test inside the handler: `if (req.user.role !== 'admin') return res.sendStatus(403)`,
 * `if (!req.user?.isAdmin) throw new ForbiddenError()`, `assertAdmin(req.user)`, `ability.can(…)`.
 */
function checksRoleInside(fn: ts.Node, notRoles?: ReadonlySet<string>): boolean {
  const isRole = (id: ts.Identifier): boolean => !notRoles?.has(id.text) && words(id.text).some((x) => ROLE_PROPS.has(x));
  return !!find(fn, (n) => {
    if (isCallExpression(n)) {
      const w = words(calleeName(n) ?? '');
      if (w.some((x) => CHECK_VERBS.has(x)) && w.some((x) => ROLE_WORDS.has(x))) return true;
      return false;
    }
    if (isIfStatement(n)) {
      const mentionsRole = !!find(n.expression, (c) => isIdentifier(c) && isRole(c)) ||
        (isIdentifier(n.expression) && isRole(n.expression));
      if (!mentionsRole) return false;
      return !!find(n.thenStatement, (b) => ts.isThrowStatement(b) || isReturnStatement(b) ||
        (isCallExpression(b) && (calleeName(b) === 'sendStatus' || calleeName(b) === 'status')));
    }
    return false;
  });
}

interface Guard {
  receiver: string;
  pos: number;
  /** Applies to routes under this path; undefined for all. */
  path?: string;
  node: ts.Node;
}

/** The expression's text for grouping routes by their router: `router`, `app`, `this.router`. */
function receiverOf(route: RouteCall): string | undefined {
  let obj = calleeObject(route.call);
  // x.route('/a').get(h)
  while (obj && isCallExpression(obj)) obj = calleeObject(obj);
  return obj?.getText();
}

function under(path: string, prefix: string): boolean {
  const p = prefix.replace(/\/\*?$/, '');
  return p === '' || path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`) || path.startsWith(`${p}*`);
}

/** `const router = express.Router()` in this file, not `require('./admin')` or an import. */
function isLocalRouter(id: ts.Identifier): boolean {
  const b = lookup(id.text, id);
  if (!b || b.kind !== 'variable' || !b.init || b.path.length > 0) return false;
  const init = skipWrappers(b.init);
  return (isCallExpression(init) && requiredModule(init) === undefined) || isNewExpression(init);
}

/** A role-checking middleware: by its name or arguments, or a local function that tests the role. */
function isGuardWith(m: ts.Node, roleInside: (fn: ts.Node) => boolean): boolean {
  if (isRoleGuard(m)) return true;
  const fn = resolveHandler(m as ts.Expression);
  return !!fn && roleInside(fn);
}

function check(ctx: RuleContext, routes: RouteCall[]): void {
  // One file's functions are walked for a role test at most once, however many routes name them.
  const insideCache = new Map<ts.Node, boolean>();
  const roleInside = (fn: ts.Node): boolean => {
    let v = insideCache.get(fn);
    if (v === undefined) {
      v = checksRoleInside(fn);
      insideCache.set(fn, v);
    }
    return v;
  };
  const guardCache = new Map<ts.Node, boolean>();
  const isGuard = (m: ts.Node): boolean => {
    let v = guardCache.get(m);
    if (v === undefined) {
      v = isGuardWith(m, roleInside);
      guardCache.set(m, v);
    }
    return v;
  };
  const guards: Guard[] = [];
  /** Local routers mounted at an admin path: router name → the mount call and its guard. */
  const mounted = new Map<string, { mount: RouteCall; guard?: ts.Node }>();
  const reported = new Set<ts.Node>();
  const evidenced = new Set<string>();
  const evidenceOnce = (node: ts.Node, message: string): void => {
    const key = node.getText();
    if (evidenced.has(key)) return;
    evidenced.add(key);
    ctx.evidence('admin-role-check', node, message);
  };

  // Each route's receiver text, once (both loops below need it).
  const receivers = new Map<RouteCall, string | undefined>();
  for (const r of routes) receivers.set(r, receiverOf(r));

  for (const r of routes) {
    const recv = receivers.get(r);
    if (!recv) continue;
    if (r.method === 'use' || (r.method === 'all' && r.handlers.every(isGuard))) {
      const list = r.method === 'use' ? middlewareOf(r) : r.handlers;
      const guard = list.find(isGuard);
      if (guard) {
        guards.push({ receiver: recv, pos: r.call.pos, path: r.path, node: guard });
        // A router guarded here is often mounted at /admin in another file.
        evidenceOnce(guard, `${short(guard)} applied to ${recv}${r.path ? ` under ${r.path}` : ''}`);
      }
      if (r.method !== 'use' || r.path === undefined || !isAdminPath(r.path)) continue;
      // app.use('/admin', [guards…], adminRouter)
      const last = skipWrappers(r.handlers[r.handlers.length - 1]);
      if (!isIdentifier(last) || isGuard(last)) continue;
      ctx.fact('admin-route', r.call);
      const before = r.handlers.slice(0, -1).find(isGuard) ?? guardFor(guards, recv, r.path, r.call.pos);
      if (isLocalRouter(last)) {
        mounted.set(last.text, { mount: r, guard: before });
      } else if (before) {
        ctx.evidence('admin-role-check', before, `${before.getText()} on ${r.path} routes`);
      } else {
        // The router lives in another file, which may guard its own routes.
        ctx.report(r.call, {
          message: `Router mounted at ${r.path} without a role check: unless it checks roles itself, any user can reach it; add requireRole('admin') to this use() or to the router.`,
          unlessEvidence: 'admin-role-check',
        });
      }
    }
  }

  for (const r of routes) {
    if (r.method === 'use' || r.path === undefined) continue;
    const recv = receivers.get(r);
    if (!recv) continue;
    const mount = mounted.get(recv);
    const fullPath = mount ? `${mount.mount.path}${r.path === '/' ? '' : r.path}` : r.path;
    if (!isAdminPath(fullPath) || isPublicAdminPath(fullPath)) {
      // `router.get('/users', protect, isAdmin, list)` in a router mounted at /admin elsewhere
      const routeGuard = middlewareOf(r).find(isGuard);
      if (routeGuard) evidenceOnce(routeGuard, `${short(routeGuard)} on ${routeLabel(r)}`);
      continue;
    }
    if (r.method === 'all' && r.handlers.every(isGuard)) continue;
    ctx.fact('admin-route', r.call);
    const label = routeLabel({ ...r, path: fullPath });
    const guard = middlewareOf(r).find(isGuard) ?? guardFor(guards, recv, r.path, r.call.pos) ?? mount?.guard;
    if (guard) {
      ctx.evidence('admin-role-check', guard, `${short(guard)} on ${label}`);
      continue;
    }
    const last = r.handlers[r.handlers.length - 1];
    const fn = last ? resolveHandler(last) : undefined;
    if (fn && roleInside(fn)) {
      ctx.evidence('admin-role-check', fn, `role checked in the handler of ${label}`);
      continue;
    }
    if (reported.has(r.call)) continue;
    reported.add(r.call);
    ctx.report(r.call, {
      message: `Admin route ${label} has no role check: any authenticated (or anonymous) user can call it; add a role middleware such as requireRole('admin').`,
      unlessEvidence: 'admin-path-guard',
    });
  }
}

function guardFor(guards: Guard[], receiver: string, path: string | undefined, pos: number): ts.Node | undefined {
  for (const g of guards) {
    if (g.receiver !== receiver || g.pos >= pos) continue;
    if (g.path === undefined || (path !== undefined && under(path, g.path))) return g.node;
  }
  return undefined;
}

function short(n: ts.Node): string {
  const t = n.getText().replace(/\s+/g, ' ');
  return t.length > 40 ? `${t.slice(0, 37)}…` : t;
}
