import {
  forEachChild, isCallExpression, isIdentifier, isMethodDeclaration, isNewExpression,
  isObjectLiteralExpression, isPropertyAccessExpression, isPropertyAssignment,
  isShorthandPropertyAssignment, isSpreadAssignment, isStringLiteralLike, isVariableDeclaration,
  SyntaxKind, ts,
} from '../ts';
import { textHas } from '../lib/text-hints';
import { calleeName, dottedName, getPropertyValue, stringValue } from '../ast';
import { preferredQuote } from '../fix';
import {
  CHAIN_METHODS, QUERY_METHODS, enclosingFn, hasSecretKey, inModelWalk, isSensitiveField, isTestOrSampleFile, learn, modelCollector, propertyValues, modelKey, modelName, projection,
  sentValue, valueAt, type Learned, type ModelInfo,
} from '../lib/hygiene';
import { skipWrappers } from '../modules';
import { lookup, type Binding } from '../scopes';
import type { Fix, RuleContext, SourceRule, Visitors } from '../types';

/**
 * A whole user record from the database sent in a response, password hash
 * and all:
 *
 *   const user = await User.findById(req.params.id);
 *   res.json(user);                          // { …, password: '$2b$12$…', resetToken: … }
 *
 * Reported only when the file shows the record carries a secret field: the
 * model's schema/interface/class in this file declares one (and does not hide
 * it with `select: false` or a toJSON transform), the query selects it
 * (`.select('+password')`, Prisma `select: { password: true }`), the record
 * is created with it (`User.create({ email, password: hash })`), the handler
 * reads it (`bcrypt.compare(pw, user.password)`), or it is a Prisma user/account
 * model (Prisma returns every scalar field). Projections (`.select('-password')`,
 * `select`/`omit`/`attributes`), `delete user.password`, rest destructuring and
 * DTO functions all pass.
 */

const USER_MODELS: ReadonlySet<string> = new Set(['user', 'account', 'member', 'admin', 'appuser', 'authuser']);
const MONGOOSE_FIX_METHODS: ReadonlySet<string> = new Set(['findById', 'findOne', 'findOneAndUpdate', 'findByIdAndUpdate']);
/** Turning a document into a plain object keeps every field. */
const SAME_RECORD_METHODS: ReadonlySet<string> = new Set(['toJSON', 'toObject', 'get']);

interface Record {
  /** The query call at the base of the chain. */
  query: ts.CallExpression;
  method: string;
  model: string | undefined;
  /** The whole initializer: `await User.findById(id)`. */
  init: ts.Expression;
  chained: boolean;
  /** A projection excludes or selects fields. */
  projected: boolean;
  /** The query explicitly includes a secret field. */
  selectsSecret: boolean;
  /** The created data holds a secret field. */
  createsSecret: boolean;
  prisma: boolean;
}

