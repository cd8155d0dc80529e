import {
  isCallExpression, isElementAccessExpression, isIdentifier, isObjectLiteralExpression,
  isPropertyAccessExpression, isPropertyAssignment, isShorthandPropertyAssignment, isStringLiteral,
  SyntaxKind, ts,
} from '../ts';
import { textHasAnyCase, textHasAnyOf } from '../lib/text-hints';
import { calleeName, calleeObject, descendantsInWalk, isFunctionLike, propertyName, routeCall, stringValue, type RouteCall } from '../ast';
import { requestPart, isRequestObject } from '../flow';
import { skipWrappers } from '../modules';
import type { RuleContext, SourceRule, Visitors } from '../types';
import { find, looksLikeHttpHandler, middlewareOf, nameOf, resolveHandler, routeLabel, segments, walk, words, type HandlerFn } from './login-user-enumeration';
import { maySpellWithEscapes } from '../lib/gates';

/**
 * A webhook endpoint that trusts whatever is POSTed to it:
 *
 *   router.post('/webhooks/stripe', async (req, res) => {
 *     const event = req.body;                       // anyone can send this
 *     if (event.type === 'checkout.session.completed') markPaid(event.data.object.id);
 *   });
 *
 * Verification is recognised in the handler, in a local function it calls, in
 * its middleware, or in an earlier `router.use(…)` of the same router: a
 * provider SDK (`stripe.webhooks.constructEvent`, svix `Webhook#verify`,
 * `@octokit/webhooks`), an HMAC with `timingSafeEqual`, a function or
 * middleware named like `verifySignature`, or a signature header that is read
 * and checked. A handler that hands the whole request to code in another file
 * is not judged.
 */
