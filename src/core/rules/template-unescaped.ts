import {
  isArrowFunction, isAwaitExpression, isBinaryExpression, isBlock, isCallExpression,
  isFunctionExpression, isIdentifier, isNumericLiteral, isObjectLiteralExpression,
  isPropertyAccessExpression, isPropertyAssignment, isReturnStatement, isStringLiteral,
  isTemplateExpression, SyntaxKind, ts,
} from '../ts';
import { calleeName, propertyName } from '../ast';
import { skipWrappers } from '../modules';
import { lookup } from '../scopes';
import { resolveObject, resolveString } from './jwt-verify-algorithms';
import { calleeOrigin, definingExpression, importsAny, relatedSource, sourceText, trace } from '../lib/injection';
import { specifierTest } from '../lib/gates';
import type { Fix, RuleContext, SourceRule } from '../types';

/**
 * HTML escaping turned off in server-side templates:
 *
 *   Handlebars.compile(src, { noEscape: true })      engine({ compilerOptions: { noEscape: true } })
 *   nunjucks.configure('views', { autoescape: false }) new nunjucks.Environment(loader, { autoescape: false })
 *   ejs.render(src, data, { escape: (s) => s })
 *   new Handlebars.SafeString(req.body.bio)          nunjucks.runtime.markSafe(req.query.msg)
 *   <div dangerouslySetInnerHTML={{ __html: post.body }} />   (not sanitized)
 *
 * Handlebars `{{{ }}}` and pug `!{}` live in template files this analyzer
 * does not read. Sanitized HTML (DOMPurify.sanitize, sanitize-html, xss),
 * constants and JSON.stringify for JSON-LD are not reported.
 */

const HANDLEBARS_MODULES: ReadonlySet<string> = new Set(['handlebars', 'hbs', 'express-handlebars', 'express-hbs', 'handlebars/runtime']);
const ENGINE_MODULES: ReadonlySet<string> = new Set([...HANDLEBARS_MODULES, 'nunjucks', 'ejs']);
const ENGINE_FUNCTIONS: ReadonlySet<string> = new Set(['compile', 'precompile', 'create', 'engine', 'configure', 'Environment', 'render', 'renderFile', 'ExpressHandlebars']);
const SANITIZE_NAME = /saniti[sz]e|purify|xss|escape|clean|strip|dompurify/i;
const SAFE_WRAPPERS: ReadonlySet<string> = new Set(['SafeString', 'markSafe']);
const UPPER_CONST = /^[A-Z][A-Z0-9_]*$/;
/** An import or require of an engine module spells its specifier in the text: without one, importsAny(ENGINE_MODULES) is false. */
const engineSpecifier = specifierTest(ENGINE_MODULES, 'quote-or-colon');