export const rule: SourceRule = {
  id: 'sensitive-fields-response',
  row: 'secrets',
  severity: 'error',
  description: 'Detects whole user records (with password hash, salt, reset or refresh tokens, MFA secrets or API keys) sent in an HTTP response.',
  message: 'Whole user record sent in the response, including its password hash and other secret fields: send an explicit DTO or exclude those fields in the query.',
  fixable: true,
  docs: {
    why:
      'A record straight from the database carries every column: the password hash (crackable offline), its salt, password-reset and ' +
      'refresh tokens (account takeover without cracking anything), MFA secrets and API keys. Sending it to the client, even to the ' +
      'user it belongs to, puts those values in browser devtools, proxies, logs and any XSS payload’s reach.',
    bad: 'const user = await User.findById(req.params.id);\nres.json(user);',
    good:
      "const user = await User.findById(req.params.id).select('-password -resetToken');\nres.json(user);\n\n" +
      '// or: an explicit DTO\nres.json({ id: user.id, email: user.email, name: user.name });',
    fix:
      "Exclude secret fields where the record is loaded (mongoose `.select('-password')` or `select: false` in the schema, Prisma " +
      '`select`/`omit`, Sequelize `attributes: { exclude: [\'password\'] }`), or map the record to a DTO before sending it.',
    cwe: ['CWE-200', 'CWE-359'],
    owasp: ['A01:2021', 'A04:2021'],
  },
  create(ctx) {
    if (isTestOrSampleFile(ctx.file)) return {};
    // Nothing is reported without a send: `res.json(x)` (sentValue: a send method on a response name),
    // Koa's `ctx.body = x`, or a return from a method decorated as a route.
    const responseSends = ctx.mentions('json', 'send', 'jsonp') && ctx.mentions('res', 'response', 'reply', 'resp');
    const koa = ctx.mentions('ctx');
    const routeMethods = ctx.mentions(...ROUTE_DECORATORS);
    if (!responseSends && !koa && !routeMethods) return {};
    const sends: { sent: ts.Expression; at: ts.Node }[] = [];
    const learned: Learned = { excluded: new Map(), hiddenByDefault: new Set(), mongoose: new Set() };
    // The nodes sensitiveModels() would read, met in this walk (in walk order) instead of a second
    // walk of the file: judged in onEnd, when a send first needs the models.
    const modelNodes: ts.Node[] = [];
    const noteModelNode = (node: ts.Node): void => {
      modelNodes.push(node);
    };
    // Names assigned with `name = …` anywhere in the file: valueAt() can only find a later write
    // for those, so other bindings skip its scan of the function's text (see initAt).
    const assigned = new Set<string>();
    // What scrubbed() looks for, met in this walk rather than by a walk of the handler per send.
    const scrubs: Scrub[] = [];
    const visitors: Visitors = {
      CallExpression(node: ts.CallExpression) {
        const sent = sentValue(node);
        if (sent) sends.push({ sent, at: node });
        else learn(node, learned);
        const name = calleeName(node);
        if (name === 'model') {
          const d = declaredBy(node);
          if (d) modelNodes.push(d);
          modelNodes.push(node);
        } else if (name === 'set') {
          // schema.set('toJSON', …): the only `set` sensitiveModels() reads.
          const what = stringValue(node.arguments[0]);
          if (what === 'toJSON' || what === 'toObject') modelNodes.push(node);
          // user.set('password', undefined)
          if (node.arguments.length === 2 && isSensitiveField(stringValue(node.arguments[0]) ?? '')) scrubs.push({ node, name: undefined });
        }
      },
      NewExpression(node: ts.NewExpression) {
        const d = declaredBy(node);
        if (d) modelNodes.push(d);
      },
      DeleteExpression(node: ts.DeleteExpression) {
        // delete user.password
        const t = skipWrappers(node.expression);
        if (isPropertyAccessExpression(t)) {
          const name = dottedName(t.expression);
          if (name !== undefined) scrubs.push({ node, name });
        }
      },
      BinaryExpression(node: ts.BinaryExpression) {
        if (node.operatorToken.kind !== SyntaxKind.EqualsToken) return;
        const left = node.left;
        if (left.kind === SyntaxKind.Identifier) {
          assigned.add((left as ts.Identifier).text);
          return;
        }
        // schema.methods.toJSON = …: the only assignments sensitiveModels() reads.
        const target = skipWrappers(left);
        if (target.kind === SyntaxKind.PropertyAccessExpression ? (target as ts.PropertyAccessExpression).name.text === 'toJSON'
          : target.kind === SyntaxKind.ElementAccessExpression && stringValue((target as ts.ElementAccessExpression).argumentExpression) === 'toJSON') {
          modelNodes.push(node);
        }
        if (!isPropertyAccessExpression(left)) return;
        // user.password = undefined
        const r = skipWrappers(node.right);
        if (r.kind === SyntaxKind.NullKeyword || (isIdentifier(r) && r.text === 'undefined')) {
          if (isSensitiveField(left.name.text)) {
            const name = dottedName(left.expression);
            if (name !== undefined) scrubs.push({ node, name });
          }
        }
        // Koa: ctx.body = user
        if (koa && left.name.text === 'body' && dottedName(left) === 'ctx.body') sends.push({ sent: node.right, at: node });
      },
      InterfaceDeclaration: noteModelNode,
      TypeAliasDeclaration: noteModelNode,
      ClassDeclaration: noteModelNode,
      // NestJS: @Get(':id') async findOne(…) { const user = await this.prisma.user.findUnique(…); return user; }
      ReturnStatement: routeMethods
        ? (node: ts.ReturnStatement) => {
          if (!node.expression) return;
          const fn = enclosingFn(node);
          if (fn && isMethodDeclaration(fn) && isRouteMethod(fn)) sends.push({ sent: node.expression, at: node });
        }
        : undefined,
      onEnd() {
        if (sends.length === 0) return;
        let cache: Map<string, ModelInfo> | undefined;
        const models = (): Map<string, ModelInfo> => {
          if (cache) return cache;
          const c = modelCollector(ctx);
          for (const n of modelNodes) if (inModelWalk(n)) c.note(n);
          return (cache = c.result());
        };
        // Text escapes (`\u0061`) could make an identifier's text differ from its spelling: keep valueAt's own scan then.
        // One walk per handler for the secret fields it reads, whichever record is asked about.
        const readsByScope = new Map<ts.Node, Map<string, string>>();
        const escapes = textHas(ctx.text, '\\u');
        const initAt = (b: Binding, id: ts.Identifier): ts.Expression | undefined => (escapes || assigned.has(b.name) ? valueAt(b, id) : b.init);
        const scan: Scan = {
          initAt,
          scrubbed: (scope, name, before) => scrubs.some((s) => s.node.pos < before.pos && (s.name === undefined || s.name === name) && within(s.node, scope)),
          readsSecret: (scope, name) => {
            let reads = readsByScope.get(scope);
            if (!reads) readsByScope.set(scope, (reads = secretReads(scope)));
            return reads.get(name);
          },
        };
        for (const { sent, at } of sends) {
          for (const id of recordIdentifiers(sent)) if (judge(ctx, id, at, models, learned, scan)) break;
        }
      },
    };
    return visitors;
  },
};