export const rule: SourceRule = {
  id: 'webhook-no-signature',
  row: 'webhooks',
  severity: 'error',
  description: 'Detects webhook routes that act on the payload without verifying the sender’s signature.',
  message: 'Webhook route never verifies the sender’s signature: anyone can forge events; verify it (e.g. stripe.webhooks.constructEvent, or an HMAC compared with crypto.timingSafeEqual) before using the body.',
  fixable: false,
  docs: {
    why:
      'A webhook URL is public: without checking the provider’s signature, anyone who finds or guesses it can post fake ' +
      '"payment succeeded" or "repository pushed" events and make your server act on them. Providers sign each delivery ' +
      'with a shared secret and a timestamp precisely so that you can reject forged and replayed requests.',
    bad:
      "router.post('/webhooks/stripe', express.json(), async (req, res) => {\n" +
      '  const event = req.body;\n' +
      "  if (event.type === 'checkout.session.completed') await markPaid(event.data.object.id);\n" +
      '  res.json({ received: true });\n' +
      '});',
    good:
      "router.post('/webhooks/stripe', express.raw({ type: 'application/json' }), async (req, res) => {\n" +
      '  let event;\n' +
      '  try {\n' +
      "    event = stripe.webhooks.constructEvent(req.body, req.get('stripe-signature'), env.STRIPE_WEBHOOK_SECRET);\n" +
      '  } catch {\n' +
      "    return res.status(400).send('Invalid signature');\n" +
      '  }\n' +
      "  if (event.type === 'checkout.session.completed') await markPaid(event.data.object.id);\n" +
      '  res.json({ received: true });\n' +
      '});',
    fix:
      'Take the raw body (`express.raw()`), verify the signature header with the provider’s SDK or with an HMAC of the ' +
      'raw body compared by `crypto.timingSafeEqual`, reject deliveries whose timestamp is older than a few minutes, and ' +
      'only then parse and act on the event.',
    cwe: ['CWE-345', 'CWE-347'],
    owasp: ['A08:2021'],
  },
  create(ctx) {
    // Evidence needs one of these callee names; a route needs a webhook path (its text says hook or stripe,
    // unless spelled with escapes); a named handler needs `webhook` in its name.
    const text = ctx.text;
    const w: Walked = { ctx, escapes: () => maySpellWithEscapes(text) };
    const hook = textHasAnyOf(text, HOOK_OR_STRIPE, true);
    if (!hook && !w.escapes()) {
      if (!ctx.mentions('constructEvent', 'constructEventAsync', 'timingSafeEqual', 'verify', 'verifyAndReceive')) return {};
      // isWebhookPath lower-cases the path, which turns a Kelvin sign into `k`: such a text still may have routes.
      if (!text.includes('\u212A')) {
        // No route or named handler can be one (isWebhookPath, isWebhookHandlerName): only the evidence is left.
        return { CallExpression: (node: ts.CallExpression) => evidenceCall(w, node) };
      }
    }
    const routes: RouteCall[] = [];
    const named: { fn: HandlerFn; anchor: ts.Node; name: string }[] = [];
    /** Receivers (by text) with a verifying `use(…)`, and where it was registered. */
    const guardedReceivers: { receiver: string; pos: number; path?: string; node: ts.Node; what: string }[] = [];
    // A handler name must contain `webhook` (isWebhookHandlerName): without it in the text, none can.
    const mayName = textHasAnyCase(text, 'webhook') || w.escapes();
    const visitors: Visitors = {
      CallExpression(node: ts.CallExpression) {
        const name = calleeName(node);
        if (!name || !CALL_NAMES.has(name)) return;
        if (EVIDENCE_NAMES.has(name)) {
          evidenceOf(w, node, name);
          return;
        }
        if (!HTTP_METHOD_OR_USE.has(name)) return;
        const route = routeCall(node);
        if (!route) return;
        if (route.method === 'use') {
          const verifying = middlewareOf(route).find((m) => verifyingMiddleware(w, m));
          const recv = calleeObject(node);
          if (verifying && recv) {
            guardedReceivers.push({ receiver: recv.getText(), pos: node.pos, path: route.path, node: verifying, what: shortText(verifying) });
          }
          if (route.path !== undefined && isWebhookPath(route.path)) ctx.fact('webhook-route', node);
          return;
        }
        if (route.path === undefined || !WEBHOOK_METHODS.has(route.method) || !isWebhookPath(route.path)) return;
        ctx.fact('webhook-route', node);
        routes.push(route);
      },
      FunctionDeclaration(node: ts.FunctionDeclaration) {
        if (mayName && node.name && isWebhookHandlerName(node.name.text)) named.push({ fn: node, anchor: node.name, name: node.name.text });
      },
      MethodDeclaration(node: ts.MethodDeclaration) {
        if (!mayName) return;
        const name = propertyName(node.name);
        if (name && isWebhookHandlerName(name)) named.push({ fn: node, anchor: node.name, name });
      },
      VariableDeclaration: mayName
        ? (node: ts.VariableDeclaration) => {
          if (!isIdentifier(node.name) || !node.initializer || !isWebhookHandlerName(node.name.text)) return;
          const fn = resolveHandler(node.initializer);
          if (fn) named.push({ fn, anchor: node.name, name: node.name.text });
        }
        : undefined,
      PropertyAssignment: mayName
        ? (node: ts.PropertyAssignment) => {
          const name = propertyName(node.name);
          if (!name || !isWebhookHandlerName(name)) return;
          const fn = resolveHandler(node.initializer);
          if (fn) named.push({ fn, anchor: node.name, name });
        }
        : undefined,
      onEnd,
    };
    function onEnd(): void {
      const judged = new Set<ts.Node>();
      for (const route of routes) {
        const last = route.handlers[route.handlers.length - 1];
        const handler = last ? resolveHandler(last) : undefined;
        if (handler) judged.add(handler);
        const recv = calleeObject(route.call)?.getText();
        const guard = guardedReceivers.find((g) => g.receiver === recv && g.pos < route.call.pos && (g.path === undefined || route.path!.startsWith(g.path)));
        if (guard) {
          ctx.evidence('webhook-signature', guard.node, `${guard.what} verifies ${routeLabel(route)}`);
          continue;
        }
        const verdict = judge(w, route);
        if (verdict.kind === 'verified') {
          if (verdict.evidence) {
            const tolerance = /constructEvent/.test(verdict.what) || timestampChecked(w, route) ? ', with timestamp tolerance' : '';
            ctx.evidence('webhook-signature', verdict.node, `${verdict.what} verifies ${routeLabel(route)}${tolerance}`);
          }
        } else if (verdict.kind === 'unverified') {
          ctx.report(route.call, {
            message: `Webhook route ${routeLabel(route)} never verifies the sender’s signature: anyone can forge events; verify it (e.g. stripe.webhooks.constructEvent, or an HMAC compared with crypto.timingSafeEqual) before using the body.`,
          });
        }
      }
      // Controllers: `export const stripeWebhook = async (req, res) => { … }`, routed from another file.
      for (const h of named) {
        if (judged.has(h.fn) || !looksLikeHttpHandler(h.fn)) continue;
        judged.add(h.fn);
        ctx.fact('webhook-route', h.anchor);
        const verdict = judgeFunction(w, h.fn);
        if (verdict.kind === 'verified') {
          if (verdict.evidence) ctx.evidence('webhook-signature', verdict.node, `${verdict.what} verifies ${h.name}()`);
        } else if (verdict.kind === 'unverified') {
          ctx.report(h.anchor, {
            message: `Webhook handler ${h.name}() never verifies the sender’s signature: anyone can forge events; verify it (e.g. stripe.webhooks.constructEvent, or an HMAC compared with crypto.timingSafeEqual) before using the body.`,
          });
        }
      }
    }
    return visitors;
  },
};

