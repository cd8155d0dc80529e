import {
  isCallExpression, isIdentifier, isImportDeclaration, isObjectLiteralExpression,
  isPropertyAccessExpression, isPropertyAssignment, isStringLiteral, isVariableStatement, SyntaxKind,
  ts,
} from '../ts';
import { textHas } from '../lib/text-hints';
import { dottedName, getProperty, getPropertyValue, hasSpread } from '../ast';
import { addPropertiesEdits, preferredQuote } from '../fix';
import { normalizeModule, requiredModule, skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { Fix, RuleContext, SourceRule, TextEdit } from '../types';

/**
 * Session middleware options that leave the session cookie or store weak:
 *
 *   app.use(session({
 *     secret: env.SESSION_SECRET,
 *     saveUninitialized: true,          // a session for every anonymous visitor
 *     cookie: { maxAge: 86400000 },     // no secure, no sameSite
 *   }));                                // no store: MemoryStore
 *
 * express-session's defaults are httpOnly on, secure off, no sameSite, no
 * maxAge and a MemoryStore; cookie-session keeps its flags at the top level;
 * @fastify/session and koa-session are checked for flags turned off only.
 * Flags assigned later (`sess.cookie.secure = true`, the express-session
 * README pattern) count. A hard-coded `secret` belongs to hardcoded-secret.
 */
export const rule: SourceRule = {
  id: 'session-cookie-flags',
  row: 'sessions',
  severity: 'warning',
  description: 'Detects session middleware whose cookie lacks secure, httpOnly, sameSite or maxAge, that saves uninitialized sessions, or that keeps sessions in the default MemoryStore.',
  message: 'Session cookie is missing hardening flags: set secure, httpOnly, sameSite and a maxAge in the session options.',
  fixable: true,
  docs: {
    why:
      'The session cookie is the login: without `secure` it travels over plain HTTP, without `httpOnly` any XSS can read it, ' +
      'without `sameSite` other sites can ride it (CSRF), and without `maxAge` a stolen session never expires. ' +
      '`saveUninitialized: true` creates a stored session for every anonymous request, and the default MemoryStore leaks ' +
      'memory and loses every session on restart.',
    bad:
      'app.use(session({\n' +
      '  secret: env.SESSION_SECRET,\n' +
      '  resave: false,\n' +
      '  saveUninitialized: true,\n' +
      '}));',
    good:
      'app.use(session({\n' +
      '  store: new RedisStore({ client: redis }),\n' +
      '  secret: env.SESSION_SECRET,\n' +
      '  resave: false,\n' +
      '  saveUninitialized: false,\n' +
      "  cookie: { secure: true, httpOnly: true, sameSite: 'lax', maxAge: 30 * 60 * 1000 },\n" +
      '}));',
    fix:
      "Set `cookie: { secure: true, httpOnly: true, sameSite: 'lax', maxAge: … }` (with `app.set('trust proxy', 1)` behind a " +
      'TLS-terminating proxy), set `saveUninitialized: false`, and configure a persistent store such as connect-redis or connect-pg-simple.',
    cwe: ['CWE-614', 'CWE-1004', 'CWE-613', 'CWE-1275'],
    owasp: ['A07:2021', 'A05:2021'],
  },
  create(ctx) {
    const calls: { call: ts.CallExpression; module: string; options: ts.Expression }[] = [];
    /** `sess.cookie.secure = true` and the like, in walk order; turned into dotted target → value in onEnd. */
    const writes: ts.BinaryExpression[] = [];
    // Cheap gate: a file that imports no session library has nothing to check (every one spells `session`).
    if (!textHas(ctx.text, 'session') || !importsSessionLibrary(ctx.sourceFile)) return {};
    return {
      CallExpression(node: ts.CallExpression) {
        const args = node.arguments;
        if (args.length === 0) return;
        const e = node.expression;
        if (!isIdentifier(e) && !isPropertyAccessExpression(e)) return;
        // fastify.register(fastifySession, { … })
        if (isPropertyAccessExpression(e) && e.name.text === 'register' && args.length >= 2) {
          const plugin = ctx.modules.origin(args[0]);
          if (plugin && plugin.path.length <= 1 && SESSION_MODULES.has(plugin.module)) {
            ctx.fact('session', node);
            calls.push({ call: node, module: plugin.module, options: args[1] });
          }
          return;
        }
        // A property-access callee resolves to a path ending in its own name (`x.default` on a module: the module):
        // only `.default` / `.session` can give a path of [], ['default'] or ['session'].
        if (isPropertyAccessExpression(e) && e.name.text !== 'default' && e.name.text !== 'session') return;
        const origin = ctx.modules.callee(node);
        if (!origin || !SESSION_MODULES.has(origin.module)) return;
        if (origin.path.length > 1 || (origin.path.length === 1 && origin.path[0] !== 'default' && origin.path[0] !== 'session')) return;
        ctx.fact('session', node);
        calls.push({ call: node, module: origin.module, options: args[0] });
      },
      BinaryExpression(node: ts.BinaryExpression) {
        if (node.operatorToken.kind !== SyntaxKind.EqualsToken || !isPropertyAccessExpression(node.left)) return;
        writes.push(node);
      },
      onEnd() {
        if (calls.length === 0) return;
        const assigned = new Map<string, ts.Expression>();
        for (const w of writes) {
          const target = dottedName(w.left);
          if (target) assigned.set(target, w.right);
        }
        for (const c of calls) check(ctx, c.call, c.module, c.options, assigned);
      },
    };
  },
};

const SESSION_MODULES: ReadonlySet<string> = new Set(['express-session', 'cookie-session', '@fastify/session', 'fastify-session', 'koa-session', '@fastify/secure-session']);
/** Modules whose options hold the cookie flags at the top level. */
const TOP_LEVEL_FLAGS: ReadonlySet<string> = new Set(['cookie-session', 'koa-session']);
/** Modules with a server-side store (and so a MemoryStore default). */
const STORE_MODULES: ReadonlySet<string> = new Set(['express-session']);
/** Modules whose defaults are secure: only flags turned off explicitly are reported. */
const SECURE_DEFAULTS: ReadonlySet<string> = new Set(['@fastify/session', 'fastify-session', '@fastify/secure-session', 'koa-session']);

/**
 * Top-level `import … from 'express-session'` or `const session = require('express-session')`
 * (also `require('x')(…)` and `require('x').y`). Shallow on purpose: no recursion
 * into pathological expressions, and it runs before the walk.
 */
function importsSessionLibrary(sf: ts.SourceFile): boolean {
  for (const st of sf.statements) {
    if (isImportDeclaration(st) && isStringLiteral(st.moduleSpecifier)) {
      if (SESSION_MODULES.has(normalizeModule(st.moduleSpecifier.text))) return true;
    } else if (isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        let e: ts.Node | undefined = d.initializer;
        for (let i = 0; e && i < 4 && !requiredModule(e); i++) {
          e = isCallExpression(e) || isPropertyAccessExpression(e) ? e.expression : undefined;
        }
        const m = e && requiredModule(e);
        if (m && SESSION_MODULES.has(m)) return true;
      }
    }
  }
  return false;
}

