import {
  isBinaryExpression, isCallExpression, isElementAccessExpression, isIdentifier,
  isPropertyAccessExpression, isTemplateExpression, SyntaxKind, ts,
} from '../ts';
import { textHasAnyOf } from '../lib/text-hints';
import { dottedName, numberValue, stringValue } from '../ast';
import { skipWrappers, type Origin } from '../modules';
import { lookup } from '../scopes';
import type { RuleContext, SourceRule } from '../types';
import { nameOfTarget, nameWords } from './hardcoded-secret';
import { maySpellWithEscapes } from '../lib/gates';

/**
 * Passwords hashed with a fast digest (`crypto.createHash('sha256').update(password)`,
 * `md5(password)`, `CryptoJS.SHA256(password)`), bcrypt with a cost below 10
 * and PBKDF2 with fewer than 100 000 iterations. Emits `password-hashing`
 * facts and `strong-password-hash` evidence for argon2, bcrypt ≥ 12 and scrypt.
 */

const FAST_DIGESTS = /^(md4|md5|sha-?1|sha-?224|sha-?256|sha-?384|sha-?512|sha3-\d+|ripemd-?160|whirlpool|blake2[bs]\d*|sm3)$/i;
/** One-call digest libraries: module → exported paths that hash their first argument. */
const DIGEST_MODULES: ReadonlyMap<string, ReadonlySet<string> | 'default'> = new Map<string, ReadonlySet<string> | 'default'>([
  ['md5', 'default'], ['js-md5', 'default'], ['blueimp-md5', 'default'], ['sha1', 'default'], ['sha256', 'default'],
  ['js-sha1', 'default'], ['js-sha256', 'default'], ['js-sha512', 'default'], ['js-sha3', 'default'],
  ['crypto-js/md5', 'default'], ['crypto-js/sha1', 'default'], ['crypto-js/sha256', 'default'], ['crypto-js/sha512', 'default'],
  ['crypto-js/sha3', 'default'], ['crypto-js/sha224', 'default'], ['crypto-js/sha384', 'default'], ['crypto-js/hmac-sha256', 'default'],
  ['crypto-js/hmac-sha512', 'default'], ['crypto-js/hmac-md5', 'default'], ['crypto-js/hmac-sha1', 'default'],
  ['crypto-js', new Set(['MD5', 'SHA1', 'SHA224', 'SHA256', 'SHA384', 'SHA512', 'SHA3', 'RIPEMD160', 'HmacMD5', 'HmacSHA1', 'HmacSHA256', 'HmacSHA512'])],
]);
const BCRYPT_MODULES: ReadonlySet<string> = new Set(['bcrypt', 'bcryptjs', '@node-rs/bcrypt', 'bcrypt-nodejs']);
const ARGON2_MODULES: ReadonlySet<string> = new Set(['argon2', '@node-rs/argon2', 'argon2-browser', 'hash-wasm']);
/** Files without any of these cannot hash a password (checked once per file). */
/** bcrypt|argon2|crypto|md5|sha\d|scrypt, in any case. */
const HASHING_WORDS: readonly string[] = ['bcrypt', 'argon2', 'crypto', 'md5', ...'0123456789'.split('').map((d) => `sha${d}`), 'scrypt'];
/** Calls resolved whatever their arguments (bcrypt cost, scrypt, pbkdf2, argon2). */
const RESOLVED_NAMES: ReadonlySet<string> = new Set([
  'hash', 'hashSync', 'genSalt', 'genSaltSync', 'scrypt', 'scryptSync', 'pbkdf2', 'pbkdf2Sync', 'argon2id',
]);
/** Text every password name spells (see isPasswordName). */
const PASSWORD_HINT_WORDS: readonly string[] = ['pass', 'pw'];
const MIN_BCRYPT_COST = 10;
const GOOD_BCRYPT_COST = 12;
const MIN_PBKDF2_ITERATIONS = 100_000;

const PASSWORD_WORDS: ReadonlySet<string> = new Set(['password', 'passwd', 'pwd', 'passphrase', 'pass', 'pw']);

/** A name whose last word says password: `password`, `req.body.newPassword`, `plainPwd`; not `passwordResetToken`. */
export function isPasswordName(name: string | undefined): boolean {
  if (!name || !/pass|pwd|pw/i.test(name)) return false;
  const w = nameWords(name);
  const last = w[w.length - 1];
  if (last === 'pass' || last === 'pw') return w.length === 1 || ['user', 'db', 'plain', 'raw', 'new', 'old'].includes(w[w.length - 2]);
  return last !== undefined && PASSWORD_WORDS.has(last);
}

