import {
  forEachChild, isArrayLiteralExpression, isCallExpression, isElementAccessExpression,
  isFunctionDeclaration, isIdentifier, isImportDeclaration, isNewExpression, isNumericLiteral,
  isObjectLiteralExpression, isPropertyAccessExpression, isStringLiteral, isStringLiteralLike,
  isVariableDeclaration, isVariableStatement, SyntaxKind, ts,
} from '../ts';
import { textHasAnyOf } from '../lib/text-hints';
import { calleeName, calleeObject, descendantsInWalk, isHttpMethodName, propertyName, type RouteCall } from '../ast';
import { isRequestObject, requestPart } from '../flow';
import { skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { RuleContext, SourceRule } from '../types';
import { flattenMiddleware, handlerFunction, middlewareTokens, RouteIndex, routeLabel, type HandlerFn } from './idor-lookup';
import { NodeCache } from '../file-caches';

/*
 * Shared validation helpers (also used by mass-assignment): does a route's
 * middleware, or the handler itself, run the request through a schema?
 */

/** Libraries whose calls on request data are schema validation. */
export const VALIDATION_MODULES: ReadonlySet<string> = new Set([
  'zod', 'joi', '@hapi/joi', 'yup', 'ajv', 'express-validator', 'celebrate', 'class-validator', 'class-transformer', 'superstruct',
  'valibot', '@sinclair/typebox', '@sinclair/typebox/value', '@sinclair/typebox/compiler', 'io-ts', 'fastest-validator',
  '@vinejs/vine', 'express-joi-validation', 'zod-express-middleware', 'express-zod-safe', 'express-openapi-validator', 'runtypes',
  'myzod', 'ow', 'validator', 'vest', 'arktype', 'effect', '@effect/schema', 'typia', 'zod-validation-error', 'express-json-validator-middleware',
]);

/** Middleware names that say "validation": validate(schema), validateBody, celebrate, zodMiddleware, checkSchema, userSchema … */
const VALIDATION_TOKEN = /validat|^isValid|schema|celebrate|zod|joi\b|^joi|yup|sanitiz|dto$/i;
/** Express-validator chain starters, recognised by shape when the import is elsewhere. */
const EXPRESS_VALIDATOR_ROOTS: ReadonlySet<string> = new Set(['body', 'check', 'param', 'query', 'checkSchema', 'oneOf', 'checkExact', 'cookie', 'header']);

/** Methods that run a value through a schema: zod, joi, yup, ajv, superstruct, typebox. */
const PARSE_METHODS: ReadonlySet<string> = new Set([
  'parse', 'safeParse', 'parseAsync', 'safeParseAsync', 'spa', 'validate', 'validateAsync', 'validateSync', 'validateOrReject',
  'isValid', 'isValidSync', 'Check', 'Decode', 'Parse', 'assert', 'is', 'create', 'cast', 'decode', 'assertEquals',
]);
/** `JSON.parse(req.body)`, `path.parse(…)`, `qs.parse(…)`: parsing, not validation. */
const NON_SCHEMA_RECEIVERS: ReadonlySet<string> = new Set(['JSON', 'Date', 'path', 'url', 'qs', 'querystring', 'Number', 'bodyParser', 'URL', 'Buffer', 'console']);
/** Methods that are schema validation only when the receiver is a schema library value, not any object. */
const AMBIGUOUS_METHODS: ReadonlySet<string> = new Set(['is', 'create', 'cast', 'decode', 'assert', 'Check', 'Decode', 'Parse']);
const REQUEST_HELPERS: ReadonlySet<string> = new Set(['validationResult', 'matchedData', 'plainToInstance', 'plainToClass', 'transformAndValidate']);
/** The names validatingCall accepts without a regex or an import: a file mentioning none of them (nor the regex, nor an import) has no validating call. */
const NAMED_CALLS: readonly string[] = [...[...PARSE_METHODS].filter((m) => !AMBIGUOUS_METHODS.has(m)), ...REQUEST_HELPERS];

export interface Validation {
  /** What validates: 'zod', 'joi', 'express-validator', or the middleware's name. */
  by: string;
  node: ts.Node;
}

function moduleOf(ctx: RuleContext, expr: ts.Node | undefined): string | undefined {
  if (!expr) return undefined;
  const o = ctx.modules.origin(expr);
  return o && VALIDATION_MODULES.has(o.module) ? o.module : undefined;
}

/** The validation a middleware argument performs, if it is one. */
export function validatingMiddleware(ctx: RuleContext, mw: ts.Expression, depth = 0): Validation | undefined {
  if (depth > 3) return undefined;
  const e = skipWrappers(mw) as ts.Expression;
  // Fastify: fastify.post('/x', { schema: { body } }, handler)
  if (isObjectLiteralExpression(e)) {
    const has = e.properties.some((p) => /^(?:schema|preValidation)$/.test(propertyName(p.name) ?? ''));
    return has ? { by: 'a route schema', node: e } : undefined;
  }
  if (isArrayLiteralExpression(e)) {
    for (const el of flattenMiddleware(e.elements)) {
      const v = validatingMiddleware(ctx, el, depth + 1);
      if (v) return v;
    }
    return undefined;
  }
  const lib = moduleOf(ctx, e);
  if (lib) return { by: lib, node: e };
  if (isCallExpression(e)) {
    // body('email').isEmail().normalizeEmail(): a chain rooted at an express-validator starter.
    let root: ts.Expression = e;
    while (isCallExpression(root) && isPropertyAccessExpression(root.expression)) root = root.expression.expression;
    if (isCallExpression(root) && isIdentifier(root.expression) && EXPRESS_VALIDATOR_ROOTS.has(root.expression.text) && root !== e) {
      return { by: 'express-validator', node: e };
    }
  }
  const tokens = middlewareTokens(e);
  const named = tokens.find((t) => VALIDATION_TOKEN.test(t));
  if (named) {
    // validate(createUserSchema) where the schema is a zod object: name the library.
    const schemaLib = isCallExpression(e) ? e.arguments.map((a) => moduleOf(ctx, a)).find(Boolean) : undefined;
    return { by: schemaLib ?? `${tokens[0]} middleware`, node: e };
  }
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (b && b.kind === 'variable' && b.path.length === 0 && b.init) return validatingMiddleware(ctx, b.init, depth + 1);
  }
  return undefined;
}

