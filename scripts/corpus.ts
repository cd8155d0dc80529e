/**
 * A deterministic synthetic corpus of Express back-end code for the benchmark:
 * routers, controllers, services over pg and mongoose, middleware, config,
 * utils and jobs, in TypeScript (ESM) and JavaScript (CommonJS), from ~30 to a
 * few thousand lines a file. Built from code-shaped templates with a seeded
 * PRNG, so the same seed always writes the same bytes, and no network is used.
 *
 * The code exercises what rules look at (jsonwebtoken, cookies, cors, sessions,
 * fetch, SQL and Mongo queries, res.json of errors, redirects, child_process,
 * crypto) in both safe and unsafe variants, so that visitors do real work.
 *
 *   import { generateCorpus } from './corpus';
 *   const files = generateCorpus('bench-corpus', { seed: 42, files: 400 });
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CorpusOptions {
  /** PRNG seed; the same seed writes the same corpus. */
  seed?: number;
  /** Number of source files. */
  files?: number;
}

export interface CorpusFile {
  /** Path relative to the corpus root, `/` separators. */
  rel: string;
  lines: number;
  bytes: number;
}

// ---------------------------------------------------------------------------
// PRNG

/** mulberry32: small, fast, good enough for picking templates. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  float(): number {
    return this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

// ---------------------------------------------------------------------------
// Vocabulary

const ENTITIES = [
  'user', 'order', 'invoice', 'product', 'account', 'payment', 'ticket', 'project', 'comment', 'team',
  'report', 'subscription', 'document', 'message', 'shipment', 'coupon', 'review', 'tenant', 'device', 'booking',
];
const FIELDS = ['name', 'email', 'status', 'title', 'description', 'amount', 'currency', 'note', 'priority', 'tags', 'dueDate', 'ownerId'];
const STATUSES = ['active', 'pending', 'archived', 'draft', 'closed'];
const LOG_EVENTS = ['created', 'updated', 'deleted', 'fetched', 'exported', 'synced'];

const cap = (s: string): string => s[0].toUpperCase() + s.slice(1);
const plural = (s: string): string => (s.endsWith('s') ? s + 'es' : s + 's');

/** How one file is written: TypeScript ESM or JavaScript CommonJS, and its quotes. */
interface Style {
  ts: boolean;
  q: string;
  ext: string;
}

interface Gen {
  rng: Rng;
  style: Style;
  entity: string;
  /** Unique suffix source, so that repeated blocks declare distinct names. */
  n: number;
}

const uid = (g: Gen): number => ++g.n;
/** A string literal in the file's quote style. */
const s = (g: Gen, text: string): string => g.style.q + text + g.style.q;
/** `: T` in TypeScript, nothing in JavaScript. */
const t = (g: Gen, type: string): string => (g.style.ts ? `: ${type}` : '');
const reqRes = (g: Gen): string => (g.style.ts ? 'req: Request, res: Response' : 'req, res');
const reqResNext = (g: Gen): string => (g.style.ts ? 'req: Request, res: Response, next: NextFunction' : 'req, res, next');

function imp(g: Gen, what: string, from: string, kind: 'default' | 'named' | 'namespace' = 'default'): string {
  if (g.style.ts) {
    if (kind === 'named') return `import { ${what} } from ${s(g, from)};`;
    if (kind === 'namespace') return `import * as ${what} from ${s(g, from)};`;
    return `import ${what} from ${s(g, from)};`;
  }
  if (kind === 'named') return `const { ${what} } = require(${s(g, from)});`;
  return `const ${what} = require(${s(g, from)});`;
}

function exportLine(g: Gen, name: string): string {
  return g.style.ts ? `export default ${name};` : `module.exports = ${name};`;
}

function exp(g: Gen): string {
  return g.style.ts ? 'export ' : '';
}

// ---------------------------------------------------------------------------
// Blocks: each returns a chunk of code (several lines) for one file kind.

type Block = (g: Gen) => string;

