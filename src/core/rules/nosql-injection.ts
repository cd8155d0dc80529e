import {
  forEachChild, isArrayLiteralExpression, isArrowFunction, isBinaryExpression, isCallExpression,
  isConditionalExpression, isElementAccessExpression, isFunctionExpression, isIdentifier,
  isNewExpression, isNoSubstitutionTemplateLiteral, isNumericLiteral, isObjectLiteralExpression,
  isPropertyAccessExpression, isPropertyAssignment, isShorthandPropertyAssignment, isSpreadAssignment,
  isStringLiteral, isTemplateExpression, SyntaxKind, ts,
} from '../ts';
import { textHas } from '../lib/text-hints';
import { calleeName, calleeObject, getPropertyValue, propertyName, routeCall, stringValue } from '../ast';
import { calleeMayComeFrom, normalizeModule, requiredModule, skipWrappers } from '../modules';
import { enclosingFunction, lookup } from '../scopes';
import { requestPart, type Source } from '../flow';
import type { Fix, RuleContext, SourceRule, TextEdit } from '../types';
import { sourceLabel, valueAt } from './sql-injection';

/**
 * Request data as a MongoDB filter, where a JSON body or a `qs`-parsed query
 * string can carry operators instead of values:
 *
 *   User.find(req.body)                        // whole request part as the filter
 *   User.findOne({ email: req.body.email })    // {"email": {"$ne": null}} logs in as anyone
 *   coll.find({ $where: `this.name == '${n}'` }) // server-side JavaScript
 *   User.find({ name: { $regex: req.query.q } }) // regex injection / ReDoS
 *
 * Values cast to a string or number, parsed by a schema, or read from route
 * params (always strings) are fine. Receivers are recognised by shape
 * (PascalCase models, `*Model`, `db.collection('x')`, `mongoose.model('X')`)
 * since models are usually defined in another file.
 */

const MONGO_MODULES: ReadonlySet<string> = new Set(['mongoose', 'mongodb', '@typegoose/typegoose', '@nestjs/mongoose', 'mongoist', 'monk']);
/** Packages whose PascalCase exports have a `find` that is not a MongoDB query. */
const NOT_MONGO_PACKAGES: ReadonlySet<string> = new Set([
  'sequelize', 'sequelize-typescript', 'typeorm', '@prisma/client', 'objection', 'lodash', 'ramda', 'underscore', 'immutable', 'discord.js', 'knex',
]);
const FILTER_METHODS: ReadonlySet<string> = new Set([
  'find', 'findOne', 'findOneAndUpdate', 'findOneAndDelete', 'findOneAndRemove', 'findOneAndReplace', 'updateOne', 'updateMany',
  'deleteOne', 'deleteMany', 'countDocuments', 'count', 'exists', 'where', 'aggregate', 'replaceOne',
]);
const FILTER_METHOD_LIST: readonly string[] = [...FILTER_METHODS];
/** Built-ins and well-known globals with a `find`. */
const NOT_MODELS: ReadonlySet<string> = new Set([
  'Array', 'Object', 'Promise', 'Math', 'JSON', 'Reflect', 'Map', 'Set', 'WeakMap', 'String', 'Number', 'Date', 'Buffer', 'Symbol', 'Intl', 'R', 'Enumerable', 'Immutable',
]);
/** Request parts that can hold objects (JSON bodies, `qs` query strings, `j:` JSON cookies); route params are strings. */
const OBJECT_PARTS: ReadonlySet<string> = new Set(['body', 'query', 'cookies', 'signedCookies', 'request']);
const VALIDATE_METHODS: ReadonlySet<string> = new Set(['validate', 'validateAsync', 'validateSync', 'parse', 'parseAsync', 'safeParse', 'safeParseAsync', 'assert', 'attempt', 'check']);
const VALIDATOR_MODULES: ReadonlySet<string> = new Set(['express-validator', 'celebrate', 'express-joi-validation', 'zod-express-middleware', 'express-zod-api', 'joi', 'zod', 'yup']);
const LOGICAL: ReadonlySet<string> = new Set(['$and', '$or', '$nor']);
const PASCAL = /^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*$/;