function carriesRequest(ctx: RuleContext, arg: ts.Node): boolean {
  const a = skipWrappers(arg);
  if (isRequestObject(a) || (isIdentifier(a) && (a.text === 'ctx' || a.text === 'context'))) return true;
  return ctx.flow.source(a) !== undefined;
}

/** The schema validation a call performs on request data, if it does. */
export function validatingCall(ctx: RuleContext, call: ts.CallExpression): Validation | undefined {
  const name = validationGate(ctx, call, undefined);
  return name === undefined ? undefined : validatingPastGate(ctx, call, name);
}

/** The rest of validatingCall, for a call past validationGate (`name` is the callee's name). */
function validatingPastGate(ctx: RuleContext, call: ts.CallExpression, name: string): Validation | undefined {
  const recv = calleeObject(call);
  const recvRoot = recv ? skipWrappers(recv) : undefined;
  if (recvRoot && isIdentifier(recvRoot) && NON_SCHEMA_RECEIVERS.has(recvRoot.text)) return undefined;
  const onRequest = call.arguments.some((a) => carriesRequest(ctx, a));
  if (!onRequest) return undefined;
  if (REQUEST_HELPERS.has(name)) {
    return { by: moduleOf(ctx, call.expression) ?? (name.startsWith('plain') ? 'class-validator' : 'express-validator'), node: call };
  }
  const lib = moduleOf(ctx, call.expression) ?? (recv ? moduleOf(ctx, recv) : undefined);
  if (PARSE_METHODS.has(name)) {
    if (lib) return { by: lib, node: call };
    if (AMBIGUOUS_METHODS.has(name)) return undefined;
    return { by: recvRoot && isIdentifier(recvRoot) ? `${recvRoot.text}.${name}` : name, node: call };
  }
  if (/validat|sanitiz/i.test(name)) return { by: lib ?? name, node: call };
  if (lib && lib !== 'validator') return { by: lib, node: call };
  if (lib === 'validator') return { by: 'validator', node: call };
  return undefined;
}

