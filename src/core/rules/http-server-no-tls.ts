import {
  isBinaryExpression, isCallExpression, isImportDeclaration, isObjectLiteralExpression,
  isPropertyAccessExpression, isStringLiteral, isTemplateExpression, isVariableStatement, SyntaxKind,
  ts,
} from '../ts';
import { textHas } from '../lib/text-hints';
import { calleeName, getPropertyValue, stringValue } from '../ast';
import { constNumber, isTestOrSampleFile } from '../lib/hygiene';
import { normalizeModule, requiredModule, skipWrappers, type Origin } from '../modules';
import type { SourceRule } from '../types';

/**
 * A plain-HTTP server on the public ports, serving the app itself:
 *
 *   http.createServer(app).listen(80);        // the whole app over cleartext
 *   app.listen(443);                          // cleartext on the TLS port
 *
 * Port 80 is fine when HTTP is redirected to HTTPS: express-sslify,
 * express-enforces-ssl, koa-sslify, or any `res.redirect('https://…')` /
 * `Location: https://…` (the `https-redirect` evidence, looked for across the
 * workspace). Ports taken from the environment are not judged: those servers
 * usually sit behind a TLS-terminating proxy.
 */

const REDIRECT_MODULES = [
  'express-sslify', 'express-enforces-ssl', 'koa-sslify', 'enforce-https', 'express-https-redirect', 'heroku-ssl-redirect',
  'express-force-https', 'express-force-ssl', 'force-ssl', 'redirect-https', '@fastify/https-redirect',
];

const PROPERTY_ACCESS = SyntaxKind.PropertyAccessExpression;
const IDENTIFIER = SyntaxKind.Identifier;

/**
 * `REDIRECT_MODULES.some((m) => text.includes(m))` in one or two scans instead of eleven:
 * every name spells `https` or `-ssl`, so the full test runs only when one of those does.
 */
function mayNameRedirectModule(text: string): boolean {
  return (textHas(text, 'https') || textHas(text, '-ssl')) && REDIRECT_MODULES.some((m) => textHas(text, m));
}

