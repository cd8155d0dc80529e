import {
  forEachChild, isBinaryExpression, isBlock, isCallExpression, isConditionalExpression,
  isElementAccessExpression, isExpressionStatement, isFunctionDeclaration, isIdentifier,
  isIfStatement, isImportDeclaration, isNewExpression, isNoSubstitutionTemplateLiteral,
  isPrefixUnaryExpression, isPropertyAccessExpression, isReturnStatement, isStringLiteral,
  isTemplateExpression, isVariableStatement, SyntaxKind, ts,
} from '../ts';
import { calleeName, dottedName, eol, stringValue } from '../ast';
import { requestPart, type Source } from '../flow';
import { skipWrappers, type Origin } from '../modules';
import { enclosingFunction, lookup } from '../scopes';
import type { RuleContext, TextEdit } from '../types';
import { valueAt } from '../rules/sql-injection';

/*
 * Helpers shared by the injection-other rules (path-traversal,
 * command-injection, code-injection, open-redirect, xss-response,
 * template-unescaped, regex-injection): request data traced into a sink with
 * sink-specific sanitizers, validation guards before the sink, response
 * objects, and fixes that wrap a value in a small local helper.
 */

export const REQUEST_DATA_HERE = 'request data comes from here';

/** The related location every finding of the area carries. */
export function relatedSource(source: Source): { node: ts.Node; message: string }[] {
  return [{ node: source.node, message: REQUEST_DATA_HERE }];
}

/** `req.params.name` rather than `req.params`: the read as written, when short. */
export function sourceText(source: Source): string {
  let n: ts.Node = source.node;
  for (let i = 0; i < 2; i++) {
    const p = n.parent;
    if (p && (isPropertyAccessExpression(p) || isElementAccessExpression(p)) && p.expression === n && !(isCallExpression(p.parent) && p.parent.expression === p)) n = p;
    else break;
  }
  const t = n.getText();
  return t.length <= 40 && !t.includes('\n') ? t : source.part;
}

// ---------------------------------------------------------------------------
// Tracing request data with sink-specific knowledge

export interface TraceOptions {
  /** True when this expression's value is safe for the sink (path.basename(x), escapeHtml(x)): tracing stops. */
  sanitizes?(ctx: RuleContext, e: ts.Expression): boolean;
  /** Arguments whose content a call's result carries, beyond what flow knows (a named `join` from 'path' → all). */
  carries?(ctx: RuleContext, call: ts.CallExpression | ts.NewExpression): readonly ts.Expression[] | undefined;
  /** Handed to flow as its sink-specific sanitizers: a stable, module-level function. */
  flowSanitizers?: (call: ts.CallExpression | ts.NewExpression) => boolean;
}

/** String methods whose result still carries the receiver's characters. */
const STRING_PASS_THROUGH: ReadonlySet<string> = new Set([
  'trim', 'trimStart', 'trimEnd', 'toLowerCase', 'toUpperCase', 'toString', 'slice', 'substring', 'substr', 'normalize',
  'replace', 'replaceAll', 'padStart', 'padEnd', 'toLocaleLowerCase', 'toLocaleUpperCase', 'valueOf',
]);
const MAX_TRACE = 12;

interface TraceState {
  /** The path went through a carrier flow does not know; flow was asked about the carried arguments instead of the whole. */
  carried: boolean;
}

/**
 * The request data an expression carries into a sink. Variables, templates,
 * concatenation, conditionals and string methods are followed here, so that
 * sink-specific sanitizers (`sanitizes`) and carriers (`carries`) apply at
 * every step; the leaves are asked of `ctx.flow`. Flow must agree on the whole
 * expression too (it knows guards that dominate the use, same-file helpers and
 * schema parsing), unless the path went through a carrier flow does not know.
 */
export function trace(ctx: RuleContext, expr: ts.Node, opts: TraceOptions = {}): Source | undefined {
  const state: TraceState = { carried: false };
  const mine = walk(ctx, expr, opts, 0, state);
  if (!mine || state.carried) return mine;
  return flowSource(ctx, expr, opts) ? mine : undefined;
}

function flowSource(ctx: RuleContext, e: ts.Node, opts: TraceOptions): Source | undefined {
  return opts.flowSanitizers ? ctx.flow.source(e, { sanitizers: opts.flowSanitizers }) : ctx.flow.source(e);
}

