import {
  forEachChild, isArrayLiteralExpression, isBinaryExpression, isCallExpression,
  isElementAccessExpression, isIdentifier, isMethodDeclaration, isNewExpression,
  isObjectLiteralExpression, isPropertyAccessExpression, isPropertyAssignment,
  isShorthandPropertyAssignment, isSpreadAssignment, isStringLiteral, isVariableDeclaration,
  SyntaxKind, ts,
} from '../ts';
import { textHas } from '../lib/text-hints';
import { memoWords } from '../lib/words';
import { calleeName, eol, isFunctionLike, propertyName, stringValue, isNullish } from '../ast';
import { addPropertiesEdits, preferredQuote } from '../fix';
import { requiredModule, skipWrappers } from '../modules';
import { assignmentsTo, enclosingFunctionOrFile, lookup, type Binding } from '../scopes';
import type { Fix, RuleContext, SourceRule, TextEdit } from '../types';
import { NodeCache } from '../file-caches';

/*
 * Shared by the auth-and-tokens rules (jwt-verify-claims, jwt-sign-expiry,
 * cookie-insecure-flags import from here): what a JWT library is, how an
 * options object is resolved within the file, how an argument is inserted.
 */

/** Modules whose presence makes a file (and the project) a JWT user. */
export const JWT_MODULES: ReadonlySet<string> = new Set([
  'jsonwebtoken', 'jose', 'express-jwt', 'passport-jwt', '@nestjs/jwt', 'fast-jwt',
]);

/** Emits the `jwt` fact once per file: on the import, or on the first require/dynamic import the walk meets. */
export function jwtFactVisitors(ctx: RuleContext): { onImport(node: ts.ImportDeclaration): void; onCall(node: ts.CallExpression): void; seen(): boolean } {
  let seen = false;
  const mark = (node: ts.Node, spec: string | undefined): void => {
    if (seen || spec === undefined) return;
    const m = spec.startsWith('node:') ? spec.slice(5) : spec;
    if (!JWT_MODULES.has(m)) return;
    seen = true;
    ctx.fact('jwt', node);
  };
  return {
    onImport(node) {
      if (isStringLiteral(node.moduleSpecifier)) mark(node, node.moduleSpecifier.text);
    },
    onCall(node) {
      if (seen) return;
      if (node.expression.kind === SyntaxKind.ImportKeyword) mark(node, stringValue(node.arguments[0]));
      else if (isIdentifier(node.expression) && node.expression.text === 'require') mark(node, requiredModule(node));
    },
    seen: () => seen,
  };
}


import { isTestFile } from '../lib/test-files';

/**
 * False only when the file cannot import or require any JWT library: every
 * module in JWT_MODULES spells 'jsonwebtoken', 'jose' or 'jwt' in its specifier.
 * A plain substring check, so sound as a create() gate for the `jwt` fact and
 * for `fileUsesJwt`.
 */
export function mayUseJwt(text: string): boolean {
  return textHas(text, 'jwt') || textHas(text, 'jsonwebtoken') || textHas(text, 'jose');
}

/** True when the file imports or requires any JWT library at its top level (cached by the resolver). */
export function fileUsesJwt(ctx: RuleContext): boolean {
  for (const m of ctx.modules.importedModules()) if (JWT_MODULES.has(m)) return true;
  return false;
}

// ---------------------------------------------------------------------------
// Object literals seen through variables, spreads and later `obj.x = …` writes

export interface ResolvedObject {
  /** The literal a fix edits (the outermost one). */
  literal: ts.ObjectLiteralExpression;
  /** Property name → value expression (spreads of resolvable literals merged in, later writes added). */
  props: Map<string, ts.Expression>;
  /** False when a spread, computed key or dynamic write may add properties we cannot see. */
  complete: boolean;
}

const MAX_RESOLVE_DEPTH = 6;

/**
 * The object literal an expression evaluates to, within this file: the literal
 * itself, or a `const`/`let` whose initializer is one (`const opts = {…}`),
 * including `opts.algorithms = […]` writes in the declaring scope. Undefined
 * when the value cannot be seen (a parameter, a call, an import).
 */