export const rule: SourceRule = {
  id: 'http-server-no-tls',
  row: 'https',
  severity: 'info',
  description: 'Detects a plain HTTP server listening on port 80 or 443 that serves the app without redirecting to HTTPS.',
  message: 'Plain HTTP server on a public port: traffic, cookies and tokens travel in cleartext; serve HTTPS and redirect port 80 to it.',
  fixable: false,
  docs: {
    why:
      'Anything sent over plain HTTP can be read and changed by anyone on the network path: session cookies, bearer tokens, passwords ' +
      'in login forms. A server listening on port 80 with the full app (or cleartext on 443) invites clients to use it, and HSTS sent ' +
      'over HTTP is ignored by browsers, so the first visit stays exposed unless port 80 only redirects.',
    bad: "http.createServer(app).listen(80);\nhttps.createServer({ key, cert }, app).listen(443);",
    good:
      "https.createServer({ key, cert }, app).listen(443);\n\n" +
      "// port 80 only redirects\nhttp.createServer((req, res) => {\n" +
      "  res.writeHead(301, { Location: `https://${req.headers.host}${req.url}` });\n  res.end();\n}).listen(80);",
    fix:
      'Terminate TLS (in Node with https.createServer, or at a proxy/load balancer) and make port 80 answer every request with a 301 ' +
      'to the https:// URL (express-sslify or a small middleware checking `req.secure`); then send HSTS from the HTTPS side.',
    cwe: ['CWE-319'],
    owasp: ['A02:2021'],
  },
  create(ctx) {
    if (isTestOrSampleFile(ctx.file)) return {};
    // Reports need `x.listen(…)`; evidence needs `redirect(…)`, `writeHead(…)` or a redirect module's specifier.
    if (!ctx.mentions('listen', 'redirect', 'writeHead') && !mayNameRedirectModule(ctx.text)) return {};
    const plain: { call: ts.CallExpression; port: number }[] = [];
    let redirects = false;
    const redirect = (node: ts.Node, what: string): void => {
      if (!redirects) ctx.evidence('https-redirect', node, what);
      redirects = true;
    };
    return {
      CallExpression(node: ts.CallExpression) {
        // calleeName without the call for the common shapes `x.name(…)` / `name(…)`.
        const callee = node.expression;
        const name = callee.kind === PROPERTY_ACCESS ? (callee as ts.PropertyAccessExpression).name.text
          : callee.kind === IDENTIFIER ? (callee as ts.Identifier).text : calleeName(node);
        if (name !== 'listen' && name !== 'redirect' && name !== 'writeHead') return;
        if (name === 'listen') {
          const port = constNumber(node.arguments[0]) ?? portOption(node.arguments[0]);
          if (port !== 80 && port !== 443) return;
          const e = node.expression;
          if (isPropertyAccessExpression(e) && isPlainServer(ctx.modules.origin(e.expression))) plain.push({ call: node, port });
          return;
        }
        // res.redirect(301, 'https://' + host + url), res.redirect(`https://${req.hostname}${req.url}`)
        if (name === 'redirect' && node.arguments.some(isHttpsUrl)) {
          redirect(node, 'HTTP requests redirected to https://');
          return;
        }
        // res.writeHead(301, { Location: 'https://…' })
        if (name === 'writeHead' && node.arguments.some((a) => {
          const o = skipWrappers(a);
          if (!isObjectLiteralExpression(o)) return false;
          const loc = getPropertyValue(o, 'Location') ?? getPropertyValue(o, 'location');
          return !!loc && isHttpsUrl(loc);
        })) {
          redirect(node, 'HTTP requests redirected to https://');
        }
      },
      onEnd() {
        const mod = REDIRECT_MODULES.find((m) => ctx.modules.imports(m));
        if (mod) redirect(importOf(ctx.sourceFile, mod) ?? plain[0]?.call ?? ctx.sourceFile.statements[0] ?? ctx.sourceFile, `${mod} redirects HTTP to HTTPS`);
        for (const p of plain) {
          if (p.port === 443) {
            ctx.report(p.call, {
              message: 'Plain HTTP server on port 443: clients expecting TLS get cleartext; create it with https.createServer({ key, cert }, app) or terminate TLS at a proxy.',
            });
          } else if (!redirects) {
            ctx.report(p.call, { unlessEvidence: 'https-redirect' });
          }
        }
      },
    };
  },
};

/** `app.listen({ port: 80 })` (Fastify, Koa via net options). */
function portOption(arg: ts.Expression | undefined): number | undefined {
  const o = arg && skipWrappers(arg);
  return o && isObjectLiteralExpression(o) ? constNumber(getPropertyValue(o, 'port')) : undefined;
}

/** An Express or Koa app (they listen through node:http) or a node:http server. */
function isPlainServer(o: Origin | undefined): boolean {
  if (!o) return false;
  const p = o.path.join('.');
  if (o.module === 'express' || o.module === 'koa') return p === '()' || p === 'default.()';
  if (o.module === 'http') return p === 'createServer.()';
  return false;
}

/** A string, template or concatenation that starts with `https://`. */
function isHttpsUrl(expr: ts.Node): boolean {
  let e = skipWrappers(expr);
  while (isBinaryExpression(e) && e.operatorToken.kind === SyntaxKind.PlusToken) e = skipWrappers(e.left);
  const s = stringValue(e) ?? (isTemplateExpression(e) ? e.head.text : undefined);
  return s !== undefined && s.toLowerCase().startsWith('https://');
}

/** The top-level import or require statement of `module`. */
function importOf(sf: ts.SourceFile, module: string): ts.Statement | undefined {
  return sf.statements.find((st) => {
    if (isImportDeclaration(st)) return isStringLiteral(st.moduleSpecifier) && normalizeModule(st.moduleSpecifier.text) === module;
    if (!isVariableStatement(st)) return false;
    return st.declarationList.declarations.some((d) => {
      let e: ts.Node | undefined = d.initializer;
      for (let i = 0; e && i < 3 && !requiredModule(e); i++) e = isCallExpression(e) || isPropertyAccessExpression(e) ? e.expression : undefined;
      return !!e && requiredModule(e) === module;
    });
  });
}