const HTTP_METHOD_OR_USE: ReadonlySet<string> = new Set(['post', 'put', 'all', 'use']);
const HOOK_OR_STRIPE: readonly string[] = ['hook', 'stripe'];
const PATH_HINT = /hoo[k\u212A]|stripe/i;
/** Callee names of signature checks anywhere in the file (evidence). */
const EVIDENCE_NAMES: ReadonlySet<string> = new Set(['constructEvent', 'constructEventAsync', 'timingSafeEqual', 'verify', 'verifyAndReceive']);
/** Every callee name the CallExpression visitor acts on. */
const CALL_NAMES: ReadonlySet<string> = new Set([...EVIDENCE_NAMES, ...HTTP_METHOD_OR_USE]);

/** Evidence from a call anywhere in the file: stripe's constructEvent, an HMAC compared with timingSafeEqual, a signing package's verify. */
function evidenceCall(w: Walked, node: ts.CallExpression): void {
  const name = calleeName(node);
  if (name && EVIDENCE_NAMES.has(name)) evidenceOf(w, node, name);
}

function evidenceOf(w: Walked, node: ts.CallExpression, name: string): void {
  const ctx = w.ctx;
  if (name === 'constructEvent' || name === 'constructEventAsync') {
    ctx.evidence('webhook-signature', node, 'stripe.webhooks.constructEvent verifies the signature (with timestamp tolerance)');
    return;
  }
  if (name === 'timingSafeEqual') {
    if (hmacNearby(w, node)) {
      ctx.evidence('webhook-signature', node, `HMAC signature compared with timingSafeEqual${timestampNearby(w, node) ? ', timestamp tolerance checked' : ''}`);
    }
    return;
  }
  // verify, verifyAndReceive
  const origin = ctx.modules.callee(node);
  if (origin && SIGNED_WEBHOOK_MODULES.has(origin.module)) {
    ctx.evidence('webhook-signature', node, `${origin.module} verifies the webhook signature`);
  }
}
const WEBHOOK_METHODS: ReadonlySet<string> = new Set(['post', 'put', 'all']);

/** Packages whose middleware or `verify` checks a webhook signature. */
const SIGNED_WEBHOOK_MODULES: ReadonlySet<string> = new Set([
  'stripe', 'svix', 'standardwebhooks', '@octokit/webhooks', '@octokit/webhooks-methods', '@slack/events-api', '@slack/bolt',
  'x-hub-signature', 'express-x-hub', 'github-webhook-handler', '@line/bot-sdk', 'twilio', '@shopify/shopify-api',
  '@paddle/paddle-node-sdk', 'discord-interactions', '@mailchimp/mailchimp_transactional', 'mailgun.js', '@sendgrid/eventwebhook',
]);