const routeBlocks: Block[] = [
  // list with pagination, bounded or not
  (g) => {
    const e = g.entity;
    const bounded = g.rng.chance(0.6);
    const i = uid(g);
    return `
router.get(${s(g, `/${plural(e)}${i > 1 ? `/page${i}` : ''}`)}, requireAuth, async (${reqRes(g)}) => {
  const page = Number(req.query.page ?? 1);
  const limit = ${bounded ? 'Math.min(Number(req.query.limit ?? 20), 100)' : 'Number(req.query.limit) || 50'};
  const offset = (page - 1) * limit;
  try {
    const items = await ${e}Service.list({ offset, limit, status: req.query.status });
    res.setHeader(${s(g, 'X-Total-Count')}, String(items.total));
    res.json({ data: items.rows, page, limit });
  } catch (err) {
    logger.error(${s(g, `failed to list ${plural(e)}`)}, err);
    res.status(500).json({ error: ${s(g, 'Internal error')} });
  }
});
`;
  },
  // get by id, ownership or not
  (g) => {
    const e = g.entity;
    const owned = g.rng.chance(0.5);
    const i = uid(g);
    return `
router.get(${s(g, `/${plural(e)}/:id${i > 2 ? `/v${i}` : ''}`)}, requireAuth, async (${reqRes(g)}) => {
  const ${e} = await ${owned ? `${cap(e)}.findOne({ _id: req.params.id, ownerId: req.user.id })` : `${cap(e)}.findById(req.params.id)`};
  if (!${e}) {
    return res.status(404).json({ error: ${s(g, 'Not found')} });
  }
  ${g.rng.chance(0.3) ? `logger.info(${s(g, `${e} fetched`)}, { id: ${e}.id, user: req.user.id });` : '// fetched'}
  return res.json(${e});
});
`;
  },
  // create: raw body or picked fields
  (g) => {
    const e = g.entity;
    const raw = g.rng.chance(0.4);
    const f1 = g.rng.pick(FIELDS);
    const f2 = g.rng.pick(FIELDS);
    const i = uid(g);
    return `
router.post(${s(g, `/${plural(e)}${i > 3 ? `/batch${i}` : ''}`)}, requireAuth, ${raw ? '' : `validate(${e}Schema), `}async (${reqResNext(g)}) => {
  try {
    ${raw ? `const created = await ${cap(e)}.create(req.body);` : `const { ${f1}, ${f2 === f1 ? 'note' : f2} } = req.body;\n    const created = await ${cap(e)}.create({ ${f1}, ${f2 === f1 ? 'note' : f2}, ownerId: req.user.id });`}
    audit.record(${s(g, `${e}.created`)}, { id: created.id, by: req.user.id });
    res.status(201).json(created);
  } catch (err) {
    next(err);
  }
});
`;
  },
  // update: findByIdAndUpdate with body or allowlist
  (g) => {
    const e = g.entity;
    const raw = g.rng.chance(0.5);
    const i = uid(g);
    return `
router.patch(${s(g, `/${plural(e)}/:id${i > 3 ? `/rev${i}` : ''}`)}, requireAuth, async (${reqRes(g)}) => {
  ${raw ? `const updated = await ${cap(e)}.findByIdAndUpdate(req.params.id, req.body, { new: true });` : `const patch = pick(req.body, [${s(g, 'name')}, ${s(g, 'status')}, ${s(g, 'note')}]);\n  const updated = await ${cap(e)}.findOneAndUpdate({ _id: req.params.id, ownerId: req.user.id }, { $set: patch }, { new: true });`}
  if (!updated) return res.sendStatus(404);
  res.json(updated);
});
`;
  },
  // delete with role check or not
  (g) => {
    const e = g.entity;
    const role = g.rng.chance(0.5);
    const i = uid(g);
    return `
router.delete(${s(g, `/${plural(e)}/:id${i > 3 ? `/hard${i}` : ''}`)}, requireAuth, ${role ? `requireRole(${s(g, 'admin')}), ` : ''}async (${reqRes(g)}) => {
  await ${e}Service.remove(req.params.id);
  logger.info(${s(g, `${e} deleted`)}, { id: req.params.id, by: req.user && req.user.id });
  res.status(204).end();
});
`;
  },
  // search: SQL built from a template, or parameterized
  (g) => {
    const e = g.entity;
    const unsafe = g.rng.chance(0.4);
    const i = uid(g);
    const table = plural(e);
    return `
router.get(${s(g, `/${table}/search${i}`)}, async (${reqRes(g)}) => {
  const term = String(req.query.q || '').trim();
  ${unsafe
    ? `const { rows } = await db.query(\`SELECT id, name FROM ${table} WHERE name ILIKE '%\${term}%' ORDER BY created_at DESC LIMIT 50\`);`
    : `const { rows } = await db.query(${s(g, `SELECT id, name FROM ${table} WHERE name ILIKE $1 ORDER BY created_at DESC LIMIT 50`)}, [\`%\${term}%\`]);`}
  res.json(rows);
});
`;
  },
  // redirect after login / export, open or checked
  (g) => {
    const checked = g.rng.chance(0.5);
    const i = uid(g);
    return `
router.get(${s(g, `/continue${i}`)}, (${reqRes(g)}) => {
  const target = String(req.query.returnTo || '/');
  ${checked ? `if (!target.startsWith('/') || target.startsWith('//')) {\n    return res.redirect('/');\n  }\n  ` : ''}res.redirect(target);
});
`;
  },
  // file download: path.join with params
  (g) => {
    const safe = g.rng.chance(0.5);
    const i = uid(g);
    return `
router.get(${s(g, `/files${i}/:name`)}, requireAuth, (${reqRes(g)}) => {
  ${safe ? `const name = path.basename(req.params.name);\n  const file = path.join(UPLOAD_DIR, name);` : 'const file = path.join(UPLOAD_DIR, req.params.name);'}
  res.sendFile(file, (err${t(g, 'unknown')}) => {
    if (err) res.status(404).json({ error: ${s(g, 'File not found')} });
  });
});
`;
  },
  // outbound fetch of a user URL
  (g) => {
    const guarded = g.rng.chance(0.5);
    const i = uid(g);
    return `
router.post(${s(g, `/preview${i}`)}, requireAuth, async (${reqRes(g)}) => {
  const url = req.body.url;
  ${guarded ? `if (!(await isPublicUrl(url))) {\n    return res.status(400).json({ error: ${s(g, 'URL not allowed')} });\n  }\n  ` : ''}const response = await fetch(url, { redirect: ${s(g, guarded ? 'manual' : 'follow')} });
  const html = await response.text();
  res.json({ title: extractTitle(html), status: response.status });
});
`;
  },
  // error leaking the driver message, or generic
  (g) => {
    const e = g.entity;
    const leaky = g.rng.chance(0.4);
    const i = uid(g);
    return `
router.post(${s(g, `/${plural(e)}/import${i}`)}, requireAuth, async (${reqRes(g)}) => {
  try {
    const result = await ${e}Service.importCsv(req.body.csv, req.user.id);
    res.json({ imported: result.count });
  } catch (err${t(g, 'any')}) {
    ${leaky ? 'res.status(500).json({ error: err.message, stack: err.stack });' : `logger.error(${s(g, 'import failed')}, err);\n    res.status(500).json({ error: ${s(g, 'Import failed')} });`}
  }
});
`;
  },
  // plain helper inside a router file
  (g) => {
    const i = uid(g);
    const f = g.rng.pick(FIELDS);
    return `
function serialize${cap(g.entity)}${i}(item${t(g, 'Record<string, any>')}) {
  const out${t(g, 'Record<string, unknown>')} = { id: item.id, ${f}: item.${f} };
  if (item.createdAt) out.createdAt = new Date(item.createdAt).toISOString();
  for (const key of Object.keys(item)) {
    if (key.startsWith('_') || key === 'password') continue;
    if (!(key in out)) out[key] = item[key];
  }
  return out;
}
`;
  },
];

const serviceBlocks: Block[] = [
  (g) => {
    const e = g.entity;
    const i = uid(g);
    const table = plural(e);
    return `