export function resolveObject(expr: ts.Node | undefined, depth = 0): ResolvedObject | undefined {
  if (!expr || depth > MAX_RESOLVE_DEPTH) return undefined;
  const e = skipWrappers(expr);
  if (isObjectLiteralExpression(e)) {
    const props = new Map<string, ts.Expression>();
    let complete = true;
    for (const p of e.properties) {
      if (isSpreadAssignment(p)) {
        const inner = resolveObject(p.expression, depth + 1);
        if (!inner) {
          complete = false;
          continue;
        }
        for (const [k, v] of inner.props) props.set(k, v);
        if (!inner.complete) complete = false;
        continue;
      }
      const name = propertyName(p.name as ts.PropertyName);
      if (name === undefined) {
        complete = false;
        continue;
      }
      if (isPropertyAssignment(p)) props.set(name, p.initializer);
      else if (isShorthandPropertyAssignment(p)) props.set(name, p.name);
      else if (isMethodDeclaration(p)) props.set(name, p as unknown as ts.Expression);
      else complete = false;
    }
    return { literal: e, props, complete };
  }
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable' || !b.init || b.path.length > 0) return undefined;
    // The recursion below answers undefined for any other initializer: no assignment search for those.
    const initKind = skipWrappers(b.init).kind;
    if (initKind !== SyntaxKind.ObjectLiteralExpression && initKind !== SyntaxKind.Identifier) return undefined;
    // Reassigned (`opts = other`) after declaration: we cannot tell which value reaches the use.
    if (assignmentsTo(b).length > 0) return undefined;
    const base = resolveObject(b.init, depth + 1);
    if (!base) return undefined;
    const writes = propertyWrites(b);
    if (!writes) return { ...base, complete: false };
    const props = new Map(base.props);
    for (const [k, v] of writes) props.set(k, v);
    return { literal: base.literal, props, complete: base.complete };
  }
  return undefined;
}

const writesCache = new NodeCache<ts.Identifier, Map<string, ts.Expression> | null>();
/** Per function or file: `x.y = v` writes and `Object.assign(x, …)` calls, by the name of `x`; one walk per container. */
const writeIndex = new NodeCache<ts.Node, Map<string, ts.Node[]>>();

function writesIn(container: ts.Node): Map<string, ts.Node[]> {
  let index = writeIndex.get(container);
  if (index) return index;
  const m = new Map<string, ts.Node[]>();
  const add = (name: string, n: ts.Node): void => {
    const list = m.get(name);
    if (list) list.push(n);
    else m.set(name, [n]);
  };
  const visit = (n: ts.Node): void => {
    if (isBinaryExpression(n) && n.operatorToken.kind === SyntaxKind.EqualsToken) {
      const left = n.left;
      if (isPropertyAccessExpression(left) || isElementAccessExpression(left)) {
        const target = skipWrappers(left.expression);
        if (isIdentifier(target)) add(target.text, n);
      }
    } else if (isCallExpression(n) && n.arguments.length > 0 && calleeName(n) === 'assign') {
      const target = skipWrappers(n.arguments[0]);
      if (isIdentifier(target)) add(target.text, n);
    }
    forEachChild(n, visit);
  };
  forEachChild(container, visit);
  index = m;
  writeIndex.set(container, index);
  return index;
}

/** `opts.x = v` writes to a binding in its declaring function or file; null when a write is dynamic. */
function propertyWrites(b: Binding): Map<string, ts.Expression> | null {
  const cached = writesCache.get(b.node);
  if (cached !== undefined) return cached;
  const found = new Map<string, ts.Expression>();
  let dynamic = false;
  for (const n of writesIn(enclosingFunctionOrFile(b.node)).get(b.name) ?? []) {
    if (isCallExpression(n)) {
      if (isSameBinding(n.arguments[0], b)) dynamic = true; // Object.assign(opts, …)
      continue;
    }
    const w = n as ts.BinaryExpression;
    const left = w.left as ts.PropertyAccessExpression | ts.ElementAccessExpression;
    if (!isSameBinding(left.expression, b)) continue;
    const key = isPropertyAccessExpression(left) ? left.name.text : stringValue(left.argumentExpression);
    if (key === undefined) dynamic = true;
    else found.set(key, w.right);
  }
  const result = dynamic ? null : found;
  writesCache.set(b.node, result);
  return result;
}

function isSameBinding(expr: ts.Node, b: Binding): boolean {
  const e = skipWrappers(expr);
  return isIdentifier(e) && e.text === b.name && lookup(e.text, e)?.node === b.node;
}

