import {
  forEachChild, isArrayLiteralExpression, isBinaryExpression, isBlock, isCallExpression,
  isElementAccessExpression, isIdentifier, isIfStatement, isNewExpression, isNumericLiteral,
  isObjectLiteralExpression, isPropertyAccessExpression, isPropertyAssignment, isReturnStatement,
  isShorthandPropertyAssignment, isSourceFile, isStringLiteralLike, SyntaxKind, ts,
} from '../ts';
import { arithmetic, calleeName, dottedName, getPropertyValue, numberValue, propertyName, stringValue } from '../ast';
import { skipWrappers, type Origin } from '../modules';
import { lookup, type Binding } from '../scopes';
import type { RuleContext } from '../types';
import { nameWords } from '../rules/hardcoded-secret';
import { valueAt } from '../rules/sql-injection';

/*
 * Helpers shared by the data-hygiene and resource-limit rules
 * (sensitive-fields-response, password-length-unbounded, api-key-plaintext,
 * pagination-unbounded, server-no-timeout, http-server-no-tls,
 * refresh-token-not-rotated, session-no-absolute-timeout).
 */

export { nameWords } from '../rules/hardcoded-secret';
export { isTestOrSampleFile } from './test-files';
export { valueAt };

// ---------------------------------------------------------------------------
// Numbers

function isConstBinding(b: Binding): boolean {
  if (b.kind !== 'variable' || b.path.length !== 0) return false;
  const list = b.declaration.parent;
  return !!list && ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0;
}

/**
 * A number known statically: a literal, arithmetic on literals and consts
 * (`8 * HOUR`), a `const` holding one. Undefined otherwise.
 */
export function constNumber(expr: ts.Node | undefined, depth = 0): number | undefined {
  if (!expr || depth > 6) return undefined;
  const e = skipWrappers(expr);
  const n = numberValue(e);
  if (n !== undefined) return n;
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    return b && isConstBinding(b) && b.init ? constNumber(b.init, depth + 1) : undefined;
  }
  if (isBinaryExpression(e)) return arithmetic(e.operatorToken.kind, constNumber(e.left, depth + 1), constNumber(e.right, depth + 1));
  return undefined;
}

// ---------------------------------------------------------------------------
// Responses

/** Names Express, Fastify and Next.js handlers give the response object. */
const RESPONSE_NAMES: ReadonlySet<string> = new Set(['res', 'response', 'reply', 'resp']);
const SEND_METHODS: ReadonlySet<string> = new Set(['json', 'send', 'jsonp']);

/** The value a response call sends: `res.json(x)`, `res.status(200).send(x)`, `reply.code(201).send(x)`. */
export function sentValue(call: ts.CallExpression): ts.Expression | undefined {
  const e = call.expression;
  if (!isPropertyAccessExpression(e) || !SEND_METHODS.has(e.name.text) || call.arguments.length !== 1) return undefined;
  let recv: ts.Expression = e.expression;
  for (let i = 0; i < 4 && isCallExpression(recv) && isPropertyAccessExpression(recv.expression); i++) recv = recv.expression.expression;
  recv = skipWrappers(recv) as ts.Expression;
  if (!isIdentifier(recv) || !RESPONSE_NAMES.has(recv.text)) return undefined;
  return call.arguments[0];
}

// ---------------------------------------------------------------------------
// Guards

/** A statement that leaves the function: `return …`, `throw …`, or a block ending in one. */
export function exits(st: ts.Statement): boolean {
  if (isReturnStatement(st) || ts.isThrowStatement(st)) return true;
  if (isBlock(st)) return st.statements.some((s) => isReturnStatement(s) || ts.isThrowStatement(s));
  return false;
}

/**
 * `if` statements of `fn` that end before `at` (outside nested functions),
 * whose condition satisfies `cond`. Guards like `if (pw.length > 72) return …`.
 */
export function ifsBefore(fn: ts.Node, at: ts.Node, cond: (c: ts.Expression) => boolean): ts.IfStatement[] {
  const out: ts.IfStatement[] = [];
  const visit = (n: ts.Node): void => {
    if (n.pos >= at.pos) return;
    if (n !== fn && ts.isFunctionLike(n)) return;
    if (isIfStatement(n) && n.end <= at.pos && cond(n.expression)) out.push(n);
    forEachChild(n, visit);
  };
  visit(fn);
  return out;
}