const TEST_PATH = /(^|\/)(test|tests|__tests__|spec|e2e|examples?|demo|fixtures?|scripts)\/|\.(test|spec)\.[cm]?[jt]sx?$/i;

/** An object literal the expression is, or a local const holds; with the name it was reached by. */
function resolveObject(expr: ts.Expression | undefined): { obj: ts.ObjectLiteralExpression; name?: string } | undefined {
  if (!expr) return undefined;
  const e = skipWrappers(expr);
  if (isObjectLiteralExpression(e)) return { obj: e };
  if (isIdentifier(e)) {
    const b = lookup(e.text, e);
    if (!b || b.kind !== 'variable' || !b.init || b.path.length > 0) return undefined;
    const init = skipWrappers(b.init);
    return isObjectLiteralExpression(init) ? { obj: init, name: e.text } : undefined;
  }
  return undefined;
}

function isFalse(e: ts.Expression | undefined): boolean {
  return !!e && skipWrappers(e).kind === SyntaxKind.FalseKeyword;
}

function isNullish(e: ts.Expression | undefined): boolean {
  if (!e) return false;
  const x = skipWrappers(e);
  return x.kind === SyntaxKind.NullKeyword || (isIdentifier(x) && x.text === 'undefined');
}

interface Problem {
  flag: 'secure' | 'httpOnly' | 'sameSite' | 'maxAge';
  /** The explicit bad value, to replace; undefined when the flag is missing. */
  value?: ts.Expression;
}

const GOOD_VALUE: Record<Problem['flag'], (q: string) => string> = {
  secure: () => 'true',
  httpOnly: () => 'true',
  sameSite: (q) => `${q}lax${q}`,
  maxAge: () => '30 * 60 * 1000',
};