function walk(ctx: RuleContext, expr: ts.Node, opts: TraceOptions, depth: number, state: TraceState): Source | undefined {
  if (depth > MAX_TRACE) return undefined;
  const e = skipWrappers(expr) as ts.Expression;
  if (opts.sanitizes?.(ctx, e)) return undefined;
  const direct = requestPart(e);
  if (direct) return direct;
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (b && b.kind === 'variable' && b.path.length === 0) {
      const w = valueAt(b, e);
      return w ? walk(ctx, w, opts, depth + 1, state) : undefined;
    }
    return flowSource(ctx, e, opts);
  }
  if (isTemplateExpression(e)) return first(ctx, e.templateSpans.map((s) => s.expression), opts, depth, state);
  if (isBinaryExpression(e)) {
    switch (e.operatorToken.kind) {
      case SyntaxKind.PlusToken:
      case SyntaxKind.BarBarToken:
      case SyntaxKind.QuestionQuestionToken:
        return first(ctx, [e.left, e.right], opts, depth, state);
      case SyntaxKind.AmpersandAmpersandToken:
      case SyntaxKind.CommaToken:
      case SyntaxKind.EqualsToken:
        return walk(ctx, e.right, opts, depth + 1, state);
      default:
        return undefined;
    }
  }
  if (isConditionalExpression(e)) {
    // `isSafe(x) ? x : '/'`: the branch holding the value is the validated one.
    if (validatingCondition(e.condition) && mentionsAny(e.condition, namesIn(e.whenTrue, e.whenFalse))) return undefined;
    return first(ctx, [e.whenTrue, e.whenFalse], opts, depth, state);
  }
  if (isCallExpression(e) || isNewExpression(e)) {
    const carried = opts.carries?.(ctx, e);
    if (carried) {
      // Flow does not follow this call, so it is asked about each carried argument instead (guards on `name` in `join(DIR, name)`).
      for (const a of carried) {
        const sub: TraceState = { carried: false };
        const s = walk(ctx, a, opts, depth + 1, sub);
        if (s && (sub.carried || flowSource(ctx, a, opts))) {
          state.carried = true;
          return s;
        }
      }
      return undefined;
    }
    const callee = skipWrappers(e.expression);
    if (isCallExpression(e) && isPropertyAccessExpression(callee) && STRING_PASS_THROUGH.has(callee.name.text) && !requestGetter(callee)) {
      return walk(ctx, callee.expression, opts, depth + 1, state);
    }
    if (isIdentifier(callee) && (callee.text === 'String' || callee.text === 'decodeURIComponent' || callee.text === 'decodeURI') && e.arguments?.[0]) {
      return walk(ctx, e.arguments[0], opts, depth + 1, state);
    }
    return flowSource(ctx, e, opts);
  }
  return flowSource(ctx, e, opts);
}

function first(ctx: RuleContext, nodes: readonly ts.Node[], opts: TraceOptions, depth: number, state: TraceState): Source | undefined {
  for (const n of nodes) {
    const s = walk(ctx, n, opts, depth + 1, state);
    if (s) return s;
  }
  return undefined;
}

/** `req.get(…)`: flow's own header getter, not a string method. */
function requestGetter(callee: ts.PropertyAccessExpression): boolean {
  const r = skipWrappers(callee.expression);
  return isIdentifier(r) && (r.text === 'req' || r.text === 'request');
}

/** Module origin of a call's callee, `default.` dropped, looking through `promisify(exec)`. */
export function calleeOrigin(ctx: RuleContext, call: ts.CallExpression | ts.NewExpression): Origin | undefined {
  let o: Origin | undefined;
  const callee = skipWrappers(call.expression);
  if (isIdentifier(callee)) {
    const b = lookup(callee.text, callee);
    const init = b && b.kind === 'variable' && b.path.length === 0 && b.init ? skipWrappers(b.init) : undefined;
    if (init && isCallExpression(init) && calleeName(init) === 'promisify' && init.arguments[0]) o = ctx.modules.origin(init.arguments[0]);
  }
  o ??= ctx.modules.callee(call);
  if (o && o.path[0] === 'default') return { module: o.module, path: o.path.slice(1) };
  return o;
}