${exp(g)}async function find${cap(e)}ById${i}(id${t(g, 'string')}) {
  const { rows } = await pool.query(${s(g, `SELECT * FROM ${table} WHERE id = $1`)}, [id]);
  return rows[0] ?? null;
}
`;
  },
  (g) => {
    const e = g.entity;
    const i = uid(g);
    const table = plural(e);
    const unsafe = g.rng.chance(0.35);
    const col = g.rng.pick(['created_at', 'name', 'status', 'updated_at']);
    return `
${exp(g)}async function list${cap(table)}${i}(filter${t(g, `{ status?: string; sort?: string; limit?: number; offset?: number }`)}) {
  const params${t(g, 'unknown[]')} = [];
  let sql = ${s(g, `SELECT id, name, status, created_at FROM ${table} WHERE deleted_at IS NULL`)};
  if (filter.status) {
    params.push(filter.status);
    sql += \` AND status = $\${params.length}\`;
  }
  ${unsafe ? `sql += \` ORDER BY \${filter.sort || '${col}'}\`;` : `const sort = SORTABLE.has(filter.sort ?? '') ? filter.sort : '${col}';\n  sql += \` ORDER BY \${sort}\`;`}
  params.push(filter.limit ?? 20, filter.offset ?? 0);
  sql += \` LIMIT $\${params.length - 1} OFFSET $\${params.length}\`;
  const { rows } = await pool.query(sql, params);
  return rows;
}
`;
  },
  (g) => {
    const e = g.entity;
    const i = uid(g);
    const table = plural(e);
    return `
${exp(g)}async function transfer${cap(e)}${i}(fromId${t(g, 'string')}, toId${t(g, 'string')}, amount${t(g, 'number')}) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query(${s(g, `SELECT balance FROM ${table} WHERE id = $1 FOR UPDATE`)}, [fromId]);
    if (!rows[0] || rows[0].balance < amount) {
      throw new Error(${s(g, 'insufficient balance')});
    }
    await client.query(${s(g, `UPDATE ${table} SET balance = balance - $1 WHERE id = $2`)}, [amount, fromId]);
    await client.query(${s(g, `UPDATE ${table} SET balance = balance + $1 WHERE id = $2`)}, [amount, toId]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}
`;
  },
  (g) => {
    const e = g.entity;
    const i = uid(g);
    const unsafe = g.rng.chance(0.3);
    return `
${exp(g)}async function search${cap(plural(e))}${i}(query${t(g, 'Record<string, unknown>')}, ownerId${t(g, 'string')}) {
  ${unsafe ? `return ${cap(e)}.find(query).limit(100).lean();` : `const status = typeof query.status === 'string' ? query.status : undefined;\n  return ${cap(e)}.find({ ownerId, ...(status ? { status } : {}) }).limit(100).lean();`}
}
`;
  },
  (g) => {
    const e = g.entity;
    const i = uid(g);
    const status = g.rng.pick(STATUSES);
    return `
${exp(g)}async function archiveStale${cap(plural(e))}${i}(days = 30) {
  const cutoff = new Date(Date.now() - days * 24 * 60 * 60 * 1000);
  const stale = await ${cap(e)}.find({ updatedAt: { $lt: cutoff }, status: ${s(g, status)} }).select('_id').lean();
  let archived = 0;
  for (const doc of stale) {
    await ${cap(e)}.updateOne({ _id: doc._id }, { $set: { status: 'archived', archivedAt: new Date() } });
    archived += 1;
    if (archived % 100 === 0) {
      logger.debug(${s(g, `archived ${plural(e)}`)}, { archived });
    }
  }
  return archived;
}
`;
  },
  (g) => {
    const e = g.entity;
    const i = uid(g);
    const fields = [g.rng.pick(FIELDS), g.rng.pick(FIELDS), g.rng.pick(FIELDS)];
    return `
${exp(g)}function to${cap(e)}Dto${i}(row${t(g, 'any')}) {
  return {
    id: String(row.id ?? row._id),
    ${fields.map((f) => `${f}: row.${f} ?? null,`).join('\n    ')}
    createdAt: row.created_at ? new Date(row.created_at).toISOString() : undefined,
    links: { self: \`/api/${plural(e)}/\${row.id}\` },
  };
}
`;
  },
  (g) => {
    const i = uid(g);
    const e = g.entity;
    return `
${exp(g)}async function notify${cap(e)}Owner${i}(${e}Id${t(g, 'string')}, event${t(g, 'string')}) {
  const ${e} = await ${cap(e)}.findById(${e}Id).populate('owner');
  if (!${e} || !${e}.owner) return false;
  const res = await fetch(\`\${config.notifyUrl}/events\`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: \`Bearer \${config.notifyToken}\` },
    body: JSON.stringify({ event, ${e}Id, to: ${e}.owner.email }),
  });
  if (!res.ok) {
    logger.warn(${s(g, 'notify failed')}, { status: res.status, event });
  }
  return res.ok;
}
`;
  },
  (g) => {
    const i = uid(g);
    return `
${exp(g)}async function cached${i}${g.style.ts ? '<T>' : ''}(key${t(g, 'string')}, ttlSeconds${t(g, 'number')}, load${t(g, '() => Promise<T>')})${t(g, 'Promise<T>')} {
  const hit = await redis.get(key);
  if (hit) {
    try {
      return JSON.parse(hit);
    } catch {
      await redis.del(key);
    }
  }
  const value = await load();
  await redis.set(key, JSON.stringify(value), 'EX', ttlSeconds);
  return value;
}
`;
  },
];

