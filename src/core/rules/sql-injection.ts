import {
  forEachChild, isArrayLiteralExpression, isArrowFunction, isBinaryExpression, isBlock,
  isCallExpression, isConditionalExpression, isElementAccessExpression, isFunctionExpression,
  isIdentifier, isImportDeclaration, isNoSubstitutionTemplateLiteral, isNumericLiteral,
  isObjectLiteralExpression, isPrefixUnaryExpression, isPropertyAccessExpression, isStringLiteral,
  isTemplateExpression, isVariableStatement, SyntaxKind, ts,
} from '../ts';
import { calleeName, calleeObject, getPropertyValue, propertyName, stringValue } from '../ast';
import { words } from './login-user-enumeration';
import { normalizeModule, requiredModule, skipWrappers } from '../modules';
import { assignmentsTo, enclosingFunctionOrFile, identifierAt, isIdentifierChar, lookup, type Binding } from '../scopes';
import type { Source } from '../flow';
import type { Fix, RuleContext, SourceRule } from '../types';
import { NodeCache } from '../file-caches';

/**
 * SQL text built by a template literal or `+` and handed to a query method:
 *
 *   db.query(`SELECT * FROM users WHERE email = '${req.body.email}'`)
 *   knex.whereRaw('id = ' + id)
 *   prisma.$queryRawUnsafe(`… ${q}`)
 *
 * Tagged templates (sql`…`, Prisma.sql, $queryRaw`…`) are parameterized and
 * never reported. Interpolated parts that are constants, numbers, escaped
 * values, allowlist lookups or `$1, $2` placeholder lists are fine. Request
 * data anywhere in the SQL is reported; other variables only where they sit in
 * a value position (`= ${x}`, `'${x}'`, `LIMIT ${x}`, `VALUES (${x})`), since
 * identifiers (tables, columns) cannot be parameterized and are usually
 * chosen by code. Such a variable is not reported either when its name says
 * it is an identifier (`'${tableName}'` in a PRAGMA) or when the call passes
 * values separately: the splice then builds placeholders or fragments for them.
 * Migration and seed files (no request reaches them) get request findings only.
 */

/** Client modules whose import makes the injection row apply. */
export const DATABASE_MODULES: ReadonlySet<string> = new Set([
  'pg', 'pg-pool', 'pg-promise', 'postgres', 'mysql', 'mysql2', 'mysql2/promise', 'sqlite3', 'sqlite', 'better-sqlite3',
  'knex', 'sequelize', 'typeorm', '@prisma/client', 'mongoose', 'mongodb', 'drizzle-orm', 'mssql', 'oracledb', 'tedious',
  'slonik', 'kysely', 'objection', '@vercel/postgres', '@neondatabase/serverless', '@planetscale/database', '@mikro-orm/core',
]);

export function isDatabaseModule(m: string): boolean {
  return DATABASE_MODULES.has(m) || m.startsWith('drizzle-orm/') || m.startsWith('@mikro-orm/') || m.startsWith('@databases/');
}

/** Modules whose query methods take SQL text. */
const SQL_MODULES: ReadonlySet<string> = new Set([
  'pg', 'pg-pool', 'pg-promise', 'postgres', 'mysql', 'mysql2', 'mysql2/promise', 'sqlite3', 'sqlite', 'better-sqlite3',
  'knex', 'sequelize', 'typeorm', '@prisma/client', 'drizzle-orm', 'mssql', 'oracledb', '@vercel/postgres', '@neondatabase/serverless',
]);
const PG_MODULES: ReadonlySet<string> = new Set(['pg', 'pg-pool', '@vercel/postgres', '@neondatabase/serverless']);
const MYSQL_MODULES: ReadonlySet<string> = new Set(['mysql', 'mysql2', 'mysql2/promise']);

/** Methods that run SQL text as a whole statement: the text must look like SQL. */
const STATEMENT_METHODS: ReadonlySet<string> = new Set([
  'query', 'execute', 'prepare', 'all', 'get', 'run', 'exec', 'each', 'unsafe', 'raw', 'many', 'one', 'oneOrNone', 'manyOrNone', 'none', 'any',
]);
/** Methods whose first argument is only ever SQL text (or a fragment of it). */
const FRAGMENT_METHODS: ReadonlySet<string> = new Set([
  'whereRaw', 'andWhereRaw', 'orWhereRaw', 'havingRaw', 'orHavingRaw', 'orderByRaw', 'joinRaw', 'groupByRaw', 'fromRaw',
]);
const PRISMA_UNSAFE: ReadonlySet<string> = new Set(['$queryRawUnsafe', '$executeRawUnsafe']);
/** TypeORM QueryBuilder conditions, only inside a createQueryBuilder() chain. */
const QUERY_BUILDER_CONDITIONS: ReadonlySet<string> = new Set(['where', 'andWhere', 'orWhere', 'having', 'andHaving', 'orHaving', 'orderBy', 'addOrderBy']);
/** Generic method names (Map.get, regex.exec, router.all) need extra proof that the text is SQL. */
const GENERIC_NAMES: ReadonlySet<string> = new Set(['get', 'all', 'run', 'exec', 'each', 'many', 'one', 'none', 'any']);

/** Every name sinkKind can accept: a call by any other name is no sink. */
const SINK_NAMES: ReadonlySet<string> = new Set([
  ...STATEMENT_METHODS, ...FRAGMENT_METHODS, ...PRISMA_UNSAFE, ...QUERY_BUILDER_CONDITIONS, 'literal', 'raw',
]);