const ROUTE_DECORATORS = ['Get', 'Post', 'Put', 'Patch', 'Delete', 'All'];

function isRouteMethod(m: ts.MethodDeclaration): boolean {
  return (ts.getDecorators(m) ?? []).some((d) => {
    const e = d.expression;
    const name = isCallExpression(e) && isIdentifier(e.expression) ? e.expression.text : undefined;
    return !!name && /^(Get|Post|Put|Patch|Delete|All)$/.test(name);
  });
}

/**
 * `const userSchema = new Schema(…)`, `const User = model(…)`: the declaration whose initializer is `init`
 * under wrappers, when it names one identifier. Met at the initializer, it goes to the model nodes just
 * before it (nothing sensitiveModels() reads lies between them in walk order).
 */
function declaredBy(init: ts.Node): ts.VariableDeclaration | undefined {
  let c = init;
  while (c.parent && WRAPPER_PARENTS.has(c.parent.kind) && (c.parent as ts.ParenthesizedExpression).expression === c) c = c.parent;
  const d = c.parent;
  return d && isVariableDeclaration(d) && d.initializer === c && isIdentifier(d.name) ? d : undefined;
}

/** skipWrappers()' kinds. */
const WRAPPER_PARENTS: ReadonlySet<ts.SyntaxKind> = new Set([
  SyntaxKind.ParenthesizedExpression, SyntaxKind.AwaitExpression, SyntaxKind.AsExpression, SyntaxKind.NonNullExpression,
  SyntaxKind.SatisfiesExpression, SyntaxKind.TypeAssertionExpression,
]);

/** The identifiers a response sends whole: `user`, `{ user }`, `{ data: user }`, `{ ...user }`, `user.toJSON()`. */
function recordIdentifiers(sent: ts.Expression): ts.Identifier[] {
  const e = skipWrappers(sent);
  const one = (x: ts.Node): ts.Identifier | undefined => {
    let v = skipWrappers(x);
    if (isCallExpression(v) && isPropertyAccessExpression(v.expression) && SAME_RECORD_METHODS.has(v.expression.name.text) && (v.expression.name.text !== 'get' || v.arguments.length === 1 && !!getObjectFlag(v.arguments[0], 'plain'))) {
      v = skipWrappers(v.expression.expression);
    }
    return isIdentifier(v) ? v : undefined;
  };
  if (isObjectLiteralExpression(e)) {
    const out: ts.Identifier[] = [];
    for (const p of e.properties) {
      const v = isPropertyAssignment(p) ? one(p.initializer) : isShorthandPropertyAssignment(p) ? p.name : isSpreadAssignment(p) ? one(p.expression) : undefined;
      if (v) out.push(v);
    }
    return out;
  }
  const id = one(e);
  return id ? [id] : [];
}