export const rule: SourceRule = {
  id: 'template-unescaped',
  row: 'injection-other',
  severity: 'warning',
  description: 'Detects HTML escaping disabled in templates: Handlebars noEscape, nunjucks autoescape: false, an identity ejs escape, SafeString/markSafe of request data, and unsanitized React dangerouslySetInnerHTML.',
  message: 'HTML escaping is turned off here: values rendered this way can inject scripts (XSS); keep autoescaping on and sanitize HTML you must trust.',
  fixable: true,
  docs: {
    why:
      'Template engines escape `<`, `>` and quotes so that data stays data. Turning that off globally, or marking a value as safe HTML, ' +
      'means any user-controlled text that reaches the page (a name, a bio, a comment) can carry `<script>` and run in your origin.',
    bad:
      "nunjucks.configure('views', { autoescape: false, express: app });\n\n" +
      "res.render('profile', { bio: new Handlebars.SafeString(req.body.bio) });\n\n" +
      '<div dangerouslySetInnerHTML={{ __html: comment.body }} />',
    good:
      "nunjucks.configure('views', { autoescape: true, express: app });\n\n" +
      "res.render('profile', { bio: req.body.bio }); // escaped by {{ bio }}\n\n" +
      '<div dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(comment.body) }} />',
    fix:
      'Leave autoescaping on (`autoescape: true`, no `noEscape`, the default ejs escape); never wrap request data in SafeString/markSafe; ' +
      'when you must render user HTML, sanitize it with DOMPurify or sanitize-html first.',
    cwe: ['CWE-79', 'CWE-116'],
    owasp: ['A03:2021'],
  },
  create(ctx) {
    const engines = engineSpecifier(ctx.text);
    // Every report needs a SafeString/markSafe call, an engine module, or a dangerouslySetInnerHTML name (JSX attribute or key).
    if (!engines && !ctx.mentions('SafeString', 'markSafe', 'dangerouslySetInnerHTML')) return {};
    let relevant: boolean | undefined = engines ? undefined : false;
    const check = (node: ts.CallExpression | ts.NewExpression): void => {
      const name = calleeName(node);
      if (!name) return;
      if (SAFE_WRAPPERS.has(name)) {
        safeWrapper(ctx, node);
        return;
      }
      if (!ENGINE_FUNCTIONS.has(name) && !isIdentifier(skipWrappers(node.expression))) return;
      if (!(relevant ??= importsAny(ctx, ENGINE_MODULES))) return;
      const o = calleeOrigin(ctx, node);
      if (!o) return;
      if (HANDLEBARS_MODULES.has(o.module)) noEscape(ctx, node);
      else if (o.module === 'nunjucks') autoescapeOff(ctx, node);
      else if (o.module === 'ejs' && (name === 'render' || name === 'compile' || name === 'renderFile')) identityEscape(ctx, node);
    };
    return {
      CallExpression: check,
      NewExpression: check,
      // <div dangerouslySetInnerHTML={{ __html: x }} />
      JsxAttribute(node: ts.JsxAttribute) {
        if (!isIdentifier(node.name) || node.name.text !== 'dangerouslySetInnerHTML') return;
        const init = node.initializer;
        if (init && ts.isJsxExpression(init) && init.expression) innerHtml(ctx, node, init.expression);
      },
      // React.createElement('div', { dangerouslySetInnerHTML: { __html: x } })
      PropertyAssignment(node: ts.PropertyAssignment) {
        if (propertyName(node.name) === 'dangerouslySetInnerHTML') innerHtml(ctx, node, node.initializer);
      },
    };
  },
};

/** `{ noEscape: true }` in the options of a Handlebars compile or an express-handlebars engine (also under compilerOptions). */
function noEscape(ctx: RuleContext, call: ts.CallExpression | ts.NewExpression): void {
  for (const arg of call.arguments ?? []) {
    const opts = resolveObject(arg);
    if (!opts) continue;
    const nested = resolveObject(opts.props.get('compilerOptions'));
    for (const o of nested ? [opts, nested] : [opts]) {
      const v = o.props.get('noEscape');
      if (!v || skipWrappers(v).kind !== SyntaxKind.TrueKeyword) continue;
      const prop = v.parent;
      ctx.report(prop, {
        message: 'Handlebars noEscape: true renders every {{value}} as raw HTML (XSS): remove it and use {{{ }}} only for HTML you sanitized.',
        fixes: isPropertyAssignment(prop) ? removePropertyFix(ctx, prop) : [],
      });
    }
  }
}

/** nunjucks.configure(path, { autoescape: false }), new nunjucks.Environment(loader, { autoescape: false }). */
function autoescapeOff(ctx: RuleContext, call: ts.CallExpression | ts.NewExpression): void {
  for (const arg of call.arguments ?? []) {
    const opts = resolveObject(arg);
    const v = opts?.props.get('autoescape');
    if (!v) continue;
    const x = skipWrappers(v);
    if (x.kind !== SyntaxKind.FalseKeyword) continue;
    const sf = ctx.sourceFile;
    ctx.report(v.parent, {
      message: 'nunjucks autoescape: false renders every {{ value }} as raw HTML (XSS): set autoescape: true and mark only sanitized HTML | safe.',
      fixes: [{ title: 'Turn autoescaping back on', edits: [{ start: x.getStart(sf), end: x.end, newText: 'true' }], preferred: false }],
    });
  }
}