/** Whether an expression carries a password: `password`, `salt + password`, `` `${salt}${pwd}` ``, `Buffer.from(password)`. */
function carriesPassword(expr: ts.Node, depth = 0): boolean {
  if (depth > 5) return false;
  expr = skipWrappers(expr);
  if (isIdentifier(expr) || isPropertyAccessExpression(expr) || isElementAccessExpression(expr)) return isPasswordName(nameOfTarget(expr));
  if (isBinaryExpression(expr) && expr.operatorToken.kind === SyntaxKind.PlusToken) {
    return carriesPassword(expr.left, depth + 1) || carriesPassword(expr.right, depth + 1);
  }
  if (isTemplateExpression(expr)) return expr.templateSpans.some((s) => carriesPassword(s.expression, depth + 1));
  if (isCallExpression(expr)) {
    const callee = skipWrappers(expr.expression);
    const d = dottedName(callee);
    if ((d === 'Buffer.from' || d === 'String') && expr.arguments[0]) return carriesPassword(expr.arguments[0], depth + 1);
    // password.normalize('NFKC'), password.trim()
    if (isPropertyAccessExpression(callee) && /^(normalize|trim|toString)$/.test(callee.name.text)) return carriesPassword(callee.expression, depth + 1);
  }
  return false;
}

/** A number literal, or a const initialised with one: the node holding the number. */
function numericSource(expr: ts.Node | undefined): { value: number; node: ts.Node } | undefined {
  if (!expr) return undefined;
  expr = skipWrappers(expr);
  const v = numberValue(expr);
  if (v !== undefined) return { value: v, node: expr };
  if (isIdentifier(expr)) {
    const b = lookup(expr.text, expr);
    if (!b || b.kind !== 'variable' || !b.init || b.path.length > 0) return undefined;
    const list = b.declaration.parent;
    if (!ts.isVariableDeclarationList(list) || !(list.flags & ts.NodeFlags.Const)) return undefined;
    const init = skipWrappers(b.init);
    const iv = numberValue(init);
    return iv !== undefined ? { value: iv, node: init } : undefined;
  }
  return undefined;
}

/** The `createHash(alg)` / `createHmac(alg, key)` call a hash object comes from. */
function hashFactory(ctx: RuleContext, receiver: ts.Node): { call: ts.CallExpression; alg: string; hmac: boolean } | undefined {
  let r = skipWrappers(receiver);
  // const h = crypto.createHash('md5'); h.update(password)
  if (isIdentifier(r)) {
    const b = lookup(r.text, r);
    if (!b || b.kind !== 'variable' || !b.init || b.path.length > 0) return undefined;
    r = skipWrappers(b.init);
  }
  // createHash('sha256').update(salt).update(password): walk back over earlier updates.
  while (isCallExpression(r) && isPropertyAccessExpression(r.expression) && r.expression.name.text === 'update') {
    r = skipWrappers(r.expression.expression);
  }
  if (!isCallExpression(r)) return undefined;
  const alg = stringValue(r.arguments[0]);
  if (!alg) return undefined;
  const o = ctx.modules.callee(r);
  if (!o || o.module !== 'crypto' || o.path.length !== 1 || (o.path[0] !== 'createHash' && o.path[0] !== 'createHmac')) return undefined;
  return { call: r, alg, hmac: o.path[0] === 'createHmac' };
}

function isDigestCall(o: Origin): boolean {
  const entry = DIGEST_MODULES.get(o.module);
  if (!entry) return false;
  if (entry === 'default') {
    // md5(x), require('js-sha256').sha256(x), sha256.hex(x)
    return o.path.length === 0 || (o.path.length === 1 && /^(default|sha\d+|md5|sha3_\d+|hex)$/.test(o.path[0])) ||
      (o.path.length === 2 && o.path[1] === 'hex');
  }
  return o.path.length === 1 && entry.has(o.path[0]);
}