/**
 * validatingCall's cheap gate (the file's validation import names passed in when the caller holds
 * them, which saves a lookup per call): the callee's name when the call has arguments and a validation-like
 * name or a callee rooted at a validation library import; undefined when the call cannot validate.
 */
function validationGate(ctx: RuleContext, call: ts.CallExpression, imports: ReadonlySet<string> | undefined): string | undefined {
  if (call.arguments.length === 0) return undefined;
  const name = calleeName(call);
  if (!name) return undefined;
  if (!isValidationName(name) && !rootedAtValidationImport(imports ?? validationImportsOf(ctx.sourceFile), call.expression)) return undefined;
  return name;
}

/** A callee name that says validation by itself. Asked of every call's name: the answers are kept, within a bound. */
function isValidationName(name: string): boolean {
  let yes = validationNameAnswers.get(name);
  if (yes === undefined) {
    if (validationNameAnswers.size >= 4096) validationNameAnswers.clear();
    yes = (PARSE_METHODS.has(name) && !AMBIGUOUS_METHODS.has(name)) || REQUEST_HELPERS.has(name) || /validat|sanitiz/i.test(name);
    validationNameAnswers.set(name, yes);
  }
  return yes;
}

const validationNameAnswers = new Map<string, boolean>();

/** Local names bound to validation-library imports at the top of a file: `z`, `Joi`, `isEmail`, `v`. */
const validationNames = new NodeCache<ts.SourceFile, Set<string>>();

function validationImportsOf(sf: ts.SourceFile): Set<string> {
  let names = validationNames.get(sf);
  if (names) return names;
  names = new Set();
  const addBinding = (n: ts.BindingName): void => {
    if (isIdentifier(n)) names!.add(n.text);
    else for (const el of n.elements) if (!ts.isOmittedExpression(el)) addBinding(el.name);
  };
  for (const st of sf.statements) {
    if (isImportDeclaration(st) && isStringLiteral(st.moduleSpecifier) && VALIDATION_MODULES.has(st.moduleSpecifier.text)) {
      const c = st.importClause;
      if (c?.name) names.add(c.name.text);
      const nb = c?.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) names.add(nb.name.text);
      else if (nb) for (const el of nb.elements) names.add(el.name.text);
    } else if (isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        let init = d.initializer ? skipWrappers(d.initializer) : undefined;
        // require('joi'), require('zod').z
        while (init && isPropertyAccessExpression(init)) init = skipWrappers(init.expression);
        if (init && isCallExpression(init) && isIdentifier(init.expression) && init.expression.text === 'require') {
          const spec = init.arguments[0];
          if (spec && isStringLiteralLike(spec) && VALIDATION_MODULES.has(spec.text)) addBinding(d.name);
        }
      }
    }
  }
  validationNames.set(sf, names);
  return names;
}

/** `v.parse(…)`, `validator.isEmail(…)`, `isEmail(…)`: the callee's root name is imported from a validation library. */
function rootedAtValidationImport(names: ReadonlySet<string>, expr: ts.Expression): boolean {
  if (names.size === 0) return false;
  let e: ts.Node = skipWrappers(expr);
  for (let i = 0; i < 8 && (isPropertyAccessExpression(e) || isCallExpression(e)); i++) e = skipWrappers(e.expression);
  if (!isIdentifier(e)) return false;
  return names.has(e.text);
}

/** The first schema validation of request data inside a handler. */
export function validationInHandler(ctx: RuleContext, fn: HandlerFn, cache: Map<ts.Node, Validation | null>): Validation | undefined {
  const cached = cache.get(fn);
  if (cached !== undefined) return cached ?? undefined;
  let found: Validation | undefined;
  // The same walk notes hand-written checks (see checksByHand), so the handler is walked once.
  let typeofCheck = false;
  let rejects = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isTypeOfExpression(n)) typeofCheck = true;
    else if (isCallExpression(n) || isNewExpression(n)) {
      const v = isCallExpression(n) ? validatingCall(ctx, n) : undefined;
      if (v) {
        found = v;
        return;
      }
      if (!rejects && (n.arguments ?? []).some((a) => isNumericLiteral(a) && (a.text === '400' || a.text === '422'))) rejects = true;
      const name = calleeName(n);
      if (name && /^(?:is[A-Z]\w*|BadRequest\w*)$/.test(name)) {
        if (name.startsWith('BadRequest')) rejects = true;
        else typeofCheck = true;
      }
    }
    forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  cache.set(fn, found ?? null);
  if (!found) handChecked.set(fn, typeofCheck && rejects);
  return found;
}

