import {
  isAsExpression, isElementAccessExpression, isIdentifier, isParenthesizedExpression,
  isPropertyAccessExpression, isPropertyAssignment, isShorthandPropertyAssignment,
  isStringLiteralLike, isVariableDeclaration, isVariableStatement, SyntaxKind, ts,
} from '../ts';
import { textHas } from '../lib/text-hints';
import { eol, indentAt } from '../ast';
import { ensureImport } from '../fix';
import { calleeMayComeFrom, skipWrappers } from '../modules';
import { enclosingFunctionOrFile, identifierAt, isIdentifierChar } from '../scopes';
import { isCliFile } from '../lib/test-files';
import type { Fix, SourceRule } from '../types';

/**
 * An Express app with no helmet: `const app = express()` in a project where
 * nothing applies `helmet()` to it. The finding is dropped at workspace level
 * when any file applies helmet, since apps are often built in one file and
 * configured in another.
 */
export const rule: SourceRule = {
  id: 'missing-helmet',
  row: 'security-headers',
  severity: 'warning',
  description: 'Detects an Express app created without the helmet security headers middleware.',
  message: 'Express app without helmet(): no CSP, HSTS, X-Frame-Options or nosniff headers are sent.',
  fixable: true,
  docs: {
    why:
      'Without security headers a browser will frame your pages (clickjacking), sniff content types, ' +
      'and accept downgrades to HTTP. Express sends none of these by default and advertises itself in X-Powered-By.',
    bad: "const app = express();\napp.get('/', home);",
    good: "import helmet from 'helmet';\n\nconst app = express();\napp.use(helmet());\napp.get('/', home);",
    fix: 'Install helmet and apply `app.use(helmet())` before your routes; tune its CSP for your assets.',
    cwe: ['CWE-693', 'CWE-1021'],
    owasp: ['A05:2021'],
  },
  create(ctx) {
    // Resolving every call's module is this rule's whole cost: skip files that import no server or helmet.
    const imported = ctx.modules.importedModules();
    if (![...imported].some((m) => RELEVANT_MODULES.has(m))) return {};
    // helmet's middleware can be any `helmet.x()`; without the specifier only the server shapes remain.
    const mayHelmet = textHas(ctx.text, 'helmet');
    // Only callees that can resolve to one of these modules are resolved (see calleeMayComeFrom).
    const mayCome = calleeMayComeFrom(ctx, RELEVANT_MODULES);
    const apps: ts.CallExpression[] = [];
    let helmetApplied = false;
    return {
      CallExpression(node: ts.CallExpression) {
        if (!mayHelmet && !mayBeServerCallee(node.expression)) return;
        if (!mayCome(node.expression)) return;
        const origin = ctx.modules.callee(node);
        if (!origin) return;
        if (origin.module === 'express' && origin.path.length === 0) {
          apps.push(node);
          ctx.fact('http-server', node);
        } else if (origin.module === 'helmet' && origin.path.length <= 1) {
          helmetApplied = true;
          ctx.evidence('helmet', node, 'helmet() applied');
        } else if (isOtherServer(origin.module, origin.path.join('.'))) {
          ctx.fact('http-server', node);
        }
      },
      // new Koa(), new Hono()
      NewExpression(node: ts.NewExpression) {
        if (!mayBeServerCallee(node.expression)) return;
        if (!mayCome(node.expression)) return;
        const origin = ctx.modules.callee(node);
        if (origin && isOtherServer(origin.module, origin.path.join('.'))) ctx.fact('http-server', node);
      },
      onEnd() {
        if (helmetApplied) return;
        const cli = isCliFile(ctx.file);
        for (const app of apps) {
          // A CLI command that builds an app only to boot the framework's loaders (`loaders({ expressApp: app })`) serves nothing.
          if (cli && !mayServe(ctx.sourceFile, app)) continue;
          ctx.report(app, { fixes: fixFor(ctx.sourceFile, app), unlessEvidence: 'helmet' });
        }
      },
    };
  },
};

/**
 * Servers other than Express (they get the http-server fact, not this rule's
 * finding): `new Koa()`, `fastify()`, `http.createServer()`, `NestFactory.create()`, Hono, Hapi, restify.
 */
const RELEVANT_MODULES: ReadonlySet<string> = new Set([
  'express', 'helmet', 'koa', 'fastify', 'http', 'https', 'http2', '@nestjs/core', 'hono', '@hapi/hapi', 'hapi', 'restify',
]);

/**
 * Last names of a property-access callee whose origin can be express itself (`express_1.default`)
 * or a server of isOtherServer: a property access ends its origin's path with its own name, except `.default` on a module.
 */