/**
 * True when `cond` holds a comparison saying `subject` is above a number:
 * `x > 100`, `x >= 101`, `100 < x`. `subject` judges the compared side.
 */
export function comparesAbove(cond: ts.Node, subject: (e: ts.Expression) => boolean): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (isBinaryExpression(n)) {
      const k = n.operatorToken.kind;
      const greater = k === SyntaxKind.GreaterThanToken || k === SyntaxKind.GreaterThanEqualsToken;
      const less = k === SyntaxKind.LessThanToken || k === SyntaxKind.LessThanEqualsToken;
      if (greater && subject(skipWrappers(n.left) as ts.Expression) && isBound(n.right)) found = true;
      else if (less && subject(skipWrappers(n.right) as ts.Expression) && isBound(n.left)) found = true;
    }
    forEachChild(n, visit);
  };
  visit(cond);
  return found;
}

/** The bound of a comparison: a number, or a name that says it is a limit (`MAX_LIMIT`, `config.maxPageSize`). */
function isBound(e: ts.Expression): boolean {
  if (constNumber(e) !== undefined) return true;
  const d = dottedName(e);
  return !!d && /max|limit|cap/i.test(d);
}

// ---------------------------------------------------------------------------
// Names and modules

/** The words of an expression's name: `req.body.newPassword` → ['new', 'password']; `this.userModel` → ['user', 'model']. */
export function exprWords(expr: ts.Node | undefined): readonly string[] {
  if (!expr) return [];
  const e = skipWrappers(expr);
  if (isIdentifier(e)) return nameWords(e.text);
  if (isPropertyAccessExpression(e)) return nameWords(e.name.text);
  if (isElementAccessExpression(e) && isStringLiteralLike(e.argumentExpression)) return nameWords(e.argumentExpression.text);
  if (isCallExpression(e)) return nameWords(calleeName(e) ?? '');
  return [];
}

/** True when any of `modules` is imported or required at the top of the file. */
export function importsAny(ctx: RuleContext, modules: readonly string[]): boolean {
  const set = ctx.modules.importedModules();
  return modules.some((m) => set.has(m));
}

export function originIs(o: Origin | undefined, module: string | ReadonlySet<string>, ...path: string[]): boolean {
  if (!o) return false;
  if (typeof module === 'string' ? o.module !== module : !module.has(o.module)) return false;
  return o.path.length === path.length && o.path.every((p, i) => p === path[i]);
}

/** The key text of an object member, when it has a plain name. */
export function memberName(p: ts.ObjectLiteralElementLike | ts.TypeElement | ts.ClassElement): string | undefined {
  return p.name ? propertyName(p.name as ts.PropertyName) : undefined;
}

/** The innermost function around a node. */
export function enclosingFn(node: ts.Node): ts.SignatureDeclaration | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isFunctionLike(n)) return n as ts.SignatureDeclaration;
  }
  return undefined;
}