function getObjectFlag(arg: ts.Expression, key: string): boolean {
  const o = skipWrappers(arg);
  return isObjectLiteralExpression(o) && getPropertyValue(o, key)?.kind === SyntaxKind.TrueKeyword;
}

function judge(
  ctx: RuleContext, id: ts.Identifier, at: ts.Node, models: () => Map<string, ModelInfo>, learned: Learned,
  scan: Scan,
): boolean {
  const b = lookup(id.text, id);
  if (!b || b.kind !== 'variable' || b.path.length > 0) return false;
  const init = scan.initAt(b, id);
  if (!init) return false;
  const rec = recordOf(init);
  if (!rec || rec.projected) return false;
  const fn = enclosingFn(at);
  const scope = fn ?? at.getSourceFile();
  if (scan.scrubbed(scope, id.text, at)) return false;
  const key = rec.model ? modelKey(rec.model) : undefined;
  // A query that selects a secret, or a record created with one, is judged without the models (fixFor offers nothing then).
  const info = key && !rec.selectsSecret && !rec.createsSecret ? models().get(key) : undefined;
  const excluded = key ? learned.excluded.get(key) : undefined;
  let why: string | undefined;
  if (rec.selectsSecret) why = 'the query selects a secret field';
  else if ((info?.hidden || (key && learned.hiddenByDefault.has(key))) && !rec.createsSecret) return false;
  else if (rec.createsSecret) why = 'the record is created with a secret field';
  else if (info && info.fields.length > 0) why = `the ${rec.model ?? info.name} model declares ${info.fields.join(', ')}`;
  else if (excluded) why = `other ${rec.model} queries in this file exclude ${[...excluded].join(', ')}`;
  else {
    const read = scan.readsSecret(scope, id.text);
    if (read) why = `the handler reads ${id.text}.${read}`;
    else if (rec.prisma && key && USER_MODELS.has(key)) why = `Prisma returns every ${rec.model} field`;
  }
  if (!why) return false;
  ctx.report(at, {
    message: `Whole ${id.text} record sent in the response (${why}): exclude secret fields in the query or send an explicit DTO.`,
    fixes: fixFor(ctx, rec, info, excluded, key !== undefined && learned.mongoose.has(key), scope, id.text, scan),
  });
  return true;
}

/** select, omit, attributes, projection (in this order), then the created data. */
const OPTION_KEYS = ['select', 'omit', 'attributes', 'projection', 'data'];