/** `/webhook`, `/webhooks/stripe`, `/api/hooks/github`, `/stripe-webhook`, `/stripe/events`, `/callback/stripe`. */
export function isWebhookPath(path: string): boolean {
  // Every answer below needs a segment containing hook or stripe (any case; toLowerCase also makes a Kelvin sign `k`).
  if (!PATH_HINT.test(path)) return false;
  const segs = segments(path.toLowerCase());
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (s === 'webhook' || s === 'webhooks' || s === 'hooks') return true;
    if (/^[a-z0-9]+[-_]webhooks?$/.test(s)) return true;
    if (s === 'stripe' && (segs[i + 1] === 'events' || segs[i - 1] === 'callback')) return true;
  }
  // camelCase segments: /stripeWebhook
  return segments(path).some((s) => /^[a-z0-9]+Webhooks?$/.test(s));
}

/** `stripeWebhook`, `handleWebhook`, `webhookHandler`, `onGithubWebhook`; not `registerWebhook` or `listWebhooks`. */
function isWebhookHandlerName(name: string): boolean {
  // words() are runs of letters of the name: 'webhook' must occur in it.
  if (!WEBHOOK_IN_NAME.test(name)) return false;
  const w = words(name);
  if (!w.includes('webhook') && !w.includes('webhooks')) return false;
  return !w.some((x) => WEBHOOK_ADMIN_VERBS.has(x));
}
const WEBHOOK_IN_NAME = /webhook/i;
const WEBHOOK_ADMIN_VERBS: ReadonlySet<string> = new Set([
  'register', 'create', 'list', 'get', 'delete', 'remove', 'update', 'send', 'trigger', 'dispatch', 'setup', 'subscribe', 'unsubscribe', 'test', 'verify', 'validate', 'sign',
]);

const VERIFY_NAME = /verif|signature|hmac|constructEvent|timingSafeEqual/i;

function shortText(n: ts.Node): string {
  const t = n.getText().replace(/\s+/g, ' ');
  return t.length > 40 ? `${t.slice(0, 37)}…` : t;
}

/** `verifyStripeSignature`, `githubWebhooks.middleware` from @octokit/webhooks, `twilio.webhook()`. */
function verifyingMiddleware(w: Walked, m: ts.Expression): boolean {
  const e = skipWrappers(m);
  const name = nameOf(e);
  if (name && VERIFY_NAME.test(name)) return true;
  const target = isCallExpression(e) ? e.expression : e;
  const full = isPropertyAccessExpression(target) ? target.getText() : '';
  if (full && VERIFY_NAME.test(full)) return true;
  const origin = w.ctx.modules.origin(target);
  return !!origin && SIGNED_WEBHOOK_MODULES.has(origin.module) && origin.module !== 'stripe';
}

type Verdict =
  | { kind: 'verified'; node: ts.Node; what: string; evidence: boolean }
  | { kind: 'unverified' }
  | { kind: 'unknown' };

/** Header names that carry a signature or a shared secret. */
function isSignatureHeader(name: string): boolean {
  // Every SIGNATURE_HEADER_WORDS word contains one of these (words() lower-cases).
  if (!SIGNATURE_HEADER_HINT.test(name)) return false;
  return words(name).some((w) => SIGNATURE_HEADER_WORDS.has(w));
}
const SIGNATURE_HEADER_WORDS: ReadonlySet<string> = new Set(['signature', 'sig', 'hmac', 'token', 'secret', 'key', 'authorization', 'auth']);
const SIGNATURE_HEADER_HINT = /sig|hmac|token|secret|key|auth/i;