interface Problem {
  node: ts.Node;
  /** Built when reported: most problems are dropped (validated, sanitized) or not the one reported, and sourceLabel reads node text. */
  message: () => string;
  source?: Source;
  /** Field-level problems disappear when filters are sanitized globally. */
  field: boolean;
}

export const rule: SourceRule = {
  id: 'nosql-injection',
  row: 'injection',
  severity: 'error',
  description: 'Detects request data used as a MongoDB query filter, where JSON or query-string input can inject operators such as $ne, $gt, $where or $regex.',
  message: 'Request data used as a MongoDB filter: operators like {"$ne": null} can be injected; pick the fields and cast them to strings.',
  fixable: true,
  docs: {
    why:
      'Express parses JSON bodies and `?a[$ne]=x` query strings into objects, so a field you expect to be a string can arrive ' +
      'as `{"$ne": null}` and turn `findOne({ email, password })` into "any user". A whole `req.body` as a filter lets the ' +
      'client query any field, and `$where` or an unescaped `$regex` runs attacker-chosen code or patterns on the database.',
    bad: "const user = await User.findOne({ email: req.body.email, password: req.body.password });\nconst users = await User.find(req.query);",
    good:
      "const { email } = LoginBody.parse(req.body); // zod: z.object({ email: z.string().email() })\n" +
      "const user = await User.findOne({ email });\nconst users = await User.find({ status: String(req.query.status) });",
    fix:
      'Validate request input with a schema (zod, Joi) or cast each value with String()/Number() before it reaches a filter; ' +
      'never pass `req.body` or `req.query` as the filter; escape user text before `$regex`; drop `$where`. ' +
      'Enable `mongoose.set(\'sanitizeFilter\', true)` or express-mongo-sanitize as a safety net.',
    cwe: ['CWE-943'],
    owasp: ['A03:2021'],
  },
  create(ctx) {
    let sanitizerSeen = false;
    let shapeOk: boolean | undefined;
    const facts = new Set<string>();
    const note = (m: string, node: ts.Node): void => {
      if (!MONGO_MODULES.has(m) || facts.has(m)) return;
      facts.add(m);
      ctx.fact('database', node);
    };
    const shapeAllowed = (): boolean => (shapeOk ??= mongoShapesPlausible(ctx));
    // isMongoReceiver acts on an identifier's origin only when it is a MongoDB module, a known
    // non-MongoDB package or a dependency: the origin is not resolved when none can be it.
    let mayResolve: ((e: ts.Node) => boolean) | undefined;
    const receivers: Receivers = {
      shapeAllowed,
      mayResolve: (e) => (mayResolve ??= calleeMayComeFrom(ctx, (m) => MONGO_MODULES.has(m) || NOT_MONGO_PACKAGES.has(m) || m in ctx.project.dependencies))(e),
    };
    // Sanitizers resolve to express-mongo-sanitize or mongoose, whose specifiers the file must spell.
    const mongoText = textHas(ctx.text, 'mongo');
    // Facts need a MongoDB module's specifier; reports need a filter method's name. The identifier lookup
    // goes before the other two whole-text scans, which it usually makes unnecessary.
    if (!mongoText && !ctx.mentions(...FILTER_METHOD_LIST) && !textHas(ctx.text, 'monk') && !textHas(ctx.text, 'typegoose')) return {};
    return {
      ImportDeclaration(node: ts.ImportDeclaration) {
        if (isStringLiteral(node.moduleSpecifier)) note(normalizeModule(node.moduleSpecifier.text), node);
      },
      CallExpression(node: ts.CallExpression) {
        const name = calleeName(node);
        if (!name) return;
        if (name === 'require') {
          const m = requiredModule(node);
          if (m) note(m, node);
          return;
        }
        if (!sanitizerSeen && mongoText && (name === 'set' || name === 'sanitize' || isIdentifier(node.expression)) && isSanitizer(ctx, node, name)) {
          sanitizerSeen = true;
          const what = name === 'set' ? "mongoose sanitizeFilter casts `$` operators in filters to $eq" : 'express-mongo-sanitize strips `$` keys from request data';
          ctx.evidence('nosql-sanitizer', node, what);
          ctx.evidence('parameterized-query', node, what);
          return;
        }
        if (!FILTER_METHODS.has(name) || node.arguments.length === 0) return;
        const first = node.arguments[0];
        // array.find(cb), Promise-like finds: a function argument is never a filter.
        if (isArrowFunction(first) || isFunctionExpression(first)) return;
        const recv = calleeObject(node);
        if (!recv || !isMongoReceiver(ctx, recv, receivers, 0)) return;
        const problems: Problem[] = [];
        if (name === 'aggregate') {
          const pipeline = skipWrappers(first);
          if (!isArrayLiteralExpression(pipeline)) return;
          for (const stage of pipeline.elements) {
            const s = skipWrappers(stage);
            if (!isObjectLiteralExpression(s)) continue;
            const match = getPropertyValue(s, '$match');
            if (match) checkFilter(ctx, match, problems, 0);
          }
        } else {
          checkFilter(ctx, first, problems, 0);
        }
        if (problems.length === 0) return;
        const fieldOnly = problems.every((p) => p.field);
        if (fieldOnly && (sanitizedQuery(node) || validatedBeforeUse(ctx, node, problems))) return;
        const p = problems.find((x) => !x.field) ?? problems[0];
        ctx.report(node, {
          message: p.message(),
          related: p.source ? [{ node: p.source.node, message: `request data (${sourceLabel(p.source)}) enters here` }] : undefined,
          unlessEvidence: fieldOnly ? 'nosql-sanitizer' : undefined,
          fixes: fieldOnly ? castFix(ctx.sourceFile, problems, castsBySchema(ctx)) : [],
        });
      },
    };
  },
};

