import {
  isArrowFunction, isBlock, isCallExpression, isFunctionExpression, isIdentifier,
  isPropertyAccessExpression, ts,
} from '../ts';
import { textHas } from '../lib/text-hints';
import { dottedName, eol, indentAt } from '../ast';
import { comparesAbove, enclosingFn, enclosingStatement, exits, ifsBefore, isTestOrSampleFile } from '../lib/hygiene';
import { calleeMayComeFrom, skipWrappers } from '../modules';
import { lookup } from '../scopes';
import { preferredQuote } from '../fix';
import type { Fix, RuleContext, SourceRule } from '../types';
import { validatingMiddleware } from './body-unvalidated';
import { routeOf } from './idor-lookup';

/**
 * A password straight from the request hashed with bcrypt, with no length cap:
 *
 *   const { password } = req.body;
 *   const hash = await bcrypt.hash(password, 12);     // bytes after the 72nd are ignored
 *
 * Capped when the value went through a schema (a parse result is not request
 * data), when a guard `if (password.length > N) return …` (or
 * `Buffer.byteLength(password) > N`) precedes the call, or when the route
 * carries validation middleware (express-validator `isLength({ max })`,
 * celebrate, a validate(schema) helper). `bcrypt.compare` is not judged: it
 * costs the same for any length and only matches what `hash` stored.
 */

const BCRYPT_MODULES: ReadonlySet<string> = new Set(['bcrypt', 'bcryptjs', '@node-rs/bcrypt', 'bcrypt-nodejs']);
const HASH_METHODS: ReadonlySet<string> = new Set(['hash', 'hashSync']);
const RESPONSE_PARAMS: ReadonlySet<string> = new Set(['res', 'response', 'reply']);

export const rule: SourceRule = {
  id: 'password-length-unbounded',
  row: 'passwords',
  severity: 'warning',
  description: 'Detects bcrypt hashing a request-provided password with no maximum length check.',
  message: 'Password from the request is hashed with bcrypt without a length cap: bcrypt ignores everything after 72 bytes; reject longer passwords (e.g. zod .max(72)).',
  fixable: true,
  docs: {
    why:
      'bcrypt only uses the first 72 bytes of its input and silently drops the rest, so two long passwords sharing a prefix hash the ' +
      'same, and a pepper or username prepended to the password can push the password itself out of the hash. Multi-byte characters ' +
      'reach the limit sooner than the character count suggests. An explicit cap makes the limit visible and rejects such input.',
    bad: "const { email, password } = req.body;\nconst passwordHash = await bcrypt.hash(password, 12);",
    good:
      'const Register = z.object({ email: z.string().email(), password: z.string().min(12).max(72) });\n' +
      'const { email, password } = Register.parse(req.body);\nconst passwordHash = await bcrypt.hash(password, 12);',
    fix:
      'Validate the password with a maximum length in the request schema (zod/joi `.max(72)`, express-validator ' +
      '`isLength({ max: 72 })`) or reject `Buffer.byteLength(password) > 72` before hashing; or switch to argon2id, which has no such limit.',
    cwe: ['CWE-20', 'CWE-916'],
    owasp: ['A07:2021', 'A04:2021'],
  },
  create(ctx) {
    // Once per file: the callee is an identifier or a property name, `hash` or `hashSync`.
    if (isTestOrSampleFile(ctx.file) || !textHas(ctx.text, 'bcrypt') || !ctx.mentions('hash', 'hashSync')) return {};
    // `hash` callees that cannot come from a bcrypt module (argon2, a local helper) are not resolved.
    const mayCome = calleeMayComeFrom(ctx, BCRYPT_MODULES);
    return {
      CallExpression(node: ts.CallExpression) {
        const e = node.expression;
        const name = isPropertyAccessExpression(e) ? e.name.text : isIdentifier(e) ? e.text : undefined;
        if (!name || !HASH_METHODS.has(name) || node.arguments.length === 0 || !mayCome(e)) return;
        const o = ctx.modules.callee(node);
        if (!o || !BCRYPT_MODULES.has(o.module)) return;
        const arg = node.arguments[0];
        const source = ctx.flow.source(arg);
        if (!source || source.part === 'headers' || source.part === 'cookies') return;
        if (lengthGuarded(arg, node) || routeValidates(ctx, node)) return;
        ctx.report(arg, { fixes: guardFix(ctx, node, arg) });
      },
    };
  },
};

/** The variable the hashed value is read from: `password`, `req.body.password` (as dotted text). */
function subjectText(arg: ts.Expression): string | undefined {
  return dottedName(skipWrappers(arg));
}

/** `if (password.length > 72) return …`, `if (Buffer.byteLength(password) > 72) throw …` before the hash. */
function lengthGuarded(arg: ts.Expression, at: ts.Node): boolean {
  const subject = subjectText(arg);
  const fn = enclosingFn(at);
  if (!subject || !fn) return false;
  const isLength = (x: ts.Expression): boolean => {
    if (isPropertyAccessExpression(x) && x.name.text === 'length') return dottedName(x.expression) === subject;
    if (isCallExpression(x) && dottedName(x.expression) === 'Buffer.byteLength' && x.arguments[0]) return dottedName(x.arguments[0]) === subject;
    return false;
  };
  return ifsBefore(fn, at, (c) => comparesAbove(c, isLength)).some((s) => exits(s.thenStatement));
}

/** The route registering the enclosing handler has validation middleware. */
function routeValidates(ctx: RuleContext, at: ts.Node): boolean {
  for (let n: ts.Node | undefined = at.parent; n; n = n.parent) {
    if (!isFunctionExpression(n) && !isArrowFunction(n)) continue;
    const call = n.parent;
    if (!call || !isCallExpression(call)) continue;
    const route = routeOf(call);
    if (!route) continue;
    return route.handlers.slice(0, -1).some((mw) => validatingMiddleware(ctx, mw) !== undefined);
  }
  return false;
}

/**
 * Before the statement holding the hash, in an Express handler with a plain
 * password variable: `if (typeof password !== 'string' || Buffer.byteLength(password) > 72) return res.status(400)…`.
 */
function guardFix(ctx: RuleContext, call: ts.CallExpression, arg: ts.Expression): Fix[] {
  const a = skipWrappers(arg);
  if (!isIdentifier(a) && !isPropertyAccessExpression(a)) return [];
  const subject = dottedName(a);
  const fn = enclosingFn(call);
  const statement = enclosingStatement(call);
  if (!subject || !fn || !statement || enclosingFn(statement) !== fn || !isBlock(statement.parent)) return [];
  const res = fn.parameters[1];
  if (!res || !isIdentifier(res.name) || !RESPONSE_PARAMS.has(res.name.text)) return [];
  // The response name must still mean the parameter at the hash.
  if (lookup(res.name.text, call)?.node !== res.name) return [];
  const sf = ctx.sourceFile;
  const text = sf.text;
  const indent = indentAt(text, statement.getStart(sf));
  const q = preferredQuote(sf);
  const guard =
    `if (typeof ${subject} !== ${q}string${q} || Buffer.byteLength(${subject}) > 72) {${eol(text)}` +
    `${indent}  return ${res.name.text}.status(400).json({ error: ${q}Password must be at most 72 bytes${q} });${eol(text)}` +
    `${indent}}${eol(text)}${indent}`;
  return [{
    title: 'Reject passwords longer than 72 bytes before hashing',
    edits: [{ start: statement.getStart(sf), end: statement.getStart(sf), newText: guard }],
    preferred: false,
  }];
}