const SQL_LEAD = /^\s*\(?\s*(select|insert|update|delete|with|replace|merge|upsert|create|alter|drop|truncate|call|exec|execute|show|describe|explain|pragma|grant|revoke|declare)\s/i;
const SQL_BODY = /\b(from|into|set|table|values|where|database|index|view|schema|join|as)\b/i;
const TAGS: ReadonlySet<string> = new Set(['sql', 'SQL', '$queryRaw', '$executeRaw', 'Prisma.sql']);

/** The text and interpolated parts of a built string, in order: literals.length === exprs.length + 1. */
export interface BuiltString {
  literals: string[];
  exprs: ts.Expression[];
}

type SinkKind = 'statement' | 'fragment' | 'prisma-unsafe';

export const rule: SourceRule = {
  id: 'sql-injection',
  row: 'injection',
  severity: 'error',
  description: 'Detects SQL text built with template literals or string concatenation and passed to a database query method.',
  message: 'SQL built by string interpolation: pass values as query parameters ($1 / ?) instead of splicing them into the text.',
  fixable: true,
  docs: {
    why:
      'A value spliced into SQL text becomes SQL: `\' OR 1=1 --` in an email field returns every row, and a stacked ' +
      'query can drop tables or read other users\' data. Drivers send parameters separately from the statement, so a ' +
      'parameter can never change the query\'s structure.',
    bad: "const { rows } = await pool.query(`SELECT * FROM users WHERE email = '${req.body.email}'`);",
    good: "const { rows } = await pool.query('SELECT * FROM users WHERE email = $1', [req.body.email]);",
    fix:
      'Replace each interpolated value with a placeholder (`$1, $2` for pg, `?` for mysql/sqlite, `:name` replacements for ' +
      'Sequelize) and pass the values as the second argument; use `prisma.$queryRaw` tagged templates instead of ' +
      '`$queryRawUnsafe`. Table or column names cannot be parameters: pick them from a fixed allowlist map.',
    cwe: ['CWE-89'],
    owasp: ['A03:2021'],
  },
  create(ctx) {
    const dbFacts = new Set<string>();
    let evidenceGiven = false;
    const noteModule = (m: string, node: ts.Node): void => {
      // MongoDB clients are noted by nosql-injection, so each rule stands on its own when the other is off.
      if (!isDatabaseModule(m) || m === 'mongoose' || m === 'mongodb' || dbFacts.has(m)) return;
      dbFacts.add(m);
      ctx.fact('database', node);
    };
    const giveEvidence: GiveEvidence = {
      give(node, message) {
        if (evidenceGiven) return;
        evidenceGiven = true;
        ctx.evidence('parameterized-query', node, typeof message === 'string' ? message : message());
      },
      done: () => evidenceGiven,
    };
    return {
      ImportDeclaration(node: ts.ImportDeclaration) {
        if (isStringLiteral(node.moduleSpecifier)) noteModule(normalizeModule(node.moduleSpecifier.text), node);
      },
      TaggedTemplateExpression(node: ts.TaggedTemplateExpression) {
        if (evidenceGiven || !isTemplateExpression(node.template)) return;
        const tag = tagName(node.tag);
        if (tag && TAGS.has(tag)) giveEvidence.give(node, `${tag}\`…\` tagged template sends values as parameters`);
      },
      CallExpression(node: ts.CallExpression) {
        const name = calleeName(node);
        if (name === 'require') {
          const m = requiredModule(node);
          if (m) noteModule(m, node);
          return;
        }
        if (!name || node.arguments.length === 0 || !SINK_NAMES.has(name)) return;
        // `express.raw({ … })`, `query({ … })` without text: checkSink stops there whatever the kind.
        const a0 = skipWrappers(node.arguments[0]);
        if (isObjectLiteralExpression(a0) && !getPropertyValue(a0, 'text') && !getPropertyValue(a0, 'sql')) return;
        const kind = sinkKind(ctx, node, name);
        if (!kind) return;
        checkSink(ctx, node, name, kind, giveEvidence);
      },
    };
  },
};

function tagName(tag: ts.Expression): string | undefined {
  if (isIdentifier(tag)) return tag.text;
  if (isPropertyAccessExpression(tag)) {
    const base = tag.expression;
    if (isIdentifier(base) && base.text === 'Prisma') return `Prisma.${tag.name.text}`;
    return tag.name.text;
  }
  return undefined;
}

/** Which kind of SQL sink a call is, from its method name and (when needed) its module. */
function sinkKind(ctx: RuleContext, call: ts.CallExpression, name: string): SinkKind | undefined {
  if (PRISMA_UNSAFE.has(name)) return 'prisma-unsafe';
  if (FRAGMENT_METHODS.has(name)) return 'fragment';
  if (name === 'literal') {
    const o = ctx.modules.callee(call);
    if (o?.module === 'sequelize') return 'fragment';
    const recv = calleeObject(call);
    return recv && isIdentifier(recv) && /^sequelize$/i.test(recv.text) ? 'fragment' : undefined;
  }
  if (QUERY_BUILDER_CONDITIONS.has(name)) return inQueryBuilderChain(call) ? 'fragment' : undefined;
  if (name === 'raw') {
    // knex.raw / sql.raw (drizzle) take fragments; elsewhere `raw` must carry a whole statement.
    const o = ctx.modules.callee(call);
    if (o && (o.module === 'knex' || o.module === 'sequelize' || o.module.startsWith('drizzle-orm'))) return 'fragment';
  }
  if (STATEMENT_METHODS.has(name)) return 'statement';
  return undefined;
}

/** `repo.createQueryBuilder('u').leftJoin(…).where(…)`: a createQueryBuilder() call down the receiver chain. */
function inQueryBuilderChain(call: ts.CallExpression): boolean {
  let e: ts.Node | undefined = calleeObject(call);
  for (let i = 0; e && i < 12; i++) {
    e = skipWrappers(e);
    if (isCallExpression(e)) {
      if (calleeName(e) === 'createQueryBuilder') return true;
      e = calleeObject(e);
    } else if (isPropertyAccessExpression(e)) {
      e = e.expression;
    } else if (isIdentifier(e)) {
      const b = lookup(e.text, e);
      e = b && b.kind === 'variable' && b.path.length === 0 ? b.init : undefined;
    } else {
      return false;
    }
  }
  return false;
}

/** Gives the file's one parameterized-query evidence; the message is built only when it is given. */
interface GiveEvidence {
  give(node: ts.Node, message: string | (() => string)): void;
  /** True once the evidence is given: later candidates need not be examined for it. */
  done(): boolean;
}

function checkSink(
  ctx: RuleContext,
  call: ts.CallExpression,
  name: string,
  kind: SinkKind,
  giveEvidence: GiveEvidence,
): void {
  let arg: ts.Expression = call.arguments[0];
  // pg's `query({ text, values })` config form.
  const bare = skipWrappers(arg);
  if (isObjectLiteralExpression(bare)) {
    const text = getPropertyValue(bare, 'text') ?? getPropertyValue(bare, 'sql');
    if (!text) return;
    arg = text;
    if (!giveEvidence.done() && getPropertyValue(bare, 'values') && isConstantSql(text)) giveEvidence.give(call, () => `${receiverText(call)}${name} passes values separately from the SQL text`);
  }
  const built = builtString(arg);
  if (!built) {
    if (giveEvidence.done()) return;
    const sqlText = constantText(arg);
    if (sqlText !== undefined && hasPlaceholders(sqlText) && (call.arguments.length > 1 || name === 'prepare') && looksLikeSql(sqlText, sqlText, name)) {
      giveEvidence.give(call, () => `${receiverText(call)}${name} uses placeholders with separate values`);
    }
    return;
  }
  const text = built.literals.join('');
  if (kind === 'statement' && !statementIsSql(ctx, call, name, built, text)) return;
  if (kind !== 'prisma-unsafe' && text.trim() === '') return;

  let tainted: { expr: ts.Expression; source: Source } | undefined;
  let variable: ts.Expression | undefined;
  let before = '';
  for (let i = 0; i < built.exprs.length; i++) {
    before += built.literals[i];
    const expr = built.exprs[i];
    if (isSafeValue(expr, 0)) continue;
    const source = ctx.flow.source(expr);
    if (source) {
      tainted ??= { expr, source };
      continue;
    }
    if (!variable && (kind === 'prisma-unsafe' || valuePosition(before)) && isVariableShape(expr) && !namesIdentifier(expr)) variable = expr;
  }
  // Values passed separately: a spliced variable that is not request data builds placeholders or fragments for them
  // (`VALUES (${placeholders})`, `'… < ' + hourOffset()`), as adapters and ORMs do.
  if (!tainted && variable && passesValues(call, kind)) variable = undefined;
  // Migrations and seeds run at deploy time over rows the application wrote itself: no request reaches them.
  if (!tainted && variable && isMigrationFile(ctx.file)) variable = undefined;
  if (!tainted && !variable) {
    if (call.arguments.length > 1 && !giveEvidence.done() && hasPlaceholders(text)) giveEvidence.give(call, () => `${receiverText(call)}${name} uses placeholders with separate values`);
    return;
  }

  const how = built.exprs.some((e) => !!e.parent && ts.isTemplateSpan(e.parent)) ? 'a template literal' : 'string concatenation';
  const hint = kind === 'prisma-unsafe'
    ? `use the ${name.replace('Unsafe', '')}\`…\` tagged template, which sends values as parameters`
    : 'pass values as query parameters ($1 / ?) instead';
  const message = tainted
    ? `SQL built from request data (${sourceLabel(tainted.source)}) with ${how}: ${hint}.`
    : `SQL built from a variable (\`${shortText(variable!)}\`) with ${how}: ${hint}.`;
  const related = tainted ? [{ node: tainted.source.node, message: `request data (${sourceLabel(tainted.source)}) enters here` }] : undefined;
  ctx.report(call, { message, related, fixes: fixFor(ctx, call, name) });
}

function receiverText(call: ts.CallExpression): string {
  const recv = calleeObject(call);
  if (!recv) return '';
  const t = recv.getText();
  return t.length <= 24 && !t.includes('\n') ? `${t}.` : '';
}

export function sourceLabel(s: Source): string {
  const t = s.node.getText();
  return t.length <= 40 && !t.includes('\n') ? t : s.part;
}

function shortText(e: ts.Node): string {
  const t = e.getText().replace(/\s+/g, ' ');
  return t.length <= 30 ? t : `${t.slice(0, 27)}...`;
}

/** A statement method's text must read as SQL; `db.get(`user:${id}`)` on a cache must not count. */
function statementIsSql(ctx: RuleContext, call: ts.CallExpression, name: string, built: BuiltString, text: string): boolean {
  if (looksLikeSql(built.literals[0], text, name)) return true;
  if (GENERIC_NAMES.has(name)) return false;
  // `${base} WHERE id = ${id}` on a resolved SQL client still counts.
  const o = ctx.modules.callee(call);
  if (o && SQL_MODULES.has(o.module)) return /\b(where|from|set|values)\b/i.test(text);
  return false;
}

function looksLikeSql(head: string, whole: string, name: string): boolean {
  if (!SQL_LEAD.test(head)) return false;
  return GENERIC_NAMES.has(name) ? SQL_BODY.test(whole.replace(SQL_LEAD, '')) : true;
}

function hasPlaceholders(text: string): boolean {
  return /\$\d|\?|[^:]:[A-Za-z_]\w*|@[A-Za-z_]\w*/.test(text);
}

function isConstantSql(e: ts.Expression): boolean {
  return constantText(e) !== undefined;
}

/** The value of a string literal, or of a const identifier holding one. */
function constantText(e: ts.Expression): string | undefined {
  const s = stringValue(e);
  if (s !== undefined) return s;
  const bare = skipWrappers(e);
  if (isIdentifier(bare)) {
    const b = lookup(bare.text, bare);
    if (b && isConstBinding(b) && b.init) return stringValue(b.init);
  }
  return undefined;
}

function isConstBinding(b: Binding): boolean {
  if (b.kind !== 'variable' || b.path.length !== 0) return false;
  const list = b.declaration.parent;
  return !!list && ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0;
}

/** The value a variable holds at `use`: the last plain assignment before it, else its initializer. */
export function valueAt(b: Binding, use: ts.Node): ts.Expression | undefined {
  let write = b.init;
  for (const a of assignmentsTo(b)) {
    if (a.pos < use.pos && a.pos > b.node.pos && !(use.pos >= a.pos && use.end <= a.end)) write = a.right;
  }
  return write;
}

const compoundCache = new NodeCache<ts.Node, Map<string, ts.BinaryExpression[]>>();

/**
 * `sql += …` appends to a variable, in source order, within the declaring function.
 * Found from the text like scopes.assignmentsTo: each occurrence of the name followed by
 * `+=` (or a comment) is looked up in the tree, so a question costs the name's occurrences,
 * not a walk of the function. A container whose text has a `\u` escape (an identifier may
 * be spelled with one) is walked instead.
 */
function appendsTo(b: Binding): ts.BinaryExpression[] {
  const container = enclosingFunctionOrFile(b.node);
  let byName = compoundCache.get(container);
  if (!byName) {
    byName = new Map();
    compoundCache.set(container, byName);
  }
  const name = b.name;
  let list = byName.get(name);
  if (list) return list;
  list = [];
  const sf = container.getSourceFile();
  const text = sf.text;
  const escaped = text.indexOf('\\u', container.pos);
  if (escaped >= 0 && escaped < container.end) {
    const visit = (n: ts.Node): void => {
      if (isBinaryExpression(n) && n.operatorToken.kind === SyntaxKind.PlusEqualsToken && isIdentifier(n.left) && n.left.text === name) list!.push(n);
      forEachChild(n, visit);
    };
    forEachChild(container, visit);
  } else {
    // The container's own text (a slice, not a copy): a search past its end would scan the rest of the file.
    const own = text.slice(container.pos, container.end);
    for (let k = own.indexOf(name); k >= 0; k = own.indexOf(name, k + name.length)) {
      const i = container.pos + k;
      if (isIdentifierChar(text.charCodeAt(i - 1)) || isIdentifierChar(text.charCodeAt(i + name.length))) continue;
      let j = i + name.length;
      for (let c = text.charCodeAt(j); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++j));
      const c = text.charCodeAt(j);
      // `+=`, `/` that may open a comment before it, or rarer whitespace (checked in the tree).
      if (!((c === 43 && text.charCodeAt(j + 1) === 61) || c === 47 || c === 11 || c === 12 || c > 127)) continue;
      const id = identifierAt(sf, i);
      const bin = id?.parent;
      if (bin && isBinaryExpression(bin) && bin.left === id && bin.operatorToken.kind === SyntaxKind.PlusEqualsToken) list.push(bin);
    }
  }
  byName.set(name, list);
  return list;
}