/**
 * `{ email: req.body.email }` → `{ email: String(req.body.email) }`, `{ email }` →
 * `{ email: String(email) }`: an operator object becomes the string
 * "[object Object]", which matches nothing. Only for plain reads (a property
 * access or a variable); a `||` fallback or a JSON.parse result is left to the reader.
 */
function castFix(sf: ts.SourceFile, problems: readonly Problem[], preferred: boolean): Fix[] {
  const edits: TextEdit[] = [];
  for (const p of problems) {
    const v = skipWrappers(p.node);
    if (!isPropertyAccessExpression(v) && !isElementAccessExpression(v) && !isIdentifier(v)) return [];
    const parent = p.node.parent;
    if (isShorthandPropertyAssignment(parent) && parent.name === p.node) {
      if (parent.objectAssignmentInitializer) return [];
      edits.push({ start: parent.getStart(sf), end: parent.end, newText: `${parent.name.text}: String(${parent.name.text})` });
    } else {
      edits.push({ start: p.node.getStart(sf), end: p.node.end, newText: `String(${p.node.getText(sf)})` });
    }
  }
  if (edits.length === 0) return [];
  return [{ title: 'Cast the request values to strings', edits, preferred }];
}

/**
 * Mongoose casts filter values to the schema's types, so `String(x)` still
 * matches a Number or ObjectId path; the bare driver compares types strictly,
 * where a cast could stop a numeric field from matching. Preferred only then.
 */
function castsBySchema(ctx: RuleContext): boolean {
  return ctx.modules.imports('mongoose') || 'mongoose' in ctx.project.dependencies;
}

