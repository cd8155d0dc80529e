import {
  forEachChild, isArrayLiteralExpression, isCallExpression, isIdentifier, isNewExpression,
  isObjectLiteralExpression, isPropertyAccessExpression, isPropertyAssignment,
  isShorthandPropertyAssignment, isSourceFile, isSpreadAssignment, ts,
} from '../ts';
import { calleeName, calleeObject, dottedName, isHttpMethodName, propertyName } from '../ast';
import type { Source } from '../flow';
import { calleeMayComeFrom, skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { RuleContext, SourceRule } from '../types';
import { validatingCall, validationInHandler, validationOnRoute, type Validation } from './body-unvalidated';
import { enclosingHandler, LOOKUP_METHODS, RouteIndex } from './idor-lookup';

/**
 * Writes that take the whole request body: `User.create(req.body)`,
 * `new Post({ ...req.body, owner })`, `doc.set(req.body)`,
 * `prisma.user.update({ data: req.body })`, `knex('users').insert(req.body)`.
 *
 * The write target must look like a model, a repository, a query builder or a
 * record loaded from one; `service.create(req.body)` hands over to code we
 * cannot see and is left alone.
 */

/** Where the written data sits, per method. */
const FIRST_ARG: ReadonlySet<string> = new Set(['create', 'createMany', 'insertMany', 'insert', 'insertOne', 'bulkCreate', 'build', 'save', 'upsert', 'values']);
const SECOND_ARG: ReadonlySet<string> = new Set([
  'updateOne', 'updateMany', 'findOneAndUpdate', 'findByIdAndUpdate', 'replaceOne', 'findOneAndReplace', 'replaceOne',
]);
const WRITE_METHODS: ReadonlySet<string> = new Set([...FIRST_ARG, ...SECOND_ARG, 'update', 'merge', 'set', 'assign']);

const WRITE_PARTS: ReadonlySet<string> = new Set(['body', 'query']);
/** Mongo update operators whose value is written field by field. */
const SET_OPERATORS: ReadonlySet<string> = new Set(['$set', '$setOnInsert']);
const BUILTINS: ReadonlySet<string> = new Set([
  'Object', 'Array', 'JSON', 'Math', 'Promise', 'Reflect', 'Date', 'Buffer', 'Number', 'String', 'Map', 'Set', 'WeakMap', 'Intl',
  'Error', 'URL', 'URLSearchParams', 'Headers', 'Response', 'Request', 'FormData', 'Blob', 'RegExp', 'Symbol', 'Proxy', 'Boolean',
]);
/** ORM and database client packages: a value derived from one is a data target. */
const DATA_MODULES: ReadonlySet<string> = new Set([
  'mongoose', 'sequelize', '@prisma/client', 'typeorm', 'knex', 'objection', 'mongodb', '@mikro-orm/core', 'bookshelf',
  'drizzle-orm', 'kysely', 'pg', 'mysql', 'mysql2', 'better-sqlite3', 'sqlite3', 'waterline', '@supabase/supabase-js',
]);
const LOCAL_MODULE = /^(?:\.|@\/|~|#|src\/|app\/)/;
const MODEL_MODULE = /model|entit|schema|(?:^|\/)db\b|database|repo|dao|store|orm|prisma/i;
/** Classes that are not records: `new InvoiceService()`, `new ApiClient()`. */
const NOT_MODELS = /(?:Service|Client|Controller|Api|Sdk|Gateway|Provider|Handler|Queue|Cache|Logger|Error|Exception|Dto|Schema|Validator|Builder|Factory|Command|Event|Request|Response|Params|Options|Config)$/;
const QUERY_BUILDER_ROOTS = /^(?:knex|db|orm|trx|tx|database|sql|pg|connection|conn|qb|queryBuilder)$/;

/** `drizzle-orm/node-postgres` → `drizzle-orm`; `@prisma/client/edge` → `@prisma/client`. Sliced, not split: it runs per resolved receiver. */
function packageOf(module: string): string {
  const end = module.indexOf('/', module.charCodeAt(0) === 64 /* @ */ ? module.indexOf('/') + 1 : 0);
  return end < 0 ? module : module.slice(0, end);
}

function isCapitalized(name: string): boolean {
  return /^[A-Z][A-Za-z0-9_]*$/.test(name) && !/^[A-Z0-9_]+$/.test(name);
}

/**
 * Per-file answers the rule computes once (kept in create()'s closure). `mayBeData` is false when an
 * expression cannot resolve to a DATA_MODULES package (calleeMayComeFrom), so its origin is not resolved.
 */
interface Hints {
  mayBeData(expr: ts.Node): boolean;
  savedLater(target: ts.Identifier): boolean;
}

const NO_HINTS: Hints = { mayBeData: () => true, savedLater: isSavedLater };

const isDataPackage = (module: string): boolean => DATA_MODULES.has(packageOf(module));

function dataOrigin(ctx: RuleContext, recv: ts.Node, hints: Hints): boolean {
  if (!hints.mayBeData(recv)) return false;
  const origin = ctx.modules.origin(recv);
  return !!origin && isDataPackage(origin.module);
}

/** A module-like, model-like or repository-like receiver of a write. */
function isDataTarget(ctx: RuleContext, recv: ts.Node | undefined, method: string, depth = 0, hints: Hints = NO_HINTS): boolean {
  if (!recv || depth > 6) return false;
  recv = skipWrappers(recv);
  // Name checks first; a value from an ORM / database package is a target too (dataOrigin), resolved last.
  if (isIdentifier(recv)) {
    const name = recv.text;
    if (BUILTINS.has(name)) return dataOrigin(ctx, recv, hints);
    if (/repo(?:sitory)?$|model$|collection$/i.test(name) || QUERY_BUILDER_ROOTS.test(name) || /prisma/i.test(name)) return true;
    if (isCapitalized(name)) {
      const origin = ctx.modules.origin(recv);
      if (origin && isDataPackage(origin.module)) return true;
      // `import Stripe from 'stripe'`, `import { Queue } from 'bullmq'`: a package's classes are SDKs, not models.
      // Local modules and path aliases that name models (`@app/models`, `~/db/entities`) are.
      if (origin && !LOCAL_MODULE.test(origin.module) && !MODEL_MODULE.test(origin.module)) return false;
      return true;
    }
    // instance.update(values) on a record loaded a few lines up (Sequelize).
    return (method === 'update' && isLoadedRecord(recv)) || dataOrigin(ctx, recv, hints);
  }
  if (isPropertyAccessExpression(recv)) {
    const name = recv.name.text;
    // prisma.user, this.prisma.post, db.Order, models.User, this.userRepository, this.model
    if (/repo(?:sitory)?$|model$|collection$/i.test(name) || isCapitalized(name)) return true;
    const base = dottedName(recv.expression) ?? '';
    if (/prisma|(?:^|\.)db$/i.test(base)) return true;
    return dataOrigin(ctx, recv, hints);
  }
  if (isCallExpression(recv)) return callTarget(ctx, recv, method, depth, hints) || dataOrigin(ctx, recv, hints);
  return dataOrigin(ctx, recv, hints);
}

function callTarget(ctx: RuleContext, recv: ts.CallExpression, method: string, depth: number, hints: Hints): boolean {
  const name = calleeName(recv) ?? '';
  if (/^get(?:Custom)?Repository$|^collection$|^model$|^table$|^into$|^from$/.test(name)) return true;
  // knex('users').where(…).update(…): walk to the chain's root call.
  let root: ts.Expression = recv;
  for (let i = 0; i < 16 && isCallExpression(root) && isPropertyAccessExpression(skipWrappers(root.expression)); i++) {
    root = (skipWrappers(root.expression) as ts.PropertyAccessExpression).expression;
  }
  root = skipWrappers(root) as ts.Expression;
  if (isCallExpression(root)) {
    const callee = skipWrappers(root.expression);
    if (isIdentifier(callee) && QUERY_BUILDER_ROOTS.test(callee.text)) return true;
    if (isPropertyAccessExpression(callee)) return isDataTarget(ctx, callee.expression, method, depth + 1, hints);
  }
  return isIdentifier(root) && QUERY_BUILDER_ROOTS.test(root.text);
}

/** A variable holding a record loaded by a lookup or built with `new Model()`: `const user = await User.findByPk(id)`. */
function isLoadedRecord(id: ts.Identifier): boolean {
  const b = lookup(id.text, id);
  if (!b || b.kind !== 'variable' || !b.init || b.path.length > 0) return false;
  const init = skipWrappers(b.init);
  if (isCallExpression(init)) {
    let c: ts.Expression = init;
    // User.findById(id).populate('x'): the lookup sits lower in the chain.
    for (let i = 0; i < 8 && isCallExpression(c); i++) {
      const name = calleeName(c);
      if (name && (LOOKUP_METHODS.has(name) || /^find/.test(name))) return true;
      const e = skipWrappers(c.expression);
      if (!isPropertyAccessExpression(e)) break;
      c = skipWrappers(e.expression) as ts.Expression;
    }
    return false;
  }
  if (isNewExpression(init)) {
    const callee = skipWrappers(init.expression);
    return isIdentifier(callee) && isCapitalized(callee.text) && !BUILTINS.has(callee.text) && !NOT_MODELS.test(callee.text);
  }
  return false;
}

/** `target.save()` or `repo.save(target)` later in the function: the assigned object is persisted. */
function isSavedLater(target: ts.Identifier): boolean {
  const fn = savedLaterScope(target);
  return !!fn && (savedCalls(fn).get(target.text) ?? -1) > target.pos;
}

/** The function (or file) isSavedLater searches; undefined when the target is not bound here. */
function savedLaterScope(target: ts.Identifier): ts.Node | undefined {
  if (!lookup(target.text, target)) return undefined;
  let fn: ts.Node | undefined = target.parent;
  while (fn && !ts.isFunctionLike(fn) && !isSourceFile(fn)) fn = fn.parent;
  return fn;
}

/**
 * For one function: each name's last position (call `pos`) as the receiver or an argument
 * of a save/update/persist/flush call anywhere inside it. isSavedLater asks whether that
 * position lies after the target.
 */
function savedCalls(fn: ts.Node): Map<string, number> {
  const last = new Map<string, number>();
  const note = (x: ts.Node | undefined, pos: number): void => {
    if (!x) return;
    const s = skipWrappers(x);
    if (!isIdentifier(s)) return;
    const prev = last.get(s.text);
    if (prev === undefined || pos > prev) last.set(s.text, pos);
  };
  const visit = (n: ts.Node): void => {
    if (isCallExpression(n)) {
      const name = calleeName(n);
      if (name === 'save' || name === 'update' || name === 'persist' || name === 'flush') {
        note(calleeObject(n), n.pos);
        for (const a of n.arguments) note(a, n.pos);
      }
    }
    forEachChild(n, visit);
  };
  visit(fn);
  return last;
}

/** The request part written whole; `field` when it is one object inside the body (`req.body.article`). */
export interface WholeSource extends Source {
  field?: string;
}

export interface Write {
  call: ts.CallExpression | ts.NewExpression;
  /** The expressions that are written. */
  data: ts.Expression[];
}

function objectLiteral(e: ts.Node | undefined): ts.ObjectLiteralExpression | undefined {
  if (!e) return undefined;
  e = skipWrappers(e);
  return isObjectLiteralExpression(e) ? e : undefined;
}

function prop(obj: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of obj.properties) {
    if (isPropertyAssignment(p) && propertyName(p.name) === name) return p.initializer;
    if (isShorthandPropertyAssignment(p) && p.name.text === name) return p.name;
  }
  return undefined;
}

/** Prisma's `{ data }`, `{ create, update }` argument shapes. */
function prismaData(arg: ts.Node | undefined): ts.Expression[] | undefined {
  const obj = objectLiteral(arg);
  if (!obj) return undefined;
  const data = prop(obj, 'data');
  if (data) return [data];
  const create = prop(obj, 'create');
  const update = prop(obj, 'update');
  if ((create || update) && prop(obj, 'where')) return [create, update].filter((x): x is ts.Expression => !!x);
  return undefined;
}

/** The write a call performs and the data it writes, when the target is a data store. */
export function writeOf(ctx: RuleContext, node: ts.CallExpression | ts.NewExpression, hints: Hints = NO_HINTS): Write | undefined {
  const args = node.arguments ?? ts.factory.createNodeArray();
  if (isNewExpression(node)) {
    const callee = skipWrappers(node.expression);
    if (!isIdentifier(callee) || !isCapitalized(callee.text) || BUILTINS.has(callee.text) || NOT_MODELS.test(callee.text)) return undefined;
    if (args.length !== 1 || !isDataTarget(ctx, callee, 'new', 0, hints)) return undefined;
    // new ObjectId(id), new Sequelize(url), new Pool(config): the library's own classes, not models.
    const origin = hints.mayBeData(callee) ? ctx.modules.origin(callee) : undefined;
    if (origin && isDataPackage(origin.module) && origin.path.length <= 1) return undefined;
    return { call: node, data: [args[0]] };
  }
  const name = calleeName(node);
  if (!name || !WRITE_METHODS.has(name) || args.length === 0) return undefined;
  const recv = calleeObject(node);

  if (name === 'assign') {
    // Object.assign(doc, req.body): only a write when doc is a record that gets saved.
    if (!recv || !isIdentifier(skipWrappers(recv)) || (skipWrappers(recv) as ts.Identifier).text !== 'Object' || args.length < 2) return undefined;
    const target = skipWrappers(args[0]);
    if (!isIdentifier(target) && !isPropertyAccessExpression(target)) return undefined;
    const persisted = isIdentifier(target) ? isLoadedRecord(target) || hints.savedLater(target) : dottedName(target)?.startsWith('this.') === true;
    return persisted ? { call: node, data: args.slice(1) } : undefined;
  }
  if (!recv) return undefined;
  const r = skipWrappers(recv);
  if (name === 'set') {
    // doc.set(req.body) (mongoose), db.update(users).set(req.body) (drizzle); Map.set and res.set take two arguments.
    if (args.length !== 1) return undefined;
    const record = isIdentifier(r) && (isLoadedRecord(r) || hints.savedLater(r));
    if (!record && !(isCallExpression(r) && isDataTarget(ctx, r, name, 0, hints))) return undefined;
    return { call: node, data: [args[0]] };
  }

  const prisma = prismaData(args[0]);
  if (prisma && isPropertyAccessExpression(r)) return { call: node, data: prisma };
  if (!isDataTarget(ctx, recv, name, 0, hints)) return undefined;

  if (name === 'merge') return args.length >= 2 ? { call: node, data: args.slice(1) } : undefined;
  if (name === 'update') {
    // Sequelize Model.update(values, { where }) and instance/knex .update(values): data first.
    // Mongoose Model.update(filter, update) and TypeORM repo.update(id, partial): data second.
    const second = objectLiteral(args[1]);
    if (args.length === 1 || (second && prop(second, 'where'))) return { call: node, data: [args[0]] };
    return { call: node, data: [args[1]] };
  }
  if (SECOND_ARG.has(name)) return args.length >= 2 ? { call: node, data: [args[1]] } : undefined;
  // manager.save(User, data), manager.insert(User, data)
  if ((name === 'save' || name === 'insert' || name === 'create') && args.length >= 2) {
    const first = skipWrappers(args[0]);
    if (isIdentifier(first) && isCapitalized(first.text)) return { call: node, data: [args[1]] };
  }
  return { call: node, data: [args[0]] };
}

/**
 * The whole request body (or query) written as is: directly, through a
 * variable, spread into an object (`{ ...req.body, owner }`), or as a Mongo
 * `$set`.
 */
export function wholeRequest(ctx: RuleContext, expr: ts.Node, depth = 0): WholeSource | undefined {
  if (depth > 4) return undefined;
  const e = skipWrappers(expr);
  const whole = ctx.flow.wholeSource(e);
  if (whole) return WRITE_PARTS.has(whole.part) ? whole : undefined;
  // `new Article(req.body.article)`: a nested object of the body, written whole (a model is never built from a scalar).
  if (depth === 0 || isSpreadAssignment(e.parent)) {
    const nested = nestedBodyObject(ctx, e);
    if (nested) return nested;
  }
  if (isObjectLiteralExpression(e)) {
    for (const p of e.properties) {
      if (isSpreadAssignment(p)) {
        const s = wholeRequest(ctx, p.expression, depth + 1);
        if (s) return s;
      } else if (isPropertyAssignment(p) && SET_OPERATORS.has(propertyName(p.name) ?? '')) {
        const s = wholeRequest(ctx, p.initializer, depth + 1);
        if (s) return s;
      }
    }
    return undefined;
  }
  if (isArrayLiteralExpression(e)) {
    for (const el of e.elements) {
      const s = wholeRequest(ctx, ts.isSpreadElement(el) ? el.expression : el, depth + 1);
      if (s) return s;
    }
    return undefined;
  }
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (b && b.kind === 'variable' && b.path.length === 0 && b.init) {
      const init = skipWrappers(b.init);
      if (isObjectLiteralExpression(init) || isArrayLiteralExpression(init)) return wholeRequest(ctx, init, depth + 1);
    }
  }
  return undefined;
}