function check(ctx: RuleContext, call: ts.CallExpression, module: string, optionsExpr: ts.Expression, assigned: Map<string, ts.Expression>): void {
  const options = resolveObject(optionsExpr);
  if (!options) return;
  const opts = options.obj;
  const optsPartial = hasSpread(opts);
  const topLevel = TOP_LEVEL_FLAGS.has(module);
  const onlyExplicit = SECURE_DEFAULTS.has(module);

  // Where the flags live: the options themselves, or their `cookie` object.
  let flagsObj: ts.ObjectLiteralExpression | undefined;
  let flagsName: string | undefined;
  let cookieProp: ts.ObjectLiteralElementLike | undefined;
  let cookieUnknown = false;
  if (topLevel) {
    flagsObj = opts;
    flagsName = options.name;
  } else {
    cookieProp = getProperty(opts, 'cookie');
    const cookieExpr = getPropertyValue(opts, 'cookie');
    const cookie = resolveObject(cookieExpr);
    if (cookie) {
      flagsObj = cookie.obj;
      flagsName = cookie.name ?? (options.name ? `${options.name}.cookie` : undefined);
    } else if (cookieExpr || (options.name && [...assigned.keys()].some((k) => k === `${options.name}.cookie`))) {
      cookieUnknown = true;
    } else {
      flagsName = options.name ? `${options.name}.cookie` : undefined;
    }
  }
  const partial = optsPartial || (!!flagsObj && hasSpread(flagsObj));

  const valueOf = (flag: string): ts.Expression | undefined =>
    (flagsObj && getPropertyValue(flagsObj, flag)) ?? (flagsName ? assigned.get(`${flagsName}.${flag}`) : undefined);
  const has = (flag: string): boolean => valueOf(flag) !== undefined;

  const problems: Problem[] = [];
  if (!cookieUnknown) {
    for (const flag of ['secure', 'httpOnly', 'sameSite'] as const) {
      const v = valueOf(flag);
      if (isFalse(v)) problems.push({ flag, value: v });
      else if (v === undefined && !partial && !onlyExplicit && flag !== 'httpOnly' && !(flag === 'secure' && topLevel)) problems.push({ flag });
    }
    const maxAge = valueOf('maxAge');
    if (!onlyExplicit && !partial && !has('expires') && (maxAge === undefined || isNullish(maxAge))) {
      problems.push({ flag: 'maxAge', value: maxAge });
    }
  }

  if (problems.length > 0) {
    const what = problems.map((p) => (p.value ? `${p.flag} is ${p.value.getText()}` : `no ${p.flag}`)).join(', ');
    ctx.report(cookieProp ?? call, {
      message: `Session cookie has ${what}: set secure, httpOnly, sameSite and a maxAge so the session is not sent over HTTP, read by scripts, sent cross-site or kept forever.`,
      fixes: flagFix(ctx, opts, flagsObj, topLevel, problems),
    });
  }

  const saveUninit = getProperty(opts, 'saveUninitialized');
  if (saveUninit && isPropertyAssignment(saveUninit) && skipWrappers(saveUninit.initializer).kind === SyntaxKind.TrueKeyword) {
    const sf = ctx.sourceFile;
    ctx.report(saveUninit, {
      message: 'saveUninitialized: true stores a session for every anonymous request (storage DoS, and a cookie set before consent): set it to false.',
      fixes: [{
        title: 'Set saveUninitialized: false',
        edits: [{ start: saveUninit.initializer.getStart(sf), end: saveUninit.initializer.end, newText: 'false' }],
        preferred: false,
      }],
    });
  }

  const hasStore = getProperty(opts, 'store') !== undefined || (options.name !== undefined && assigned.has(`${options.name}.store`));
  const storeMissing = STORE_MODULES.has(module) && !hasStore && !optsPartial && !TEST_PATH.test(ctx.file);
  if (storeMissing) {
    ctx.report(call, {
      message: 'Session middleware without a store: the default MemoryStore leaks memory and loses sessions on restart; configure connect-redis, connect-pg-simple or another persistent store.',
    });
  }

  const flagsSet = !cookieUnknown && has('secure') && problems.length === 0 && (has('maxAge') || has('expires')) && has('sameSite');
  if (flagsSet && (hasStore || !STORE_MODULES.has(module))) {
    ctx.evidence('session-hardened', call, `${module} cookie is secure, httpOnly and sameSite with a maxAge${hasStore ? ', sessions in a store' : ''}`);
  }
}

/** Turn the bad values good and add the missing flags, in the object's own layout. */
function flagFix(
  ctx: RuleContext,
  opts: ts.ObjectLiteralExpression,
  flagsObj: ts.ObjectLiteralExpression | undefined,
  topLevel: boolean,
  problems: Problem[],
): Fix[] {
  const sf = ctx.sourceFile;
  const q = preferredQuote(sf);
  const edits: TextEdit[] = [];
  const missing: string[] = [];
  for (const p of problems) {
    if (p.value) edits.push({ start: p.value.getStart(sf), end: p.value.end, newText: GOOD_VALUE[p.flag](q) });
    else missing.push(`${p.flag}: ${GOOD_VALUE[p.flag](q)}`);
  }
  if (missing.length > 0) {
    if (flagsObj) edits.push(...addPropertiesEdits(sf, flagsObj, missing));
    else if (!topLevel && !getProperty(opts, 'cookie')) {
      const all = problems.some((p) => p.flag === 'httpOnly') ? missing : [...missing.filter((m) => m.startsWith('secure')), `httpOnly: true`, ...missing.filter((m) => !m.startsWith('secure'))];
      edits.push(...addPropertiesEdits(sf, opts, [`cookie: { ${all.join(', ')} }`]));
    } else return [];
  }
  if (edits.length === 0) return [];
  return [{ title: 'Harden the session cookie flags', edits, preferred: false }];
}