const middlewareBlocks: Block[] = [
  (g) => {
    const pinned = g.rng.chance(0.5);
    const i = uid(g);
    return `
${exp(g)}function requireAuth${i}(${reqResNext(g)}) {
  const header = req.headers.authorization || '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : req.cookies && req.cookies.access_token;
  if (!token) {
    return res.status(401).json({ error: ${s(g, 'Unauthorized')} });
  }
  try {
    const payload = jwt.verify(token, config.jwtSecret${pinned ? `, { algorithms: ['HS256'], issuer: config.jwtIssuer, audience: config.jwtAudience }` : ''});
    ${g.style.ts ? '(req as any).user = payload;' : 'req.user = payload;'}
    return next();
  } catch (err) {
    logger.warn(${s(g, 'invalid token')}, { ip: req.ip });
    return res.status(401).json({ error: ${s(g, 'Unauthorized')} });
  }
}
`;
  },
  (g) => {
    const i = uid(g);
    return `
${exp(g)}function requireRole${i}(...roles${t(g, 'string[]')}) {
  return (${reqResNext(g)}) => {
    const user = ${g.style.ts ? '(req as any).user' : 'req.user'};
    if (!user || !roles.includes(user.role)) {
      logger.warn(${s(g, 'access denied')}, { path: req.path, user: user && user.id });
      return res.status(403).json({ error: ${s(g, 'Forbidden')} });
    }
    next();
  };
}
`;
  },
  (g) => {
    const generic = g.rng.chance(0.5);
    const i = uid(g);
    return `
${exp(g)}function errorHandler${i}(err${t(g, 'any')}, ${reqResNext(g)}) {
  logger.error(${s(g, 'unhandled error')}, { err, path: req.originalUrl });
  if (res.headersSent) return next(err);
  ${generic ? `res.status(err.status || 500).json({ error: err.expose ? err.message : ${s(g, 'Something went wrong')} });` : 'res.status(err.status || 500).json({ message: err.message, stack: err.stack });'}
}
`;
  },
  (g) => {
    const i = uid(g);
    const leaky = g.rng.chance(0.3);
    return `
${exp(g)}function requestLogger${i}(${reqResNext(g)}) {
  const started = Date.now();
  res.on('finish', () => {
    logger.info(${s(g, 'request')}, {
      method: req.method,
      url: req.originalUrl,
      status: res.statusCode,
      ms: Date.now() - started,${leaky ? '\n      body: req.body,' : ''}
    });
  });
  next();
}
`;
  },
  (g) => {
    const i = uid(g);
    const window = g.rng.pick([60_000, 15 * 60_000]);
    const max = g.rng.pick([5, 10, 60, 100]);
    return `
${exp(g)}const limiter${i} = rateLimit({
  windowMs: ${window},
  max: ${max},
  standardHeaders: true,
  legacyHeaders: false,
  message: { error: ${s(g, 'Too many requests')} },
});
`;
  },
  (g) => {
    const i = uid(g);
    const wildcard = g.rng.chance(0.3);
    return `
const allowedOrigins${i} = (process.env.CORS_ORIGINS || '').split(',').filter(Boolean);
${exp(g)}const corsOptions${i} = ${wildcard ? `{ origin: '*', credentials: ${g.rng.chance(0.5)} }` : `{
  origin(origin${t(g, 'string | undefined')}, cb${t(g, '(err: Error | null, ok?: boolean) => void')}) {
    if (!origin || allowedOrigins${i}.includes(origin)) return cb(null, true);
    cb(new Error('origin not allowed'));
  },
  credentials: true,
}`};
`;
  },
];

const authBlocks: Block[] = [
  (g) => {
    const i = uid(g);
    const secure = g.rng.chance(0.6);
    const exp15 = g.rng.chance(0.6);
    return `
router.post(${s(g, `/login${i > 1 ? i : ''}`)}, loginLimiter, async (${reqRes(g)}) => {
  const { email, password } = req.body;
  const user = await User.findOne({ email: String(email).toLowerCase() });
  const ok = user ? await bcrypt.compare(password, user.passwordHash) : false;
  if (!ok) {
    logger.warn(${s(g, 'login failed')}, { email });
    return res.status(401).json({ error: ${s(g, 'Invalid email or password')} });
  }
  const accessToken = jwt.sign({ sub: user.id, role: user.role }, config.jwtSecret, { expiresIn: ${s(g, exp15 ? '15m' : '7d')} });
  const refreshToken = crypto.randomBytes(32).toString('hex');
  await RefreshToken.create({ token: hash(refreshToken), userId: user.id, family: crypto.randomUUID() });
  res.cookie(${s(g, 'refresh_token')}, refreshToken, ${secure ? `{ httpOnly: true, secure: true, sameSite: ${s(g, 'strict')}, path: ${s(g, '/auth/refresh')} }` : '{ maxAge: 30 * 24 * 3600 * 1000 }'});
  ${g.rng.chance(0.5) ? `req.session.regenerate((err${t(g, 'unknown')}) => {\n    if (err) logger.error(${s(g, 'session regenerate failed')}, err);\n  });\n  ` : ''}return res.json({ accessToken });
});
`;
  },
  (g) => {
    const i = uid(g);
    const rounds = g.rng.pick([10, 12, 12, 14]);
    return `
router.post(${s(g, `/register${i > 1 ? i : ''}`)}, validate(registerSchema), async (${reqRes(g)}) => {
  const { email, password, name } = req.body;
  const existing = await User.findOne({ email });
  if (existing) return res.status(409).json({ error: ${s(g, 'Account exists')} });
  const passwordHash = await bcrypt.hash(password, ${rounds});
  const user = await User.create({ email, name, passwordHash });
  logger.info(${s(g, 'user registered')}, { id: user.id });
  res.status(201).json({ id: user.id, email: user.email });
});
`;
  },
  (g) => {
    const i = uid(g);
    return `
router.post(${s(g, `/logout${i > 1 ? i : ''}`)}, (${reqRes(g)}) => {
  res.clearCookie(${s(g, 'refresh_token')}, { path: ${s(g, '/auth/refresh')} });
  req.session.destroy(() => {
    res.status(204).end();
  });
});
`;
  },
  (g) => {
    const i = uid(g);
    const decodeOnly = g.rng.chance(0.3);
    return `
router.post(${s(g, `/refresh${i > 1 ? i : ''}`)}, async (${reqRes(g)}) => {
  const presented = req.cookies.refresh_token;
  if (!presented) return res.sendStatus(401);
  ${decodeOnly ? 'const claims = jwt.decode(req.body.idToken);' : 'const claims = jwt.verify(req.body.idToken, config.idTokenKey, { algorithms: [\'RS256\'], audience: config.clientId, issuer: config.issuer });'}
  const stored = await RefreshToken.findOne({ token: hash(presented) });
  if (!stored || stored.revoked) {
    if (stored) await RefreshToken.updateMany({ family: stored.family }, { revoked: true });
    return res.sendStatus(401);
  }
  stored.revoked = true;
  await stored.save();
  const next = crypto.randomBytes(32).toString('hex');
  await RefreshToken.create({ token: hash(next), userId: stored.userId, family: stored.family });
  res.cookie(${s(g, 'refresh_token')}, next, { httpOnly: true, secure: true, sameSite: ${s(g, 'strict')}, path: ${s(g, '/auth/refresh')} });
  res.json({ accessToken: jwt.sign({ sub: stored.userId, email: claims && (claims${g.style.ts ? ' as any' : ''}).email }, config.jwtSecret, { expiresIn: '15m' }) });
});
`;
  },
  (g) => {
    const i = uid(g);
    const weak = g.rng.chance(0.3);
    return `
function hash${i}(value${t(g, 'string')}) {
  return crypto.createHash(${s(g, weak ? 'md5' : 'sha256')}).update(value).digest('hex');
}
`;
  },
];