/** A project that has no MongoDB client at all gets no shape-based model guesses. */
function mongoShapesPlausible(ctx: RuleContext): boolean {
  const imported = ctx.modules.importedModules();
  for (const m of MONGO_MODULES) if (imported.has(m)) return true;
  for (const m of NOT_MONGO_PACKAGES) if (imported.has(m)) return false;
  const deps = Object.keys(ctx.project.dependencies);
  if (deps.length === 0) return true;
  return deps.some((d) => MONGO_MODULES.has(d));
}

/** `User`, `userModel`, `usersCollection`: PascalCase (not a built-in) or ending in Model / Collection. */
function modelLikeName(name: string): boolean {
  const c = name.charCodeAt(0);
  // PASCAL needs a leading capital: skip the regex otherwise.
  if (c >= 65 && c <= 90 && PASCAL.test(name) && !NOT_MODELS.has(name)) return true;
  return /[a-z](Model|Collection)$/.test(name);
}

interface Receivers {
  /** A MongoDB client is plausible in this file (mongoShapesPlausible), asked once. */
  shapeAllowed(): boolean;
  /** False when the expression cannot resolve to a module isMongoReceiver acts on. */
  mayResolve(e: ts.Node): boolean;
}

function isMongoReceiver(ctx: RuleContext, recv: ts.Expression, receivers: Receivers, depth: number): boolean {
  const shapeAllowed = receivers.shapeAllowed;
  const e = skipWrappers(recv);
  if (isCallExpression(e)) {
    const n = calleeName(e);
    if (n === 'collection' || n === 'model') {
      // db.collection('users'), mongoose.model('User'), conn.model('User')
      const o = ctx.modules.callee(e);
      if (o && MONGO_MODULES.has(o.module)) return true;
      return !!stringValue(e.arguments[0]) && shapeAllowed();
    }
    return false;
  }
  if (isIdentifier(e)) {
    const o = receivers.mayResolve(e) ? ctx.modules.origin(e) : undefined;
    if (o) {
      if (MONGO_MODULES.has(o.module)) return o.path.includes('()') || o.path.includes('model') || o.path.includes('collection');
      if (NOT_MONGO_PACKAGES.has(o.module) || (o.module in ctx.project.dependencies)) return false;
    }
    // Model-like by name (with a MongoDB client plausible) or holding a model from a call: either answers true.
    // The name test costs nothing, so it goes before the variable's value is looked up.
    const name = e.text;
    if (modelLikeName(name) && shapeAllowed()) return true;
    const b = lookup(name, e);
    if (b && b.kind === 'variable' && b.path.length === 0 && depth < 3) {
      const w = valueAt(b, e);
      if (w && isCallExpression(skipWrappers(w)) && isMongoReceiver(ctx, w, receivers, depth + 1)) return true;
    }
    return false;
  }
  if (isPropertyAccessExpression(e)) {
    const n = e.name.text;
    // models.User, this.userModel, this.collection
    if (modelLikeName(n) || n === 'model' || n === 'collection') return shapeAllowed();
  }
  return false;
}

/** `mongoose.set('sanitizeFilter', true)`, `mongoose.set({ sanitizeFilter: true })`, `app.use(mongoSanitize())`. */
function isSanitizer(ctx: RuleContext, call: ts.CallExpression, name: string): boolean {
  const o = ctx.modules.callee(call);
  if (!o) return false;
  if (o.module === 'express-mongo-sanitize') return o.path.length === 0 || o.path[0] === 'default';
  if (name !== 'set' || o.module !== 'mongoose') return false;
  const [a, b] = call.arguments;
  if (stringValue(a) === 'sanitizeFilter') return !!b && b.kind === SyntaxKind.TrueKeyword;
  const obj = a && skipWrappers(a);
  if (obj && isObjectLiteralExpression(obj)) return getPropertyValue(obj, 'sanitizeFilter')?.kind === SyntaxKind.TrueKeyword;
  return false;
}

