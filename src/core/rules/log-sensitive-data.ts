import {
  forEachChild, isArrayLiteralExpression, isBinaryExpression, isCallExpression,
  isElementAccessExpression, isFunctionDeclaration, isIdentifier, isMethodDeclaration,
  isNumericLiteral, isObjectLiteralExpression, isPropertyAccessExpression, isPropertyAssignment,
  isShorthandPropertyAssignment, isSpreadAssignment, isStringLiteral, isStringLiteralLike,
  isTemplateExpression, isVariableDeclaration, SyntaxKind, ts,
} from '../ts';
import { isCliFile } from '../lib/test-files';
import { dottedName, getPropertyValue, propertyName, routeCall, stringValue } from '../ast';
import { requiredModule, skipWrappers } from '../modules';
import { lookup } from '../scopes';
import type { RuleContext, SourceRule } from '../types';
import { nameOfTarget, nameWords } from './hardcoded-secret';
import { NodeCache } from '../file-caches';
import { inDevOnlyBranch } from '../lib/dev-only';
import { specifierTest } from '../lib/gates';

/**
 * Passwords, tokens, secrets, cookies, authorization headers and card data
 * handed to console or a logger: `logger.info({ email, password })`,
 * `console.log('token', token)`, `log.debug(req.headers)`. Keys covered by a
 * pino `redact` list in the same file are skipped, and so are command-line
 * entry points (bin/, cli/, commands/, scripts/: their output is the
 * operator's); a name logged twice in one call is one report. Also emits the
 * `logging` fact where a logger library is imported and `security-logging` evidence
 * where auth failures, denials or admin actions are logged.
 */

// ---------------------------------------------------------------------------
// Log calls (shared with env-logged)

export const LOG_METHODS: ReadonlySet<string> = new Set([
  'log', 'info', 'debug', 'warn', 'warning', 'error', 'trace', 'fatal', 'verbose', 'silly', 'http', 'notice', 'crit', 'critical', 'emerg', 'alert', 'dir', 'table',
]);
export const LOGGER_MODULES: ReadonlySet<string> = new Set([
  'pino', 'winston', 'bunyan', 'log4js', 'loglevel', 'signale', 'consola', 'npmlog', 'roarr', 'tslog', 'debug', '@nestjs/common', 'pino-http', 'morgan', 'fastify',
]);
/** Modules whose import means the app has a logging setup (the `logging` fact). */
const LOGGING_FACT_MODULES: ReadonlySet<string> = new Set(['pino', 'winston', 'bunyan', 'morgan', 'log4js', 'pino-http', 'express-winston', 'tslog', 'loglevel']);

/** `logger`, `log`, `this.logger`, `req.log`, `fastify.log`, `auditLogger`, `LOGGER`. */
function looksLikeLoggerName(receiver: ts.Node): boolean {
  const dotted = dottedName(receiver);
  if (!dotted) return false;
  const last = dotted.slice(dotted.lastIndexOf('.') + 1).toLowerCase();
  return last === 'log' || last === 'logger' || last.endsWith('logger') || last === '_log';
}

/** Per file: does it import a logger library at the top level? (Decides whether resolving receivers is worth it.) */
const importsLogger = new NodeCache<ts.SourceFile, boolean>();

function fileImportsLogger(ctx: RuleContext): boolean {
  let known = importsLogger.get(ctx.sourceFile);
  if (known === undefined) {
    known = false;
    for (const m of ctx.modules.importedModules()) if (LOGGER_MODULES.has(m)) known = true;
    importsLogger.set(ctx.sourceFile, known);
  }
  return known;
}

/**
 * Per-file text checks a rule may compute once and pass to isLogCall: can an import or
 * require of this file name a logger module other than `debug` (`loggerModule`), or
 * `debug` itself (`debugModule`)? A receiver resolves to a module only through a
 * specifier spelled in the text, so false means no origin lookup can succeed.
 */
export interface LogCallHints {
  loggerModule(): boolean;
  debugModule(): boolean;
}

const loggerSpecifier = specifierTest([...LOGGER_MODULES].filter((m) => m !== 'debug'), 'quote-or-colon');
const debugSpecifier = specifierTest(['debug'], 'quote-or-colon');