/**
 * The literal text and interpolated expressions of a string built by a
 * template literal or `+` (directly, or held in a variable at this point,
 * including `sql += …` appends). Undefined for plain literals, tagged
 * templates and anything else.
 */
export function builtString(arg: ts.Expression, depth = 0): BuiltString | undefined {
  const e = skipWrappers(arg) as ts.Expression;
  if (isTemplateExpression(e) || (isBinaryExpression(e) && e.operatorToken.kind === SyntaxKind.PlusToken && isStringy(e))) {
    const out: BuiltString = { literals: [''], exprs: [] };
    flatten(e, out, 0);
    return out.exprs.length > 0 ? out : undefined;
  }
  if (isIdentifier(e) && depth < 3) {
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable' || b.path.length !== 0) return undefined;
    const write = valueAt(b, e);
    if (!write) return undefined;
    const out: BuiltString = { literals: [''], exprs: [] };
    const inner = builtString(write, depth + 1);
    if (inner) append(out, inner);
    else {
      const s = stringValue(write);
      if (s === undefined) return undefined;
      out.literals[0] = s;
    }
    for (const a of appendsTo(b)) {
      if (a.pos > write.pos && a.pos < e.pos) flatten(a.right, out, 0);
    }
    return out.exprs.length > 0 ? out : undefined;
  }
  return undefined;
}