export const rule: SourceRule = {
  id: 'weak-password-hash',
  row: 'passwords',
  severity: 'error',
  description: 'Detects passwords hashed with a fast digest (md5, sha1, sha256, sha512), bcrypt below cost 10, or PBKDF2 below 100 000 iterations.',
  message: 'Password hashed with a fast digest: a leaked table is cracked at billions of guesses per second; use argon2id, bcrypt (cost ≥ 12) or scrypt.',
  fixable: true,
  docs: {
    why:
      'General-purpose digests are built to be fast: a single GPU computes billions of md5 or sha256 hashes per second, so most passwords in a leaked table fall within hours. ' +
      'Password hashing functions (argon2id, bcrypt, scrypt) are deliberately slow and salted, and their cost can be raised as hardware improves.',
    bad: "const hash = crypto.createHash('sha256').update(password).digest('hex');\nconst hashed = await bcrypt.hash(password, 8);",
    good: "import argon2 from 'argon2';\n\nconst hash = await argon2.hash(password, { type: argon2.argon2id });\n// or: await bcrypt.hash(password, 12)",
    fix:
      'Hash passwords with argon2id (`argon2.hash(password)`), bcrypt with a cost of at least 12, or scrypt; ' +
      'rehash existing md5/sha hashes on the next successful login. Never use createHash or createHmac for passwords.',
    cwe: ['CWE-916', 'CWE-328', 'CWE-759'],
    owasp: ['A02:2021'],
  },
  create(ctx) {
    // Once per file: no hashing library or crypto in sight.
    if (!textHasAnyOf(ctx.text, HASHING_WORDS, true)) return {};
    // Every path needs a call named in RESOLVED_NAMES (an identifier or property name) or a password
    // argument (a name with pass/pw in it, spelled in the text unless escaped).
    if (!ctx.mentions(...RESOLVED_NAMES) && !textHasAnyOf(ctx.text, PASSWORD_HINT_WORDS, true) && !maySpellWithEscapes(ctx.text)) return {};
    let factDone = false;
    let evidenceDone = false;
    const fact = (node: ts.Node): void => {
      if (factDone) return;
      factDone = true;
      ctx.fact('password-hashing', node);
    };
    const strong = (node: ts.Node, message: string): void => {
      fact(node);
      if (evidenceDone) return;
      evidenceDone = true;
      ctx.evidence('strong-password-hash', node, message);
    };

    const checkBcryptCost = (call: ts.CallExpression, arg: ts.Expression | undefined, library: string): void => {
      const cost = numericSource(arg);
      if (!cost) return;
      if (cost.value >= GOOD_BCRYPT_COST) {
        strong(call, `${library} with cost ${cost.value} hashes passwords`);
        return;
      }
      if (cost.value >= MIN_BCRYPT_COST) return;
      const edit = { start: cost.node.getStart(ctx.sourceFile), end: cost.node.end, newText: String(GOOD_BCRYPT_COST) };
      ctx.report(arg!, {
        message: `${library} cost ${cost.value} is too low: each extra round doubles the attacker's work; use 12 or more.`,
        fixes: [{ title: `Raise the ${library} cost to ${GOOD_BCRYPT_COST}`, edits: [edit], preferred: true }],
      });
    };

    return {
      CallExpression(node: ts.CallExpression) {
        const args = node.arguments;
        if (args.length === 0) return;
        const callee = skipWrappers(node.expression);
        const method = isPropertyAccessExpression(callee) ? callee.name.text : isIdentifier(callee) ? callee.text : undefined;
        if (method === undefined) return;

        // crypto.createHash('sha256').update(password)
        if (method === 'update') {
          if (!isPropertyAccessExpression(callee) || !carriesPassword(args[0])) return;
          const factory = hashFactory(ctx, callee.expression);
          if (!factory || !FAST_DIGESTS.test(factory.alg)) return;
          fact(node);
          ctx.report(node, {
            message: `Password hashed with ${factory.alg}${factory.hmac ? ' HMAC' : ''}: fast digests are cracked at billions of guesses per second; use argon2id, bcrypt (cost ≥ 12) or scrypt.`,
          });
          return;
        }

        // Resolve only calls that can matter: a known function name, or a password argument.
        if (!RESOLVED_NAMES.has(method) && !carriesPassword(args[0])) return;
        const o = ctx.modules.callee(node);
        if (!o) return;

        if (BCRYPT_MODULES.has(o.module) && o.path.length === 1) {
          const fn = o.path[0];
          if (fn === 'hash' || fn === 'hashSync') {
            fact(node);
            if (args.length >= 2) checkBcryptCost(node, args[1], o.module);
          } else if (fn === 'genSalt' || fn === 'genSaltSync') {
            fact(node);
            if (args.length >= 1 && !ts.isFunctionLike(skipWrappers(args[0]))) checkBcryptCost(node, args[0], o.module);
          }
          return;
        }
        if (ARGON2_MODULES.has(o.module) && o.path.length === 1 && (o.path[0] === 'hash' || o.path[0] === 'argon2id')) {
          strong(node, 'argon2 hashes passwords');
          return;
        }
        if (o.module === 'crypto' && o.path.length === 1) {
          const fn = o.path[0];
          if ((fn === 'scrypt' || fn === 'scryptSync') && carriesPassword(args[0])) {
            strong(node, 'scrypt hashes passwords');
          } else if (fn === 'pbkdf2' || fn === 'pbkdf2Sync') {
            fact(node);
            const iterations = numericSource(args[2]);
            if (iterations && iterations.value < MIN_PBKDF2_ITERATIONS) {
              ctx.report(args[2], {
                message: `PBKDF2 with ${iterations.value} iterations is too fast: use at least 600000 (sha256) or 210000 (sha512), or switch to argon2id.`,
              });
            }
          }
          return;
        }
        if (isDigestCall(o) && carriesPassword(args[0])) {
          fact(node);
          ctx.report(node, {
            message: `Password hashed with ${o.path[0] ?? o.module}: fast digests are cracked at billions of guesses per second; use argon2id, bcrypt (cost ≥ 12) or scrypt.`,
          });
        }
      },
    };
  },
};