/** `req.headers['stripe-signature']`, `req.get('X-Hub-Signature-256')`, `req.header('x-signature')`. */
function signatureHeaderRead(n: ts.Node): string | undefined {
  if (isCallExpression(n)) {
    const name = calleeName(n);
    const obj = calleeObject(n);
    if ((name === 'get' || name === 'header') && obj && isRequestObject(skipWrappers(obj))) {
      const h = stringValue(n.arguments[0]);
      return h && isSignatureHeader(h) ? h : undefined;
    }
    return undefined;
  }
  if (isElementAccessExpression(n) || isPropertyAccessExpression(n)) {
    const inner = skipWrappers(n.expression);
    const part = requestPart(inner);
    if (!part || part.part !== 'headers') return undefined;
    const h = isPropertyAccessExpression(n) ? n.name.text : stringValue(n.argumentExpression);
    return h && isSignatureHeader(h) ? h : undefined;
  }
  return undefined;
}

/**
 * Reads the handler (and the local functions it calls, one level) for a
 * verification. Unknown when the request itself, its headers or a raw body is
 * handed to code we cannot see.
 */
function judge(w: Walked, route: RouteCall): Verdict {
  for (const m of middlewareOf(route)) {
    if (verifyingMiddleware(w, m)) return { kind: 'verified', node: m, what: shortText(m), evidence: true };
  }
  const last = route.handlers[route.handlers.length - 1];
  const fn = last ? resolveHandler(last) : undefined;
  return fn ? judgeFunction(w, fn) : { kind: 'unknown' };
}

function judgeFunction(w: Walked, fn: HandlerFn): Verdict {
  const reqName = fn.parameters[0] && isIdentifier(fn.parameters[0].name) ? fn.parameters[0].name.text : undefined;
  if (!reqName) return { kind: 'unknown' };
  return scan(w, fn, reqName, 0) ?? { kind: 'unverified' };
}

// ---------------------------------------------------------------------------
// Handlers read from the walk's node list
//
// scan() reads every call of a handler and the header/rawBody accesses in it,
// in walk order, nested functions included. Instead of walking each handler
// (and each local helper, and again for a timestamp check), it reads the
// handler's run of the walk's pre-order node list (RuleContext.nodes): a
// function's descendants follow it contiguously, up to the first node starting
// at or after the function's end (the kinds scan() acts on are never
// zero-width; a zero-width node of another kind is skipped anyway).

/** What the rule's onEnd helpers share for one file. */
interface Walked {
  ctx: RuleContext;
  /** The file may spell names with escapes: text searches cannot rule a name out. */
  escapes: () => boolean;
}


/**
 * The accesses scan() can act on: `x.rawBody`, and reads of a `headers` part
 * (signatureHeaderRead needs requestPart(inner) to be `…headers`, a property
 * or element access). Other accesses do nothing there.
 */
function mayActInScan(n: ts.PropertyAccessExpression | ts.ElementAccessExpression): boolean {
  if (n.kind === SyntaxKind.PropertyAccessExpression && (n as ts.PropertyAccessExpression).name.text === 'rawBody') return true;
  const inner = skipWrappers(n.expression);
  if (inner.kind === SyntaxKind.PropertyAccessExpression) return (inner as ts.PropertyAccessExpression).name.text === 'headers';
  return inner.kind === SyntaxKind.ElementAccessExpression;
}

/**
 * The nodes under `fn`, as an index range [from, to) of a walk-order list with each node's kind
 * beside it (scan() skips kinds it does not act on, and reads the kind from the table first).
 */
function runOf(w: Walked, fn: ts.Node): { nodes: readonly ts.Node[]; kinds: Uint16Array; from: number; to: number } {
  const run = descendantsInWalk(w.ctx.nodes, fn);
  if (run) return { nodes: w.ctx.nodes, kinds: w.ctx.kinds, ...run };
  // Not met by the walk (cannot happen for a node of this file): collect its descendants the same way.
  const nodes: ts.Node[] = [];
  walk(fn, (n) => {
    if (n.kind === SyntaxKind.CallExpression) nodes.push(n);
    else if (n.kind === SyntaxKind.PropertyAccessExpression || n.kind === SyntaxKind.ElementAccessExpression) {
      if (mayActInScan(n as ts.PropertyAccessExpression)) nodes.push(n);
    }
  });
  return { nodes, kinds: Uint16Array.from(nodes, (n) => n.kind), from: 0, to: nodes.length };
}