/** The array literal an expression is, directly or through a `const`. */
export function resolveArray(expr: ts.Node | undefined, depth = 0): ts.ArrayLiteralExpression | undefined {
  if (!expr || depth > MAX_RESOLVE_DEPTH) return undefined;
  const e = skipWrappers(expr);
  if (isArrayLiteralExpression(e)) return e;
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable' || !b.init || b.path.length > 0) return undefined;
    // The recursion answers undefined for any other initializer: no assignment search for those.
    const initKind = skipWrappers(b.init).kind;
    if (initKind !== SyntaxKind.ArrayLiteralExpression && initKind !== SyntaxKind.Identifier) return undefined;
    if (assignmentsTo(b).length > 0) return undefined;
    return resolveArray(b.init, depth + 1);
  }
  return undefined;
}

/** A string constant: a literal, or a `const` initialised with one. */
export function resolveString(expr: ts.Node | undefined, depth = 0): string | undefined {
  if (!expr || depth > MAX_RESOLVE_DEPTH) return undefined;
  const direct = stringValue(expr);
  if (direct !== undefined) return direct;
  const e = skipWrappers(expr);
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable' || !b.init || b.path.length > 0) return undefined;
    // The recursion answers undefined for any other initializer: no assignment search for those.
    const initKind = skipWrappers(b.init).kind;
    if (initKind !== SyntaxKind.StringLiteral && initKind !== SyntaxKind.NoSubstitutionTemplateLiteral && initKind !== SyntaxKind.Identifier) return undefined;
    if (assignmentsTo(b).length > 0) return undefined;
    return resolveString(b.init, depth + 1);
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Inserting an argument

function lineIndent(text: string, pos: number): string {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, pos))?.[0] ?? '';
}

/**
 * An edit that inserts `argText` as argument `index` of a call (before the
 * argument now there, or after the last one), one per line when the call's
 * arguments already are.
 */
export function insertArgumentEdit(sf: ts.SourceFile, call: ts.CallExpression | ts.NewExpression, index: number, argText: string): TextEdit | undefined {
  const args = call.arguments;
  if (!args || args.length === 0 || index > args.length || index === 0) return undefined;
  const text = sf.text;
  const nl = eol(text);
  if (index < args.length) {
    const next = args[index];
    const start = next.getStart(sf);
    const ownLine = text.slice(args[index - 1].end, start).includes('\n');
    return { start, end: start, newText: ownLine ? `${argText},${nl}${lineIndent(text, start)}` : `${argText}, ` };
  }
  const last = args[args.length - 1];
  const lastStart = last.getStart(sf);
  const before = args.length > 1 ? args[args.length - 2].end : call.expression.end;
  const ownLine = text.slice(before, lastStart).includes('\n');
  if (args.hasTrailingComma) {
    const comma = text.indexOf(',', last.end);
    if (comma < 0) return undefined;
    return { start: comma + 1, end: comma + 1, newText: ownLine ? `${nl}${lineIndent(text, lastStart)}${argText},` : ` ${argText},` };
  }
  return { start: last.end, end: last.end, newText: ownLine ? `,${nl}${lineIndent(text, lastStart)}${argText}` : `, ${argText}` };
}

/**
 * Adds `prop` to the options of a call: into the options literal when there is
 * one, else as a new options argument at `index` (before a trailing callback).
 */
export function addOptionEdits(
  sf: ts.SourceFile,
  call: ts.CallExpression | ts.NewExpression,
  index: number,
  options: ResolvedObject | undefined,
  props: readonly string[],
): TextEdit[] {
  if (options) return addPropertiesEdits(sf, options.literal, props);
  const edit = insertArgumentEdit(sf, call, index, `{ ${props.join(', ')} }`);
  return edit ? [edit] : [];
}

// ---------------------------------------------------------------------------
// Verification calls

export type JwtLib = 'jsonwebtoken' | 'jose' | 'express-jwt' | 'passport-jwt';

export interface VerifyCall {
  lib: JwtLib;
  node: ts.CallExpression | ts.NewExpression;
  /** How the message names the call. */
  label: string;
  /** The argument index of the options object. */
  optionsIndex: number;
  /** The options argument as written, when present. */
  optionsArg?: ts.Expression;
  /** The resolved options literal, when the options can be seen. */
  options?: ResolvedObject;
  /** The key (or secret / key provider) expression. */
  key?: ts.Expression;
}

