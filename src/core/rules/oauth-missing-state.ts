import {
  forEachChild, isBinaryExpression, isCallExpression, isElementAccessExpression, isIdentifier,
  isObjectLiteralExpression, isPropertyAccessExpression, isVariableDeclaration, ts,
} from '../ts';
import { textHas, textHasAnyCase } from '../lib/text-hints';
import { calleeName, getProperty, propertyName, stringValue, EQUALITY_OPERATORS } from '../ast';
import { requestPart } from '../flow';
import {
  authorizationUrl, enclosingFunctionOrFile, isFalse, isPassportOAuthModule, isTestOrSampleFile, isTrue, mentionsState,
  outermostStringExpression, staticText,
} from '../lib/protocols';
import { skipWrappers } from '../modules';
import type { RuleContext, SourceRule, Visitors } from '../types';
import { resolveObject } from './jwt-verify-algorithms';
import { handlerFunction, middlewareTokens, routeOf, type HandlerFn } from './idor-lookup';

/**
 * OAuth authorization requests without a `state`, and callbacks that never
 * read it back:
 *
 *   res.redirect(`https://github.com/login/oauth/authorize?client_id=${id}&scope=user`);  // no state
 *   router.get('/auth/github/callback', async (req, res) => { const { code } = req.query; … }); // state never checked
 *   new GoogleStrategy({ clientID, clientSecret, callbackURL, state: false }, verify);
 *
 * Also emits the `oauth` fact and `oauth-state` evidence (a callback that
 * compares the returned state, a passport strategy with `state: true` / `pkce: true`).
 */