/** A call named `name` inside `fn` (a calleeName test over the collected run). */
function callNamedIn(w: Walked, fn: ts.Node, name: string): boolean {
  const { nodes, kinds, from, to } = runOf(w, fn);
  for (let i = from; i < to; i++) {
    if (kinds[i] === SyntaxKind.CallExpression && calleeName(nodes[i] as ts.CallExpression) === name) return true;
  }
  return false;
}

/** What the original walk over `fn` concluded, from the collected run (same nodes, same order, same early exit). */
function scan(w: Walked, fn: HandlerFn, reqName: string, depth: number): Verdict | undefined {
  const ctx = w.ctx;
  let strong: Verdict | undefined;
  let header: Verdict | undefined;
  let unknown = false;
  const { nodes, kinds, from, to } = runOf(w, fn);
  for (let i = from; i < to && !strong; i++) {
    const k = kinds[i];
    if (k !== SyntaxKind.CallExpression && k !== SyntaxKind.PropertyAccessExpression && k !== SyntaxKind.ElementAccessExpression) continue;
    const n = nodes[i];
    if (k === SyntaxKind.CallExpression) {
      const c = n as ts.CallExpression;
      const name = calleeName(c);
      if (name && VERIFY_NAME.test(name)) {
        strong = { kind: 'verified', node: c, what: name === 'constructEvent' || name === 'constructEventAsync' ? `stripe.webhooks.${name}()` : `${name}()`, evidence: true };
        break;
      }
      // Fetching the event back from the provider's API also proves it is genuine.
      if (name === 'retrieve' && /events/i.test(calleeObject(c)?.getText() ?? '')) {
        strong = { kind: 'verified', node: c, what: 'the event re-fetched from the provider', evidence: true };
        break;
      }
      if (name === 'verify' || name === 'verifyAndReceive' || name === 'validateRequest' || name === 'validate') {
        const origin = ctx.modules.callee(c);
        if (origin && SIGNED_WEBHOOK_MODULES.has(origin.module)) {
          strong = { kind: 'verified', node: c, what: `${origin.module} ${name}()`, evidence: true };
          break;
        }
      }
      // signatureHeaderRead answers a call only for `get`/`header`.
      if (name === 'get' || name === 'header') {
        const h = signatureHeaderRead(c);
        if (h) header ??= { kind: 'verified', node: c, what: `the ${h} header`, evidence: false };
      }
      const local = depth === 0 && c.expression.kind === SyntaxKind.Identifier ? resolveHandler(c.expression) : undefined;
      if (local && local !== fn) {
        // A local helper: read it too, with the request under its own parameter name.
        const inner = scan(w, local, paramAt(local, c, reqName), depth + 1);
        if (inner?.kind === 'verified') {
          if (inner.evidence) strong = inner;
          else header ??= inner;
        } else if (inner?.kind === 'unknown') unknown = true;
      } else if (c.arguments.length > 0 && !isResponseCall(c, fn) && c.arguments.some((a) => handsOverRequest(a, reqName))) {
        // The whole request or its headers go to code in another file: cannot tell.
        unknown = true;
      }
    } else {
      // A header or rawBody access (see mayActInScan); other accesses do nothing here.
      if (!mayActInScan(n as ts.PropertyAccessExpression | ts.ElementAccessExpression)) continue;
      const h = signatureHeaderRead(n);
      if (h) header ??= { kind: 'verified', node: n, what: `the ${h} header`, evidence: false };
      // req.rawBody exists for signature checks done elsewhere.
      if (n.kind === SyntaxKind.PropertyAccessExpression && (n as ts.PropertyAccessExpression).name.text === 'rawBody') unknown = true;
    }
  }
  if (strong) return strong;
  if (header) return header;
  return unknown ? { kind: 'unknown' } : undefined;
}