/** Names a verification call can have; express-jwt's default export and passport-jwt's Strategy are matched by module. */
const VERIFY_NAMES: ReadonlySet<string> = new Set(['verify', 'jwtVerify', 'expressjwt']);

/**
 * The verification a call performs, or undefined: jsonwebtoken `verify(token,
 * key, options?, cb?)`, jose `jwtVerify(token, key, options?)`, express-jwt
 * `expressjwt(options)` / `jwt(options)`, passport-jwt `new Strategy(options, cb)`.
 * `unresolved` is true when there are options that cannot be seen.
 */
export function verifyCallOf(ctx: RuleContext, node: ts.CallExpression | ts.NewExpression): (VerifyCall & { unresolved: boolean }) | undefined {
  const args = node.arguments ?? ts.factory.createNodeArray<ts.Expression>();
  const name = calleeName(node);
  if (isCallExpression(node) && isPromisifiedVerify(ctx, node)) {
    return withOptions({ lib: 'jsonwebtoken', node, label: 'jwt.verify()', optionsIndex: 2, key: args[1] }, args);
  }
  if (isCallExpression(node) && name !== undefined && VERIFY_NAMES.has(name)) {
    const o = ctx.modules.callee(node);
    if (!o || o.path.length !== 1) return undefined;
    if (o.module === 'jsonwebtoken' && o.path[0] === 'verify') return withOptions({ lib: 'jsonwebtoken', node, label: 'jwt.verify()', optionsIndex: 2, key: args[1] }, args);
    if (o.module === 'jose' && o.path[0] === 'jwtVerify') return withOptions({ lib: 'jose', node, label: 'jwtVerify()', optionsIndex: 2, key: args[1] }, args);
    if (o.module === 'express-jwt' && o.path[0] === 'expressjwt') return withOptions({ lib: 'express-jwt', node, label: 'expressjwt()', optionsIndex: 0 }, args);
    return undefined;
  }
  // express-jwt < 7 default export, any local name; passport-jwt `new Strategy(...)`.
  if (args.length === 0) return undefined;
  const imported = ctx.modules.importedModules();
  if (!imported.has('express-jwt') && !imported.has('passport-jwt')) return undefined;
  const o = ctx.modules.callee(node);
  if (!o) return undefined;
  if (isCallExpression(node) && o.module === 'express-jwt' && (o.path.length === 0 || (o.path.length === 1 && o.path[0] === 'default'))) {
    return withOptions({ lib: 'express-jwt', node, label: 'express-jwt', optionsIndex: 0 }, args);
  }
  if (isNewExpression(node) && o.module === 'passport-jwt' && o.path.length === 1 && o.path[0] === 'Strategy') {
    return withOptions({ lib: 'passport-jwt', node, label: 'passport-jwt Strategy', optionsIndex: 0 }, args);
  }
  return undefined;
}

/** `promisify(jwt.verify)(token, key)`, or `verifyAsync(token, key)` with `const verifyAsync = promisify(jwt.verify)`. */
function isPromisifiedVerify(ctx: RuleContext, node: ts.CallExpression): boolean {
  let callee = skipWrappers(node.expression);
  if (isIdentifier(callee)) {
    if (!/verify/i.test(callee.text) || VERIFY_NAMES.has(callee.text)) return false;
    const b = lookup(callee.text, callee);
    if (!b || b.kind !== 'variable' || !b.init || b.path.length > 0) return false;
    callee = skipWrappers(b.init);
  }
  if (!isCallExpression(callee) || calleeName(callee) !== 'promisify' || !callee.arguments[0]) return false;
  const o = ctx.modules.origin(callee.arguments[0]);
  return !!o && o.module === 'jsonwebtoken' && o.path.length === 1 && o.path[0] === 'verify';
}

function withOptions(v: VerifyCall, args: ts.NodeArray<ts.Expression>): VerifyCall & { unresolved: boolean } {
  let optionsArg: ts.Expression | undefined = args[v.optionsIndex];
  // jwt.verify(token, key, callback): the callback sits where options would.
  if (optionsArg && (isFunctionLike(skipWrappers(optionsArg)) || isNullish(optionsArg))) optionsArg = undefined;
  const options = optionsArg ? resolveObject(optionsArg) : undefined;
  if (options && (v.lib === 'express-jwt' || v.lib === 'passport-jwt')) {
    v.key = options.props.get('secret') ?? options.props.get('secretOrKey') ?? options.props.get('secretOrKeyProvider');
  }
  // Built field by field: an object spread here was the rule's costliest line.
  return {
    lib: v.lib, node: v.node, label: v.label, optionsIndex: v.optionsIndex, key: v.key,
    optionsArg, options, unresolved: optionsArg !== undefined && options === undefined,
  };
}