export const rule: SourceRule = {
  id: 'oauth-missing-state',
  row: 'oauth',
  severity: 'error',
  description: 'Detects OAuth authorization requests without a state parameter and callbacks that never check it.',
  message: 'OAuth flow without a state check: send a random `state` with the authorization request, keep it in the session, and compare it in the callback.',
  fixable: false,
  docs: {
    why:
      'The `state` parameter binds the authorization response to the browser that started the flow. Without it an attacker can send the ' +
      "victim to your callback with the attacker's own authorization code (login CSRF): the victim ends up signed in to, or linking, the " +
      "attacker's account, and whatever they upload or connect lands there.",
    bad:
      "router.get('/auth/github', (req, res) => {\n" +
      '  res.redirect(`https://github.com/login/oauth/authorize?client_id=${env.GITHUB_ID}&scope=read:user`);\n' +
      '});\n' +
      "router.get('/auth/github/callback', async (req, res) => {\n" +
      '  const token = await exchangeCode(req.query.code);\n' +
      '});',
    good:
      "router.get('/auth/github', (req, res) => {\n" +
      "  const state = crypto.randomBytes(32).toString('hex');\n" +
      '  req.session.oauthState = state;\n' +
      '  res.redirect(`https://github.com/login/oauth/authorize?client_id=${env.GITHUB_ID}&scope=read:user&state=${state}`);\n' +
      '});\n' +
      "router.get('/auth/github/callback', async (req, res) => {\n" +
      '  const { code, state } = req.query;\n' +
      "  if (!state || state !== req.session.oauthState) return res.status(403).send('Invalid state');\n" +
      '  delete req.session.oauthState;\n' +
      '  const token = await exchangeCode(code);\n' +
      '});',
    fix:
      'Generate `state` with `crypto.randomBytes(32)` per authorization request, store it in the session (or a short-lived httpOnly cookie), ' +
      'send it in the authorization URL, and reject the callback unless `req.query.state` equals the stored value; with passport, keep ' +
      '`state: true` (and `pkce: true`) on the strategy.',
    cwe: ['CWE-352', 'CWE-345'],
    owasp: ['A01:2021', 'A07:2021'],
  },
  create(ctx) {
    if (isTestOrSampleFile(ctx.file)) return {};
    let factDone = false;
    const fact = (node: ts.Node): void => {
      if (factDone) return;
      factDone = true;
      ctx.fact('oauth', node);
    };
    const seenUrls = new Set<ts.Node>();
    // An OAuth import counts only when the text spells one of these (every module below does in its
    // specifier). importedModules() is cached per file and cheaper than four text scans, so it is asked
    // first and the text scanned only when it holds such a module.
    const text = ctx.text;
    let mayImportOAuth: boolean | undefined;
    const spellsOAuthModule = (): boolean =>
      (mayImportOAuth ??= textHas(text, 'passport-') || textHas(text, 'openid-client') || textHas(text, 'simple-oauth2') || textHas(text, 'google'));
    const imported = ctx.modules.importedModules();
    const oauthClientFile = (imported.has('openid-client') || imported.has('simple-oauth2') || imported.has('google-auth-library') || imported.has('googleapis')) &&
      spellsOAuthModule();
    let passportFile = false;
    for (const m of imported) {
      if (isPassportOAuthModule(m)) {
        passportFile = spellsOAuthModule();
        break;
      }
    }
    const mayHaveCallbacks = textHasAnyCase(text, 'callback');
    const mayHaveParams = textHas(text, 'client_id');

    const checkUrl = (part: ts.Node): void => {
      const outer = outermostStringExpression(part);
      if (seenUrls.has(outer)) return;
      seenUrls.add(outer);
      const url = authorizationUrl(staticText(outer));
      if (!url) return;
      fact(outer);
      if (url.hasState || url.hasPkce || mentionsState(enclosingFunctionOrFile(outer))) return;
      ctx.report(outer, { message: 'OAuth authorization URL without a `state` parameter: add a random per-request state, store it in the session and check it in the callback (login CSRF).' });
    };

    // Each visitor fires only on its own ground: authorization URLs and parameter objects spell `client_id`,
    // strategies need a passport OAuth import, client calls an OAuth client import, callback routes a `callback` path.
    if (!mayHaveParams && !passportFile && !oauthClientFile && !mayHaveCallbacks) return {};
    const visitors: Visitors = {
      StringLiteral(node: ts.StringLiteral) {
        if (node.text.includes('client_id=')) checkUrl(node);
      },
      NoSubstitutionTemplateLiteral(node: ts.NoSubstitutionTemplateLiteral) {
        if (node.text.includes('client_id=')) checkUrl(node);
      },
      TemplateExpression(node: ts.TemplateExpression) {
        if (node.head.text.includes('client_id=') || node.templateSpans.some((s) => s.literal.text.includes('client_id='))) checkUrl(node);
      },
      NewExpression(node: ts.NewExpression) {
        const name = calleeName(node);
        if (name === 'URLSearchParams') return mayHaveParams ? checkParams(ctx, node, fact) : undefined;
        if (!passportFile || !node.arguments || node.arguments.length === 0) return;
        const o = ctx.modules.callee(node);
        if (!o || !isPassportOAuthModule(o.module)) return;
        fact(node);
        const opts = resolveObject(node.arguments[0]);
        if (!opts) return;
        const state = opts.props.get('state');
        const pkce = opts.props.get('pkce');
        if (isFalse(state) && !isTrue(pkce)) {
          const prop = getProperty(opts.literal, 'state') ?? node;
          ctx.report(prop, { message: 'Passport OAuth strategy with `state: false`: the callback accepts any authorization response (login CSRF); set `state: true` (and `pkce: true`).' });
        } else if (isTrue(state) || isTrue(pkce) || opts.props.has('store')) {
          ctx.evidence('oauth-state', node, `passport ${o.module} strategy checks OAuth ${isTrue(pkce) ? 'state and PKCE' : 'state'}`);
        }
      },
      CallExpression(node: ts.CallExpression) {
        const name = calleeName(node);
        if (name === undefined || node.arguments.length === 0) return;
        if (name === 'stringify') return mayHaveParams ? checkParams(ctx, node, fact) : undefined;
        if (oauthClientFile) {
          if (name === 'authorizationUrl' || name === 'authorizeURL' || name === 'generateAuthUrl' || name === 'buildAuthorizationUrl') {
            checkClientAuthorizationUrl(ctx, node, name, fact);
            return;
          }
          if (name === 'callback' || name === 'oauthCallback' || name === 'authorizationCodeGrant') {
            const checks = resolveObject(node.arguments[2]);
            if (checks && ['state', 'expectedState', 'code_verifier', 'pkceCodeVerifier'].some((k) => checks.props.has(k))) {
              fact(node);
              ctx.evidence('oauth-state', node, 'openid-client callback checks the returned state / PKCE verifier');
            }
            return;
          }
        }
        if (!mayHaveCallbacks) return;
        const lname = name.toLowerCase();
        if (lname !== 'get' && lname !== 'post' && lname !== 'all') return;
        const route = routeOf(node);
        if (!route?.path || !/callback/i.test(route.path)) return;
        const fn = handlerFunction(route.handlers[route.handlers.length - 1]);
        if (!fn?.body) return;
        // passport.authenticate('google'), verifyOAuthState: middleware before the handler does the checking.
        if (route.handlers.slice(0, -1).some((m) => middlewareTokens(m).some((t) => /state|csrf|oauth|passport|authenticate/i.test(t)))) return;
        const reads = callbackReads(fn);
        if (!reads.code) return;
        fact(node);
        if (reads.stateCompared) {
          ctx.evidence('oauth-state', node, `OAuth callback ${route.path} compares the returned state`);
          return;
        }
        // Read but handed on (`await verifyState(req)`, `req.session.oauthState`): someone else may check it.
        if (reads.state || mentionsState(fn.body)) return;
        ctx.report(route.pathNode ?? node, {
          message: `OAuth callback ${route.path} exchanges \`code\` without checking \`state\`: compare req.query.state with the value stored when the flow started (login CSRF).`,
        });
      },
    };
    if (!mayHaveParams) {
      // No `client_id` in the text: no literal holds `client_id=`, and URLSearchParams / stringify are not checked.
      visitors.StringLiteral = undefined;
      visitors.NoSubstitutionTemplateLiteral = undefined;
      visitors.TemplateExpression = undefined;
      if (!passportFile) visitors.NewExpression = undefined;
      if (!oauthClientFile && !mayHaveCallbacks) visitors.CallExpression = undefined;
    }
    return visitors;
  },
};