/**
 * Validation written out by hand: `typeof` checks (or an `isX()` validator
 * call) that end in a 400/422 answer. Not a schema, but not unvalidated either.
 * Filled in by validationInHandler's walk.
 */
const handChecked = new NodeCache<ts.Node, boolean>();

/** The route's own validation, or router-level validation mounted before it. */
export function validationOnRoute(ctx: RuleContext, routes: RouteIndex, route: RouteCall, middleware: readonly ts.Expression[]): Validation | undefined {
  for (const m of [...routes.usesFor(route), ...middleware]) {
    const v = validatingMiddleware(ctx, m);
    if (v) return v;
  }
  return undefined;
}

// ---------------------------------------------------------------------------

/** Query methods where a `req.query` field becomes part of a database question. */
const DB_QUERY_METHODS: ReadonlySet<string> = new Set([
  'find', 'findOne', 'findAll', 'findMany', 'findFirst', 'findUnique', 'findAndCountAll', 'findOneBy', 'findBy', 'count',
  'countDocuments', 'aggregate', 'where', 'andWhere', 'orWhere', 'whereRaw', 'distinct', 'updateMany', 'deleteMany',
]);

/**
 * The first place a handler reads request input field by field: `req.body.x`,
 * `const { a } = req.body`, `body.x` for `const body = req.body`, or a
 * `req.query` field handed to a database query.
 */