function append(out: BuiltString, more: BuiltString): void {
  out.literals[out.literals.length - 1] += more.literals[0];
  for (let i = 0; i < more.exprs.length; i++) {
    out.exprs.push(more.exprs[i]);
    out.literals.push(more.literals[i + 1]);
  }
}

/** A `+` is string concatenation when a string shows up on either side (`i + 1` is arithmetic). */
function isStringy(e: ts.Expression, depth = 0): boolean {
  e = skipWrappers(e) as ts.Expression;
  if (isStringLiteral(e) || isNoSubstitutionTemplateLiteral(e) || isTemplateExpression(e)) return true;
  if (depth < 50 && isBinaryExpression(e) && e.operatorToken.kind === SyntaxKind.PlusToken) {
    return isStringy(e.left, depth + 1) || isStringy(e.right, depth + 1);
  }
  return false;
}

function flatten(node: ts.Node, out: BuiltString, depth: number): void {
  const e = skipWrappers(node) as ts.Expression;
  const last = (): number => out.literals.length - 1;
  if (isStringLiteral(e) || isNoSubstitutionTemplateLiteral(e) || isNumericLiteral(e)) {
    out.literals[last()] += e.text;
    return;
  }
  if (depth < 50 && isBinaryExpression(e) && e.operatorToken.kind === SyntaxKind.PlusToken && isStringy(e)) {
    flatten(e.left, out, depth + 1);
    flatten(e.right, out, depth + 1);
    return;
  }
  if (isTemplateExpression(e)) {
    out.literals[last()] += e.head.text;
    for (const span of e.templateSpans) {
      flatten(span.expression, out, depth + 1);
      out.literals[last()] += span.literal.text;
    }
    return;
  }
  const constant = constantText(e);
  if (constant !== undefined) {
    out.literals[last()] += constant;
    return;
  }
  out.exprs.push(e);
  out.literals.push('');
}

