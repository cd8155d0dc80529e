import * as assert from 'node:assert/strict';
import { ts } from '../../src/core/ts';
import { parse } from '../../src/core/analyze';
import { calleeName } from '../../src/core/ast';
import { Flow, type Source, type SourceOptions } from '../../src/core/flow';

/**
 * Unit tests of the shared request-data flow (src/core/flow.ts) on small
 * snippets. Each snippet marks the expressions under test as the arguments of
 * `sink(…)` calls (or `whole(…)` for wholeSource); `sources` asks the flow
 * about each of them in order.
 */

interface Probe {
  flow: Flow;
  args: ts.Expression[];
}

function probe(code: string, file = 'src/app.ts', marker = 'sink'): Probe {
  const sf = parse(file, code);
  const args: ts.Expression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === marker && n.arguments[0]) args.push(n.arguments[0]);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  assert.ok(args.length > 0, `no ${marker}(…) in snippet`);
  return { flow: new Flow(), args };
}

/** The source of every `sink(x)` argument, in order. */
function sources(code: string, options?: SourceOptions, file?: string): (Source | undefined)[] {
  const { flow, args } = probe(code, file);
  return args.map((a) => flow.source(a, options));
}

function only(code: string, options?: SourceOptions, file?: string): Source | undefined {
  const all = sources(code, options, file);
  assert.equal(all.length, 1, 'one sink expected');
  return all[0];
}

/** Asserts the sink is tainted, from `part`, read at a node with text `nodeText` (when given). */
function tainted(code: string, part: string, nodeText?: string, options?: SourceOptions, file?: string): void {
  const s = only(code, options, file);
  assert.ok(s, `expected request data (${part}) at the sink`);
  assert.equal(s.part, part);
  if (nodeText !== undefined) assert.equal(s.node.getText(), nodeText);
}

function clean(code: string, options?: SourceOptions, file?: string): void {
  const s = only(code, options, file);
  assert.equal(s, undefined, s ? `unexpected source ${s.part} at \`${s.node.getText()}\`` : '');
}

const handler = (body: string): string => `app.post('/x', async (req, res) => {\n${body}\n});`;