export interface AlgorithmsCheck {
  /** 'missing' (no algorithms property), 'none' (it allows none), 'pinned', or 'unknown' (cannot tell). */
  state: 'missing' | 'none' | 'pinned' | 'unknown';
  array?: ts.ArrayLiteralExpression;
  noneElements?: ts.Expression[];
}

export function checkAlgorithms(options: ResolvedObject | undefined): AlgorithmsCheck {
  if (!options) return { state: 'missing' };
  const value = options.props.get('algorithms');
  if (!value) return { state: options.complete ? 'missing' : 'unknown' };
  const array = resolveArray(value);
  if (!array) return { state: 'pinned' }; // algorithms: config.jwt.algorithms — an explicit list we cannot read
  const noneElements = array.elements.filter((el) => stringValue(el)?.toLowerCase() === 'none');
  if (noneElements.length > 0) return { state: 'none', array, noneElements };
  if (array.elements.length === 0) return { state: 'missing', array };
  return { state: 'pinned', array };
}

/** True when options name a value for `name` (issuer, audience), not `undefined`. */
export function hasClaimOption(options: ResolvedObject, name: string): boolean {
  const v = options.props.get(name);
  return v !== undefined && !isNullish(v);
}

const ASYMMETRIC_HINT = /public|pub_?key|\bpem\b|jwks|getkey|signingkey|keyprovider|certificate|\bcert\b|spki|x509|\.crt|rsa/i;
const IMPORT_WITH_ALG: ReadonlySet<string> = new Set(['importSPKI', 'importX509', 'importPKCS8', 'importJWK']);

/** The algorithm a fix should pin: RS256 when the key looks like a public key or a JWKS, else HS256; an explicit alg when the key import names one. */
export function suggestedAlgorithm(key: ts.Expression | undefined): string {
  if (!key) return 'HS256';
  let e = skipWrappers(key);
  if (isFunctionLike(e)) return 'RS256'; // a key callback: usually a JWKS lookup
  let text = e.getText();
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (b?.kind === 'function') return 'RS256';
    if (b?.kind === 'variable' && b.init && b.path.length === 0) {
      e = skipWrappers(b.init);
      text += ' ' + (e.end - e.pos < 400 ? e.getText() : '');
    }
  }
  if (isCallExpression(e) && IMPORT_WITH_ALG.has(calleeName(e) ?? '')) {
    const alg = stringValue(e.arguments[1]);
    if (alg && /^[A-Z]{2}\d{3}$|^EdDSA$/.test(alg)) return alg;
  }
  return ASYMMETRIC_HINT.test(text.slice(0, 400)) ? 'RS256' : 'HS256';
}

// ---------------------------------------------------------------------------
// express-jwt versions

/** The major version a dependency range pins (`^5.3.1` → 5, `5.x` → 5); undefined for open ranges. */
export function rangeMajor(range: string | undefined): number | undefined {
  if (!range) return undefined;
  const m = /^\s*(?:[\^~=v]\s*)?(\d+)(?:\.[\dx*]+)*(?:-[\w.]+)?\s*$/i.exec(range);
  return m ? Number(m[1]) : undefined;
}

// ---------------------------------------------------------------------------
// The rule