/** True when the file imports or requires (at top level) any of these modules. */
export function importsAny(ctx: RuleContext, modules: ReadonlySet<string>): boolean {
  for (const m of ctx.modules.importedModules()) if (modules.has(m)) return true;
  return false;
}

// ---------------------------------------------------------------------------
// Validation guards

const GUARD_METHODS: ReadonlySet<string> = new Set([
  'startsWith', 'endsWith', 'includes', 'has', 'test', 'match', 'indexOf', 'some', 'every', 'isAbsolute',
]);
const GUARD_NAME = /valid|safe|allow|whitelist|permit|sanitiz|trusted|relative|local|same.?origin|internal|isUuid|uuid|alnum|check|verify/i;
const GUARD_PROPS: ReadonlySet<string> = new Set(['origin', 'host', 'hostname', 'protocol']);

/** A condition that validates a value: an allowlist/prefix/regex check, a validator call, an equality or origin comparison. */
export function validatingCondition(cond: ts.Expression): boolean {
  let hit = false;
  const visit = (x: ts.Node): void => {
    if (hit) return;
    if (isCallExpression(x)) {
      const n = calleeName(x) ?? '';
      if (GUARD_METHODS.has(n) || GUARD_NAME.test(n)) hit = true;
    } else if (isPropertyAccessExpression(x) && GUARD_PROPS.has(x.name.text)) {
      hit = true;
    } else if (isBinaryExpression(x)) {
      const k = x.operatorToken.kind;
      if (k === SyntaxKind.EqualsEqualsEqualsToken || k === SyntaxKind.ExclamationEqualsEqualsToken ||
        k === SyntaxKind.EqualsEqualsToken || k === SyntaxKind.ExclamationEqualsToken || k === SyntaxKind.InKeyword) {
        // A comparison with a specific value; `typeof x === 'string'`, `x === undefined` or `x !== ''` pin nothing down.
        if (isSpecificValue(x.left) || isSpecificValue(x.right)) {
          if (!ts.isTypeOfExpression(skipWrappers(x.left)) && !ts.isTypeOfExpression(skipWrappers(x.right))) hit = true;
        }
      }
    }
    if (!hit) forEachChild(x, visit);
  };
  visit(cond);
  return hit;
}

/** A non-empty string literal, an UPPER_CASE constant or a property of one: a value a comparison can pin down. */
function isSpecificValue(e: ts.Expression): boolean {
  const x = skipWrappers(e);
  if (isStringLiteral(x) || isNoSubstitutionTemplateLiteral(x)) return x.text.length > 0;
  if (isIdentifier(x)) return /^[A-Z][A-Z0-9_]+$/.test(x.text);
  if (isPropertyAccessExpression(x)) return GUARD_PROPS.has(x.name.text) || isSpecificValue(x.expression);
  return false;
}

/**
 * Names an expression reads (identifiers, `req.query.x` texts), and for plain
 * variables what they were computed from, so that a guard on either counts.
 */
export function namesIn(...exprs: ts.Node[]): Set<string> {
  const names = new Set<string>();
  const add = (n: ts.Node, depth: number): void => {
    if (depth > 4) return;
    const x = skipWrappers(n);
    if (isIdentifier(x)) {
      if (names.has(x.text)) return;
      names.add(x.text);
      const b = lookup(x.text, x);
      if (b && b.kind === 'variable' && b.init) {
        if (b.path.length === 0) add(b.init, depth + 1);
        else {
          const d = dottedName(b.init);
          if (d) names.add(`${d}.${b.path.join('.')}`);
        }
      }
      return;
    }
    if (isPropertyAccessExpression(x) || isElementAccessExpression(x)) {
      const d = dottedName(x);
      if (d) names.add(d);
      add(x.expression, depth + 1);
      return;
    }
    forEachChild(x, (c) => add(c, depth + 1));
  };
  for (const e of exprs) add(e, 0);
  // `req`/`res` alone say nothing about which value was checked.
  names.delete('req');
  names.delete('request');
  return names;
}

export function mentionsAny(node: ts.Node, names: ReadonlySet<string>): boolean {
  if (names.size === 0) return false;
  let hit = false;
  const visit = (x: ts.Node): void => {
    if (hit) return;
    if (isIdentifier(x) && names.has(x.text)) hit = true;
    else if (isPropertyAccessExpression(x) || isElementAccessExpression(x)) {
      const d = dottedName(x);
      if (d && names.has(d)) hit = true;
    }
    if (!hit) forEachChild(x, visit);
  };
  visit(node);
  return hit;
}