/** The parameter name a local function gives to the request it is called with. */
function paramAt(fn: HandlerFn, call: ts.CallExpression, reqName: string): string {
  const i = call.arguments.findIndex((a) => isIdentifier(skipWrappers(a)) && (skipWrappers(a) as ts.Identifier).text === reqName);
  const p = i >= 0 ? fn.parameters[i] : undefined;
  return p && isIdentifier(p.name) ? p.name.text : '\0';
}

/** `req`, `req.headers`, `{ headers: req.headers }`. */
function handsOverRequest(arg: ts.Node, reqName: string): boolean {
  const a = skipWrappers(arg);
  if (isIdentifier(a)) return a.text === reqName;
  if (isPropertyAccessExpression(a) && isIdentifier(a.expression) && a.expression.text === reqName) {
    return a.name.text === 'headers' || a.name.text === 'rawBody';
  }
  if (isObjectLiteralExpression(a)) {
    return a.properties.some((p) => (isPropertyAssignment(p) && handsOverRequest(p.initializer, reqName)) ||
      (isShorthandPropertyAssignment(p) && p.name.text === reqName));
  }
  return false;
}

/** `res.json(x)`, `next(err)`: calls that answer rather than process. */
function isResponseCall(call: ts.CallExpression, fn: HandlerFn): boolean {
  const resParam = fn.parameters[1];
  const resName = resParam && isIdentifier(resParam.name) ? resParam.name.text : 'res';
  let base: ts.Node = call.expression;
  while (isPropertyAccessExpression(base) || isCallExpression(base)) base = base.expression;
  return isIdentifier(base) && (base.text === resName || base.text === 'next' || base.text === 'console');
}

/** A `timingSafeEqual` whose function also computes an HMAC. */
function hmacNearby(w: Walked, node: ts.Node): boolean {
  const fn = enclosingFn(node);
  if (!fn) return false;
  // Runs during the shared walk, before the rest of fn is collected: a text test rules out most functions.
  if (!mayContain(w.ctx.text, fn, 'createHmac') && !w.escapes()) return false;
  return !!find(fn, (n) => isCallExpression(n) && calleeName(n) === 'createHmac');
}

/** A timestamp read and compared with the clock in the function (during the walk). */
function timestampNearby(w: Walked, node: ts.Node): boolean {
  const fn = enclosingFn(node);
  return !!fn && mayCheckTimestamp(w, fn) && checksTimestamp(fn);
}

/** `fn`'s text says timestamp or tolerance (checksTimestamp's first test needs one of them), or escapes could. */
function mayCheckTimestamp(w: Walked, fn: ts.Node): boolean {
  return TIMESTAMP_HINT.test(w.ctx.text.slice(fn.pos, fn.end)) || w.escapes();
}
const TIMESTAMP_HINT = /timestamp|tolerance/i;

/** `word` occurs in the text of `node`. */
function mayContain(text: string, node: ts.Node, word: string): boolean {
  const at = text.indexOf(word, node.pos);
  return at >= 0 && at + word.length <= node.end;
}

function checksTimestamp(fn: ts.Node): boolean {
  return !!find(fn, (n) => (isIdentifier(n) && /timestamp|tolerance/i.test(n.text)) || (isStringLiteral(n) && /timestamp/i.test(n.text))) &&
    !!find(fn, (n) => isCallExpression(n) && calleeName(n) === 'now');
}

/** The route's handler (or a local function it calls) checks the delivery's timestamp (in onEnd: the walk is done). */
function timestampChecked(w: Walked, route: RouteCall): boolean {
  const last = route.handlers[route.handlers.length - 1];
  const fn = last ? resolveHandler(last) : undefined;
  // checksTimestamp's two tests are independent: the collected calls answer the second cheaply.
  return !!fn && mayCheckTimestamp(w, fn) && callNamedIn(w, fn, 'now') &&
    !!find(fn, (n) => (isIdentifier(n) && /timestamp|tolerance/i.test(n.text)) || (isStringLiteral(n) && /timestamp/i.test(n.text)));
}

function enclosingFn(node: ts.Node): ts.Node | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) if (isFunctionLike(n)) return n;
  return undefined;
}