/** `req.body.user`, or `user` from `const { user } = req.body`: one level into the body. */
function nestedBodyObject(ctx: RuleContext, e: ts.Node): WholeSource | undefined {
  if (isPropertyAccessExpression(e) && isIdentifier(e.name)) {
    const whole = ctx.flow.wholeSource(skipWrappers(e.expression));
    return whole && whole.part === 'body' ? { ...whole, field: e.name.text } : undefined;
  }
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable' || !b.init || b.path.length !== 1 || typeof b.path[0] !== 'string' || b.path[0] === '...') return undefined;
    const whole = ctx.flow.wholeSource(skipWrappers(b.init));
    return whole && whole.part === 'body' ? { ...whole, field: b.path[0] } : undefined;
  }
  return undefined;
}

/** Data written field by field: `{ title: req.body.title }`, or a schema-parsed / picked object. */
function allowlisted(ctx: RuleContext, expr: ts.Node): string | undefined {
  const e = skipWrappers(expr);
  if (isObjectLiteralExpression(e)) {
    if (e.properties.some((p) => isSpreadAssignment(p))) return undefined;
    const set = e.properties.find((p): p is ts.PropertyAssignment => isPropertyAssignment(p) && SET_OPERATORS.has(propertyName(p.name) ?? ''));
    if (set) return allowlisted(ctx, set.initializer);
    return e.properties.some((p) => (isPropertyAssignment(p) || isShorthandPropertyAssignment(p)) && ctx.flow.source(isPropertyAssignment(p) ? p.initializer : p.name))
      ? 'write takes explicit fields'
      : undefined;
  }
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable' || !b.init) return undefined;
    const init = skipWrappers(b.init);
    if (isCallExpression(init)) {
      const name = calleeName(init);
      if (name === 'pick' || name === 'matchedData') return 'write takes explicit fields';
      if (validatingCall(ctx, init)) return 'write takes schema-parsed data';
    }
    if (b.path.length === 0 && isObjectLiteralExpression(init)) return allowlisted(ctx, init);
  }
  return undefined;
}