describe('flow (shared request-data tracking)', () => {
  describe('sources: Express', () => {
    for (const part of ['body', 'query', 'params', 'headers', 'cookies', 'signedCookies', 'files', 'file']) {
      it(`req.${part}`, () => tainted(handler(`sink(req.${part}.x);`), part, `req.${part}`));
    }
    for (const part of ['hostname', 'originalUrl', 'url', 'path']) {
      it(`req.${part}`, () => tainted(handler(`sink(req.${part});`), part, `req.${part}`));
    }
    it("req['query'] and request.body", () => {
      tainted(handler("sink(req['query'].q);"), 'query');
      tainted("app.post('/x', (request, response) => { sink(request.body.name); });", 'body');
    });
    it('req.get(), req.header(), req.param()', () => {
      tainted(handler("sink(req.get('x-forwarded-host'));"), 'headers', "req.get('x-forwarded-host')");
      tainted(handler("sink(req.header('origin'));"), 'headers');
      assert.ok(only(handler("sink(req.param('id'));")));
    });
    it('inline handlers that destructure the request', () => {
      tainted("app.post('/x', ({ body }, res) => { sink(body.name); });", 'body', 'body');
      tainted("router.get('/x/:id', async ({ params: { id } }, res) => { sink(id); });", 'params', 'id');
      clean("items.forEach(({ body }) => { sink(body); });");
    });
    it('not: `req`/`request` bound to a library (supertest, request)', () => {
      clean("import request from 'supertest';\nit('x', async () => { const r = await request.get('/x'); sink(request.body); });");
      clean("const request = require('request');\nsink(request.get('https://example.com'));");
    });
    it('not: other request properties, the response, look-alike names', () => {
      clean(handler('sink(req.user.id);'));
      clean(handler('sink(req.session.token);'));
      clean(handler('sink(res.locals.user);'));
      clean(handler('sink(request_body.x);'));
      clean(handler("sink(config.get('db'));"));
      clean(handler('sink(req.query.ids.length);'));
    });
  });

  describe('sources: Koa', () => {
    const koa = (body: string): string => `router.post('/x', async (ctx) => {\n${body}\n});`;
    it('ctx.request.body, ctx.query, ctx.params, ctx.request.query, ctx.headers, ctx.get()', () => {
      tainted(koa('sink(ctx.request.body.name);'), 'body', 'ctx.request.body');
      tainted(koa('sink(ctx.query.q);'), 'query', 'ctx.query');
      tainted(koa('sink(ctx.params.id);'), 'params', 'ctx.params');
      tainted(koa('sink(ctx.request.query.q);'), 'query', 'ctx.request.query');
      tainted(koa('sink(ctx.headers.host);'), 'headers');
      tainted(koa("sink(ctx.get('x-forwarded-for'));"), 'headers', "ctx.get('x-forwarded-for')");
    });
    it('destructuring ctx.request and ctx', () => {
      tainted(koa('const { body } = ctx.request;\nsink(body.name);'), 'body', 'body');
      tainted(koa('const { query } = ctx;\nsink(query.q);'), 'query');
      tainted(koa("const { cookies } = ctx;\nsink(cookies.get('sid'));"), 'cookies');
    });
    it('not: ctx.body (the response), ctx.state', () => {
      clean(koa('sink(ctx.body);'));
      clean(koa('sink(ctx.state.user.id);'));
    });
  });

  describe('sources: Fastify', () => {
    it('request.* and (req, reply)', () => {
      tainted("fastify.post('/x', async (request, reply) => { sink(request.body.url); });", 'body');
      tainted("fastify.get('/x', async (req, reply) => { sink(req.query.q); });", 'query');
      tainted("fastify.get('/x/:id', async function (request, reply) { sink(request.params.id); });", 'params');
      tainted("fastify.get('/x', async (request, reply) => { sink(request.headers['x-token']); });", 'headers');
    });
  });

  describe('sources: Next.js', () => {
    it('API routes: export default function handler(req, res)', () => {
      tainted('export default async function handler(req, res) {\n  sink(req.query.id);\n}', 'query', 'req.query', undefined, 'pages/api/x.ts');
      tainted('export default function handler(req, res) {\n  const { email } = req.body;\n  sink(email);\n}', 'body', 'req.body');
    });
    it('App Router: request.json(), req.json(), formData()', () => {
      tainted('export async function POST(request) {\n  const body = await request.json();\n  sink(body.url);\n}', 'body', 'request.json()');
      tainted('export async function POST(req: Request) {\n  const { name } = await req.json();\n  sink(name);\n}', 'body', 'req.json()');
      tainted("export async function POST(request) {\n  const form = await request.formData();\n  sink(form.get('file'));\n}", 'body');
    });
    it('App Router: nextUrl.searchParams, new URL(request.url).searchParams, headers.get()', () => {
      tainted("export async function GET(request) {\n  sink(request.nextUrl.searchParams.get('q'));\n}", 'query');
      tainted("export async function GET(request) {\n  sink(new URL(request.url).searchParams.get('url'));\n}", 'query');
      tainted("export async function GET(request) {\n  const { searchParams } = new URL(request.url);\n  const target = searchParams.get('target');\n  sink(target);\n}", 'query');
      tainted("export async function GET(request) {\n  const searchParams = request.nextUrl.searchParams;\n  sink(searchParams.get('q'));\n}", 'query');
      tainted("export async function GET(request) {\n  sink(request.headers.get('x-forwarded-host'));\n}", 'headers');
    });
    it("App Router: the route's { params } argument", () => {
      tainted('export async function GET(request, { params }) {\n  sink(params.id);\n}', 'params', 'params');
      tainted('export async function DELETE(req: Request, context: { params: { id: string } }) {\n  sink(context.params.id);\n}', 'params');
    });
    it('not: a plain function named GET that is not a route, a fetch response', () => {
      clean('function helper(a, { params }) {\n  sink(params.id);\n}');
      clean("async function load() {\n  const res = await fetch('https://api.example.com');\n  const data = await res.json();\n  sink(data.url);\n}");
    });
  });

  describe('sources: NestJS and decorator frameworks', () => {
    const nest = (params: string, body: string): string => [
      "import { Body, Controller, Get, Headers, Param, ParseIntPipe, Post, Query, Req } from '@nestjs/common';",
      "@Controller('users')",
      'export class UsersController {',
      '  @Post()',
      `  async handle(${params}) {`,
      `    ${body}`,
      '  }',
      '}',
    ].join('\n');
    it('@Body(), @Query(), @Param(), @Headers() parameters', () => {
      tainted(nest('@Body() dto: CreateUserDto', 'sink(dto.name);'), 'body', '@Body()');
      tainted(nest("@Body('email') email: string", 'sink(email);'), 'body', "@Body('email')");
      tainted(nest('@Body() { email }: LoginDto', 'sink(email);'), 'body');
      tainted(nest("@Query('q') q: string", 'sink(`%${q}%`);'), 'query');
      tainted(nest("@Param('id') id: string", 'sink(id);'), 'params');
      tainted(nest('@Param() params: Record<string, string>', 'sink(params.id);'), 'params');
      tainted(nest("@Headers('x-tenant') tenant: string", 'sink(tenant);'), 'headers');
    });
    it('@Req() request, then .body', () => {
      tainted(nest('@Req() r: Request', 'sink(r.body.name);'), 'body', 'r.body');
      tainted(nest('@Req() request: Request', 'sink(request.query.q);'), 'query');
    });
    it('not: parse pipes, undecorated parameters, other decorators', () => {
      clean(nest("@Param('id', ParseIntPipe) id: number", 'sink(id);'));
      clean(nest("@Query('page', new ParseIntPipe({ optional: true })) page: number", 'sink(page);'));
      clean(nest('id: string', 'sink(id);'));
      clean(nest('@CurrentUser() user: User', 'sink(user.id);'));
    });
  });

  describe('sanitized sources', () => {
    it("express-validator's matchedData(req) is not tainted", () => {
      clean(handler("const data = matchedData(req, { locations: ['body'] });\nsink(data.email);"));
    });
  });

  describe('propagation', () => {
    it('assignments: the last write before the use', () => {
      tainted(handler("let q = 'x';\nq = req.query.q;\nsink(q);"), 'query', 'req.query');
      clean(handler("let q = req.query.q;\nq = 'constant';\nsink(q);"));
    });
    it('destructuring with defaults, renames and nesting; Source.node is where the request is read', () => {
      tainted(handler("const { id: userId = '1' } = req.params;\nsink(userId);"), 'params', 'req.params');
      tainted(handler("const { params: { id: userId = '1' } } = req;\nsink(userId);"), 'params', 'userId');
      tainted(handler('const { body: { email } } = req;\nsink(email);'), 'body', 'email');
      tainted(handler('const { ids: [first] } = req.body;\nsink(first);'), 'body');
      tainted(handler('const { page = 1, ...filter } = req.query;\nsink(filter);'), 'query');
      tainted(handler('const url = req.query.url;\nsink(url);'), 'query', 'req.query');
    });
    it('templates, concatenation and compound assignment', () => {
      tainted(handler('sink(`SELECT * FROM t WHERE a = ${req.query.a}`);'), 'query');
      tainted(handler("sink('SELECT ' + req.body.col + ' FROM t');"), 'body');
      tainted(handler("let sql = 'SELECT * FROM t WHERE 1=1';\nsql += ' AND name = ' + req.query.name;\nsql += ' LIMIT 10';\nsink(sql);"), 'query');
      clean(handler("let sql = 'SELECT * FROM t';\nsql += ' LIMIT 10';\nsink(sql);"));
      clean(handler("let sql = 'SELECT 1';\nsink(sql);\nsql += req.query.x;"));
    });
    it('object and array literals, spread, property reads, await, conditional, ?? and ||', () => {
      tainted(handler('sink({ where: { name: req.body.name } });'), 'body');
      tainted(handler('sink([1, req.query.x]);'), 'query');
      tainted(handler('sink({ ...req.body, role: "user" });'), 'body');
      tainted(handler('const data = await req.body;\nsink(data.profile.bio);'), 'body');
      tainted(handler("sink(flag ? req.query.a : 'b');"), 'query');
      tainted(handler("sink(req.query.sort ?? 'name');"), 'query');
      tainted(handler("sink(req.query.sort || 'name');"), 'query');
      clean(handler("sink(req.query.sort ? 'a' : 'b');"));
    });
    it('array methods that hand back elements', () => {
      tainted(handler("sink(req.body.ids.join(','));"), 'body');
      tainted(handler('sink(req.body.ids[0]);'), 'body');
      tainted(handler('sink(req.body.ids.at(-1));'), 'body');
      tainted(handler('sink([1].concat(req.body.ids));'), 'body');
      tainted(handler('sink(req.body.ids.slice(1));'), 'body');
      tainted(handler('sink(req.body.ids.filter(Boolean));'), 'body');
      tainted(handler("sink(req.body.ids.map((id) => `'${id}'`).join(','));"), 'body');
      tainted(handler("sink(Object.keys(req.body).map((k) => `${k} = ?`).join(', '));"), 'body');
      clean(handler("sink(req.body.ids.map(Number).join(','));"));
      clean(handler("sink(req.body.ids.map((id) => Number(id)).join(','));"));
      clean(handler("sink(req.body.ids.map(() => '?').join(','));"));
    });
    it('callback parameters of array methods and for-of', () => {
      tainted(handler('req.body.ids.forEach((id) => {\n  sink(id);\n});'), 'body');
      tainted(handler('for (const id of req.body.ids) {\n  sink(id);\n}'), 'body');
      tainted(handler('const body = await request.json();\n[].concat(body.tags).forEach(function (t) { sink(t); });'), 'body');
      clean(handler('[1, 2].forEach((n) => sink(n));'));
    });
    it('built-ins that keep the content', () => {
      tainted(handler('sink(Object.assign({}, req.body));'), 'body');
      tainted(handler('sink(JSON.parse(req.body.filter));'), 'body');
      tainted(handler("sink(Buffer.from(req.headers.authorization, 'base64').toString());"), 'headers');
      tainted(handler('sink(String(req.query.q));'), 'query');
      tainted(handler('sink(req.query.q.toString().trim().toLowerCase());'), 'query');
      tainted(handler('sink(decodeURIComponent(req.params.name));'), 'params');
      tainted(handler('sink(JSON.stringify(req.body.filter));'), 'body');
    });
    it('new URL(tainted) and its parts', () => {
      tainted(handler('sink(new URL(req.query.url));'), 'query');
      for (const p of ['hostname', 'href', 'pathname']) tainted(handler(`const u = new URL(req.query.url);\nsink(u.${p});`), 'query');
      tainted(handler("const u = new URL(req.body.callback);\nsink(u.searchParams.get('next'));"), 'query');
      clean(handler("const u = new URL('https://api.example.com/v1');\nsink(u.href);"));
    });
  });

  describe('same-file helpers', () => {
    it('a function whose return derives from a parameter carries its argument', () => {
      const code = [
        "function like(v) { return '%' + v + '%'; }",
        'const wrap = (v) => `(${v})`;',
        'app.get("/x", (req, res) => {',
        '  sink(like(req.query.q));',
        "  sink(like('static'));",
        '  sink(wrap(req.query.q));',
        '});',
      ].join('\n');
      const [a, b, c] = sources(code);
      assert.equal(a?.node.getText(), 'req.query');
      assert.equal(b, undefined);
      assert.equal(c?.part, 'query');
    });
    it('only the parameter that reaches the return counts', () => {
      const code = [
        'function pick(a, b) { const x = a.trim(); return x; }',
        'app.get("/x", (req, res) => {',
        "  sink(pick(req.query.q, 'k'));",
        "  sink(pick('k', req.query.q));",
        '});',
      ].join('\n');
      const [a, b] = sources(code);
      assert.equal(a?.part, 'query');
      assert.equal(b, undefined);
    });
    it('helpers that convert or escape end the flow', () => {
      const code = [
        'function toId(v) { return parseInt(v, 10); }',
        "function escapeHtml(s) { return s.replace(/&/g, '&amp;').replace(/</g, '&lt;'); }",
        'app.get("/x", (req, res) => {',
        '  sink(toId(req.params.id));',
        '  sink(escapeHtml(req.query.q));',
        '});',
      ].join('\n');
      assert.deepEqual(sources(code), [undefined, undefined]);
    });
    it('a closure that reads the request itself', () => {
      tainted(handler('const target = () => req.query.url;\nsink(target());'), 'query');
    });
    it('recursion and mutual recursion terminate', () => {
      const code = [
        'function r(x) { return x ? r(x.slice(1)) : x; }',
        'function a(x) { return b(x); }',
        'function b(x) { return a(x); }',
        'app.get("/x", (req, res) => { sink(r(req.query.q)); sink(a(req.query.q)); });',
      ].join('\n');
      const [r] = sources(code);
      assert.equal(r?.part, 'query');
    });
    it('a parameter is tainted when a same-file call site passes request data', () => {
      const code = [
        'async function findUser(name) {',
        '  sink(name);',
        '}',
        'app.get("/x", async (req, res) => {',
        "  await findUser('admin');",
        '  await findUser(req.query.name);',
        '});',
      ].join('\n');
      tainted(code, 'query', 'req.query');
    });
    it('a parameter whose call sites pass only constants, or that no one calls here, is not', () => {
      clean("const findUser = async (name) => {\n  sink(name);\n};\nfindUser('admin');\nfindUser(process.env.ADMIN);");
      clean('export function findUser(name) {\n  sink(name);\n}');
    });
    it('class methods called through this', () => {
      const code = [
        'class UserService {',
        '  search(term) {',
        '    return this.run(`SELECT * FROM users WHERE name LIKE "%${term}%"`);',
        '  }',
        '  run(sql) { sink(sql); }',
        '}',
        'const svc = new UserService();',
        'app.get("/x", (req, res) => svc.search(req.query.q));',
      ].join('\n');
      // Cross-object calls (svc.search) are not followed: precision first.
      clean(code);
      const code2 = [
        'class Ctl {',
        '  list(req, res) { return this.query(req.query.q); }',
        '  query(q) { sink(q); }',
        '}',
      ].join('\n');
      tainted(code2, 'query');
    });
  });

  describe('sanitizers', () => {
    it('schema parsing: zod, joi, yup, class-validator', () => {
      clean(handler('const input = Schema.parse(req.body);\nsink(input.name);'));
      clean(handler('const input = await Schema.parseAsync(req.body);\nsink(input.name);'));
      clean(handler('const r = Schema.safeParse(req.body);\nif (!r.success) return res.status(400).end();\nsink(r.data.name);'));
      clean(handler('const { value, error } = schema.validate(req.body);\nsink(value.name);'));
      clean(handler('const value = await schema.validateAsync(req.query);\nsink(value.q);'));
      clean(handler('const v = schema.validateSync(req.body);\nsink(v.name);'));
      clean(handler('const v = schema.cast(req.body);\nsink(v.name);'));
      clean(handler('const dto = plainToInstance(CreateDto, req.body);\nawait validateOrReject(dto);\nsink(dto.name);'));
    });
    it('ajv: the object is validated after `if (!validate(x)) return`, not before', () => {
      const code = handler('sink(req.body.name);\nif (!validate(req.body)) return res.status(400).json(validate.errors);\nsink(req.body.name);');
      const [before, after] = sources(code);
      assert.equal(before?.part, 'body');
      assert.equal(after, undefined);
      clean(handler('const data = req.body;\nif (!ajv.validate(schema, data)) throw new Error("bad");\nsink(data.name);'));
    });
    it('conversions: Number, parseInt, parseFloat, Math.*, Boolean, encodeURIComponent, path.basename', () => {
      for (const e of ['Number(req.query.n)', 'parseInt(req.query.n, 10)', 'parseFloat(req.query.n)', 'Math.min(100, req.query.n)', 'Boolean(req.query.b)',
        'encodeURIComponent(req.query.q)', 'path.basename(req.params.file)', 'escapeHtml(req.query.q)', '+req.query.n', 'req.query.n | 0', 'Number.parseInt(req.query.n)']) {
        clean(handler(`sink(${e});`));
      }
    });
    it('.replace() with a negated character class strips to an allowlist', () => {
      clean(handler("sink(req.query.col.replace(/[^a-z_]/g, ''));"));
      clean(handler("sink(req.query.col.replace(/[^\\w-]+/gi, ''));"));
      tainted(handler("sink(req.query.col.replace(/'/g, \"''\"));"), 'query');
    });
    it('allowlist guards that return or throw clean the value after them, only after them', () => {
      const code = handler([
        'const { sort } = req.query;',
        'sink(sort);',
        'if (!ALLOWED.has(sort)) return res.status(400).end();',
        'sink(sort);',
      ].join('\n'));
      const [before, after] = sources(code);
      assert.equal(before?.part, 'query');
      assert.equal(after, undefined);
    });
    it('allowlist guard shapes', () => {
      clean(handler("const dir = req.query.dir;\nif (!['asc', 'desc'].includes(dir)) throw new Error('bad');\nsink(dir);"));
      clean(handler("if (!ALLOWED_COLUMNS.includes(req.query.sort)) {\n  return res.status(400).send('bad sort');\n}\nsink(req.query.sort);"));
      clean(handler("const d = req.query.dir;\nif (d !== 'asc' && d !== 'desc') return next(new Error('bad'));\nsink(d);"));
      clean(handler("const col = req.query.col;\nif (ALLOWED.indexOf(col) === -1) return res.sendStatus(400);\nsink(col);"));
      clean(handler("const col = req.query.col;\nif (!Object.hasOwn(COLUMNS, col)) return res.sendStatus(400);\nsink(col);"));
      clean(handler("const col = req.query.col;\nif (!(col in COLUMNS)) return res.sendStatus(400);\nsink(col);"));
      clean(handler('for (const c of req.body.columns) {\n  if (!ALLOWED.has(c)) continue;\n  sink(c);\n}'));
      clean(handler("const t = req.query.type;\nif (!validator.isIn(t, ['a', 'b'])) return res.sendStatus(400);\nsink(t);"));
      clean(handler("const n = req.query.n;\nif (!validator.isInt(n)) return res.sendStatus(400);\nsink(n);"));
    });
    it('positive allowlist checks guard their branch', () => {
      clean(handler('const s = req.query.sort;\nif (ALLOWED.has(s)) {\n  sink(s);\n}'));
      clean(handler("const s = req.query.sort;\nconst order = ALLOWED.includes(s) ? sink(s) : 'id';"));
      clean(handler("switch (req.query.sort) {\n  case 'name':\n  case 'date':\n    sink(req.query.sort);\n    break;\n}"));
    });
    it('Koa: ctx.throw() and ctx.assert()', () => {
      clean("router.get('/x', async (ctx) => {\n  const sort = ctx.query.sort;\n  if (!SORTABLE.has(sort)) ctx.throw(400, 'bad sort');\n  sink(sort);\n});");
      clean("router.get('/x', async (ctx) => {\n  const sort = ctx.query.sort;\n  ctx.assert(SORTABLE.has(sort), 400, 'bad sort');\n  sink(sort);\n});");
      tainted("router.get('/x', async (ctx) => {\n  const sort = ctx.query.sort;\n  if (!SORTABLE.has(sort)) ctx.status = 400;\n  sink(sort);\n});", 'query');
    });
    it('joi `if (error) return` and zod `if (!r.success) return` vouch for the validated object', () => {
      clean(handler('const { error } = schema.validate(req.body);\nif (error) return res.status(400).json(error.details);\nsink(req.body.name);'));
      clean(handler('const r = Schema.safeParse(req.query);\nif (!r.success) return res.status(400).end();\nsink(req.query.q);'));
      tainted(handler('const { error } = schema.validate(req.body);\nif (error) console.warn(error);\nsink(req.body.name);'), 'body');
    });
    it('typeof, Number.isInteger and isNaN guards; parseInt does not vouch', () => {
      clean(handler("const n = req.query.n;\nif (typeof n !== 'number') return;\nsink(n);"));
      clean(handler('const n = req.body.n;\nif (!Number.isInteger(n)) throw new TypeError();\nsink(n);'));
      clean(handler('const n = req.query.n;\nif (isNaN(n)) return res.sendStatus(400);\nsink(n);'));
      tainted(handler('const n = req.query.n;\nif (Number.isNaN(parseInt(n))) return res.sendStatus(400);\nsink(n);'), 'query');
      tainted(handler("const n = req.query.n;\nif (typeof n !== 'string') return;\nsink(n);"), 'query');
    });
    it('a helper that checks its parameter against an allowlist returns a clean value', () => {
      const code = [
        "const SORTABLE = ['name', 'created_at'];",
        'function sortColumn(s) {',
        "  if (!SORTABLE.includes(s)) throw new Error('bad sort');",
        '  return s;',
        '}',
        'app.get("/x", (req, res) => sink(sortColumn(req.query.sort)));',
      ].join('\n');
      clean(code);
    });
    it('switch whose default returns', () => {
      clean(handler("const s = req.query.sort;\nswitch (s) {\n  case 'name':\n  case 'date':\n    break;\n  default:\n    return res.status(400).end();\n}\nsink(s);"));
      tainted(handler("const s = req.query.sort;\nswitch (s) {\n  case 'name':\n    break;\n  default:\n    console.warn('odd sort');\n}\nsink(s);"), 'query');
    });
    it('guards that do not dominate the use, or do not exit, or check something else, do not clean', () => {
      tainted(handler('const s = req.query.sort;\nif (strict) {\n  if (!ALLOWED.has(s)) return;\n}\nsink(s);'), 'query');
      tainted(handler("const s = req.query.sort;\nif (!ALLOWED.has(s)) console.warn('unknown sort');\nsink(s);"), 'query');
      tainted(handler('const s = req.query.sort;\nconst t = req.query.t;\nif (!ALLOWED.has(t)) return;\nsink(s);'), 'query');
      tainted(handler('let s = req.query.sort;\nif (!ALLOWED.has(s)) return;\ns = req.query.other;\nsink(s);'), 'query');
      tainted(handler('const s = req.query.sort;\nif (!req.body.allowed.includes(s)) return;\nsink(s);'), 'query');
      tainted(handler("const url = req.query.url;\nif (!url.includes('example.com')) return;\nsink(url);"), 'query');
      tainted(handler('const s = req.query.sort;\nif (!ALLOWED.has(s)) {\n  log(s);\n} else {\n  return;\n}\nsink(s);'), 'query');
    });
    it('.filter() with an allowlist callback', () => {
      clean(handler("const cols = Object.keys(req.body).filter((k) => ALLOWED.includes(k));\nsink(cols.map((c) => `${c} = ?`).join(', '));"));
    });
    it('sink-specific sanitizers through options, without changing the default', () => {
      const isSafeUrlCall = (c: ts.CallExpression | ts.NewExpression): boolean => calleeName(c) === 'isSafeUrl' || calleeName(c) === 'toSafeUrl';
      const guardCode = handler('const u = req.query.url;\nif (!(await isSafeUrl(u))) return res.sendStatus(400);\nsink(u);');
      clean(guardCode, { sanitizers: isSafeUrlCall });
      tainted(guardCode, 'query');
      const wrapCode = handler('sink(toSafeUrl(req.query.url).href);');
      clean(wrapCode, { sanitizers: isSafeUrlCall });
      // Default: unknown calls end the flow anyway.
      clean(wrapCode);
      // A custom sanitizer also ends a pass-through.
      clean(handler('sink(req.query.url.trim());'), { sanitizers: (c) => calleeName(c) === 'trim' });
    });
  });

  describe('wholeSource', () => {
    it('the whole request part, directly or through a variable', () => {
      const { flow, args } = probe(handler([
        'const data = req.body;',
        'const { query } = req;',
        'whole(req.body);',
        'whole(data);',
        'whole(query);',
        'whole(req.body.name);',
        'whole({ ...req.body });',
      ].join('\n')), 'src/app.ts', 'whole');
      const parts = args.map((a) => flow.wholeSource(a)?.part);
      assert.deepEqual(parts, ['body', 'body', 'query', undefined, undefined]);
    });
    it('Koa: const { body } = ctx.request', () => {
      const { flow, args } = probe("router.post('/x', async (ctx) => {\n  const { body } = ctx.request;\n  whole(body);\n  whole(ctx.request.body);\n});", 'src/app.ts', 'whole');
      assert.deepEqual(args.map((a) => flow.wholeSource(a)?.part), ['body', 'body']);
    });
  });

  describe('cost', () => {
    it('long assignment chains and many helpers stay bounded', () => {
      const lines = ['app.get("/x", (req, res) => {', '  let v0 = req.query.q;'];
      for (let i = 1; i < 400; i++) lines.push(`  const v${i} = v${i - 1} + '.';`);
      lines.push('  sink(v399);', '});');
      const t0 = performance.now();
      only(lines.join('\n'));
      assert.ok(performance.now() - t0 < 500);

      const fns: string[] = [];
      for (let i = 0; i < 200; i++) fns.push(`function f${i}(x) { return ${i === 0 ? 'x' : `f${i - 1}(x)`} + '!'; }`);
      fns.push('app.get("/x", (req, res) => sink(f199(req.query.q)));');
      const t1 = performance.now();
      only(fns.join('\n'));
      assert.ok(performance.now() - t1 < 500);
    });
    it('the same question twice is answered from the cache', () => {
      const { flow, args } = probe(handler('const a = req.query.a;\nsink(`${a}`);'));
      const first = flow.source(args[0]);
      assert.equal(flow.source(args[0]), first);
    });
  });
});