const SERVER_TAILS: ReadonlySet<string> = new Set([
  'default', 'koa', 'fastify', 'createServer', 'createSecureServer', 'create', 'Hono', 'server', 'Server',
]);

/** False when the callee cannot resolve to express itself or another server (helmet aside): a cheap test before resolution. */
function mayBeServerCallee(callee: ts.Expression): boolean {
  const e = skipWrappers(callee);
  if (isPropertyAccessExpression(e)) return SERVER_TAILS.has(e.name.text);
  if (isElementAccessExpression(e)) return isStringLiteralLike(e.argumentExpression) && SERVER_TAILS.has(e.argumentExpression.text);
  return true;
}

function isOtherServer(module: string, path: string): boolean {
  switch (module) {
    case 'koa':
    case 'fastify':
      return path === '' || path === 'default' || path === module;
    case 'http':
    case 'https':
    case 'http2':
      return path === 'createServer' || path === 'createSecureServer';
    case '@nestjs/core':
      return path === 'NestFactory.create';
    case 'hono':
      return path === 'Hono';
    case '@hapi/hapi':
    case 'hapi':
      return path === 'server' || path === 'Server';
    case 'restify':
      return path === 'createServer';
    default:
      return false;
  }
}

/** What an app that serves requests gets: middleware or routes, `listen`, or a hand-off that may do either. */
const SERVING_METHODS: ReadonlySet<string> = new Set([
  'listen', 'use', 'route', 'all', 'get', 'post', 'put', 'patch', 'delete', 'options', 'head', 'engine', 'set', 'disable', 'enable',
]);

/**
 * Whether `const app = express()` may serve: in the function (or file) that declares it, the app
 * gets middleware, routes or `listen`, is called (`app(req, res)`), passed directly to a call
 * (`http.createServer(app)`, `mount(app)`), returned, exported or assigned. An app not bound to a
 * plain variable always may. Only an app whose uses are all other (a property of an options object,
 * or none) does not.
 */
function mayServe(sf: ts.SourceFile, app: ts.CallExpression): boolean {
  const decl = skipParens(app).parent;
  if (!isVariableDeclaration(decl) || !isIdentifier(decl.name) || decl.initializer === undefined || skipWrappers(decl.initializer) !== app) return true;
  if (decl.parent?.parent && isVariableStatement(decl.parent.parent) && decl.parent.parent.modifiers?.some((m) => m.kind === SyntaxKind.ExportKeyword)) return true;
  const name = decl.name.text;
  const scope = enclosingFunctionOrFile(decl);
  const text = sf.text;
  for (let i = text.indexOf(name, scope.pos); i >= 0 && i < scope.end; i = text.indexOf(name, i + name.length)) {
    if (isIdentifierChar(text.charCodeAt(i - 1)) || isIdentifierChar(text.charCodeAt(i + name.length))) continue;
    const id = identifierAt(sf, i);
    if (!id || id === decl.name) continue;
    let use: ts.Node = id;
    while (use.parent && (isParenthesizedExpression(use.parent) || isAsExpression(use.parent) || ts.isNonNullExpression(use.parent))) use = use.parent;
    const p = use.parent;
    if (!p) continue;
    if (isPropertyAccessExpression(p) && p.expression === use) {
      if (SERVING_METHODS.has(p.name.text)) return true;
      continue;
    }
    if (isPropertyAssignment(p) || isShorthandPropertyAssignment(p)) continue;
    // Called, passed, returned, exported, assigned, or any shape not recognized: it may serve.
    return true;
  }
  return false;
}

function skipParens(n: ts.Node): ts.Node {
  while (n.parent && isParenthesizedExpression(n.parent)) n = n.parent;
  return n;
}

/** `const app = express();` gains a following `app.use(helmet());` and the import. */
function fixFor(sf: ts.SourceFile, app: ts.CallExpression): Fix[] {
  const decl = app.parent;
  if (!isVariableDeclaration(decl) || !isIdentifier(decl.name) || decl.initializer !== app) return [];
  const statement = decl.parent?.parent;
  if (!statement || !isVariableStatement(statement)) return [];
  const text = sf.text;
  const nl = eol(text);
  const use = { start: statement.end, end: statement.end, newText: `${nl}${indentAt(text, statement.getStart(sf))}${decl.name.text}.use(helmet());` };
  const imp = ensureImport(sf, 'helmet', 'helmet');
  return [{ title: 'Apply helmet() to the app', edits: imp ? [imp, use] : [use], preferred: true }];
}