export const rule: SourceRule = {
  id: 'jwt-verify-algorithms',
  row: 'auth-jwt',
  severity: 'error',
  description: "Detects JWT verification without an explicit algorithm list, or with 'none' allowed.",
  message: "JWT verified without an explicit `algorithms` list: pin the algorithm you issue, e.g. `{ algorithms: ['HS256'] }`.",
  fixable: true,
  docs: {
    why:
      'A JWT names its own algorithm in its header. A verifier that does not pin the list lets the attacker choose: ' +
      "'none' (no signature at all) or HS256 with your RSA public key as the HMAC secret (key confusion). " +
      'Pinning the one algorithm you issue closes both doors whatever the library version.',
    bad: "const claims = jwt.verify(token, process.env.JWT_SECRET);\n\nconst checkJwt = expressJwt({ secret: jwksSecret }); // express-jwt 5",
    good:
      "const claims = jwt.verify(token, process.env.JWT_SECRET, {\n  algorithms: ['HS256'],\n  issuer: 'https://api.example.com',\n  audience: 'web',\n});\n\n" +
      "const { payload } = await jwtVerify(token, JWKS, { algorithms: ['RS256'], issuer, audience });",
    fix:
      "Pass an options object with `algorithms` naming exactly the algorithm your tokens are signed with (HS256 for a shared secret, RS256 or ES256 for a key pair) and never 'none'; add `issuer` and `audience` while you are there.",
    cwe: ['CWE-347', 'CWE-327'],
    owasp: ['A02:2021', 'A07:2021'],
  },
  create(ctx) {
    // No JWT module spelled in the file: no `jwt` fact, and `check` never gets past its first line.
    if (isTestFile(ctx.file) || !mayUseJwt(ctx.text)) return {};
    const facts = jwtFactVisitors(ctx);
    const expressJwtMajor = rangeMajor(ctx.project.dependencies['express-jwt']);
    let jwtFile: boolean | undefined;
    const check = (node: ts.CallExpression | ts.NewExpression): void => {
      if (!(jwtFile ??= fileUsesJwt(ctx)) && !facts.seen()) return;
      const v = verifyCallOf(ctx, node);
      if (!v || v.unresolved) return;
      const alg = checkAlgorithms(v.options);
      if (alg.state === 'none') {
        // At the list when it is written in the call, else at the call (the list is a constant elsewhere).
        const array = alg.array!;
        const inside = array.pos >= node.pos && array.end <= node.end;
        ctx.report(inside ? array : node, {
          message: `${v.label} allows the 'none' algorithm: unsigned tokens are accepted as valid; remove 'none' from \`algorithms\`.`,
          fixes: [removeNoneFix(ctx.sourceFile, alg, suggestedAlgorithm(v.key))],
          related: inside ? undefined : [{ node: array, message: "the algorithm list that allows 'none'" }],
        });
        return;
      }
      if (alg.state === 'pinned') {
        if (v.options && hasClaimOption(v.options, 'issuer') && hasClaimOption(v.options, 'audience')) {
          ctx.evidence('jwt-verified-pinned', node, `${v.label.replace('()', '')} pins algorithms, issuer and audience`);
        }
        return;
      }
      if (alg.state !== 'missing') return;
      if (v.lib === 'express-jwt' && !(v.options && expressJwtMajor !== undefined && expressJwtMajor < 6)) return; // v6+ refuses to start without algorithms
      if ((v.lib === 'express-jwt' || v.lib === 'passport-jwt') && !v.options) return;
      const algName = suggestedAlgorithm(v.key);
      const q = preferredQuote(ctx.sourceFile);
      // `algorithms: []` gets its entry; otherwise the property (or the whole options object) is added.
      const edits: TextEdit[] = alg.array
        ? [{ start: alg.array.getStart(ctx.sourceFile), end: alg.array.end, newText: `[${q}${algName}${q}]` }]
        : addOptionEdits(ctx.sourceFile, node, v.optionsIndex, v.options, [`algorithms: [${q}${algName}${q}]`]);
      const fixes: Fix[] = edits.length > 0 ? [{ title: `Pin algorithms: ['${algName}']`, edits }] : [];
      ctx.report(node, { message: missingMessage(v, algName), fixes });
    };
    // verifyCallOf answers a `new` only for passport-jwt's Strategy, in a file importing passport-jwt.
    const passportJwt = textHas(ctx.text, 'passport-jwt') && ctx.modules.imports('passport-jwt');
    return {
      ImportDeclaration: (node: ts.ImportDeclaration) => facts.onImport(node),
      CallExpression(node: ts.CallExpression) {
        facts.onCall(node);
        check(node);
      },
      NewExpression: passportJwt ? (node: ts.NewExpression) => check(node) : undefined,
    };
  },
};