/** `.setOptions({ sanitizeFilter: true })` on the query, or the option in the call itself. */
function sanitizedQuery(call: ts.CallExpression): boolean {
  const hasOption = (arg: ts.Node | undefined): boolean => {
    const o = arg && skipWrappers(arg);
    return !!o && isObjectLiteralExpression(o) && getPropertyValue(o, 'sanitizeFilter')?.kind === SyntaxKind.TrueKeyword;
  };
  if (call.arguments.slice(1).some(hasOption)) return true;
  let n: ts.Node = call;
  for (let i = 0; i < 6 && n.parent; i++) {
    const p: ts.Node = n.parent;
    if (isPropertyAccessExpression(p) && p.expression === n && isCallExpression(p.parent)) {
      if (p.name.text === 'setOptions' && hasOption(p.parent.arguments[0])) return true;
      n = p.parent;
    } else {
      break;
    }
  }
  return false;
}

function checkFilter(ctx: RuleContext, filter: ts.Expression, out: Problem[], depth: number): void {
  if (depth > 4) return;
  const whole = wholeRequest(ctx, filter);
  if (whole) {
    out.push({
      node: filter,
      message: () => `MongoDB filter is the whole request ${whole.part} (${sourceLabel(whole)}): a client can send operators like {"$ne": null} or query any field; build the filter from chosen, cast fields.`,
      source: whole,
      field: false,
    });
    return;
  }
  let e = skipWrappers(filter);
  if (isIdentifier(e)) {
    // const filter = { email: req.body.email }; User.findOne(filter)
    const b = lookup(e.text, e);
    const w = b && b.kind === 'variable' && b.path.length === 0 ? valueAt(b, e) : undefined;
    if (!w || !isObjectLiteralExpression(skipWrappers(w))) return;
    e = skipWrappers(w);
  }
  if (!isObjectLiteralExpression(e)) return;
  for (const p of e.properties) {
    if (isSpreadAssignment(p)) {
      const s = wholeRequest(ctx, p.expression);
      if (s) out.push({ node: p, message: () => `MongoDB filter spreads the whole request ${s.part} (${sourceLabel(s)}): a client can add operators or any field; pick fields explicitly.`, source: s, field: false });
      continue;
    }
    const key = isPropertyAssignment(p) || isShorthandPropertyAssignment(p) ? propertyName(p.name) : undefined;
    const value = isPropertyAssignment(p) ? p.initializer : isShorthandPropertyAssignment(p) ? p.name : undefined;
    if (!value) continue;
    // Sequelize / TypeORM options objects ({ where: … }) are not Mongo filters.
    if (key === 'where' && depth === 0) return;
    if (key === '$where') {
      if (!isConstant(value)) {
        const s = ctx.flow.source(value) ?? undefined;
        out.push({ node: p, message: () => '$where with a non-constant value runs JavaScript built at runtime on the database: express the condition with query operators instead.', source: s, field: false });
      }
      continue;
    }
    if (key && LOGICAL.has(key)) {
      const arr = skipWrappers(value);
      if (isArrayLiteralExpression(arr)) for (const el of arr.elements) checkFilter(ctx, el, out, depth + 1);
      continue;
    }
    checkValue(ctx, value, out);
  }
}

/** One field's value: a raw request value, or an operator object with `$regex`. */
function checkValue(ctx: RuleContext, value: ts.Expression, out: Problem[]): void {
  const v = skipWrappers(value);
  if (isObjectLiteralExpression(v)) {
    const re = getPropertyValue(v, '$regex');
    if (re) checkRegex(ctx, re, out);
    return;
  }
  if (isNewExpression(v) && isIdentifier(v.expression) && v.expression.text === 'RegExp' && v.arguments?.[0]) {
    checkRegex(ctx, v.arguments[0], out);
    return;
  }
  const s = rawRequestValue(ctx, value, 0);
  if (s) {
    out.push({
      node: value,
      message: () => `Request data (${sourceLabel(s)}) used as a MongoDB filter value without a cast: {"$ne": null} in it matches any document; cast with String() or validate it with a schema.`,
      source: s,
      field: true,
    });
  }
}