/**
 * A validation of the sink's value earlier in the same function:
 *   if (!ALLOWED.has(name)) return res.sendStatus(404);
 *   if (!full.startsWith(ROOT + path.sep)) throw new Error('bad path');
 *   if (/^[\w.-]+$/.test(branch)) { exec(…) }
 * `condition` decides what counts as a check (default: validatingCondition).
 */
export function guardedBefore(sink: ts.Node, value: ts.Node, condition: (c: ts.Expression) => boolean = validatingCondition): boolean {
  const names = namesIn(value);
  if (names.size === 0) return false;
  for (let fn: ts.Node | undefined = enclosingFunction(sink); fn; fn = enclosingFunction(fn)) {
    const body = (fn as ts.FunctionLikeDeclaration).body;
    if (body && guardIn(body, sink, names, condition)) return true;
  }
  return false;
}

function guardIn(body: ts.Node, sink: ts.Node, names: ReadonlySet<string>, condition: (c: ts.Expression) => boolean): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || n.pos >= sink.pos) return;
    if (isIfStatement(n) && mentionsAny(n.expression, names) && condition(n.expression)) {
      const before = n.end <= sink.pos && exits(n.thenStatement);
      const inThen = n.thenStatement.pos <= sink.pos && sink.end <= n.thenStatement.end && !isNegation(n.expression);
      const inElse = !!n.elseStatement && n.elseStatement.pos <= sink.pos && sink.end <= n.elseStatement.end;
      if (before || inThen || inElse) {
        found = true;
        return;
      }
    }
    forEachChild(n, visit);
  };
  visit(body);
  return found;
}

function isNegation(e: ts.Expression): boolean {
  const x = skipWrappers(e);
  return isPrefixUnaryExpression(x) && x.operator === SyntaxKind.ExclamationToken;
}

/** The branch leaves the function: return, throw, or `next(err)`. */
export function exits(st: ts.Statement): boolean {
  if (isReturnStatement(st) || ts.isThrowStatement(st)) return true;
  if (isBlock(st)) return st.statements.some((s) => isReturnStatement(s) || ts.isThrowStatement(s));
  if (isExpressionStatement(st)) return isCallExpression(st.expression) && calleeName(st.expression) === 'next';
  return false;
}

// ---------------------------------------------------------------------------
// Response objects

const RES_NAME = /^_?(res|resp|response|reply)$/;
const REQ_NAME = /^_?(req|request)$/;

/** `res.status(404).type('html')` → `res`: the identifier a chain of response calls starts from. */
export function chainRoot(expr: ts.Node): ts.Node {
  let e = skipWrappers(expr);
  for (let i = 0; i < 8; i++) {
    if (isCallExpression(e) && isPropertyAccessExpression(skipWrappers(e.expression))) {
      e = skipWrappers((skipWrappers(e.expression) as ts.PropertyAccessExpression).expression);
    } else break;
  }
  return e;
}

/** An Express/Fastify response: `res`, `response`, `reply`, or the second parameter of a `(req, x)` handler, reached through call chains. */
export function isResponse(expr: ts.Node): boolean {
  const root = chainRoot(expr);
  if (!isIdentifier(root)) return false;
  if (RES_NAME.test(root.text)) return true;
  const b = lookup(root.text, root);
  if (!b || b.kind !== 'parameter' || !ts.isParameter(b.declaration)) return false;
  const fn = b.declaration.parent as ts.SignatureDeclaration;
  const params = fn.parameters;
  return params[1] === b.declaration && !!params[0] && isIdentifier(params[0].name) && REQ_NAME.test(params[0].name.text);
}

// ---------------------------------------------------------------------------
// Fixes: wrapping values in a local helper appended to the file

export function isTypeScriptFile(file: string): boolean {
  return /\.(ts|tsx|mts|cts)$/i.test(file);
}