const webhookBlocks: Block[] = [
  (g) => {
    const i = uid(g);
    const constantTime = g.rng.chance(0.5);
    return `
router.post(${s(g, `/webhooks/provider${i}`)}, express.raw({ type: 'application/json', limit: '1mb' }), (${reqRes(g)}) => {
  const signature = String(req.headers['x-signature'] || '');
  const timestamp = Number(req.headers['x-timestamp']);
  if (!timestamp || Math.abs(Date.now() / 1000 - timestamp) > 300) {
    return res.status(400).send('stale');
  }
  const expected = crypto.createHmac('sha256', config.webhookSecret).update(\`\${timestamp}.\${req.body}\`).digest('hex');
  ${constantTime
    ? 'const ok = signature.length === expected.length && crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected));'
    : 'const ok = signature === expected;'}
  if (!ok) return res.status(401).send('bad signature');
  queue.add('webhook', JSON.parse(req.body.toString('utf8')));
  res.sendStatus(202);
});
`;
  },
  (g) => {
    const i = uid(g);
    return `
router.post(${s(g, `/webhooks/stripe${i}`)}, express.raw({ type: 'application/json' }), (${reqRes(g)}) => {
  let event;
  try {
    event = stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'], config.stripeWebhookSecret);
  } catch (err${t(g, 'any')}) {
    logger.warn(${s(g, 'stripe signature rejected')}, { message: err.message });
    return res.status(400).send('invalid signature');
  }
  switch (event.type) {
    case 'invoice.paid':
      billing.markPaid(event.data.object.id);
      break;
    case 'customer.subscription.deleted':
      billing.cancel(event.data.object.id);
      break;
    default:
      logger.debug(${s(g, 'ignored stripe event')}, { type: event.type });
  }
  res.json({ received: true });
});
`;
  },
];

const utilBlocks: Block[] = [
  (g) => {
    const i = uid(g);
    return `
${exp(g)}function slugify${i}(input${t(g, 'string')})${t(g, 'string')} {
  return input
    .normalize('NFKD')
    .replace(/[\\u0300-\\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}
`;
  },
  (g) => {
    const i = uid(g);
    return `
${exp(g)}function chunk${i}${g.style.ts ? '<T>' : ''}(items${t(g, 'T[]')}, size${t(g, 'number')})${t(g, 'T[][]')} {
  const out${t(g, 'T[][]')} = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}
`;
  },
  (g) => {
    const i = uid(g);
    return `
${exp(g)}async function retry${i}${g.style.ts ? '<T>' : ''}(fn${t(g, '() => Promise<T>')}, attempts = 3, delayMs = 200)${t(g, 'Promise<T>')} {
  let lastError${t(g, 'unknown')};
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await fn();
    } catch (err) {
      lastError = err;
      await new Promise((resolve) => setTimeout(resolve, delayMs * 2 ** (attempt - 1)));
    }
  }
  throw lastError;
}
`;
  },
  (g) => {
    const i = uid(g);
    return `
${exp(g)}function formatMoney${i}(amountCents${t(g, 'number')}, currency = 'EUR', locale = 'en-GB')${t(g, 'string')} {
  const value = amountCents / 100;
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(value);
}
`;
  },
  (g) => {
    const i = uid(g);
    return `
${exp(g)}function parseBool${i}(value${t(g, 'unknown')}, fallback = false)${t(g, 'boolean')} {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return fallback;
  switch (value.trim().toLowerCase()) {
    case '1':
    case 'true':
    case 'yes':
    case 'on':
      return true;
    case '0':
    case 'false':
    case 'no':
    case 'off':
      return false;
    default:
      return fallback;
  }
}
`;
  },
  (g) => {
    const i = uid(g);
    const shell = g.rng.chance(0.3);
    return `
${exp(g)}function convertThumbnail${i}(input${t(g, 'string')}, output${t(g, 'string')})${t(g, 'Promise<void>')} {
  return new Promise((resolve, reject) => {
    ${shell
      ? 'exec(`convert ${input} -resize 200x200 ${output}`, (err) => (err ? reject(err) : resolve()));'
      : "execFile('convert', [input, '-resize', '200x200', output], (err) => (err ? reject(err) : resolve()));"}
  });
}
`;
  },
  (g) => {
    const i = uid(g);
    return `
${exp(g)}function deepMerge${i}(target${t(g, 'any')}, source${t(g, 'any')})${t(g, 'any')} {
  for (const key of Object.keys(source)) {
    if (key === '__proto__' || key === 'constructor') continue;
    const value = source[key];
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      target[key] = deepMerge${i}(target[key] ?? {}, value);
    } else {
      target[key] = value;
    }
  }
  return target;
}
`;
  },
  (g) => {
    const i = uid(g);
    return `
${exp(g)}function randomToken${i}(bytes = 32)${t(g, 'string')} {
  return crypto.randomBytes(bytes).toString('base64url');
}
`;
  },
];