/** The statement that holds a node (its ancestor whose parent is a block or the file). */
export function enclosingStatement(node: ts.Node): ts.Statement | undefined {
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    const p = n.parent;
    if (p && (isBlock(p) || isSourceFile(p) || ts.isModuleBlock(p) || ts.isCaseClause(p) || ts.isDefaultClause(p))) {
      return n as ts.Statement;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Records with secret fields (sensitive-fields-response)

/** Field names that hold credentials or their derivatives, lower-cased with `_`/`-` removed. */
const SENSITIVE_FIELDS: ReadonlySet<string> = new Set([
  'password', 'passwd', 'passwordhash', 'hashedpassword', 'passwordsalt', 'passworddigest', 'encryptedpassword', 'hash', 'salt',
  'resettoken', 'passwordresettoken', 'resetpasswordtoken', 'refreshtoken', 'refreshtokens', 'verificationtoken', 'emailverificationtoken',
  'mfasecret', 'totpsecret', 'twofactorsecret', 'otpsecret', 'secret', 'apikey', 'apisecret', 'recoverycodes', 'backupcodes',
]);

export function isSensitiveField(name: string): boolean {
  return SENSITIVE_FIELDS.has(name.toLowerCase().replace(/[_-]/g, ''));
}

const MODEL_SUFFIXES: ReadonlySet<string> = new Set(['model', 'schema', 'repository', 'repo', 'entity', 'document', 'doc', 'collection', 'table', 'record']);

/** `User`, `IUser`, `userSchema`, `UserModel`, `userRepository`, `users` → 'user'. */
export function modelKey(name: string): string {
  const base = /^I[A-Z][a-z]/.test(name) ? name.slice(1) : name;
  const w = nameWords(base);
  let n = w.length;
  while (n > 1 && MODEL_SUFFIXES.has(w[n - 1])) n--;
  const joined = w.slice(0, n).join('');
  return joined.length > 3 && joined.endsWith('s') && !joined.endsWith('ss') ? joined.slice(0, -1) : joined;
}

export interface ModelInfo {
  name: string;
  /** Secret fields the file declares for the model. */
  fields: string[];
  /** The schema keeps them out of query results or JSON (`select: false`, a toJSON transform, `@Exclude()`). */
  hidden: boolean;
  mongoose: boolean;
}

/**
 * Models of this file that declare secret fields: mongoose schemas (and the
 * `model('User', userSchema)` names bound to them), interfaces, type literals
 * and entity classes. Keyed by modelKey().
 */
export function sensitiveModels(ctx: RuleContext): Map<string, ModelInfo> {
  const c = modelCollector(ctx);
  // One visit function and a depth counter rather than a closure per child: this walks the whole
  // file (to six blocks deep) for every file with a response that could carry a user record.
  let depth = 0;
  const child = (n: ts.Node): void => {
    const block = n.kind === SyntaxKind.Block;
    if (block) depth++;
    visit(n);
    if (block) depth--;
  };
  const visit = (n: ts.Node): void => {
    if (depth > 6) return;
    if (c.note(n)) forEachChild(n, child);
  };
  for (const st of ctx.sourceFile.statements) visit(st);
  return c.result();
}

/** The node kinds sensitiveModels() reads; every other node only leads to its children. */
export const MODEL_NODE_KINDS: readonly ts.SyntaxKind[] = [
  SyntaxKind.VariableDeclaration, SyntaxKind.CallExpression, SyntaxKind.BinaryExpression,
  SyntaxKind.InterfaceDeclaration, SyntaxKind.TypeAliasDeclaration, SyntaxKind.ClassDeclaration,
];

/**
 * True when sensitiveModels()' walk reaches `n` (not a Block): at most six blocks deep (a block
 * that is itself a top-level statement does not count) and not inside a named class declaration.
 */
export function inModelWalk(n: ts.Node): boolean {
  let blocks = 0;
  for (let p = n.parent; p; p = p.parent) {
    if (p.kind === SyntaxKind.Block) {
      if (p.parent && p.parent.kind !== SyntaxKind.SourceFile) blocks++;
    } else if (p.kind === SyntaxKind.ClassDeclaration && (p as ts.ClassDeclaration).name) return false;
  }
  return blocks <= 6;
}

/**
 * sensitiveModels() in two steps, for a caller that meets the nodes in its own walk:
 * `note` each node the walk reaches, in walk order (false: do not descend), then `result`.
 */
export function modelCollector(ctx: RuleContext): { note(n: ts.Node): boolean; result(): Map<string, ModelInfo> } {
  const out = new Map<string, ModelInfo>();
  const merge = (name: string, fields: string[], hidden: boolean, mongoose: boolean): void => {
    if (fields.length === 0) return;
    const key = modelKey(name);
    const prev = out.get(key);
    if (prev) {
      prev.fields = [...new Set([...prev.fields, ...fields])];
      prev.hidden ||= hidden;
      prev.mongoose ||= mongoose;
    } else out.set(key, { name, fields, hidden, mongoose });
  };
  const schemas = new Map<string, { fields: string[]; hidden: boolean }>();
  const hiddenLater = new Set<string>();
  const modelCalls: { model: string; schema: string; bound?: string }[] = [];
  const note = (n: ts.Node): boolean => {
    switch (n.kind) {
      case SyntaxKind.VariableDeclaration: {
        const d = n as ts.VariableDeclaration;
        if (!isIdentifier(d.name) || !d.initializer) break;
        const init = skipWrappers(d.initializer);
        if (isNewExpression(init) && isMongooseSchema(ctx, init)) schemas.set(d.name.text, schemaFields(init));
        const call = isCallExpression(init) ? init : undefined;
        if (call && calleeName(call) === 'model') {
          const m = modelCallOf(call);
          if (m) modelCalls.push({ ...m, bound: d.name.text });
        }
        break;
      }
      case SyntaxKind.CallExpression: {
        const c = n as ts.CallExpression;
        const name = calleeName(c);
        if (name === 'model') {
          const m = modelCallOf(c);
          if (m) modelCalls.push(m);
        } else if (name === 'set' && isPropertyAccessExpression(c.expression) && /^to(JSON|Object)$/.test(stringValue(c.arguments[0]) ?? '')) {
          const d = dottedName(c.expression.expression);
          if (d) hiddenLater.add(d);
        }
        break;
      }
      case SyntaxKind.BinaryExpression: {
        const b = n as ts.BinaryExpression;
        if (b.operatorToken.kind !== SyntaxKind.EqualsToken) break;
        // userSchema.methods.toJSON = function () { … }
        const d = dottedName(b.left);
        const m = d && /^(.+)\.(methods|options)\.toJSON$/.exec(d);
        if (m) hiddenLater.add(m[1]);
        break;
      }
      case SyntaxKind.InterfaceDeclaration: {
        const i = n as ts.InterfaceDeclaration;
        merge(i.name.text, i.members.map((m) => memberName(m)).filter((x): x is string => !!x && isSensitiveField(x)), false, false);
        break;
      }
      case SyntaxKind.TypeAliasDeclaration: {
        const t = n as ts.TypeAliasDeclaration;
        if (ts.isTypeLiteralNode(t.type)) {
          merge(t.name.text, t.type.members.map((m) => memberName(m)).filter((x): x is string => !!x && isSensitiveField(x)), false, false);
        }
        break;
      }
      case SyntaxKind.ClassDeclaration: {
        const k = n as ts.ClassDeclaration;
        if (!k.name) break;
        const fields: string[] = [];
        let hidden = false;
        for (const m of k.members) {
          const name = ts.isPropertyDeclaration(m) ? memberName(m) : undefined;
          if (!name || !isSensitiveField(name)) continue;
          fields.push(name);
          if (hidesProperty(m as ts.PropertyDeclaration)) hidden = true;
        }
        merge(k.name.text, fields, hidden, false);
        return false;
      }
    }
    return true;
  };
  const result = (): Map<string, ModelInfo> => {
    for (const [name, s] of schemas) {
      const hidden = s.hidden || hiddenLater.has(name);
      merge(name, s.fields, hidden, true);
      for (const m of modelCalls.filter((c) => c.schema === name)) {
        merge(m.model, s.fields, hidden, true);
        if (m.bound) merge(m.bound, s.fields, hidden, true);
      }
    }
    return out;
  };
  return { note, result };
}

function isMongooseSchema(ctx: RuleContext, n: ts.NewExpression): boolean {
  const o = ctx.modules.callee(n);
  return !!o && o.module === 'mongoose' && o.path[o.path.length - 1] === 'Schema';
}

/** Secret keys of `new Schema({ … }, options)`; hidden when each has `select: false` or the options transform toJSON. */
function schemaFields(n: ts.NewExpression): { fields: string[]; hidden: boolean } {
  const def = n.arguments?.[0] && skipWrappers(n.arguments[0]);
  if (!def || !isObjectLiteralExpression(def)) return { fields: [], hidden: false };
  const fields: string[] = [];
  let allDeselected = true;
  for (const p of def.properties) {
    const name = memberName(p);
    if (!name || !isSensitiveField(name)) continue;
    fields.push(name);
    const v = isPropertyAssignment(p) ? skipWrappers(p.initializer) : undefined;
    const deselected = !!v && isObjectLiteralExpression(v) && getPropertyValue(v, 'select')?.kind === SyntaxKind.FalseKeyword;
    if (!deselected) allDeselected = false;
  }
  const opts = n.arguments?.[1] && skipWrappers(n.arguments[1]);
  const transforms = !!opts && isObjectLiteralExpression(opts) && (!!getPropertyValue(opts, 'toJSON') || !!getPropertyValue(opts, 'toObject'));
  return { fields, hidden: (fields.length > 0 && allDeselected) || transforms };
}

/** `model('User', userSchema)`, `mongoose.model<IUser>('User', UserSchema)`. */
function modelCallOf(call: ts.CallExpression): { model: string; schema: string } | undefined {
  const model = stringValue(call.arguments[0]);
  const schema = call.arguments[1] && skipWrappers(call.arguments[1]);
  return model && schema && isIdentifier(schema) ? { model, schema: schema.text } : undefined;
}

/** `@Exclude()`, `@Column({ select: false })`, `@Prop({ select: false })` on an entity property. */
function hidesProperty(p: ts.PropertyDeclaration): boolean {
  return (ts.getDecorators(p) ?? []).some((d) => {
    const e = d.expression;
    if (!isCallExpression(e)) return false;
    const name = calleeName(e);
    if (name === 'Exclude' || name === 'HideField') return true;
    const o = e.arguments[0] && skipWrappers(e.arguments[0]);
    return !!o && isObjectLiteralExpression(o) && getPropertyValue(o, 'select')?.kind === SyntaxKind.FalseKeyword;
  });
}

// ---------------------------------------------------------------------------
// Queries and projections (sensitive-fields-response)

/** Calls that load or write records. */
export const QUERY_METHODS: ReadonlySet<string> = new Set([
  'findById', 'findOne', 'findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findByPk', 'findOneBy', 'findOneOrFail',
  'findOneByOrFail', 'create', 'findOneAndUpdate', 'findByIdAndUpdate', 'update', 'upsert', 'find', 'findAll', 'findMany', 'findBy',
]);
/** Chained after the query without changing the record's fields. */
export const CHAIN_METHODS: ReadonlySet<string> = new Set(['lean', 'populate', 'exec', 'orFail', 'session', 'sort', 'collation', 'setOptions']);

/** `'-password'` excludes, `'name email'` selects others, `'+password'` / `{ password: true }` includes a secret. */
export function projection(arg: ts.Expression | undefined): 'includes' | 'other' {
  if (!arg) return 'other';
  const e = skipWrappers(arg);
  const s = stringValue(e);
  if (s !== undefined) {
    const parts = s.split(/[\s,]+/).filter(Boolean);
    return parts.some((p) => (p.startsWith('+') || (!p.startsWith('-') && parts.every((q) => !q.startsWith('-')))) && isSensitiveField(p.replace(/^\+/, ''))) ? 'includes' : 'other';
  }
  if (isObjectLiteralExpression(e)) {
    return e.properties.some((p) => isPropertyAssignment(p) && isSensitiveField(propertyName(p.name) ?? '') &&
      (p.initializer.kind === SyntaxKind.TrueKeyword || stringValue(p.initializer) === undefined && p.initializer.getText() === '1')) ? 'includes' : 'other';
  }
  if (isArrayLiteralExpression(e)) return e.elements.some((x) => isSensitiveField(stringValue(x) ?? '')) ? 'includes' : 'other';
  return 'other';
}

export function hasSecretKey(arg: ts.Expression): boolean {
  const o = skipWrappers(arg);
  return isObjectLiteralExpression(o) && o.properties.some((p) => (isPropertyAssignment(p) || isShorthandPropertyAssignment(p)) && isSensitiveField(propertyName(p.name) ?? ''));
}

/** `User` in `User.findById`, `user` in `prisma.user.findUnique`, `userRepository`, `this.userModel`, `'users'` in `db.collection('users')`. */
export function modelName(receiver: ts.Node): string | undefined {
  if (isIdentifier(receiver)) return receiver.text;
  if (isPropertyAccessExpression(receiver)) return receiver.name.text;
  if (isCallExpression(receiver)) return stringValue(receiver.arguments[0]);
  return undefined;
}

/** What other queries of the file say about a model's fields. */
export interface Learned {
  /** `.select('-password')` elsewhere: the model returns these secret fields by default. */
  excluded: Map<string, Set<string>>;
  /** `.select('+passwordHash')` elsewhere: the schema hides the field by default. */
  hiddenByDefault: Set<string>;
  /** Models queried with mongoose's string `.select()`. */
  mongoose: Set<string>;
}

/** Learn from projections: `User.findById(id).select('-password')`, `findAll({ attributes: { exclude: ['password'] } })`, Prisma `omit`. */
export function learn(call: ts.CallExpression, out: Learned): void {
  const e = call.expression;
  if (!isPropertyAccessExpression(e)) return;
  const m = e.name.text;
  if (m === 'select') {
    let cur = skipWrappers(e.expression);
    for (let i = 0; i < 8 && isCallExpression(cur) && isPropertyAccessExpression(cur.expression) && (CHAIN_METHODS.has(cur.expression.name.text) || cur.expression.name.text === 'select'); i++) {
      cur = skipWrappers(cur.expression.expression);
    }
    if (!isCallExpression(cur) || !isPropertyAccessExpression(cur.expression)) return;
    note(out, modelName(skipWrappers(cur.expression.expression)), call.arguments[0], 'select');
    return;
  }
  if (!QUERY_METHODS.has(m) && !m.startsWith('find')) return;
  const args = call.arguments;
  for (let i = 0; i < args.length; i++) {
    const o = skipWrappers(args[i]);
    if (o.kind === SyntaxKind.ObjectLiteralExpression) {
      const v = propertyValues(o as ts.ObjectLiteralExpression, PROJECTION_KEYS);
      for (let k = 0; k < PROJECTION_KEYS.length; k++) if (v[k]) note(out, modelName(skipWrappers(e.expression)), v[k], PROJECTION_KEYS[k]);
    } else if (i === 1 && isStringLiteralLike(o)) note(out, modelName(skipWrappers(e.expression)), o, 'select');
  }
}

const PROJECTION_KEYS = ['select', 'omit', 'attributes', 'projection'];

/** getPropertyValue(obj, key) for each of `keys`, in one pass over the properties. */
export function propertyValues(obj: ts.ObjectLiteralExpression, keys: readonly string[]): (ts.Expression | undefined)[] {
  const out: (ts.Expression | undefined)[] = [];
  let seen = 0;
  for (const p of obj.properties) {
    const kind = p.kind;
    if (kind !== SyntaxKind.PropertyAssignment && kind !== SyntaxKind.ShorthandPropertyAssignment && kind !== SyntaxKind.MethodDeclaration) continue;
    const name = propertyName(p.name);
    if (name === undefined) continue;
    const k = keys.indexOf(name);
    // The first member of a name decides, as in getProperty (a method gives no value).
    if (k < 0 || (seen & (1 << k)) !== 0) continue;
    seen |= 1 << k;
    out[k] = kind === SyntaxKind.PropertyAssignment ? (p as ts.PropertyAssignment).initializer
      : kind === SyntaxKind.ShorthandPropertyAssignment ? (p as ts.ShorthandPropertyAssignment).name : undefined;
  }
  return out;
}

function note(out: Learned, model: string | undefined, arg: ts.Expression | undefined, key: string): void {
  if (!model || !arg) return;
  // modelKey() only when something is learned: most projections name no secret field.
  let key_: string | undefined;
  const modelK = (): string => (key_ ??= modelKey(model));
  const add = (f: string): void => {
    const k = modelK();
    const set = out.excluded.get(k) ?? new Set<string>();
    set.add(f);
    out.excluded.set(k, set);
  };
  const e = skipWrappers(arg);
  const s = stringValue(e);
  if (s !== undefined) {
    if (key === 'select') out.mongoose.add(modelK());
    for (const part of s.split(/[\s,]+/)) {
      const f = part.replace(/^[-+]/, '');
      if (!isSensitiveField(f)) continue;
      if (part.startsWith('-')) add(f);
      else if (part.startsWith('+')) out.hiddenByDefault.add(modelK());
    }
    return;
  }
  if (!isObjectLiteralExpression(e)) return;
  for (const p of e.properties) {
    if (!isPropertyAssignment(p)) continue;
    const name = propertyName(p.name) ?? '';
    const v = skipWrappers(p.initializer);
    if (name === 'exclude' && isArrayLiteralExpression(v)) {
      for (const x of v.elements) if (isSensitiveField(stringValue(x) ?? '')) add(stringValue(x)!);
    } else if (isSensitiveField(name)) {
      const off = v.kind === SyntaxKind.FalseKeyword || (isNumericLiteral(v) && v.text === '0');
      if (off || (key === 'omit' && v.kind === SyntaxKind.TrueKeyword)) add(name);
    }
  }
}