/** The database query a value comes from, walking down `.select()`, `.lean()` and friends. */
function recordOf(init: ts.Expression): Record | undefined {
  const top = skipWrappers(init);
  let cur: ts.Node = top;
  let projected = false;
  let selectsSecret = false;
  let chained = false;
  if (isNewExpression(cur)) {
    const name = isIdentifier(cur.expression) ? cur.expression.text : undefined;
    if (!name || !/^[A-Z]/.test(name)) return undefined;
    const created = cur.arguments?.some(hasSecretKey) ?? false;
    return { query: cur as unknown as ts.CallExpression, method: 'new', model: name, init, chained, projected, selectsSecret, createsSecret: created, prisma: false };
  }
  for (let i = 0; i < 8 && isCallExpression(cur) && isPropertyAccessExpression(cur.expression); i++) {
    const m = cur.expression.name.text;
    if (m === 'select' || m === 'projection' || m === 'project') {
      const s = projection(cur.arguments[0]);
      if (s === 'includes') selectsSecret = true;
      else projected = true;
    } else if (!CHAIN_METHODS.has(m)) break;
    chained = true;
    cur = skipWrappers(cur.expression.expression);
  }
  if (!isCallExpression(cur) || !isPropertyAccessExpression(cur.expression)) return undefined;
  const method = cur.expression.name.text;
  if (!QUERY_METHODS.has(method)) return undefined;
  const receiver = skipWrappers(cur.expression.expression);
  const model = modelName(receiver);
  const prisma = isPropertyAccessExpression(receiver) && /prisma/i.test(dottedName(receiver.expression) ?? '');
  let createsSecret = false;
  // Options: Prisma/TypeORM select/omit, Sequelize attributes, a mongoose projection argument.
  cur.arguments.forEach((a, i) => {
    const o = skipWrappers(a);
    if (isObjectLiteralExpression(o)) {
      const values = propertyValues(o, OPTION_KEYS);
      for (let k = 0; k < 4; k++) {
        const v = values[k];
        if (!v) continue;
        if (OPTION_KEYS[k] !== 'omit' && projection(v) === 'includes') selectsSecret = true;
        else projected = true;
      }
      const data = values[4];
      if ((method === 'create' || method === 'upsert') && (hasSecretKey(o) || (data && hasSecretKey(data)))) createsSecret = true;
    } else if (i === 1 && method.startsWith('find') && (isStringLiteralLike(o))) {
      if (projection(o) === 'includes') selectsSecret = true;
      else projected = true;
    }
  });
  return { query: cur, method, model, init, chained, projected, selectsSecret, createsSecret, prisma };
}

/** `delete user.password`, `user.password = undefined`, `user.set('password', undefined)`: the record's dotted name, or undefined for any record. */
interface Scrub {
  node: ts.Node;
  name: string | undefined;
}

/** Per-file answers judge() needs, from what the walk collected. */
interface Scan {
  /** The value the binding holds at `id` (valueAt). */
  initAt(b: Binding, id: ts.Identifier): ts.Expression | undefined;
  /** A scrub of `name` in `scope` (nested functions included) before `before`. */
  scrubbed(scope: ts.Node, name: string, before: ts.Node): boolean;
  /** A secret field the function reads off the record: `user.password` in `bcrypt.compare(pw, user.password)`. */
  readsSecret(scope: ts.Node, name: string): string | undefined;
}

function within(node: ts.Node, scope: ts.Node): boolean {
  for (let n: ts.Node | undefined = node; n; n = n.parent) if (n === scope) return true;
  return false;
}

/** For each name, the first secret field read off it in `scope` (`user.password`), in walk order. */
function secretReads(scope: ts.Node): Map<string, string> {
  const out = new Map<string, string>();
  const sensitive = new Map<string, boolean>();
  const visit = (n: ts.Node): void => {
    if (n.kind === SyntaxKind.PropertyAccessExpression) {
      const p = n as ts.PropertyAccessExpression;
      if (p.expression.kind === SyntaxKind.Identifier) {
        const name = (p.expression as ts.Identifier).text;
        const field = p.name.text;
        if (!out.has(name)) {
          let s = sensitive.get(field);
          if (s === undefined) sensitive.set(field, (s = isSensitiveField(field)));
          if (s) out.set(name, field);
        }
      }
    }
    forEachChild(n, visit);
  };
  visit(scope);
  return out;
}

/** Mongoose only: `await User.findById(id)` → `await User.findById(id).select('-password …')`. */
function fixFor(
  ctx: RuleContext, rec: Record, info: ModelInfo | undefined, excluded: Set<string> | undefined, mongoose: boolean, scope: ts.Node, name: string, scan: Scan,
): Fix[] {
  if (rec.chained || rec.selectsSecret || rec.createsSecret || !MONGOOSE_FIX_METHODS.has(rec.method)) return [];
  if (!mongoose && !ctx.modules.imports('mongoose') && !info?.mongoose) return [];
  if (scan.readsSecret(scope, name)) return [];
  const fields = info && info.fields.length > 0 ? info.fields : excluded ? [...excluded] : ['password'];
  const q = preferredQuote(ctx.sourceFile);
  return [{
    title: `Exclude ${fields.join(', ')} from the query`,
    edits: [{ start: rec.query.end, end: rec.query.end, newText: `.select(${q}${fields.map((f) => `-${f}`).join(' ')}${q})` }],
    preferred: false,
  }];
}