const jobBlocks: Block[] = [
  (g) => {
    const e = g.entity;
    const i = uid(g);
    const ev = g.rng.pick(LOG_EVENTS);
    return `
${exp(g)}async function process${cap(e)}Batch${i}(batch${t(g, 'Array<{ id: string; attempts: number }>')}) {
  const results = await Promise.allSettled(batch.map((item) => handle${cap(e)}(item.id)));
  const failed = [];
  results.forEach((r, idx) => {
    if (r.status === 'rejected') {
      failed.push({ ...batch[idx], attempts: batch[idx].attempts + 1, reason: String(r.reason) });
    }
  });
  logger.info(${s(g, `${e} batch ${ev}`)}, { total: batch.length, failed: failed.length });
  for (const f of failed) {
    if (f.attempts < 5) await queue.add(${s(g, `${e}-retry`)}, f, { delay: 1000 * 2 ** f.attempts });
    else await deadLetters.insertOne({ ...f, failedAt: new Date() });
  }
  return failed.length;
}
`;
  },
  (g) => {
    const i = uid(g);
    const e = g.entity;
    return `
${exp(g)}function schedule${cap(e)}Sync${i}(intervalMs = 60_000) {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const since = await lastSync(${s(g, e)});
      const changes = await upstream.changes(${s(g, plural(e))}, since);
      for (const change of changes) {
        await ${cap(e)}.updateOne({ externalId: change.id }, { $set: change.fields }, { upsert: true });
      }
      await saveSync(${s(g, e)}, new Date());
    } catch (err) {
      logger.error(${s(g, `${e} sync failed`)}, err);
    } finally {
      running = false;
    }
  }, intervalMs);
  return () => clearInterval(timer);
}
`;
  },
];

// ---------------------------------------------------------------------------
// File kinds: header, body blocks, footer.

interface Kind {
  dir: string;
  name: (g: Gen) => string;
  header: (g: Gen) => string;
  blocks: Block[];
  footer: (g: Gen) => string;
}

const typesImport = (g: Gen): string => (g.style.ts ? `import type { Request, Response, NextFunction } from ${s(g, 'express')};\n` : '');

const KINDS: Kind[] = [
  {
    dir: 'src/routes',
    name: (g) => `${plural(g.entity)}.routes`,
    header: (g) =>
      typesImport(g) +
      [
        imp(g, 'express', 'express'),
        imp(g, 'path', g.rng.chance(0.5) ? 'node:path' : 'path', g.style.ts ? 'namespace' : 'default'),
        imp(g, cap(g.entity), `../models/${g.entity}`),
        imp(g, `${g.entity}Service`, `../services/${g.entity}.service`, 'namespace'),
        imp(g, 'requireAuth, requireRole', '../middleware/auth', 'named'),
        imp(g, 'validate', '../middleware/validate', 'named'),
        imp(g, `${g.entity}Schema`, `../schemas/${g.entity}`, 'named'),
        imp(g, 'db', '../db'),
        imp(g, 'logger', '../logger'),
        imp(g, 'audit', '../audit'),
        imp(g, 'pick, isPublicUrl, extractTitle', '../utils', 'named'),
        '',
        `const router = express.Router();`,
        `const UPLOAD_DIR = path.resolve(process.env.UPLOAD_DIR || 'uploads');`,
        '',
      ].join('\n'),
    blocks: routeBlocks,
    footer: (g) => '\n' + exportLine(g, 'router') + '\n',
  },
  {
    dir: 'src/services',
    name: (g) => `${g.entity}.service`,
    header: (g) =>
      [
        imp(g, 'Pool', 'pg', 'named'),
        imp(g, cap(g.entity), `../models/${g.entity}`),
        imp(g, 'config', '../config'),
        imp(g, 'logger', '../logger'),
        imp(g, 'redis', '../redis'),
        '',
        `const pool = new Pool({ connectionString: config.databaseUrl, max: 10 });`,
        `const SORTABLE = new Set(['created_at', 'name', 'status']);`,
        '',
      ].join('\n'),
    blocks: serviceBlocks,
    footer: (g) => (g.style.ts ? '' : `\nmodule.exports = { pool };\n`),
  },
  {
    dir: 'src/middleware',
    name: (g) => g.rng.pick(['auth', 'security', 'errors', 'logging', 'access', 'limits']) + '-' + g.entity,
    header: (g) =>
      typesImport(g) +
      [
        imp(g, 'jwt', 'jsonwebtoken'),
        imp(g, 'rateLimit', 'express-rate-limit'),
        imp(g, 'config', '../config'),
        imp(g, 'logger', '../logger'),
        '',
      ].join('\n'),
    blocks: middlewareBlocks,
    footer: () => '',
  },
  {
    dir: 'src/controllers',
    name: (g) => `auth-${g.entity}.controller`,
    header: (g) =>
      typesImport(g) +
      [
        imp(g, 'express', 'express'),
        imp(g, 'jwt', 'jsonwebtoken'),
        imp(g, 'bcrypt', 'bcrypt'),
        imp(g, 'crypto', g.rng.chance(0.5) ? 'node:crypto' : 'crypto', g.style.ts ? 'namespace' : 'default'),
        imp(g, 'User', '../models/user'),
        imp(g, 'RefreshToken', '../models/refresh-token'),
        imp(g, 'config', '../config'),
        imp(g, 'logger', '../logger'),
        imp(g, 'validate', '../middleware/validate', 'named'),
        imp(g, 'registerSchema', '../schemas/auth', 'named'),
        imp(g, 'rateLimit', 'express-rate-limit'),
        '',
        'const router = express.Router();',
        'const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, max: 5 });',
        `const hash = (v${t(g, 'string')}) => crypto.createHash('sha256').update(v).digest('hex');`,
        '',
      ].join('\n'),
    blocks: authBlocks,
    footer: (g) => '\n' + exportLine(g, 'router') + '\n',
  },
  {
    dir: 'src/webhooks',
    name: (g) => `${g.entity}-hooks`,
    header: (g) =>
      typesImport(g) +
      [
        imp(g, 'express', 'express'),
        imp(g, 'crypto', 'crypto', g.style.ts ? 'namespace' : 'default'),
        imp(g, 'Stripe', 'stripe'),
        imp(g, 'config', '../config'),
        imp(g, 'logger', '../logger'),
        imp(g, 'queue', '../queue'),
        imp(g, 'billing', '../billing'),
        '',
        'const router = express.Router();',
        'const stripe = new Stripe(config.stripeKey);',
        '',
      ].join('\n'),
    blocks: webhookBlocks,
    footer: (g) => '\n' + exportLine(g, 'router') + '\n',
  },
  {
    dir: 'src/utils',
    name: (g) => g.rng.pick(['strings', 'arrays', 'http', 'money', 'env', 'media', 'objects', 'tokens']) + '-' + g.entity,
    header: (g) =>
      [
        imp(g, 'crypto', 'node:crypto', g.style.ts ? 'namespace' : 'default'),
        imp(g, 'exec, execFile', 'child_process', 'named'),
        '',
      ].join('\n'),
    blocks: utilBlocks,
    footer: () => '',
  },
  {
    dir: 'src/jobs',
    name: (g) => `${g.entity}-worker`,
    header: (g) =>
      [
        imp(g, cap(g.entity), `../models/${g.entity}`),
        imp(g, 'logger', '../logger'),
        imp(g, 'queue, deadLetters', '../queue', 'named'),
        imp(g, 'upstream', '../upstream'),
        imp(g, 'lastSync, saveSync', '../sync-state', 'named'),
        '',
        `async function handle${cap(g.entity)}(id${t(g, 'string')}) {\n  const doc = await ${cap(g.entity)}.findById(id);\n  if (!doc) return;\n  doc.processedAt = new Date();\n  await doc.save();\n}`,
        '',
      ].join('\n'),
    blocks: jobBlocks,
    footer: () => '',
  },
];