/**
 * Where a substitution stands in SQL: a value (`= ${x}`, `'${x}'`, `LIMIT ${x}`,
 * `VALUES (${x}, …`, `IN (${x})`) rather than an identifier or a whole clause.
 */
export function valuePosition(before: string): boolean {
  if (insideQuotes(before)) return true;
  const t = before.replace(/["%\s]+$/, '');
  if (/(=|<|>|\b(like|ilike|limit|offset|between|is|is not|then|else|when|regexp|similar to))$/i.test(t)) return true;
  if (/\bbetween\s+\S+\s+and$/i.test(t)) return true;
  if (/[(,]$/.test(t)) {
    const kw = /\b(values|in|select|from|by|set|into|where|and|or|on|join|returning|having|group|order)\b(?![\s\S]*\b(values|in|select|from|by|set|into|where|and|or|on|join|returning|having|group|order)\b)/i.exec(t);
    return !!kw && /^(values|in)$/i.test(kw[1]);
  }
  return false;
}

function insideQuotes(text: string): boolean {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 39) n++;
  return n % 2 === 1;
}

/** `migrations/1694658767766-AddChatHistory.ts`, `db/seeds/users.js`, `20240101120000_add_index.js`. */
export function isMigrationFile(file: string): boolean {
  const parts = file.toLowerCase().split('/');
  if (parts.slice(0, -1).some((p) => MIGRATION_DIRS.has(p))) return true;
  return /^\d{10,}[-_.]/.test(parts[parts.length - 1]);
}
const MIGRATION_DIRS: ReadonlySet<string> = new Set(['migrations', 'migration', 'migrate', 'seeds', 'seeders', 'seed']);

/** `pool.query(text, values)`, `$queryRawUnsafe(text, ...values)`: values go separately from the text. */
function passesValues(call: ts.CallExpression, kind: SinkKind): boolean {
  const second = call.arguments[1];
  if (!second) return false;
  if (kind === 'prisma-unsafe' || ts.isSpreadElement(second)) return true;
  const e = skipWrappers(second);
  return isArrayLiteralExpression(e) || isIdentifier(e) || isPropertyAccessExpression(e) ||
    (isObjectLiteralExpression(e) && e.properties.some((p) => p.name && VALUE_OPTION_KEYS.has(propertyName(p.name) ?? '')));
}

/** Option keys that carry values: Sequelize `replacements` / `bind`, mysql2 `values`. */
const VALUE_OPTION_KEYS: ReadonlySet<string> = new Set(['replacements', 'bind', 'values', 'params', 'parameters']);

/** Words that make a variable an SQL identifier (no placeholder can carry one): `tableName`, `fromTable`, `columns`, `schema`. */
const IDENTIFIER_WORDS: ReadonlySet<string> = new Set(['table', 'tables', 'column', 'columns', 'col', 'cols', 'schema', 'collection', 'index', 'constraint']);

/** A variable named like an SQL identifier: `${tableName}` in `PRAGMA index_list('${tableName}')`. */
function namesIdentifier(expr: ts.Expression): boolean {
  const e = skipWrappers(expr);
  const name = isIdentifier(e) ? e.text : isPropertyAccessExpression(e) ? e.name.text : undefined;
  return !!name && words(name).some((w) => IDENTIFIER_WORDS.has(w));
}

/** Shapes reported as "built from a variable": names, property reads, and string-preserving calls on them. */
function isVariableShape(expr: ts.Expression): boolean {
  const e = skipWrappers(expr);
  if (isIdentifier(e) || isPropertyAccessExpression(e) || isElementAccessExpression(e)) return true;
  if (isCallExpression(e)) {
    const name = calleeName(e);
    if (isIdentifier(e.expression)) return name === 'String' && !!e.arguments[0] && isVariableShape(e.arguments[0]);
    const recv = calleeObject(e);
    return !!recv && !!name && ['trim', 'toLowerCase', 'toUpperCase', 'toString', 'join', 'replace', 'slice', 'substring'].includes(name) && isVariableShape(recv);
  }
  return false;
}

const NUMERIC_CALLS: ReadonlySet<string> = new Set(['Number', 'parseInt', 'parseFloat', 'BigInt', 'Boolean']);
const NUMERIC_METHODS: ReadonlySet<string> = new Set(['toFixed', 'getTime', 'valueOf', 'now', 'round', 'floor', 'ceil', 'min', 'max', 'abs', 'trunc', 'parseInt', 'parseFloat', 'indexOf', 'findIndex', 'toISOString']);
const ESCAPE_NAME = /^(escape|quote|sanitize)|^(format|ident|literal|sqlstring)$/i;
const UPPER_CONST = /^[A-Z][A-Z0-9_]+$/;

/** Interpolations that cannot change the statement: constants, numbers, escaped values, allowlist lookups, placeholder lists. */
export function isSafeValue(expr: ts.Expression, depth: number): boolean {
  if (depth > 6) return false;
  const e = skipWrappers(expr) as ts.Expression;
  switch (e.kind) {
    case SyntaxKind.StringLiteral:
    case SyntaxKind.NumericLiteral:
    case SyntaxKind.BigIntLiteral:
    case SyntaxKind.NoSubstitutionTemplateLiteral:
    case SyntaxKind.TrueKeyword:
    case SyntaxKind.FalseKeyword:
    case SyntaxKind.NullKeyword:
      return true;
  }
  if (isPrefixUnaryExpression(e)) return true; // +x, -x, !x, ~x are numbers or booleans
  if (isTemplateExpression(e)) return e.templateSpans.every((s) => isSafeValue(s.expression, depth + 1));
  if (isConditionalExpression(e)) return isSafeValue(e.whenTrue, depth + 1) && isSafeValue(e.whenFalse, depth + 1);
  if (isBinaryExpression(e)) {
    switch (e.operatorToken.kind) {
      case SyntaxKind.PlusToken:
      case SyntaxKind.BarBarToken:
      case SyntaxKind.QuestionQuestionToken:
        return isSafeValue(e.left, depth + 1) && isSafeValue(e.right, depth + 1);
      case SyntaxKind.MinusToken:
      case SyntaxKind.AsteriskToken:
      case SyntaxKind.SlashToken:
      case SyntaxKind.PercentToken:
      case SyntaxKind.AsteriskAsteriskToken:
      case SyntaxKind.BarToken:
      case SyntaxKind.AmpersandToken:
        return true;
      default:
        return false;
    }
  }
  if (isIdentifier(e)) return isSafeIdentifier(e, depth);
  if (isPropertyAccessExpression(e)) {
    if (e.name.text === 'length' || UPPER_CONST.test(e.name.text)) return true;
    const base = skipWrappers(e.expression);
    return isIdentifier(base) && UPPER_CONST.test(base.text);
  }
  if (isElementAccessExpression(e)) return isAllowlist(e.expression);
  if (isCallExpression(e)) return isSafeCall(e, depth);
  return false;
}

function isSafeIdentifier(id: ts.Identifier, depth: number): boolean {
  if (UPPER_CONST.test(id.text) || id.text === 'undefined') return true;
  const b = lookup(id.text, id);
  if (!b) return false;
  if ((b.kind === 'parameter' || b.kind === 'variable') && b.path.length === 0 && hasNumericType(b.declaration)) return true;
  if (b.kind === 'variable' && b.path.length === 0) {
    const w = valueAt(b, id);
    return !!w && isSafeValue(w, depth + 1);
  }
  return false;
}

function hasNumericType(decl: ts.Node): boolean {
  const type = (decl as ts.ParameterDeclaration | ts.VariableDeclaration).type;
  return !!type && (type.kind === SyntaxKind.NumberKeyword || type.kind === SyntaxKind.BigIntKeyword || type.kind === SyntaxKind.BooleanKeyword);
}

/** `SORT_COLUMNS[x]`, `columns[x]` where columns is a const object literal. */
function isAllowlist(obj: ts.Expression): boolean {
  const e = skipWrappers(obj);
  if (isIdentifier(e)) {
    if (UPPER_CONST.test(e.text)) return true;
    const b = lookup(e.text, e);
    if (!b) return false;
    // `PeriodUnitToNumber[unit]` with `import { PeriodUnitToNumber } from '@app/shared'`: a module's exported table.
    if (b.kind === 'import') return PASCAL_CASE.test(e.text);
    if (!isConstBinding(b) || !b.init) return false;
    const init = skipWrappers(b.init);
    return isObjectLiteralExpression(init) || isArrayLiteralExpression(init);
  }
  if (!isPropertyAccessExpression(e)) return false;
  if (UPPER_CONST.test(e.name.text)) return true;
  // `shared.PeriodUnitToNumber[unit]`, compiled `shared_1.PeriodUnitToNumber[unit]`: the same table through the module object.
  return PASCAL_CASE.test(e.name.text) && isModuleObject(e.expression);
}

/** `UserRole`, `PeriodUnitToNumber`: exported enums and lookup tables; not `URL` (UPPER_CONST) or `userRole`. */
const PASCAL_CASE = /^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$/;

/** An identifier bound to a module: `import * as m`, `import m from`, `const m = require('…')` (interop helpers included). */
function isModuleObject(expr: ts.Expression): boolean {
  const e = skipWrappers(expr);
  if (!isIdentifier(e)) return false;
  const b = lookup(e.text, e);
  if (!b) return false;
  if (b.kind === 'import') return b.path.length === 0;
  if (b.kind !== 'variable' || !b.init || b.path.length > 0 || !isConstBinding(b)) return false;
  let init = skipWrappers(b.init);
  // `__importStar(require('m'))`, `_interopRequireDefault(require('m'))`
  if (isCallExpression(init) && isIdentifier(init.expression) && init.expression.text !== 'require' && init.arguments.length === 1) init = skipWrappers(init.arguments[0]);
  return requiredModule(init) !== undefined;
}

function isSafeCall(call: ts.CallExpression, depth: number): boolean {
  const name = calleeName(call);
  if (!name) return false;
  const callee = skipWrappers(call.expression);
  if (isIdentifier(callee) && NUMERIC_CALLS.has(name)) return true;
  if (NUMERIC_METHODS.has(name)) return true;
  if (isPropertyAccessExpression(callee) && isIdentifier(callee.expression) && (callee.expression.text === 'Math' || callee.expression.text === 'Number')) return true;
  if (ESCAPE_NAME.test(name)) return true;
  if (name === 'join') return isPlaceholderList(calleeObject(call), depth);
  return false;
}

/** `ids.map((_, i) => `$${i + 1}`)`, `rows.map(() => '(?, ?)')`, `Array(n).fill('?')`. */
function isPlaceholderList(list: ts.Expression | undefined, depth: number): boolean {
  if (!list) return false;
  const e = skipWrappers(list) as ts.Expression;
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    const w = b && b.kind === 'variable' && b.path.length === 0 ? valueAt(b, e) : undefined;
    return !!w && depth < 4 && isPlaceholderList(w, depth + 1);
  }
  if (!isCallExpression(e)) return false;
  const name = calleeName(e);
  if (name === 'fill') return isPlaceholderText(e.arguments[0], new Set());
  if (name !== 'map') return false;
  const fn = e.arguments[0];
  if (!fn || !(isArrowFunction(fn) || isFunctionExpression(fn))) return false;
  const params = new Set(fn.parameters.flatMap((p) => (isIdentifier(p.name) ? [p.name.text] : [])));
  let body: ts.Node | undefined = fn.body;
  if (isBlock(body)) {
    const ret = body.statements.find(ts.isReturnStatement);
    body = body.statements.length === 1 ? ret?.expression : undefined;
  }
  return isPlaceholderText(body, params);
}

function isPlaceholderText(node: ts.Node | undefined, params: Set<string>): boolean {
  if (!node) return false;
  const out: BuiltString = { literals: [''], exprs: [] };
  flatten(node, out, 0);
  if (!/^[\s$?(),]*$/.test(out.literals.join('').replace(/::\w+/g, ''))) return false;
  return out.exprs.every((x) => isIndexArithmetic(x, params));
}

function isIndexArithmetic(expr: ts.Expression, params: Set<string>): boolean {
  const e = skipWrappers(expr) as ts.Expression;
  if (isNumericLiteral(e)) return true;
  if (isIdentifier(e)) return params.has(e.text) || isSafeValue(e, 0);
  if (isBinaryExpression(e)) return isIndexArithmetic(e.left, params) && isIndexArithmetic(e.right, params);
  if (isPropertyAccessExpression(e)) return e.name.text === 'length';
  return false;
}

// ----- fix -----

/**
 * `db.query(`… id = ${id} AND name = '${name}'`)` → `db.query('… id = $1 AND name = $2', [id, name])`
 * (`?` placeholders for mysql). Offered only for a single template argument
 * whose every substitution is a plain value (not inside IN (…), not part of a
 * larger quoted string, not an identifier).
 */
function fixFor(ctx: RuleContext, call: ts.CallExpression, name: string): Fix[] {
  if (call.arguments.length !== 1 || (name !== 'query' && name !== 'execute')) return [];
  const arg = call.arguments[0];
  const sf = ctx.sourceFile;
  const pieces = isTemplateExpression(arg) ? templatePieces(arg, sf) : concatPieces(arg, sf);
  if (!pieces) return [];
  const style = placeholderStyle(ctx, call, name);
  if (!style) return [];
  const { raws, cooked, exprs } = pieces;
  if (style === '?' ? raws.some((r) => r.includes('?')) : raws.some((r) => /\$\d/.test(r))) return [];
  if (!SQL_LEAD.test(cooked[0])) return [];

  const parts: string[] = [raws[0]];
  const values: string[] = [];
  let before = cooked[0];
  for (let i = 0; i < exprs.length; i++) {
    const after = cooked[i + 1];
    let next = raws[i + 1];
    const quote = /['"]$/.exec(before)?.[0];
    if (quote) {
      // Only a value that is the whole quoted string: `= '${x}'`, not `'%${x}%'`.
      const prev = parts[parts.length - 1];
      if (!after.startsWith(quote) || !next.startsWith(quote) || !prev.endsWith(quote) || prev.endsWith(`\\${quote}`)) return [];
      if (quote === "'" && !insideQuotes(before)) return [];
      if (!/(=|<|>|\(|,|\blike|\bilike)\s*['"]$/i.test(before)) return [];
      parts[parts.length - 1] = prev.slice(0, -1);
      next = next.slice(1);
    } else if (insideQuotes(before) || !valuePosition(before) || /\bin\s*\($/i.test(before.trimEnd())) {
      return [];
    }
    values.push(exprs[i].getText(sf));
    parts.push(style === '?' ? '?' : `$${i + 1}`, next);
    before += `X${after}`;
  }
  const sql = parts.join('');
  const preferred = quoteStyle(sf);
  const q = [preferred, preferred === "'" ? '"' : "'"].find((c) => !sql.includes(c));
  const literal = !q || /[\r\n\\]/.test(sql) ? `\`${sql}\`` : `${q}${sql}${q}`;
  return [{
    title: `Use query parameters (${style === '?' ? '?' : '$1, $2 …'}) instead of interpolating values`,
    edits: [{ start: arg.getStart(sf), end: arg.end, newText: `${literal}, [${values.join(', ')}]` }],
  }];
}

interface Pieces {
  /** Source text of the literal parts (escapes kept), one more than exprs. */
  raws: string[];
  cooked: string[];
  exprs: ts.Expression[];
}

function templatePieces(t: ts.TemplateExpression, sf: ts.SourceFile): Pieces {
  const raws = [t.head.getText(sf).slice(1, -2), ...t.templateSpans.map((s) => {
    const x = s.literal.getText(sf);
    return ts.isTemplateTail(s.literal) ? x.slice(1, -1) : x.slice(1, -2);
  })];
  return { raws, cooked: [t.head.text, ...t.templateSpans.map((s) => s.literal.text)], exprs: t.templateSpans.map((s) => s.expression) };
}

/** `'SELECT … id = ' + id + ' AND …'`: string literals without escapes, and the values between them. */
function concatPieces(e: ts.Expression, sf: ts.SourceFile): Pieces | undefined {
  const operands: ts.Expression[] = [];
  let x: ts.Expression = e;
  while (isBinaryExpression(x) && x.operatorToken.kind === SyntaxKind.PlusToken) {
    operands.unshift(x.right);
    x = x.left;
  }
  operands.unshift(x);
  if (operands.length < 2 || !isStringLiteral(operands[0])) return undefined;
  const out: Pieces = { raws: [''], cooked: [''], exprs: [] };
  for (const op of operands) {
    if (isStringLiteral(op)) {
      if (op.getText(sf).includes('\\')) return undefined;
      out.raws[out.raws.length - 1] += op.text;
      out.cooked[out.cooked.length - 1] += op.text;
    } else {
      out.exprs.push(op);
      out.raws.push('');
      out.cooked.push('');
    }
  }
  return out.exprs.length > 0 ? out : undefined;
}

/** `$n` for pg, `?` for mysql/mysql2; undefined when the driver is another or cannot be told. */
function placeholderStyle(ctx: RuleContext, call: ts.CallExpression, name: string): '$' | '?' | undefined {
  const o = ctx.modules.callee(call);
  if (o) {
    if (PG_MODULES.has(o.module)) return name === 'query' ? '$' : undefined;
    if (MYSQL_MODULES.has(o.module)) return '?';
    if (SQL_MODULES.has(o.module) || o.module === 'mongoose' || o.module === 'mongodb') return undefined;
  }
  const imported = ctx.modules.importedModules();
  const deps = ctx.project.dependencies;
  const has = (set: ReadonlySet<string>): boolean => [...set].some((m) => imported.has(m) || m in deps);
  const pg = has(PG_MODULES);
  const mysql = has(MYSQL_MODULES);
  if (mysql && !pg) return '?';
  if (pg && !mysql) return name === 'query' ? '$' : undefined;
  if (pg || mysql) return undefined;
  // No driver in sight: other SQL clients have their own APIs.
  const other = ['sqlite3', 'sqlite', 'better-sqlite3', 'mssql', 'oracledb', 'sequelize', 'typeorm', 'knex', 'postgres', 'pg-promise'];
  if (other.some((m) => imported.has(m) || m in deps)) return undefined;
  return name === 'query' ? '$' : undefined;
}

/** The quote the file uses for its first import or require specifier; `'` by default. */
function quoteStyle(sf: ts.SourceFile): string {
  for (const st of sf.statements.slice(0, 20)) {
    let spec: ts.Node | undefined;
    if (isImportDeclaration(st)) spec = st.moduleSpecifier;
    else if (isVariableStatement(st)) {
      const init = st.declarationList.declarations[0]?.initializer;
      if (init && isCallExpression(init) && requiredModule(init)) spec = init.arguments[0];
    }
    if (spec) return sf.text.charAt(spec.getStart(sf)) === '"' ? '"' : "'";
  }
  return "'";
}