/** LogCallHints for one file's text, each answer computed on first use. */
export function logCallHints(text: string): LogCallHints {
  let logger: boolean | undefined;
  let debug: boolean | undefined;
  return {
    loggerModule: () => (logger ??= loggerSpecifier(text)),
    debugModule: () => (debug ??= debugSpecifier(text)),
  };
}

/** True for `console.*(…)`, logger method calls and `debug('ns')`-style log functions. */
export function isLogCall(ctx: RuleContext, call: ts.CallExpression, hints?: LogCallHints): boolean {
  const callee = skipWrappers(call.expression);
  if (isPropertyAccessExpression(callee)) {
    if (!LOG_METHODS.has(callee.name.text)) return false;
    const receiver = skipWrappers(callee.expression);
    if (isIdentifier(receiver)) {
      if (receiver.text === 'console') return true;
      if (receiver.text === 'Math') return false;
    }
    if (looksLikeLoggerName(receiver)) return true;
    // `const app = Fastify({ logger: true }); app.log.info(…)` is named above; this is `winstonInstance.info(…)`.
    if (hints && !hints.loggerModule()) return false;
    if (!fileImportsLogger(ctx)) return false;
    const o = ctx.modules.origin(receiver);
    return !!o && LOGGER_MODULES.has(o.module) && o.module !== 'debug';
  }
  if (isIdentifier(callee)) {
    if (hints && !hints.debugModule()) return false;
    if (!fileImportsLogger(ctx)) return false;
    // const log = debug('app:auth'); log('…')
    const b = lookup(callee.text, callee);
    if (!b || b.kind !== 'variable' || !b.init) return false;
    const o = ctx.modules.origin(callee);
    return !!o && o.module === 'debug' && o.path.length === 1 && o.path[0] === '()';
  }
  return false;
}

// ---------------------------------------------------------------------------
// Sensitive names

const SENSITIVE_LAST: ReadonlySet<string> = new Set([
  'password', 'passwords', 'passwd', 'pwd', 'passphrase', 'secret', 'secrets', 'token', 'tokens', 'authorization', 'cookie', 'cookies',
  'ssn', 'cvv', 'cvc', 'apikey', 'otp', 'pin', 'passcode', 'creditcard',
]);
const SENSITIVE_PAIRS: ReadonlySet<string> = new Set([
  'api key', 'private key', 'secret key', 'access key', 'card number', 'credit card', 'cc number', 'auth header', 'authorization header',
  'security code', 'account number', 'social security',
]);
/** `hashedPassword`, `maskedToken`: already transformed, not the secret itself. */
const HARMLESS_PREFIX: ReadonlySet<string> = new Set(['hashed', 'masked', 'redacted', 'encrypted', 'has', 'is', 'no', 'missing', 'without', 'sans', 'except', 'excluding']);

/** Cheap pre-check before splitting a name into words. */
const SENSITIVE_HINT = /pass|pwd|secret|token|auth|cookie|ssn|cvv|cvc|key|otp|pin|card|number|code|header|security/i;

export function isSensitiveName(name: string | undefined): boolean {
  if (!name || !SENSITIVE_HINT.test(name)) return false;
  const w = nameWords(name);
  const n = w.length;
  if (n === 0) return false;
  const last = w[n - 1];
  const prev = w[n - 2];
  if (prev !== undefined && HARMLESS_PREFIX.has(prev)) return false;
  if (w[0] === 'has' || w[0] === 'is') return false;
  if (SENSITIVE_LAST.has(last)) {
    // `pin` alone is ambiguous (GPIO pins, map pins); only with a qualifier.
    if (last === 'pin' && n === 1) return false;
    return true;
  }
  return prev !== undefined && SENSITIVE_PAIRS.has(`${prev} ${last}`);
}


const WHOLE_PARTS: ReadonlySet<string> = new Set(['body', 'headers', 'cookies', 'signedCookies']);

/** Routes and functions that take credentials in the body. */
const CREDENTIAL_ROUTE = /login|log-in|signin|sign-in|signup|sign-up|register|password|passwd|reset|auth|token|credential/i;

/** The message of security-relevant log lines (auth failures, denials, admin actions). */
const SECURITY_MESSAGE = /login|log[- ]?in|sign.?in|\bauth|denied|forbidden|unauthori|failed attempt|lockout|locked out|admin|\brole|invalid (credentials|password|token)|permission/i;