/** ejs.render(src, data, { escape: (s) => s }): the escape function hands values back unchanged. */
function identityEscape(ctx: RuleContext, call: ts.CallExpression | ts.NewExpression): void {
  for (const arg of (call.arguments ?? []).slice(1)) {
    const opts = resolveObject(arg);
    const v = opts?.props.get('escape') ?? opts?.props.get('escapeFunction');
    if (!v || !isIdentity(v)) continue;
    ctx.report(v.parent, { message: 'ejs escape option returns values unchanged, so <%= %> no longer escapes HTML (XSS): drop the option to use the default escaping.' });
  }
}

function isIdentity(v: ts.Expression): boolean {
  const x = skipWrappers(v);
  if (isIdentifier(x) && x.text === 'String' && !lookup('String', x)) return true;
  if (!isArrowFunction(x) && !isFunctionExpression(x)) return false;
  const p = x.parameters[0];
  if (!p || !isIdentifier(p.name)) return false;
  let ret: ts.Expression | undefined;
  if (isBlock(x.body)) {
    const only = x.body.statements.length === 1 ? x.body.statements[0] : undefined;
    ret = only && isReturnStatement(only) ? only.expression : undefined;
  } else ret = x.body;
  if (!ret) return false;
  const r = skipWrappers(ret);
  if (isIdentifier(r)) return r.text === p.name.text;
  // (s) => String(s), (s) => `${s}`
  if (isCallExpression(r) && isIdentifier(r.expression) && r.expression.text === 'String' && r.arguments.length === 1) {
    const a = skipWrappers(r.arguments[0]);
    return isIdentifier(a) && a.text === p.name.text;
  }
  return isTemplateExpression(r) && r.head.text === '' && r.templateSpans.length === 1 && r.templateSpans[0].literal.text === '';
}

/** new Handlebars.SafeString(req.body.bio), markSafe(req.query.msg): request data declared to be trusted HTML. */
function safeWrapper(ctx: RuleContext, node: ts.CallExpression | ts.NewExpression): void {
  const arg = node.arguments?.[0];
  if (!arg) return;
  const source = trace(ctx, arg, { sanitizes: (_c, e) => isCallExpression(e) && SANITIZE_NAME.test(calleeName(e) ?? '') });
  if (!source) return;
  ctx.report(node, {
    message: `Request data (${sourceText(source)}) marked as safe HTML: it is rendered unescaped (XSS); pass the plain value and let the template escape it.`,
    related: relatedSource(source),
  });
}

/** dangerouslySetInnerHTML={{ __html: x }} where x is neither constant nor sanitized. */
function innerHtml(ctx: RuleContext, at: ts.Node, value: ts.Expression): void {
  const obj = resolveObject(value);
  const html = obj?.props.get('__html');
  if (!html) return;
  if (isConstantHtml(html, 0) || isSanitized(html, 0)) return;
  const source = trace(ctx, html);
  ctx.report(at, {
    message: source
      ? `dangerouslySetInnerHTML renders request data (${sourceText(source)}) as HTML (XSS): sanitize it with DOMPurify.sanitize() or render it as text.`
      : 'dangerouslySetInnerHTML with HTML that is not sanitized: if any of it comes from users, it can inject scripts (XSS); sanitize it with DOMPurify.sanitize().',
    related: source ? relatedSource(source) : undefined,
  });
}