function checkRegex(ctx: RuleContext, re: ts.Expression, out: Problem[]): void {
  if (isEscaped(re, 0)) return;
  const s = ctx.flow.source(re);
  if (!s) return;
  out.push({
    node: re,
    message: () => `Regular expression built from request data (${sourceLabel(s)}) without escaping: a client can inject patterns or a catastrophic (ReDoS) regex; escape it first.`,
    source: s,
    field: false,
  });
}

/** An escape call or `.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')` somewhere on the way. */
function isEscaped(expr: ts.Expression, depth: number): boolean {
  if (depth > 5) return false;
  const e = skipWrappers(expr) as ts.Expression;
  if (isCallExpression(e)) {
    const name = calleeName(e) ?? '';
    if (/escape|quote/i.test(name)) return true;
    if ((name === 'replace' || name === 'replaceAll') && /\$&/.test(e.arguments[1]?.getText() ?? '')) return true;
    if (name === 'String' && e.arguments[0]) return isEscaped(e.arguments[0], depth + 1);
    const recv = calleeObject(e);
    return !!recv && isEscaped(recv, depth + 1);
  }
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    const w = b && b.kind === 'variable' && b.path.length === 0 ? valueAt(b, e) : undefined;
    return !!w && isEscaped(w, depth + 1);
  }
  if (isTemplateExpression(e)) return e.templateSpans.every((s) => isEscaped(s.expression, depth + 1) || isConstant(s.expression));
  return false;
}

function isConstant(e: ts.Expression): boolean {
  const v = skipWrappers(e);
  return isStringLiteral(v) || isNoSubstitutionTemplateLiteral(v) || isNumericLiteral(v) || isFunctionExpression(v) || isArrowFunction(v);
}

/** `req.body`, `const f = req.query`, `const { page, ...filter } = req.query`. */
function wholeRequest(ctx: RuleContext, expr: ts.Expression): Source | undefined {
  const direct = ctx.flow.wholeSource(expr);
  if (direct) return OBJECT_PARTS.has(direct.part) ? direct : undefined;
  const e = skipWrappers(expr);
  if (!isIdentifier(e)) return undefined;
  const b = lookup(e.text, e);
  if (!b || b.kind !== 'variable' || b.path.length !== 1 || b.path[0] !== '...' || !b.init) return undefined;
  const base = ctx.flow.wholeSource(b.init);
  return base && OBJECT_PARTS.has(base.part) ? { node: b.node, part: base.part } : undefined;
}

/**
 * Request data as it arrived: a property read (or a variable holding one) of a
 * part that can carry objects. Call results (`.trim()`, `String()`,
 * `schema.parse()`) are strings or validated, except JSON.parse.
 */
function rawRequestValue(ctx: RuleContext, expr: ts.Expression, depth: number): Source | undefined {
  if (depth > 6) return undefined;
  const e = skipWrappers(expr) as ts.Expression;
  if (isPropertyAccessExpression(e) || isElementAccessExpression(e)) {
    if (isPropertyAccessExpression(e) && e.name.text === 'length') return undefined;
    if (!accessChainOnly(e)) return undefined;
    const s = ctx.flow.source(e);
    return s && objectCapable(ctx, s) ? s : undefined;
  }
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable') return undefined;
    const w = valueAt(b, e);
    if (!w) return undefined;
    if (b.path.length > 0) {
      if (w !== b.init || b.path.includes('...')) return undefined;
      // const { email } = req.body — the destructured read is as raw as req.body.email
      const base = skipWrappers(w) as ts.Expression;
      const s = ctx.flow.source(e);
      if (!s || !objectCapable(ctx, s)) return undefined;
      return isIdentifier(base) || isPropertyAccessExpression(base) || isElementAccessExpression(base) ? s : undefined;
    }
    return rawRequestValue(ctx, w, depth + 1);
  }
  if (isCallExpression(e)) {
    const name = calleeName(e);
    const recv = calleeObject(e);
    if (name === 'parse' && recv && isIdentifier(recv) && recv.text === 'JSON' && e.arguments[0]) {
      const s = ctx.flow.source(e.arguments[0]);
      return s ?? undefined;
    }
    return undefined;
  }
  if (isConditionalExpression(e)) return rawRequestValue(ctx, e.whenTrue, depth + 1) ?? rawRequestValue(ctx, e.whenFalse, depth + 1);
  if (isBinaryExpression(e) && (e.operatorToken.kind === SyntaxKind.BarBarToken || e.operatorToken.kind === SyntaxKind.QuestionQuestionToken)) {
    return rawRequestValue(ctx, e.left, depth + 1) ?? rawRequestValue(ctx, e.right, depth + 1);
  }
  return undefined;
}