/** A top-level function, variable, class or import binding named `name`. */
export function declaresTopLevel(sf: ts.SourceFile, name: string): boolean {
  for (const st of sf.statements) {
    if ((isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name?.text === name) return true;
    if (isVariableStatement(st) && st.declarationList.declarations.some((d) => bindsName(d.name, name))) return true;
    if (isImportDeclaration(st) && st.importClause) {
      const c = st.importClause;
      if (c.name?.text === name) return true;
      const nb = c.namedBindings;
      if (nb && ts.isNamespaceImport(nb) && nb.name.text === name) return true;
      if (nb && ts.isNamedImports(nb) && nb.elements.some((el) => el.name.text === name)) return true;
    }
  }
  return false;
}

function bindsName(n: ts.BindingName, name: string): boolean {
  if (isIdentifier(n)) return n.text === name;
  return n.elements.some((e) => !ts.isOmittedExpression(e) && bindsName(e.name, name));
}

/** The file's indentation unit: a tab, or the smallest leading run of spaces (2 by default). */
export function indentUnit(text: string): string {
  // Asked once per fix that inserts a helper, so many times over one file: the last answer is kept.
  if (text !== lastIndentText) {
    lastIndentText = text;
    lastIndentUnit = measureIndentUnit(text);
  }
  return lastIndentUnit;
}

let lastIndentText: string | undefined;
let lastIndentUnit = '  ';

function measureIndentUnit(text: string): string {
  let min = 0;
  const re = /\n([ \t]+)\S/g;
  let m: RegExpExecArray | null;
  let seen = 0;
  while ((m = re.exec(text)) && seen++ < 200) {
    if (m[1].startsWith('\t')) return '\t';
    if (min === 0 || m[1].length < min) min = m[1].length;
  }
  return min >= 2 && min <= 8 ? ' '.repeat(min) : '  ';
}

/**
 * An edit that appends `source` (lines joined by `\n`, indented with two
 * spaces) as a top-level helper at the end of the file, in the file's EOL and
 * indentation; undefined when the file already binds `name`.
 */
export function appendHelperEdit(sf: ts.SourceFile, name: string, source: string): TextEdit | undefined {
  if (declaresTopLevel(sf, name)) return undefined;
  const text = sf.text;
  const nl = eol(text);
  const unit = indentUnit(text);
  const body = source.split('\n').map((l) => l.replace(/^((?: {2})+)/, (s) => unit.repeat(s.length / 2))).join(nl);
  const endsWithNewline = text.endsWith('\n');
  const newText = endsWithNewline ? `${nl}${body}${nl}` : `${nl}${nl}${body}`;
  return { start: text.length, end: text.length, newText };
}

/** Replaces a node by `fn(node)`. */
export function wrapEdit(sf: ts.SourceFile, node: ts.Node, fn: string): TextEdit {
  const start = node.getStart(sf);
  return { start, end: node.end, newText: `${fn}(${sf.text.slice(start, node.end)})` };
}

// ---------------------------------------------------------------------------
// Built strings

export type Part = { text: string } | { expr: ts.Expression };

/** The literal and interpolated parts of a template literal or a `+` chain (one level, no variables). */
export function stringParts(e: ts.Expression, out: Part[] = [], depth = 0): Part[] {
  const x = skipWrappers(e) as ts.Expression;
  if (depth < 50 && isBinaryExpression(x) && x.operatorToken.kind === SyntaxKind.PlusToken) {
    stringParts(x.left, out, depth + 1);
    stringParts(x.right, out, depth + 1);
  } else if (isTemplateExpression(x)) {
    out.push({ text: x.head.text });
    for (const s of x.templateSpans) out.push({ expr: s.expression }, { text: s.literal.text });
  } else {
    const s = stringValue(x);
    out.push(s !== undefined ? { text: s } : { expr: x });
  }
  return out;
}

/**
 * The expression a sink argument holds at the sink: itself, or for a plain
 * local variable (not reassigned after its declaration) its initializer.
 * Fixes edit there, so `const html = `<p>${name}</p>`; res.send(html)` is
 * fixed in the template.
 */
export function definingExpression(e: ts.Expression): ts.Expression {
  let x = skipWrappers(e) as ts.Expression;
  for (let i = 0; i < 4 && isIdentifier(x); i++) {
    const b = lookup(x.text, x);
    if (!b || b.kind !== 'variable' || b.path.length !== 0 || !b.init) break;
    if (valueAt(b, x) !== b.init) break;
    x = skipWrappers(b.init) as ts.Expression;
  }
  return x;
}