/** Literals, templates of constants, `process.env.X`, UPPER_CASE constants, const bindings of those. */
function isConstantHtml(e: ts.Expression, depth: number): boolean {
  if (depth > 4) return false;
  const x = skipWrappers(e) as ts.Expression;
  if (resolveString(x) !== undefined || isNumericLiteral(x)) return true;
  if (isTemplateExpression(x)) return x.templateSpans.every((s) => isConstantHtml(s.expression, depth + 1));
  if (isBinaryExpression(x) && x.operatorToken.kind === SyntaxKind.PlusToken) return isConstantHtml(x.left, depth + 1) && isConstantHtml(x.right, depth + 1);
  if (isPropertyAccessExpression(x)) {
    const base = skipWrappers(x.expression);
    if (isPropertyAccessExpression(base) && base.name.text === 'env' && isIdentifier(base.expression) && base.expression.text === 'process') return true;
    return isIdentifier(base) && UPPER_CONST.test(base.text);
  }
  if (isIdentifier(x)) {
    if (UPPER_CONST.test(x.text) || importedFromProject(x)) return true;
    const def = definingExpression(x);
    return def !== x && isConstantHtml(def, depth + 1);
  }
  return false;
}

/**
 * `import checkIcon from './icons/check.svg'`, `import { spinnerSvg } from '../shared/spinner'`:
 * markup the project ships with itself (icons, snippets), not content users wrote.
 */
function importedFromProject(id: ts.Identifier): boolean {
  const b = lookup(id.text, id);
  if (!b || b.kind !== 'import') return false;
  const spec = (b.declaration as ts.ImportDeclaration).moduleSpecifier;
  return isStringLiteral(spec) && (spec.text.startsWith('./') || spec.text.startsWith('../'));
}

/** DOMPurify.sanitize(x), sanitizeHtml(x), xss(x), JSON.stringify(data) (JSON-LD), directly or through a variable. */
function isSanitized(e: ts.Expression, depth: number): boolean {
  if (depth > 4) return false;
  const x = definingExpression(e);
  if (isCallExpression(x)) {
    const n = calleeName(x) ?? '';
    if (SANITIZE_NAME.test(n)) return true;
    const callee = skipWrappers(x.expression);
    if (n === 'stringify' && isPropertyAccessExpression(callee) && isIdentifier(callee.expression) && callee.expression.text === 'JSON') return true;
    // purify.sanitize(x).toString(), sanitize(x).trim()
    if (isPropertyAccessExpression(callee) && ['toString', 'trim'].includes(n)) return isSanitized(callee.expression, depth + 1);
  }
  if (isAwaitExpression(x)) return isSanitized(x.expression, depth + 1);
  return false;
}

/** Removes `noEscape: true,` from its object literal, keeping the rest of the line layout. */
function removePropertyFix(ctx: RuleContext, prop: ts.PropertyAssignment): Fix[] {
  const obj = prop.parent;
  if (!isObjectLiteralExpression(obj)) return [];
  const sf = ctx.sourceFile;
  const text = sf.text;
  const props = obj.properties;
  const i = props.indexOf(prop);
  let start: number;
  let end: number;
  if (props.length === 1) {
    start = obj.getStart(sf) + 1;
    end = obj.end - 1;
    return [{ title: 'Remove noEscape so Handlebars escapes values', edits: [{ start, end, newText: '' }], preferred: false }];
  }
  if (i < props.length - 1) {
    // From this property's line start (when alone on it) or its start, to the next property's start.
    const next = props[i + 1].getStart(sf);
    const lineStart = text.lastIndexOf('\n', prop.getStart(sf) - 1) + 1;
    const ownLine = /^[ \t]*$/.test(text.slice(lineStart, prop.getStart(sf)));
    const nextLineStart = text.lastIndexOf('\n', next - 1) + 1;
    if (ownLine && nextLineStart > prop.end) {
      start = lineStart;
      end = nextLineStart;
    } else {
      start = prop.getStart(sf);
      end = next;
    }
  } else {
    // Last property: from the end of the previous one (its comma included) to this one's end, plus a trailing comma.
    start = props[i - 1].end;
    end = prop.end;
    if (props.hasTrailingComma) {
      const comma = text.indexOf(',', prop.end);
      if (comma >= 0 && comma < obj.end) end = comma;
    }
  }
  return [{ title: 'Remove noEscape so Handlebars escapes values', edits: [{ start, end, newText: '' }], preferred: false }];
}