/** An app entry point: express(), helmet or not, cors, body limits, sessions, mounts. */
function appFile(g: Gen): string {
  const helmet = g.rng.chance(0.6);
  const lines = [
    imp(g, 'express', 'express'),
    helmet ? imp(g, 'helmet', 'helmet') : '',
    imp(g, 'cors', 'cors'),
    imp(g, 'cookieParser', 'cookie-parser'),
    imp(g, 'session', 'express-session'),
    imp(g, 'config', './config'),
    imp(g, 'logger', './logger'),
    ...ENTITIES.slice(0, g.rng.int(3, 10)).map((e) => imp(g, `${e}Routes`, `./routes/${plural(e)}.routes`)),
    '',
    'const app = express();',
    helmet ? 'app.use(helmet());' : "app.disable('x-powered-by');",
    `app.use(cors({ origin: config.corsOrigins, credentials: true }));`,
    `app.use(express.json({ limit: ${s(g, g.rng.pick(['100kb', '1mb', '10mb']))} }));`,
    'app.use(express.urlencoded({ extended: false }));',
    'app.use(cookieParser());',
    `app.use(session({ secret: ${g.rng.chance(0.3) ? s(g, 'keyboard cat') : 'config.sessionSecret'}, resave: false, saveUninitialized: false, cookie: { httpOnly: true, secure: true, sameSite: 'lax', maxAge: 30 * 60 * 1000 } }));`,
    '',
    ...ENTITIES.slice(0, 3).map((e) => `app.use(${s(g, `/api/${plural(e)}`)}, ${e}Routes);`),
    '',
    `app.get(${s(g, '/healthz')}, (_req${t(g, 'express.Request')}, res${t(g, 'express.Response')}) => res.json({ ok: true }));`,
    '',
    `app.use((err${t(g, 'any')}, _req${t(g, 'express.Request')}, res${t(g, 'express.Response')}, _next${t(g, 'express.NextFunction')}) => {`,
    `  logger.error(${s(g, 'unhandled')}, err);`,
    `  res.status(500).json({ error: ${s(g, 'Internal Server Error')} });`,
    '});',
    '',
    `app.listen(config.port, () => logger.info(\`listening on \${config.port}\`));`,
    '',
    exportLine(g, 'app'),
    '',
  ];
  return lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n');
}

/** Config: env reading, sometimes a zod schema, sometimes a hard-coded secret. */
function configFile(g: Gen): string {
  const zod = g.rng.chance(0.5);
  const hardcoded = g.rng.chance(0.25);
  const body = [
    zod ? imp(g, 'z', 'zod', 'named') : '',
    '',
    zod
      ? `const Env = z.object({\n  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),\n  PORT: z.coerce.number().default(3000),\n  DATABASE_URL: z.string().url(),\n  JWT_SECRET: z.string().min(32),\n  SESSION_SECRET: z.string().min(32),\n  CORS_ORIGINS: z.string().default(''),\n});\n\nconst env = Env.parse(process.env);\n`
      : 'const env = process.env;\n',
    `const config = {`,
    `  env: env.NODE_ENV || 'development',`,
    `  port: Number(env.PORT || 3000),`,
    `  databaseUrl: env.DATABASE_URL,`,
    `  jwtSecret: ${hardcoded ? s(g, 'sup3r-s3cret-jwt-key-do-not-share-' + g.rng.int(1000, 9999)) : 'env.JWT_SECRET'},`,
    `  jwtIssuer: 'https://auth.example.com/',`,
    `  jwtAudience: 'api.example.com',`,
    `  sessionSecret: env.SESSION_SECRET,`,
    `  corsOrigins: String(env.CORS_ORIGINS || '').split(','),`,
    `  notifyUrl: env.NOTIFY_URL || 'http://notify.internal',`,
    `  stripeKey: ${hardcoded ? s(g, 'sk_test_' + 'x'.repeat(24)) : 'env.STRIPE_KEY'},`,
    `};`,
    '',
    exportLine(g, 'config'),
    '',
  ];
  return body.join('\n');
}

