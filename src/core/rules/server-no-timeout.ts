import {
  isBlock, isCallExpression, isExpressionStatement, isIdentifier, isObjectLiteralExpression,
  isPropertyAccessExpression, isSourceFile, isVariableDeclaration, isVariableStatement, SyntaxKind,
  ts,
} from '../ts';
import { textHasAnyCase } from '../lib/text-hints';
import { calleeName, dottedName, eol, getPropertyValue, indentAt } from '../ast';
import { isTestOrSampleFile } from '../lib/hygiene';
import { skipWrappers, type Origin } from '../modules';
import { lookup } from '../scopes';
import type { Fix, RuleContext, SourceRule } from '../types';

/**
 * A server started with `listen()` in a file that never tunes its timeouts:
 *
 *   const app = express();
 *   app.listen(PORT);                       // requestTimeout 300 s, headersTimeout 60 s
 *
 * Counts as tuned: `server.requestTimeout = …`, `server.headersTimeout = …`,
 * `server.timeout = …`, `server.setTimeout(…)`, `req.setTimeout(…)` in a
 * middleware, createServer/fastify options with those keys, or a timeout
 * middleware (connect-timeout, express-timeout-handler, koa-timeout). Only the
 * file that calls `listen` is judged; the `server-timeout` evidence marks the tuning.
 */

const TIMEOUT_PROPERTIES: ReadonlySet<string> = new Set(['requestTimeout', 'headersTimeout', 'timeout']);
const TIMEOUT_OPTIONS = ['requestTimeout', 'headersTimeout', 'connectionTimeout'];
const TIMEOUT_MODULES = ['connect-timeout', 'express-timeout-handler', 'koa-timeout', 'koa-timeout-v2', 'express-timeout', 'timeout-middleware'];

type ServerKind = 'express' | 'http' | 'koa' | 'fastify' | 'nest';

export const rule: SourceRule = {
  id: 'server-no-timeout',
  row: 'request-limits',
  severity: 'info',
  description: 'Detects an HTTP server started with listen() whose request and header timeouts are never set in that file.',
  message: "Server started without tuned timeouts: Node's defaults let a slow client hold a request open for up to 5 minutes; set server.headersTimeout and server.requestTimeout for your app.",
  fixable: true,
  docs: {
    why:
      'Each open connection costs a socket and memory. Node 18+ waits up to 300 s for a request body (requestTimeout) and 60 s for headers ' +
      '(headersTimeout); older Node versions have no request timeout at all. Slowloris-style clients that trickle bytes can therefore pin ' +
      'connections far longer than any real request of your API needs; a reverse proxy with its own timeouts reduces the risk.',
    bad: "const app = express();\napp.listen(3000);",
    good:
      "const app = express();\nconst server = app.listen(3000);\n" +
      'server.headersTimeout = 20_000; // must not exceed requestTimeout\nserver.requestTimeout = 30_000;',
    fix:
      'Keep the server returned by listen() and set `headersTimeout` and `requestTimeout` (headersTimeout ≤ requestTimeout) to what ' +
      'your slowest legitimate request needs, or use a timeout middleware such as connect-timeout. For Fastify, pass `requestTimeout` ' +
      'and `connectionTimeout` to `fastify({ … })`.',
    cwe: ['CWE-400'],
    owasp: ['A05:2021'],
  },
  create(ctx) {
    if (isTestOrSampleFile(ctx.file)) return {};
    // Reports need `x.listen(…)`; evidence needs x.setTimeout(…), an assignment to one of TIMEOUT_PROPERTIES,
    // or createServer / a fastify-named factory with timeout options.
    const mayFastify = textHasAnyCase(ctx.text, 'fastify');
    if (!mayFastify && !ctx.mentions('listen', 'setTimeout', 'createServer', ...TIMEOUT_PROPERTIES)) return {};
    const listens: { call: ts.CallExpression; kind: ServerKind; receiver: ts.Expression }[] = [];
    let tuned: ts.Node | undefined;
    const tune = (node: ts.Node, what: string): void => {
      if (!tuned) ctx.evidence('server-timeout', node, what);
      tuned ??= node;
    };
    return {
      CallExpression(node: ts.CallExpression) {
        const e = node.expression;
        if (isPropertyAccessExpression(e)) {
          const name = e.name.text;
          if (name === 'listen') {
            const kind = serverKind(ctx.modules.origin(e.expression));
            if (kind) listens.push({ call: node, kind, receiver: e.expression });
            return;
          }
          // server.setTimeout(30_000), req.setTimeout(10_000), app.getHttpServer().setTimeout(…)
          if (name === 'setTimeout' && node.arguments.length > 0 && !isGlobalObject(e.expression)) {
            tune(node, `${dottedName(e.expression) ?? 'server'}.setTimeout() sets a timeout`);
            return;
          }
        }
        const callee = calleeName(node);
        if (!callee || (callee !== 'createServer' && !(mayFastify && /fastify/i.test(callee)))) return;
        const o = ctx.modules.callee(node);
        if (!o) return;
        const isFactory = ((o.module === 'http' || o.module === 'https') && o.path.join('.') === 'createServer') ||
          (o.module === 'fastify' && o.path.length <= 1);
        if (!isFactory) return;
        for (const arg of node.arguments) {
          const a = skipWrappers(arg);
          if (isObjectLiteralExpression(a) && TIMEOUT_OPTIONS.some((k) => getPropertyValue(a, k))) {
            tune(a, 'server created with request timeout options');
          }
        }
      },
      // server.requestTimeout = 30_000
      BinaryExpression(node: ts.BinaryExpression) {
        if (node.operatorToken.kind !== SyntaxKind.EqualsToken || !isPropertyAccessExpression(node.left)) return;
        if (TIMEOUT_PROPERTIES.has(node.left.name.text)) tune(node, `${node.left.getText(ctx.sourceFile)} set`);
      },
      onEnd() {
        if (tuned || listens.length === 0) return;
        const middleware = TIMEOUT_MODULES.find((m) => ctx.modules.imports(m));
        if (middleware) {
          ctx.evidence('server-timeout', listens[0].call, `${middleware} middleware bounds request time`);
          return;
        }
        const first = listens[0];
        ctx.report(first.call, { fixes: first.kind === 'fastify' || first.kind === 'nest' ? [] : fixFor(ctx, first.call, first.receiver) });
      },
    };
  },
};

