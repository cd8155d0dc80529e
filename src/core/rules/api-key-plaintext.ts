import {
  forEachChild, isBinaryExpression, isCallExpression, isIdentifier, isObjectLiteralExpression,
  isPropertyAccessExpression, isPropertyAssignment, isShorthandPropertyAssignment,
  isTemplateExpression, SyntaxKind, ts,
} from '../ts';
import { calleeName, dottedName, propertyName, stringValue } from '../ast';
import { enclosingFn, exprWords, isTestOrSampleFile, nameWords, valueAt } from '../lib/hygiene';
import { skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { RuleContext, SourceRule } from '../types';

/**
 * API keys kept in the database as issued, so a database leak (a backup, an
 * injection, a read replica) hands out working credentials:
 *
 *   const apiKey = crypto.randomBytes(32).toString('hex');
 *   await ApiKey.create({ userId, key: apiKey });                   // stored as issued
 *   const user = await User.findOne({ apiKey: req.headers['x-api-key'] });   // looked up as presented
 *
 * Stored: a generated value (randomBytes().toString(), randomUUID(), uuid v4,
 * nanoid, generateApiKey(), or a template around one) written under an API-key
 * field (apiKey, apiToken, accessKey, secretKey, clientSecret, or key/token/
 * secret on an api-key model) by create/insert/save/update or `new Model({…})`,
 * or assigned to `x.apiKey` in a function that saves. Looked up: an API-key
 * field matched against raw request data in a find/where call. A hash of the
 * key (createHash, createHmac, bcrypt, a hashKey() helper) is not generated
 * data and not request data, so hashed storage and lookup by hash pass.
 */

const STORE_METHODS: ReadonlySet<string> = new Set([
  'create', 'createMany', 'insert', 'insertOne', 'insertMany', 'save', 'update', 'updateOne', 'updateMany', 'upsert', 'findByIdAndUpdate',
  'findOneAndUpdate', 'build', 'values', 'add', 'set', 'hset', 'put',
]);
const LOOKUP_METHODS: ReadonlySet<string> = new Set([
  'findOne', 'findFirst', 'findUnique', 'findOneBy', 'findBy', 'findOneOrFail', 'findOneByOrFail', 'findAll', 'find', 'where', 'count', 'exists',
  'findFirstOrThrow', 'findUniqueOrThrow',
]);
/** Wrappers around the stored fields: prisma `data`, mongo `$set`, prisma/sequelize `where`. */
const NESTED_KEYS: ReadonlySet<string> = new Set(['data', '$set', 'where', 'create', 'update', 'values']);
/** Full API-key field names, whatever the model. */
const KEY_FIELDS: ReadonlySet<string> = new Set([
  'apikey', 'apitoken', 'apisecret', 'accesskey', 'secretkey', 'clientsecret', 'personalaccesstoken', 'accesstoken', 'secretaccesskey',
]);
/** Generic field names that are API keys only on an API-key model or with an api-key value. */
const GENERIC_FIELDS: ReadonlySet<string> = new Set(['key', 'token', 'secret', 'value']);
const CONTEXT_HINT = /api|accesskey|accesstoken|personalaccesstoken|pat$|clientsecret/;

export const rule: SourceRule = {
  id: 'api-key-plaintext',
  row: 'secrets',
  severity: 'error',
  description: 'Detects generated API keys stored in the database in plaintext, and API-key lookups that match the raw key against the database.',
  message: 'API key stored in plaintext: anyone who reads the database can use every key; store a SHA-256 hash of the key and look it up by hash.',
  fixable: false,
  docs: {
    why:
      'API keys are passwords for machines. Stored as issued, every key becomes usable by whoever reads the table: a leaked backup, ' +
      'an SQL/NoSQL injection, a support tool, a log of the query. Keys are random and long, so a fast hash (SHA-256) is enough: ' +
      'the server stores the hash, shows the key once, and hashes the presented key to look it up.',
    bad:
      "const apiKey = crypto.randomBytes(32).toString('hex');\n" +
      'await ApiKey.create({ userId: req.user.id, key: apiKey });\n\n' +
      "const owner = await ApiKey.findOne({ key: req.headers['x-api-key'] });",
    good:
      "const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');\n\n" +
      "const apiKey = `sk_${crypto.randomBytes(32).toString('base64url')}`;\n" +
      'await ApiKey.create({ userId: req.user.id, keyHash: sha256(apiKey), prefix: apiKey.slice(0, 10) });\n' +
      'res.status(201).json({ apiKey }); // shown once\n\n' +
      "const owner = await ApiKey.findOne({ keyHash: sha256(String(req.headers['x-api-key'])) });",
    fix:
      'Store only `createHash(\'sha256\').update(key).digest(\'hex\')` (plus a short prefix to help users recognise the key), return the ' +
      'key once at creation, and hash the presented key before the lookup. Existing keys need a migration that hashes them.',
    cwe: ['CWE-256', 'CWE-312'],
    owasp: ['A02:2021', 'A04:2021'],
  },
  create(ctx) {
    if (isTestOrSampleFile(ctx.file)) return {};
    const kinds: FieldKinds = new Map();
    // Every report names a key field (an identifier or a property key, both in the parser's table).
    if (!ctx.mentionsWhere((n) => FIELD_HINT.test(n) && fieldKind(kinds, n) !== 'no')) return {};
    // A stored key is generated in this file (generated() follows local bindings only); a lookup calls a find method.
    const mayStore = ctx.mentions(...GENERATOR_NAMES) || ctx.mentionsWhere(isKeyGeneratorName);
    const mayLookup = ctx.mentions(...LOOKUP_METHODS);
    if (!mayStore && !mayLookup) return {};
    return {
      CallExpression(node: ts.CallExpression) {
        const name = calleeName(node);
        if (!name) return;
        const store = mayStore && STORE_METHODS.has(name);
        const find = mayLookup && LOOKUP_METHODS.has(name);
        if (!store && !find) return;
        // Receiver words matter only for generic field names: computed on first need.
        let words: readonly string[] | undefined;
        const context = (): readonly string[] => (words ??= receiverWords(node));
        for (const arg of node.arguments) {
          for (const p of fieldsOf(arg)) {
            if (store) checkStored(ctx, kinds, p, context);
            if (find) checkLookup(ctx, kinds, p, context);
          }
        }
      },
      // new ApiKey({ key })
      NewExpression(node: ts.NewExpression) {
        if (!mayStore) return;
        const e = skipWrappers(node.expression);
        if (!isIdentifier(e) || !/^[A-Z]/.test(e.text) || !node.arguments) return;
        let words: readonly string[] | undefined;
        const context = (): readonly string[] => (words ??= nameWords(e.text));
        for (const arg of node.arguments) for (const p of fieldsOf(arg)) checkStored(ctx, kinds, p, context);
      },
      // apiKeyDoc.key = generated; user.apiKey = key; … await user.save()
      BinaryExpression(node: ts.BinaryExpression) {
        if (!mayStore || node.operatorToken.kind !== SyntaxKind.EqualsToken || !isPropertyAccessExpression(node.left)) return;
        const field = node.left.name.text;
        const left = node.left;
        if (!isKeyField(kinds, field, () => exprWords(left.expression), node.right)) return;
        if (!generated(node.right)) return;
        const fn = enclosingFn(node);
        if (!fn || !savesAfter(fn, node)) return;
        ctx.report(node, { message: `Generated key stored in plaintext as \`${field}\`: anyone who reads the database can use it; store a SHA-256 hash and look keys up by hash.` });
      },
    };
  },
};

/** Words naming the collection a call writes to: `ApiKey.create` → api key; `prisma.apiKey.create`; `db.collection('api_keys').insertOne`. */
function receiverWords(call: ts.CallExpression): readonly string[] {
  const e = skipWrappers(call.expression);
  if (!isPropertyAccessExpression(e)) return [];
  const r = skipWrappers(e.expression);
  if (isCallExpression(r)) {
    const s = stringValue(r.arguments[0]);
    return s ? nameWords(s) : exprWords(r);
  }
  return exprWords(r);
}

/** Properties of an object argument, and of its `data:` / `$set:` / `where:` object. */
function fieldsOf(arg: ts.Expression, depth = 0): (ts.PropertyAssignment | ts.ShorthandPropertyAssignment)[] {
  const o = skipWrappers(arg);
  if (!isObjectLiteralExpression(o) || depth > 2) return [];
  const out: (ts.PropertyAssignment | ts.ShorthandPropertyAssignment)[] = [];
  for (const p of o.properties) {
    if (isShorthandPropertyAssignment(p)) out.push(p);
    else if (isPropertyAssignment(p)) {
      const key = propertyName(p.name);
      if (key && NESTED_KEYS.has(key) && isObjectLiteralExpression(skipWrappers(p.initializer))) out.push(...fieldsOf(p.initializer, depth + 1));
      else out.push(p);
    }
  }
  return out;
}

function isKeyField(kinds: FieldKinds, field: string, context: readonly string[] | (() => readonly string[]), value: ts.Expression): boolean {
  const kind = fieldKind(kinds, field);
  if (kind !== 'generic') return kind === 'key';
  const ctxText = (typeof context === 'function' ? context() : context).join('') + '|' + exprWords(value).join('');
  return CONTEXT_HINT.test(ctxText);
}

/** What a field name alone says: an API-key field, a generic one (key, token…) that depends on context, or neither. */
type FieldKind = 'key' | 'generic' | 'no';

/** Field names seen in this file, by kind: the same few names recur, and nameWords is the costly part. */
type FieldKinds = Map<string, FieldKind>;

function fieldKind(fieldKinds: FieldKinds, field: string): FieldKind {
  let kind = fieldKinds.get(field);
  if (kind === undefined) {
    const w = nameWords(field);
    const joined = w.join('');
    kind = KEY_FIELDS.has(joined) || (w.length >= 2 && w[w.length - 2] === 'api' && (w[w.length - 1] === 'key' || w[w.length - 1] === 'token')) ? 'key'
      : GENERIC_FIELDS.has(joined) ? 'generic' : 'no';
    fieldKinds.set(field, kind);
  }
  return kind;
}

function valueOf(p: ts.PropertyAssignment | ts.ShorthandPropertyAssignment): ts.Expression {
  return isPropertyAssignment(p) ? p.initializer : p.name;
}

function checkStored(ctx: RuleContext, kinds: FieldKinds, p: ts.PropertyAssignment | ts.ShorthandPropertyAssignment, context: readonly string[] | (() => readonly string[])): void {
  const field = propertyName(p.name);
  if (!field) return;
  const value = valueOf(p);
  if (!isKeyField(kinds, field, context, value) || !generated(value)) return;
  ctx.report(p, { message: `Generated key stored in plaintext as \`${field}\`: anyone who reads the database can use it; store a SHA-256 hash and look keys up by hash.` });
}

function checkLookup(ctx: RuleContext, kinds: FieldKinds, p: ts.PropertyAssignment | ts.ShorthandPropertyAssignment, context: readonly string[] | (() => readonly string[])): void {
  const field = propertyName(p.name);
  if (!field) return;
  const value = valueOf(p);
  if (!isKeyField(kinds, field, context, value)) return;
  const source = ctx.flow.source(value);
  if (!source) return;
  ctx.report(p, {
    message: `API key looked up as presented (from req.${source.part}): the keys are stored in plaintext; store and look up a SHA-256 hash of the key instead.`,
  });
}

/** Every field name fieldKind does not answer 'no' for spells one of these (any case). */
const FIELD_HINT = /key|token|secret|value/i;
/** The callee names generated() accepts outright; the others are isKeyGeneratorName's. */
const GENERATOR_NAMES: readonly string[] = ['randomBytes', 'randomUUID', 'nanoid', 'uuidv4', 'v4'];

/** generateApiKey(), createApiKey(), newApiToken(): the names generated() accepts by their words. */
function isKeyGeneratorName(name: string): boolean {
  if (!/api/i.test(name)) return false;
  const w = nameWords(name);
  return /^(generate|gen|create|new|make|issue)$/.test(w[0] ?? '') && w.includes('api') && (w.includes('key') || w.includes('token'));
}

/** A freshly generated random value (possibly with a prefix), followed through local variables. */
function generated(expr: ts.Expression, depth = 0): boolean {
  if (depth > 5) return false;
  const e = skipWrappers(expr) as ts.Expression;
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable' || b.path.length > 0) return false;
    const v = valueAt(b, e);
    return !!v && generated(v, depth + 1);
  }
  if (isTemplateExpression(e)) return e.templateSpans.some((s) => generated(s.expression, depth + 1));
  if (isBinaryExpression(e) && e.operatorToken.kind === SyntaxKind.PlusToken) return generated(e.left, depth + 1) || generated(e.right, depth + 1);
  if (!isCallExpression(e)) return false;
  const name = calleeName(e) ?? '';
  // crypto.randomBytes(32).toString('hex'), randomBytes(24).toString('base64url')
  if (name === 'toString' && isPropertyAccessExpression(e.expression)) {
    const inner = skipWrappers(e.expression.expression);
    return isCallExpression(inner) && calleeName(inner) === 'randomBytes';
  }
  if (name === 'randomUUID' || name === 'nanoid' || name === 'uuidv4' || (name === 'v4' && /uuid/i.test(dottedName(e.expression) ?? 'uuid'))) return true;
  // generateApiKey(), createApiKey(), newApiKey()
  return isKeyGeneratorName(name);
}

/** The function saves something after `at`: `await user.save()`, `repo.save(x)`, `em.flush()`. */
function savesAfter(fn: ts.Node, at: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (isCallExpression(n) && n.pos > at.pos) {
      const name = calleeName(n);
      if (name && /^(save|update|updateOne|persist|flush|commit|persistAndFlush|put|set)$/.test(name)) found = true;
    }
    forEachChild(n, visit);
  };
  visit(fn);
  return found;
}