const TOKEN_REQUEST_KEYS: readonly string[] = ['grant_type', 'client_secret', 'code', 'refresh_token'];

/** `new URLSearchParams({ client_id, redirect_uri, response_type: 'code', scope })`, `querystring.stringify({…})`. */
function checkParams(ctx: RuleContext, node: ts.NewExpression | ts.CallExpression, fact: (n: ts.Node) => void): void {
  const arg = node.arguments?.[0];
  if (!arg) return;
  const e = skipWrappers(arg);
  if (!isObjectLiteralExpression(e) && !isIdentifier(e)) return;
  const opts = resolveObject(e);
  if (!opts || !opts.props.has('client_id')) return;
  if (TOKEN_REQUEST_KEYS.some((k) => opts.props.has(k))) return;
  if (!opts.props.has('response_type') && !opts.props.has('redirect_uri')) return;
  fact(node);
  if (!opts.complete || opts.props.has('state') || opts.props.has('code_challenge')) return;
  if (mentionsState(enclosingFunctionOrFile(node))) return;
  ctx.report(opts.literal, { message: 'OAuth authorization parameters without `state`: add a random per-request state, store it in the session and check it in the callback (login CSRF).' });
}

/** openid-client `client.authorizationUrl({…})`, simple-oauth2 `authorizeURL({…})`, google-auth-library `generateAuthUrl({…})`. */
function checkClientAuthorizationUrl(ctx: RuleContext, node: ts.CallExpression, name: string, fact: (n: ts.Node) => void): void {
  const optsArg = name === 'buildAuthorizationUrl' ? node.arguments[1] : node.arguments[0];
  const opts = resolveObject(optsArg);
  if (!opts) return;
  fact(node);
  if (!opts.complete || ['state', 'code_challenge', 'nonce'].some((k) => opts.props.has(k))) return;
  if (mentionsState(enclosingFunctionOrFile(node))) return;
  ctx.report(node, { message: `${name}() without \`state\`: pass a random per-request state, store it in the session and check it in the callback (login CSRF).` });
}

interface CallbackReads {
  code: boolean;
  state: boolean;
  stateCompared: boolean;
}


/** What a callback handler reads from the query (or a form_post body): `code`, `state`, and whether the state is compared. */
function callbackReads(fn: HandlerFn): CallbackReads {
  const out: CallbackReads = { code: false, state: false, stateCompared: false };
  const stateNames = new Set<string>();
  const isQuery = (e: ts.Node): boolean => {
    const p = requestPart(skipWrappers(e));
    return !!p && (p.part === 'query' || p.part === 'body');
  };
  const keyRead = (n: ts.Node): string | undefined => {
    if (isPropertyAccessExpression(n) && isQuery(n.expression)) return n.name.text;
    if (isElementAccessExpression(n) && isQuery(n.expression)) return stringValue(n.argumentExpression);
    return undefined;
  };
  const isStateExpr = (e: ts.Node): boolean => {
    const s = skipWrappers(e);
    if (keyRead(s) === 'state') return true;
    if (isIdentifier(s)) return stateNames.has(s.text);
    if (isCallExpression(s) && isPropertyAccessExpression(s.expression)) return isStateExpr(s.expression.expression); // state.toString()
    return false;
  };
  const visit = (n: ts.Node): void => {
    const key = keyRead(n);
    if (key === 'code') out.code = true;
    else if (key === 'state') {
      out.state = true;
      const p = n.parent;
      if (isVariableDeclaration(p) && isIdentifier(p.name)) stateNames.add(p.name.text);
    }
    if (isVariableDeclaration(n) && n.initializer && ts.isObjectBindingPattern(n.name) && isQuery(n.initializer)) {
      for (const el of n.name.elements) {
        const k = el.propertyName ? propertyName(el.propertyName as ts.PropertyName) : isIdentifier(el.name) ? el.name.text : undefined;
        if (k === 'code') out.code = true;
        if (k === 'state') {
          out.state = true;
          if (isIdentifier(el.name)) stateNames.add(el.name.text);
        }
      }
    }
    if (isBinaryExpression(n) && EQUALITY_OPERATORS.has(n.operatorToken.kind) && (isStateExpr(n.left) || isStateExpr(n.right))) out.stateCompared = true;
    if (isCallExpression(n) && n.arguments.some(isStateExpr) && /equal|verify|check|valid|compare/i.test(calleeName(n) ?? '')) out.stateCompared = true;
    forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return out;
}