/** A mongoose model. */
function modelFile(g: Gen): string {
  const e = g.entity;
  const fields = FIELDS.slice(0, g.rng.int(4, FIELDS.length));
  return [
    imp(g, 'mongoose', 'mongoose'),
    '',
    `const ${e}Schema = new mongoose.Schema(`,
    '  {',
    ...fields.map((f) => `    ${f}: { type: ${f === 'amount' ? 'Number' : f === 'dueDate' ? 'Date' : f === 'tags' ? '[String]' : 'String'}${f === 'email' ? ', lowercase: true, index: true' : ''} },`),
    `    ownerId: { type: mongoose.Schema.Types.ObjectId, ref: 'User', index: true },`,
    `    status: { type: String, enum: [${STATUSES.map((x) => s(g, x)).join(', ')}], default: 'active' },`,
    '  },',
    '  { timestamps: true },',
    ');',
    '',
    `${e}Schema.index({ ownerId: 1, createdAt: -1 });`,
    '',
    `const ${cap(e)} = mongoose.model(${s(g, cap(e))}, ${e}Schema);`,
    '',
    exportLine(g, cap(e)),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------

/** Target line count: mostly small, a third medium, a few large (to ~3,000). */
function targetLines(rng: Rng): number {
  const r = rng.float();
  if (r < 0.65) return rng.int(30, 199);
  if (r < 0.95) return rng.int(200, 499);
  return rng.int(1000, 3000);
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function buildFile(g: Gen, kind: Kind, target: number): string {
  const parts = [kind.header(g)];
  let lines = countLines(parts[0]);
  do {
    const block = g.rng.pick(kind.blocks)(g);
    parts.push(block);
    lines += countLines(block) - 1;
    // Large files are written by many hands: rotate the entity to vary names and paths.
    if (g.rng.chance(0.2)) g.entity = g.rng.pick(ENTITIES);
  } while (lines < target);
  parts.push(kind.footer(g));
  return parts.join('');
}

/**
 * One realistic file of at least `lines` lines: an Express router mixing CRUD,
 * auth and webhook handlers (for tests that need big, real-looking input).
 */
export function syntheticRouterFile(seed: number, lines: number, ts = true): string {
  const rng = new Rng(seed);
  const g: Gen = { rng, style: { ts, q: "'", ext: ts ? '.ts' : '.js' }, entity: rng.pick(ENTITIES), n: 0 };
  const routes = KINDS[0];
  const auth = KINDS[3];
  const kind: Kind = {
    ...routes,
    header: (x) => {
      const head = routes.header(x);
      const seen = new Set(head.split('\n'));
      const extra = auth.header(x).split('\n').filter((l) => l !== '' && !seen.has(l) && !l.startsWith('const router'));
      return head + extra.join('\n') + '\n';
    },
    blocks: [...routeBlocks, ...authBlocks, ...webhookBlocks],
  };
  return buildFile(g, kind, lines);
}

/**
 * Writes the corpus under `dir` (emptied first) and returns its files. Also
 * writes a package.json with the usual dependencies, a .gitignore and a
 * lockfile, so that project rules have something to read.
 */
export function generateCorpus(dir: string, options: CorpusOptions = {}): CorpusFile[] {
  const seed = options.seed ?? 42;
  const count = options.files ?? 400;
  const rng = new Rng(seed);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });

  const out: CorpusFile[] = [];
  const used = new Set<string>();
  const write = (rel: string, text: string): void => {
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, text);
    out.push({ rel, lines: countLines(text), bytes: Buffer.byteLength(text) });
  };
  const unique = (base: string, ext: string): string => {
    let rel = `${base}${ext}`;
    for (let k = 2; used.has(rel); k++) rel = `${base}-${k}${ext}`;
    used.add(rel);
    return rel;
  };

  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'bench-corpus',
        private: true,
        dependencies: {
          express: '^4.19.2', jsonwebtoken: '^9.0.2', bcrypt: '^5.1.1', cors: '^2.8.5', 'cookie-parser': '^1.4.6',
          'express-session': '^1.18.0', 'express-rate-limit': '^7.2.0', helmet: '^7.1.0', mongoose: '^8.4.0', pg: '^8.11.5',
          stripe: '^15.8.0', zod: '^3.23.8',
        },
      },
      null,
      2,
    ) + '\n',
  );
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n.env\ndist/\n');
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{ "name": "bench-corpus", "lockfileVersion": 3, "packages": {} }\n');

  for (let i = 0; i < count; i++) {
    const ts = rng.chance(0.6);
    const style: Style = { ts, q: rng.chance(0.75) ? "'" : '"', ext: ts ? '.ts' : rng.chance(0.85) ? '.js' : '.cjs' };
    const g: Gen = { rng, style, entity: rng.pick(ENTITIES), n: 0 };
    const r = rng.float();
    if (r < 0.03) {
      write(unique(`src/app-${g.entity}`, style.ext), appFile(g));
    } else if (r < 0.06) {
      write(unique(`src/config/${g.entity}`, style.ext), configFile(g));
    } else if (r < 0.14) {
      write(unique(`src/models/${g.entity}`, style.ext), modelFile(g));
    } else {
      const kind = rng.pick(KINDS);
      write(unique(`${kind.dir}/${kind.name(g)}`, style.ext), buildFile(g, kind, targetLines(rng)));
    }
  }
  return out;
}

// Run directly (`npx tsx scripts/corpus.ts [dir]`); not when bundled into dist/bench.js, where require.main is the bench.
if (require.main === module && /corpus\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  const dir = process.argv[2] ?? path.join(__dirname, '..', 'bench-corpus');
  const files = generateCorpus(dir);
  const lines = files.reduce((a, f) => a + f.lines, 0);
  console.log(`${files.length} files, ${lines} lines written to ${dir}`);
}