function isGlobalObject(e: ts.Expression): boolean {
  const x = skipWrappers(e);
  return isIdentifier(x) && (x.text === 'window' || x.text === 'globalThis' || x.text === 'global' || x.text === 'timers');
}

/** What `x` in `x.listen(…)` is: an Express/Koa app, a node:http server, a Fastify instance or a NestJS app. */
function serverKind(o: Origin | undefined): ServerKind | undefined {
  if (!o) return undefined;
  const p = o.path.join('.');
  switch (o.module) {
    case 'express':
      return p === '()' ? 'express' : undefined;
    case 'http':
    case 'https':
      return p === 'createServer.()' ? 'http' : undefined;
    case 'koa':
      return p === '()' || p === 'default.()' ? 'koa' : undefined;
    case 'fastify':
      return p === '()' || p === 'fastify.()' || p === 'default.()' ? 'fastify' : undefined;
    case '@nestjs/core':
      return p === 'NestFactory.create.()' ? 'nest' : undefined;
    default:
      return undefined;
  }
}

/**
 * `const server = app.listen(…);` gains the two assignments after it;
 * `server.listen(…);` likewise; a bare `app.listen(…);` becomes
 * `const server = app.listen(…);` when no `server` is in scope.
 */
function fixFor(ctx: RuleContext, call: ts.CallExpression, receiver: ts.Expression): Fix[] {
  const sf = ctx.sourceFile;
  const text = sf.text;
  const nl = eol(text);
  const lines = (name: string, indent: string): string =>
    `${nl}${indent}${name}.headersTimeout = 20_000;${nl}${indent}${name}.requestTimeout = 30_000;`;
  const title = 'Set headersTimeout and requestTimeout on the server';
  const parent = call.parent;
  if (isVariableDeclaration(parent) && parent.initializer === call && isIdentifier(parent.name)) {
    const statement = parent.parent?.parent;
    if (!statement || !isVariableStatement(statement) || !isBlockLike(statement.parent)) return [];
    const indent = indentAt(text, statement.getStart(sf));
    return [{ title, edits: [{ start: statement.end, end: statement.end, newText: lines(parent.name.text, indent) }], preferred: false }];
  }
  if (!isExpressionStatement(parent) || !isBlockLike(parent.parent)) return [];
  const indent = indentAt(text, parent.getStart(sf));
  const r = skipWrappers(receiver);
  // server.listen(PORT) on a node:http server held in a variable.
  if (isIdentifier(r)) {
    const b = lookup(r.text, r);
    const init = b?.init && skipWrappers(b.init);
    if (b && b.kind === 'variable' && b.path.length === 0 && init && isCallExpression(init) && /createServer$/.test(init.expression.getText(sf))) {
      return [{ title, edits: [{ start: parent.end, end: parent.end, newText: lines(r.text, indent) }], preferred: false }];
    }
  }
  if (lookup('server', call)) return [];
  return [{
    title,
    edits: [
      { start: parent.getStart(sf), end: parent.getStart(sf), newText: 'const server = ' },
      { start: parent.end, end: parent.end, newText: lines('server', indent) },
    ],
    preferred: false,
  }];
}

function isBlockLike(n: ts.Node | undefined): boolean {
  return !!n && (isBlock(n) || isSourceFile(n) || ts.isModuleBlock(n));
}