export const rule: SourceRule = {
  id: 'mass-assignment',
  row: 'mass-assignment',
  severity: 'error',
  description: 'Detects database writes that take the whole request body (directly, through a variable or an object spread) instead of chosen fields.',
  message: 'The whole request body is written to the database: a client can set any field (role, isAdmin, ownerId); write only allowlisted fields from a schema.',
  fixable: false,
  docs: {
    why:
      'Models have fields the client must never set: `role`, `isAdmin`, `ownerId`, `balance`, `emailVerified`. When the handler writes ' +
      '`req.body` as a whole, a request that adds `"role": "admin"` to the JSON gets exactly that. The model schema does not help: the fields are legitimate, just not the client\'s to set.',
    bad:
      "router.patch('/me', requireAuth, async (req, res) => {\n" +
      '  const user = await User.findByIdAndUpdate(req.user.id, req.body, { new: true });\n' +
      '  res.json(user);\n' +
      '});',
    good:
      'const ProfileUpdate = z.object({ name: z.string().max(80), bio: z.string().max(500) }).partial();\n\n' +
      "router.patch('/me', requireAuth, async (req, res) => {\n" +
      '  const changes = ProfileUpdate.parse(req.body);\n' +
      '  const user = await User.findByIdAndUpdate(req.user.id, changes, { new: true });\n' +
      '  res.json(user);\n' +
      '});',
    fix:
      'Write only the fields the client may set: parse the body with a schema that lists them (zod strips unknown keys) and write the parsed result, ' +
      'or pick them explicitly (`{ name: req.body.name }`, `pick(req.body, [\'name\', \'bio\'])`). Never spread `req.body` into a write.',
    cwe: ['CWE-915'],
    owasp: ['A08:2021', 'A01:2021'],
  },
  create(ctx) {
    const candidates: { write: Write; source: WholeSource; dataNode: ts.Node }[] = [];
    // Calls RouteIndex.add would take (x.use(…), x.get(…), …), fed to it in onEnd only when there is something to judge.
    const routeCalls: ts.CallExpression[] = [];
    let factDone = false;
    let evidenceDone = false;
    let mayBeData: ((expr: ts.Node) => boolean) | undefined;
    const saved = new Map<ts.Node, Map<string, number>>();
    const hints: Hints = {
      mayBeData: (expr) => (mayBeData ??= calleeMayComeFrom(ctx, isDataPackage))(expr),
      savedLater(target) {
        const fn = savedLaterScope(target);
        if (!fn) return false;
        let last = saved.get(fn);
        if (!last) saved.set(fn, (last = savedCalls(fn)));
        return (last.get(target.text) ?? -1) > target.pos;
      },
    };
    const visit = (node: ts.CallExpression | ts.NewExpression): void => {
      const write = writeOf(ctx, node, hints);
      if (!write) return;
      for (const d of write.data) {
        const whole = wholeRequest(ctx, d);
        if (!factDone && (whole || ctx.flow.source(d))) {
          ctx.fact('data-write', node);
          factDone = true;
        }
        if (whole) {
          candidates.push({ write, source: whole, dataNode: d });
          return;
        }
        if (!evidenceDone) {
          const why = allowlisted(ctx, d);
          if (why) {
            ctx.evidence('allowlisted-write', node, why);
            evidenceDone = true;
          }
        }
      }
    };
    return {
      CallExpression(node: ts.CallExpression) {
        const e = node.expression;
        if (!isPropertyAccessExpression(e)) return;
        const name = e.name.text;
        if (WRITE_METHODS.has(name)) visit(node);
        if (name === 'use' || isHttpMethodName(name)) routeCalls.push(node);
      },
      NewExpression(node: ts.NewExpression) {
        if (node.arguments?.length === 1) visit(node);
      },
      onEnd() {
        if (candidates.length === 0) return;
        const routes = new RouteIndex();
        for (const c of routeCalls) routes.add(c);
        const inHandler = new Map<ts.Node, Validation | null>();
        for (const c of candidates) {
          // A schema on the route (zod strips unknown keys, joi rejects them) or in the handler vets the body first.
          const h = enclosingHandler(c.write.call, routes);
          if (h) {
            if (h.routes.some((r) => stripsUnknown(validationOnRoute(ctx, routes, r.route, r.middleware)))) continue;
            if (stripsUnknown(validationInHandler(ctx, h.fn, inHandler))) continue;
          }
          const what = writeName(c.write.call);
          const part = c.source.part === 'query' ? 'query string' : 'request body';
          const written = c.source.field ? `\`req.body.${c.source.field}\` whole` : `the whole ${part}`;
          ctx.report(c.dataNode, {
            message: `${what} writes ${written}: a client can set any field (role, isAdmin, ownerId); write only allowlisted fields (a schema's parsed result or named fields).`,
            related: [{ node: c.source.node, message: `the ${part} comes from here` }],
          });
        }
      },
    };
  },
};

/** `User.create`, `prisma.account.update`, `new Post`: the write, short enough for a message. */
function writeName(call: ts.CallExpression | ts.NewExpression): string {
  const d = dottedName(call.expression);
  const name = d !== undefined && d.length <= 40 ? d : calleeName(call) ?? 'This write';
  return isNewExpression(call) ? `\`new ${name}\`` : `\`${name}\``;
}

/** Express-validator chains and validator.js check the fields they name but let every other field through. */
function stripsUnknown(v: Validation | undefined): boolean {
  return !!v && v.by !== 'express-validator' && v.by !== 'validator';
}