/**
 * Whether this request part can hold an object. Query strings only nest with
 * `qs` (Express 4's default); Express 5 and Koa parse them flat.
 */
function objectCapable(ctx: RuleContext, s: Source): boolean {
  if (!OBJECT_PARTS.has(s.part)) return false;
  if (s.part !== 'query') return true;
  const n = s.node;
  if (isPropertyAccessExpression(n) && isIdentifier(n.expression) && (n.expression.text === 'ctx' || n.expression.text === 'context')) return false;
  const express = ctx.project.dependencies.express;
  return !(express && /^[\^~>=\s]*5/.test(express));
}

function accessChainOnly(e: ts.Node): boolean {
  for (let n = skipWrappers(e); ; n = skipWrappers((n as ts.PropertyAccessExpression).expression)) {
    if (isIdentifier(n) || n.kind === SyntaxKind.ThisKeyword) return true;
    if (!isPropertyAccessExpression(n) && !isElementAccessExpression(n)) return false;
  }
}

/**
 * The route validates input before this query: validation middleware among the
 * route's handlers (`body('email').isEmail()`, `validate(schema)`, celebrate),
 * a `schema.validate(req.body)` call, or a `typeof x !== 'string'` check earlier
 * in the handler.
 */
function validatedBeforeUse(ctx: RuleContext, sink: ts.CallExpression, problems: Problem[]): boolean {
  const fn = enclosingFunction(sink);
  if (!fn) return false;
  const parent = fn.parent;
  if (parent && isCallExpression(parent)) {
    const route = routeCall(parent);
    if (route && route.handlers.some((h) => h !== fn && isValidationMiddleware(ctx, h))) return true;
  }
  const body = (fn as ts.FunctionLikeDeclaration).body;
  if (!body) return false;
  const texts = new Set(problems.map((p) => skipWrappers(p.node).getText()));
  const parts = new Set(problems.map((p) => p.source?.part));
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || n.pos >= sink.pos) return;
    if (isCallExpression(n) && VALIDATE_METHODS.has(calleeName(n) ?? '')) {
      if (n.arguments.some((a) => { const r = requestPart(skipWrappers(a)); return !!r && parts.has(r.part); })) found = true;
    } else if (ts.isTypeOfExpression(n) && texts.has(skipWrappers(n.expression).getText())) {
      found = true;
    }
    forEachChild(n, visit);
  };
  visit(body);
  return found;
}

function isValidationMiddleware(ctx: RuleContext, h: ts.Expression): boolean {
  const e = skipWrappers(h);
  if (isArrayLiteralExpression(e)) return e.elements.some((x) => isValidationMiddleware(ctx, x));
  if (isIdentifier(e)) return /valid|schema|sanitiz/i.test(e.text);
  if (isCallExpression(e)) {
    const o = ctx.modules.callee(e);
    if (o && VALIDATOR_MODULES.has(o.module)) return true;
    let root: ts.Node = e;
    while (isCallExpression(root) || isPropertyAccessExpression(root)) root = root.expression;
    const name = isIdentifier(root) ? root.text : '';
    return /valid|celebrate|schema|sanitiz|zod|joi/i.test(name);
  }
  return false;
}
