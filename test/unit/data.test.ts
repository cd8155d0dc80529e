import * as assert from 'node:assert/strict';
import { applyFixes } from '../../src/core/fix';
import { run } from '../helpers';

/** Lines (1-based) a rule reports on a snippet. */
function lines(rule: string, text: string, file = 'src/app.ts', deps: Record<string, string> = {}): number[] {
  return run(text, rule, file, { dependencies: deps }).findings.filter((f) => f.ruleId === rule).map((f) => f.line);
}

function fixed(rule: string, text: string, file = 'src/app.ts'): string {
  const r = run(text, rule, file);
  return applyFixes(text, r.findings.flatMap((f) => f.fixes.slice(0, 1))).text;
}

describe('data rules: sql-injection', () => {
  it('reports value splices, not identifiers chosen by code', () => {
    const text = [
      "import { Pool } from 'pg';",
      'const pool = new Pool();',
      'export async function a(table: string, id: number, name: string, cols: string[]) {',
      '  await pool.query(`SELECT * FROM ${table} WHERE id = $1`, [id]);',
      '  await pool.query(`SELECT * FROM users WHERE id = ${id}`);',
      "  await pool.query(`SELECT * FROM users WHERE name LIKE '%${name}%'`);",
      '  const ph = cols.map((_, i) => `$${i + 1}`);',
      '  await pool.query(`INSERT INTO t (${cols.join(", ")}) VALUES (${ph.join(", ")})`, cols);',
      '  await pool.query(`SELECT * FROM users WHERE id IN (${cols.join(",")})`);',
      '}',
    ].join('\n');
    assert.deepEqual(lines('sql-injection', text), [6, 9]);
  });

  it('follows appends and concatenation through variables', () => {
    const text = [
      "const db = require('better-sqlite3')('x.db');",
      'function list(req) {',
      "  let sql = 'SELECT * FROM items WHERE 1 = 1';",
      "  if (req.query.owner) sql += ' AND owner = ' + req.query.owner;",
      '  return db.prepare(sql).all();',
      '}',
    ].join('\n');
    assert.deepEqual(lines('sql-injection', text, 'src/a.js'), [5]);
  });

  it('leaves caches, regexes and tagged templates alone', () => {
    const text = [
      "import { sql } from 'drizzle-orm';",
      'export async function a(redis: any, db: any, id: string) {',
      '  await redis.get(`user:${id}`);',
      '  await db.execute(sql`SELECT * FROM users WHERE id = ${id}`);',
      '  await redis.exec(`select ${id}`);',
      '}',
    ].join('\n');
    assert.deepEqual(lines('sql-injection', text), []);
  });

  it('uses ? placeholders for mysql and keeps the file quote style', () => {
    const text = [
      'const mysql = require("mysql");',
      'const conn = mysql.createConnection({});',
      "module.exports = (id) => conn.query(`SELECT * FROM t WHERE id = '${id}'`);",
    ].join('\n');
    assert.equal(fixed('sql-injection', text, 'src/a.js').split('\n')[2], 'module.exports = (id) => conn.query("SELECT * FROM t WHERE id = ?", [id]);');
  });

  it('offers no fix when a value is part of a larger string or a list', () => {
    const text = [
      "import { Pool } from 'pg';",
      'const pool = new Pool();',
      "export const a = (q: string) => pool.query(`SELECT * FROM t WHERE name LIKE '${q}%'`);",
    ].join('\n');
    const r = run(text, 'sql-injection');
    assert.equal(r.findings.length, 1);
    assert.deepEqual(r.findings[0].fixes, []);
  });
});

describe('data rules: nosql-injection', () => {
  it('treats Express 5 query strings as flat', () => {
    const text = [
      "import { Router } from 'express';",
      "import { Post } from './models';",
      'export const r = Router();',
      "r.get('/', async (req, res) => res.json(await Post.find({ author: req.query.author })));",
    ].join('\n');
    assert.deepEqual(lines('nosql-injection', text, 'src/a.ts', { express: '^4.19.2', mongoose: '^8.0.0' }), [4]);
    assert.deepEqual(lines('nosql-injection', text, 'src/a.ts', { express: '^5.1.0', mongoose: '^8.0.0' }), []);
  });

  it('does not take Map.get or array finds for queries', () => {
    const text = [
      'export function a(req: any, users: any[], cache: Map<string, unknown>) {',
      '  users.find((u) => u.email === req.body.email);',
      '  return cache.get(req.body.key);',
      '}',
    ].join('\n');
    assert.deepEqual(lines('nosql-injection', text), []);
  });
});

describe('data rules: ssrf-request-url', () => {
  it('reports axios config objects and tainted hosts, not fixed origins', () => {
    const text = [
      "import axios from 'axios';",
      "const api = axios.create({ baseURL: 'https://api.example.com' });",
      'export async function a(req: any) {',
      "  await axios({ method: 'get', url: req.query.url });",
      '  await api.get(`/users/${req.params.id}`);',
      '  await axios.get(`${process.env.API_URL}/items/${req.query.id}`);',
      "  await axios.get('https://api.example.com' + req.query.path);",
      '}',
    ].join('\n');
    assert.deepEqual(lines('ssrf-request-url', text), [4, 7]);
  });

  it('accepts an allowlist check around the call, not a negated one', () => {
    const text = [
      "const ALLOWED = new Set(['a.example.com']);",
      'export async function a(req: any) {',
      '  const u = new URL(req.body.url);',
      '  if (ALLOWED.has(u.hostname)) { await fetch(u); }',
      '  if (!ALLOWED.has(u.hostname)) { await fetch(u); }',
      '}',
    ].join('\n');
    assert.deepEqual(lines('ssrf-request-url', text), [5]);
  });

  it('treats a relative URL on the request\'s own origin as not user-chosen', () => {
    const text = [
      'export async function middleware(request: Request) {',
      "  return fetch(new URL('/api/session', request.url));",
      '}',
    ].join('\n');
    assert.deepEqual(lines('ssrf-request-url', text), []);
  });

  it('ignores fetch in client components', () => {
    const text = "'use client';\nexport async function a(req: any) { return fetch(req.query.url); }";
    assert.deepEqual(lines('ssrf-request-url', text), []);
  });
});