interface Candidate {
  node: ts.Node;
  /** The log call it is an argument of (one report per call and name). */
  call: ts.CallExpression;
  /** The key it is logged under (object property), when the logger could redact it. */
  key?: string;
  /** The sensitive name, for the message. */
  name: string;
  console: boolean;
}

export const rule: SourceRule = {
  id: 'log-sensitive-data',
  row: 'logging',
  severity: 'warning',
  description: 'Detects passwords, tokens, secrets, cookies, authorization headers and card numbers passed to console or a logger.',
  message: 'Sensitive value logged: log an identifier instead, or redact the field in the logger configuration.',
  fixable: false,
  docs: {
    why:
      'Logs are shipped to third-party services, kept for months and read by many more people than the database. ' +
      'A password or session token in a log line is a credential anyone with log access can replay.',
    bad: "logger.info({ email, password }, 'login attempt');\nconsole.log('auth header', req.headers.authorization);",
    good:
      "const logger = pino({ redact: ['password', 'req.headers.authorization', 'req.headers.cookie'] });\n" +
      "logger.info({ email }, 'login attempt');",
    fix:
      'Log a stable identifier (user id, request id) instead of the value; where whole objects are logged, configure redaction ' +
      "(pino `redact`, a winston format) for password, token, authorization and cookie fields.",
    cwe: ['CWE-532', 'CWE-312'],
    owasp: ['A09:2021'],
  },
  create(ctx) {
    const candidates: Candidate[] = [];
    const redacted = new Set<string>();
    let redactAll = false;
    let securityEvidence = 0;
    let loggingFact = false;
    const credentialFunctions = new Map<ts.Node, boolean>();
    const hints = logCallHints(ctx.text);
    // `redact` is a property name (identifier or string key) wherever noteRedact could find one.
    const redactNamed = ctx.mentions('redact');

    const noteLoggingModule = (module: string, node: ts.Node): void => {
      if (loggingFact || !LOGGING_FACT_MODULES.has(module)) return;
      loggingFact = true;
      ctx.fact('logging', node);
    };

    /** pino({ redact: [...] }) or pino({ redact: { paths: [...] } }); Fastify({ logger: { redact } }). */
    const noteRedact = (opts: ts.ObjectLiteralExpression): void => {
      let redact = getPropertyValue(opts, 'redact');
      if (!redact) return;
      redact = skipWrappers(redact) as ts.Expression;
      if (isObjectLiteralExpression(redact)) redact = getPropertyValue(redact, 'paths');
      const list = redact && skipWrappers(redact);
      if (!list || !isArrayLiteralExpression(list)) {
        redactAll = list !== undefined; // paths built elsewhere: trust them
        return;
      }
      for (const el of list.elements) {
        const path = stringValue(el);
        if (!path) continue;
        const last = path.replace(/\["']?|["']?\]/g, '.').split('.').filter(Boolean).pop();
        if (last) redacted.add(last.toLowerCase());
      }
    };

    /** Does the enclosing function take credentials: a login/register route, or it reads a password field? */
    const inCredentialHandler = (node: ts.Node): boolean => {
      for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
        if (!ts.isFunctionLike(n)) continue;
        let known = credentialFunctions.get(n);
        if (known === undefined) {
          known = credentialFunction(n);
          credentialFunctions.set(n, known);
        }
        if (known) return true;
      }
      return false;
    };

    /** Sensitive expressions inside one log argument. */
    let currentCall: ts.CallExpression | undefined;
    // A command's output (bin/, cli/, commands/, scripts/) is for the operator who ran it: printing
    // the invite link or the generated password is what it is for. Facts and evidence still count.
    const cli = isCliFile(ctx.file);
    const scan = (expr: ts.Node, key: string | undefined, isConsole: boolean, depth: number): void => {
      if (depth > 4) return;
      expr = skipWrappers(expr);
      if (isObjectLiteralExpression(expr)) {
        for (const p of expr.properties) {
          if (isShorthandPropertyAssignment(p)) {
            if (isSensitiveName(p.name.text) && !isConstLiteral(p.name)) candidates.push({ node: p, call: currentCall!, key: p.name.text, name: p.name.text, console: isConsole });
          } else if (isPropertyAssignment(p)) {
            const k = propertyName(p.name);
            const v = skipWrappers(p.initializer);
            if (k && isSensitiveName(k) && isValueRead(v) && !isConstLiteral(v)) {
              candidates.push({ node: p, call: currentCall!, key: k, name: k, console: isConsole });
            } else {
              scan(v, k, isConsole, depth + 1);
            }
          } else if (isSpreadAssignment(p)) {
            scan(p.expression, undefined, isConsole, depth + 1);
          }
        }
        return;
      }
      if (isTemplateExpression(expr)) {
        for (const s of expr.templateSpans) scan(s.expression, undefined, isConsole, depth + 1);
        return;
      }
      if (isBinaryExpression(expr) && expr.operatorToken.kind === SyntaxKind.PlusToken) {
        scan(expr.left, key, isConsole, depth + 1);
        scan(expr.right, key, isConsole, depth + 1);
        return;
      }
      if (isCallExpression(expr)) {
        // JSON.stringify(x), String(x), util.inspect(x) carry x into the line; other calls (mask(x), hash(x)) transform it.
        const d = dottedName(expr.expression);
        if ((d === 'JSON.stringify' || d === 'String' || d === 'util.inspect' || d === 'inspect') && expr.arguments[0]) {
          scan(expr.arguments[0], key, isConsole, depth + 1);
        }
        return;
      }
      if (isIdentifier(expr) || isPropertyAccessExpression(expr) || isElementAccessExpression(expr)) {
        if (isEnumMember(expr)) return;
        const name = nameOfTarget(expr);
        if (isSensitiveName(name)) {
          if (!isConstLiteral(expr)) candidates.push({ node: expr, call: currentCall!, key, name: name!, console: isConsole });
          return;
        }
        // Whole request parts: `req.headers`, or a variable holding `req.body`.
        if (!isIdentifier(expr) && !(name && WHOLE_PARTS.has(name))) return;
        const whole = ctx.flow.wholeSource(expr);
        if (whole) {
          if (whole.part === 'headers' || whole.part === 'cookies' || whole.part === 'signedCookies') {
            candidates.push({ node: expr, call: currentCall!, key: whole.part === 'headers' ? 'authorization' : 'cookie', name: `req.${whole.part}`, console: isConsole });
          } else if (whole.part === 'body' && inCredentialHandler(expr)) {
            candidates.push({ node: expr, call: currentCall!, key, name: 'the request body of a credentials route', console: isConsole });
          }
        }
      }
    };

    return {
      ImportDeclaration(node: ts.ImportDeclaration) {
        if (isStringLiteral(node.moduleSpecifier)) noteLoggingModule(node.moduleSpecifier.text, node);
      },
      CallExpression(node: ts.CallExpression) {
        // requiredModule answers only for a callee that is the identifier `require`.
        const e = node.expression;
        if (e.kind === SyntaxKind.Identifier && (e as ts.Identifier).text === 'require') {
          const req = requiredModule(node);
          if (req) {
            noteLoggingModule(req, node);
            return;
          }
        }
        if (node.arguments.length === 0) return;
        const callee = skipWrappers(e);
        // pino({ redact }), pinoHttp({ redact }), Fastify({ logger: { redact } })
        const a0 = redactNamed ? skipWrappers(node.arguments[0]) : undefined;
        if (a0 && isObjectLiteralExpression(a0)) {
          noteRedact(a0);
          const logger = getPropertyValue(a0, 'logger');
          const inner = logger && skipWrappers(logger);
          if (inner && isObjectLiteralExpression(inner)) noteRedact(inner);
        }
        if (isIdentifier(callee)) {
          // auditLog('user.deleted', …), audit(…); the first letter tested before the regex.
          const first = callee.text.charCodeAt(0) | 32;
          if (first === 97 && /^audit/i.test(callee.text)) {
            if (securityEvidence < 3) {
              securityEvidence++;
              ctx.evidence('security-logging', node, `audit log call ${callee.text}()`);
            }
            return;
          }
        } else if (!isPropertyAccessExpression(callee) || !LOG_METHODS.has(callee.name.text)) {
          return;
        } else if (/audit/i.test(dottedName(callee.expression) ?? '')) {
          // audit.log(…), auditLogger.info(…)
          if (securityEvidence < 3) {
            securityEvidence++;
            ctx.evidence('security-logging', node, `audit log call ${dottedName(callee)}()`);
          }
        }
        if (!isLogCall(ctx, node, hints)) return;
        const isConsole = isPropertyAccessExpression(callee) && isIdentifier(callee.expression) && callee.expression.text === 'console';
        if (securityEvidence < 3) {
          const message = node.arguments.map((a) => stringValue(a) ?? (isTemplateExpression(a) ? a.head.text : undefined)).find((t) => t !== undefined);
          if (message && SECURITY_MESSAGE.test(message)) {
            securityEvidence++;
            ctx.evidence('security-logging', node, `security event logged: "${message.slice(0, 60)}"`);
          }
        }
        if (cli) return;
        currentCall = node;
        for (const arg of node.arguments) scan(arg, undefined, isConsole, 0);
      },
      onEnd() {
        const seen = new Set<ts.Node>();
        // `Invite token: ${invite.token} … ?token=${invite.token}`: one report per call and name.
        const reported = new Set<string>();
        for (const c of candidates) {
          if (seen.has(c.node)) continue;
          seen.add(c.node);
          const once = `${c.call.pos} ${c.name}`;
          if (reported.has(once)) continue;
          if (!c.console && c.key !== undefined && (redactAll || redacted.has(c.key.toLowerCase()))) continue;
          if (inDevOnlyBranch(c.node)) continue;
          reported.add(once);
          ctx.report(c.node, {
            message: `Sensitive value (${c.name}) logged: log an identifier instead, or redact the field in the logger configuration.`,
          });
        }
      },
    };
  },
};

/** `EnvNames.MSI_SECRET`, `HeaderKeys.AUTHORIZATION`: a constant name on an enum-like object, not a value. */
function isEnumMember(expr: ts.Node): boolean {
  if (!isPropertyAccessExpression(expr)) return false;
  const obj = skipWrappers(expr.expression);
  const objName = isIdentifier(obj) ? obj.text : isPropertyAccessExpression(obj) ? obj.name.text : undefined;
  return !!objName && /^[A-Z][a-z]/.test(objName) && /^[A-Z0-9_]+$/.test(expr.name.text);
}

/** An identifier bound to a const string literal: `const token = 'n/a'` is no secret. */
function isConstLiteral(expr: ts.Node): boolean {
  expr = skipWrappers(expr);
  if (isStringLiteralLike(expr) || isNumericLiteral(expr)) return true;
  if (!isIdentifier(expr)) return false;
  const b = lookup(expr.text, expr);
  if (!b || b.kind !== 'variable' || !b.init || b.path.length > 0) return false;
  const list = b.declaration.parent;
  return ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0 && isStringLiteralLike(skipWrappers(b.init));
}

/** A value that reads data: a name or a member, not `!!token`, `token.length`, `typeof x`, a literal or a call. */
function isValueRead(v: ts.Node): boolean {
  if (isIdentifier(v)) return v.text !== 'undefined';
  if (isPropertyAccessExpression(v)) return v.name.text !== 'length';
  if (isElementAccessExpression(v)) return true;
  if (isTemplateExpression(v)) return true;
  return false;
}

/** A login/register/password route handler, or a function that reads a password field. */
function credentialFunction(fn: ts.Node): boolean {
  // Route: app.post('/login', handler) — the handler is an argument of a route call.
  const parent = fn.parent;
  if (parent && isCallExpression(parent)) {
    const route = routeCall(parent);
    if (route?.path && CREDENTIAL_ROUTE.test(route.path)) return true;
  }
  // Named controller methods: async login(req, res) {…}, const register = async (req, res) => …
  const name = isFunctionDeclaration(fn) || isMethodDeclaration(fn)
    ? fn.name && propertyName(fn.name as ts.PropertyName)
    : parent && isVariableDeclaration(parent) && isIdentifier(parent.name) ? parent.name.text
    : parent && isPropertyAssignment(parent) ? propertyName(parent.name) : undefined;
  if (name && /^(login|signin|signIn|logIn|register|signup|signUp|resetPassword|changePassword|authenticate)$/i.test(name)) return true;
  // Reads a password: `const { email, password } = req.body`, `req.body.password`.
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if ((isIdentifier(n) || ts.isPrivateIdentifier(n)) && /^(password|passwd|newPassword|currentPassword|oldPassword)$/.test(n.text)) {
      found = true;
      return;
    }
    if (ts.isFunctionLike(n) && n !== fn) return;
    forEachChild(n, visit);
  };
  forEachChild(fn, visit);
  return found;
}