function firstRead(ctx: RuleContext, fn: HandlerFn): { node: ts.Node; part: string } | undefined {
  let best: { node: ts.Node; part: string } | undefined;
  const take = (node: ts.Node, part: string): void => {
    if (!best || node.pos < best.node.pos) best = { node, part };
  };
  const visit = (n: ts.Node): void => {
    if (best && n.pos > best.node.pos) return;
    if (isPropertyAccessExpression(n) || isElementAccessExpression(n)) {
      const obj = skipWrappers(n.expression);
      const part = requestPart(obj);
      if (part && part.part === 'body') {
        take(obj, 'body');
        return;
      }
      if (isIdentifier(obj) && !part) {
        const whole = ctx.flow.wholeSource(obj);
        if (whole && whole.part === 'body') take(n, 'body');
      }
    } else if (isVariableDeclaration(n) && !isIdentifier(n.name) && n.initializer) {
      const part = requestPart(skipWrappers(n.initializer));
      if (part && part.part === 'body') take(n.initializer, 'body');
    } else if (isCallExpression(n) && isPropertyAccessExpression(n.expression) && DB_QUERY_METHODS.has(n.expression.name.text)) {
      for (const a of n.arguments) {
        const s = ctx.flow.source(a);
        if (s && s.part === 'query') {
          take(a, 'query');
          break;
        }
      }
    }
    forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return best;
}

// ---------------------------------------------------------------------------
// The same two judgements over the walk's node list (RuleContext.nodes).
//
// A function's descendants follow it contiguously in the walk's preorder, so a
// handler's body is a run of that list: onEnd reads the run instead of walking
// the body twice (validationInHandler, then firstRead). Same nodes, same order,
// same early exits, nested functions included. Reading the engine's list also
// spares the walk a visitor per node kind these judgements act on.


/**
 * `n` lies inside `body` (body itself included). The kinds the judgements act on are never
 * zero-width, so ranges decide; a zero-width node of another kind only ever gets skipped.
 */
function inside(n: ts.Node, body: ts.Node): boolean {
  return n.pos >= body.pos && n.end <= body.end;
}

/** firstRead's PropertyAccess/ElementAccess case can act only when the object is an identifier or an access. */
function mayReadRequest(node: ts.PropertyAccessExpression | ts.ElementAccessExpression): boolean {
  const k = skipWrappers(node.expression).kind;
  return k === SyntaxKind.Identifier || k === SyntaxKind.PropertyAccessExpression || k === SyntaxKind.ElementAccessExpression;
}

/** validationInHandler over `run`, `fn`'s descendants in the walk's node list; `handChecked` as its walk would set it. */
function listedValidation(
  ctx: RuleContext, run: { from: number; to: number }, fn: HandlerFn, validate: (call: ts.CallExpression) => Validation | undefined,
): { found?: Validation; handChecked: boolean } {
  const body = fn.body;
  if (!body) return { handChecked: false };
  const { nodes, kinds } = ctx;
  let typeofCheck = false;
  let rejects = false;
  for (let i = run.from; i < run.to; i++) {
    // The kind first, from the walk's table: most nodes are of none of the three.
    const k = kinds[i];
    if (k !== SyntaxKind.TypeOfExpression && k !== SyntaxKind.CallExpression && k !== SyntaxKind.NewExpression) continue;
    const n = nodes[i];
    if (!inside(n, body)) continue; // parameters, return type
    if (k === SyntaxKind.TypeOfExpression) typeofCheck = true;
    else if (k === SyntaxKind.CallExpression || k === SyntaxKind.NewExpression) {
      const c = n as ts.CallExpression | ts.NewExpression;
      if (k === SyntaxKind.CallExpression) {
        const v = validate(c as ts.CallExpression);
        if (v) return { found: v, handChecked: false };
      }
      // Both flags only ever turn true: once they are, nothing below can change the answer.
      if (typeofCheck && rejects) continue;
      if (!rejects && c.arguments !== undefined && hasBadRequestStatus(c.arguments)) rejects = true;
      const name = calleeName(c);
      if (name && /^(?:is[A-Z]\w*|BadRequest\w*)$/.test(name)) {
        if (name.startsWith('BadRequest')) rejects = true;
        else typeofCheck = true;
      }
    }
  }
  return { handChecked: typeofCheck && rejects };
}

/** A 400 or 422 literal among the arguments (a loop: this runs for every call of every judged handler). */
function hasBadRequestStatus(args: ts.NodeArray<ts.Expression>): boolean {
  for (const a of args) if (isNumericLiteral(a) && (a.text === '400' || a.text === '422')) return true;
  return false;
}

/** firstRead over `run`, `fn`'s descendants in the walk's node list. */
function listedFirstRead(ctx: RuleContext, run: { from: number; to: number }, fn: HandlerFn): { node: ts.Node; part: string } | undefined {
  const body = fn.body;
  if (!body) return undefined;
  let best: { node: ts.Node; part: string } | undefined;
  const take = (node: ts.Node, part: string): void => {
    if (!best || node.pos < best.node.pos) best = { node, part };
  };
  const { nodes, kinds } = ctx;
  // firstRead does not descend below a `req.body` access it took: its descendants are skipped.
  let skip: ts.Node | undefined;
  for (let i = run.from; i < run.to; i++) {
    // Only four kinds act, and the checks below only ever skip: the kind goes first.
    const k = kinds[i];
    if (k !== SyntaxKind.PropertyAccessExpression && k !== SyntaxKind.ElementAccessExpression && k !== SyntaxKind.VariableDeclaration && k !== SyntaxKind.CallExpression) continue;
    const n = nodes[i];
    if (!inside(n, body)) continue;
    if (skip && inside(n, skip)) continue;
    // firstRead prunes by position: a node (and so its subtree) starting after the best read is not visited.
    if (best && n.pos > best.node.pos) continue;
    if (k === SyntaxKind.PropertyAccessExpression || k === SyntaxKind.ElementAccessExpression) {
      if (!mayReadRequest(n as ts.PropertyAccessExpression | ts.ElementAccessExpression)) continue;
      const obj = skipWrappers((n as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression);
      const part = requestPart(obj);
      if (part && part.part === 'body') {
        take(obj, 'body');
        skip = n;
        continue;
      }
      if (isIdentifier(obj) && !part) {
        const whole = ctx.flow.wholeSource(obj);
        if (whole && whole.part === 'body') take(n, 'body');
      }
    } else if (k === SyntaxKind.VariableDeclaration) {
      const d = n as ts.VariableDeclaration;
      if (!isIdentifier(d.name) && d.initializer) {
        const part = requestPart(skipWrappers(d.initializer));
        if (part && part.part === 'body') take(d.initializer, 'body');
      }
    } else if (k === SyntaxKind.CallExpression) {
      const c = n as ts.CallExpression;
      if (isPropertyAccessExpression(c.expression) && DB_QUERY_METHODS.has(c.expression.name.text)) {
        for (const a of c.arguments) {
          const src = ctx.flow.source(a);
          if (src && src.part === 'query') {
            take(a, 'query');
            break;
          }
        }
      }
    }
  }
  return best;
}

/** `pages/api/users/[id].ts` → `/api/users/[id]`. */
function nextApiRoute(file: string): string | undefined {
  const m = /(?:^|\/)pages(\/api\/.*)\.[cm]?[jt]sx?$/.exec(file.replace(/\\/g, '/'));
  return m ? m[1].replace(/\/index$/, '') || '/api' : undefined;
}

/** `export default function handler(req, res)` / `export default withX(handler)` in a Next.js API route file. */
function nextApiHandler(sf: ts.SourceFile): { fn: HandlerFn; wrapper?: ts.Expression } | undefined {
  for (const st of sf.statements) {
    if (isFunctionDeclaration(st) && st.body && st.modifiers?.some((m) => m.kind === SyntaxKind.DefaultKeyword)) return { fn: st };
    if (ts.isExportAssignment(st) && !st.isExportEquals) {
      const e = skipWrappers(st.expression) as ts.Expression;
      const fn = handlerFunction(e);
      if (fn) return { fn, wrapper: isCallExpression(e) ? e : undefined };
    }
  }
  return undefined;
}

export const rule: SourceRule = {
  id: 'body-unvalidated',
  row: 'input-validation',
  severity: 'warning',
  description: 'Detects route handlers that read fields of req.body (or use req.query fields in a database query) with no schema validation on the route.',
  message: 'Route reads req.body without schema validation: parse it with a schema (zod, joi, express-validator) and use the parsed result.',
  fixable: false,
  docs: {
    why:
      'Without a schema, every field is whatever the client sent: strings where numbers were expected, objects where strings were ' +
      'expected (`{ "$ne": null }` reaches Mongo), arrays, megabytes of text. Each handler then fails in its own way, and injection, ' +
      'type confusion and crashes follow. A schema at the edge rejects all of it in one place.',
    bad:
      "router.post('/users', async (req, res) => {\n" +
      '  const { email, age } = req.body;\n' +
      '  res.json(await User.create({ email, age }));\n' +
      '});',
    good:
      "const NewUser = z.object({ email: z.string().email(), age: z.number().int().min(13) });\n\n" +
      "router.post('/users', async (req, res) => {\n" +
      '  const { email, age } = NewUser.parse(req.body);\n' +
      '  res.json(await User.create({ email, age }));\n' +
      '});',
    fix:
      'Declare a schema for the body (zod, joi, yup, express-validator chains or celebrate) and validate before use: `const data = Schema.parse(req.body)` ' +
      'in the handler, or a `validate(Schema)` middleware on the route; then read fields from the parsed result only.',
    cwe: ['CWE-20', 'CWE-1287'],
    owasp: ['A03:2021', 'A04:2021'],
  },
  create(ctx) {
    const routes = new RouteIndex();
    let factDone = false;
    const imports = validationImportsOf(ctx.sourceFile);
    // validatingCall needs a validation-like callee name or a callee rooted at a validation import:
    // without either in the file, the walk's evidence check can never succeed.
    const mayValidateCall = ctx.mentions(...NAMED_CALLS) || imports.size > 0 || textHasAnyOf(ctx.text, ['validat', 'sanitiz'], true);
    let evidenceDone = false;
    const evidence = (v: Validation): void => {
      if (evidenceDone) return;
      ctx.evidence('schema-validation', v.node, `request input validated by ${v.by}`);
      evidenceDone = true;
    };
    // validatingCall per call, once: the walk's evidence check and the handler judgement ask about the same calls.
    const validated = new Map<ts.CallExpression, Validation | null>();
    const validate = (call: ts.CallExpression): Validation | undefined => {
      // Most calls fail the cheap gate: answered without a cache entry.
      const name = validationGate(ctx, call, imports);
      if (name === undefined) return undefined;
      let v = validated.get(call);
      if (v === undefined) {
        v = validatingPastGate(ctx, call, name) ?? null;
        validated.set(call, v);
      }
      return v ?? undefined;
    };
    const onFactRead = (node: ts.PropertyAccessExpression): void => {
      if (factDone) return;
      const name = node.name.text;
      if (name !== 'body' && name !== 'query' && name !== 'params') return;
      if (!requestPart(node)) return;
      ctx.fact('request-input', node);
      factDone = true;
    };
    const onEvidenceCall = (node: ts.CallExpression): void => {
      // Validation anywhere (controllers wired up elsewhere too) is evidence for the row.
      if (evidenceDone || !mayValidateCall || node.arguments.length === 0) return;
      const v = validate(node);
      if (v) evidence(v);
    };
    // A report needs a route (`x.<http method>(path, …)`, the method in any case) or a Next.js API route
    // file: without either only the evidence and the fact are left, and no handler needs judging.
    if (!ctx.mentionsWhere(isHttpMethodName) && nextApiRoute(ctx.file) === undefined) {
      return { CallExpression: onEvidenceCall, PropertyAccessExpression: onFactRead };
    }
    return {
      CallExpression(node: ts.CallExpression) {
        routes.add(node);
        onEvidenceCall(node);
      },
      PropertyAccessExpression: onFactRead,
      onEnd() {
        const inHandler = new Map<ts.Node, Validation | null>();
        const seen = new Set<ts.Node>();
        const judge = (fn: HandlerFn, label: string, onRoute: Validation | undefined): void => {
          if (seen.has(fn)) return;
          seen.add(fn);
          const run = descendantsInWalk(ctx.nodes, fn);
          let read: { node: ts.Node; part: string } | undefined;
          if (run) {
            // The handler's run in the walk's node list stands in for validationInHandler's and firstRead's walks.
            const inBody = onRoute ? undefined : listedValidation(ctx, run, fn, validate);
            const v = onRoute ?? inBody!.found;
            if (v) {
              evidence(v);
              return;
            }
            read = listedFirstRead(ctx, run, fn);
            if (!read || inBody!.handChecked) return;
          } else {
            const v = onRoute ?? validationInHandler(ctx, fn, inHandler);
            if (v) {
              evidence(v);
              return;
            }
            read = firstRead(ctx, fn);
            if (!read || handChecked.get(fn)) return;
          }
          const raw = ctx.text.slice(read.node.getStart(ctx.sourceFile), read.node.end);
          const shown = read.part === 'body' && /^[\w.]{1,30}$/.test(raw) && raw.endsWith('.body') ? raw : read.part === 'body' ? 'req.body' : 'req.query';
          const what = read.part === 'body' ? `reads ${shown}` : 'puts a req.query field into a database query';
          ctx.report(read.node, {
            message: `${label} ${what} without schema validation: parse it with a schema (zod, joi, express-validator) and use the parsed result.`,
          });
        };
        for (const info of routes.routes) {
          // Webhook payloads are trusted through their signature, not a schema (the webhooks row covers them).
          if (/webhook/i.test(info.route.path ?? '')) continue;
          const fn = handlerFunction(info.route.handlers[info.route.handlers.length - 1]);
          if (!fn) continue;
          judge(fn, routeLabel(info.route), validationOnRoute(ctx, routes, info.route, info.middleware));
        }
        const nextRoute = nextApiRoute(ctx.file);
        if (nextRoute) {
          const h = nextApiHandler(ctx.sourceFile);
          if (h) judge(h.fn, `API route ${nextRoute}`, h.wrapper ? validatingMiddleware(ctx, h.wrapper) : undefined);
        }
      },
    };
  },
};