function missingMessage(v: VerifyCall, alg: string): string {
  switch (v.lib) {
    case 'jose':
      return `jwtVerify() without \`algorithms\`: jose refuses 'none', but any algorithm the key type allows is accepted; pin the one you issue, e.g. \`{ algorithms: ['${alg}'] }\`.`;
    case 'express-jwt':
      return `express-jwt before v6 without \`algorithms\` accepts whatever algorithm the token names (CVE-2020-15084): add \`algorithms: ['${alg}']\`.`;
    case 'passport-jwt':
      return `passport-jwt Strategy without \`algorithms\` accepts whatever algorithm the token header names: add \`algorithms: ['${alg}']\`.`;
    default:
      return `jwt.verify() without an \`algorithms\` list accepts whatever algorithm the token header names: pin it, e.g. \`{ algorithms: ['${alg}'] }\`.`;
  }
}

/** Drops 'none' (and its comma) from the list; a list of only 'none' becomes the suggested algorithm. */
function removeNoneFix(sf: ts.SourceFile, alg: AlgorithmsCheck, suggested: string): Fix {
  const array = alg.array!;
  const none = new Set(alg.noneElements);
  const elements = array.elements;
  const text = sf.text;
  if (elements.every((el) => none.has(el))) {
    const first = elements[0];
    const quote = text[first.getStart(sf)] === '"' ? '"' : "'";
    const edits: TextEdit[] = [{ start: first.getStart(sf), end: first.end, newText: `${quote}${suggested}${quote}` }];
    for (let i = 1; i < elements.length; i++) edits.push({ start: elements[i - 1].end, end: elements[i].end, newText: '' });
    return { title: `Replace 'none' with '${suggested}'`, edits };
  }
  const edits: TextEdit[] = [];
  const keep = elements.findIndex((el) => !none.has(el));
  elements.forEach((el, i) => {
    if (!none.has(el)) return;
    // Before the first kept element: remove it with the separator after it; otherwise with the separator before it.
    if (i < keep) edits.push({ start: el.getStart(sf), end: elements[i + 1].getStart(sf), newText: '' });
    else edits.push({ start: elements[i - 1].end, end: el.end, newText: '' });
  });
  return { title: "Remove 'none' from algorithms", edits, preferred: true };
}

// ---------------------------------------------------------------------------
// Names

/**
 * The lower-case words of an identifier or key: `accessToken`, `ACCESS_TOKEN`,
 * `access-token` and `accesstoken` all give ['access', 'token'];
 * `tokenizerSettings` gives ['tokenizer', 'settings'].
 */
export function nameWords(name: string): readonly string[] {
  return memoWords(tokenWords, name, splitTokenName);
}

const tokenWords = new Map<string, readonly string[]>();

function splitTokenName(name: string): string[] {
  const words = name
    .slice(0, 200)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const out: string[] = [];
  for (const w of words) {
    const m = /^([a-z]+?)(tokens?)$/.exec(w);
    if (m && m[1].length > 1) out.push(m[1], m[2]);
    else out.push(w);
  }
  return out;
}

/** The name an expression goes by: `token`, `res.data.accessToken` → 'accessToken', `JSON.stringify(tokens)` → 'tokens'. */
export function expressionName(expr: ts.Node | undefined): string | undefined {
  if (!expr) return undefined;
  const e = skipWrappers(expr);
  if (isIdentifier(e)) return e.text;
  if (isPropertyAccessExpression(e)) return e.name.text;
  if (isElementAccessExpression(e)) return stringValue(e.argumentExpression);
  if (isCallExpression(e)) {
    const name = calleeName(e);
    if (name === 'stringify' || name === 'String' || name === 'encodeURIComponent' || name === 'toString') {
      return expressionName(name === 'toString' && isPropertyAccessExpression(e.expression) ? e.expression.expression : e.arguments[0]);
    }
  }
  return undefined;
}

/** The name of the function a node sits in: a declaration, a method, or the variable or property holding an arrow. */
export function enclosingFunctionName(node: ts.Node): string | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (!ts.isFunctionLike(n)) continue;
    const named = (n as ts.FunctionDeclaration).name;
    if (named && (isIdentifier(named) || isStringLiteral(named))) return named.text;
    const p = n.parent;
    if (p && isVariableDeclaration(p) && isIdentifier(p.name)) return p.name.text;
    if (p && isPropertyAssignment(p)) return propertyName(p.name);
    if (p && isBinaryExpression(p) && isPropertyAccessExpression(p.left)) return p.left.name.text;
    if (p && ts.isPropertyDeclaration(p)) return propertyName(p.name);
    return undefined;
  }
  return undefined;
}
