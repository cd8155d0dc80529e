import { isArrayLiteralExpression, isNoSubstitutionTemplateLiteral, isObjectLiteralExpression, isStringLiteral, ts } from '../ts';
import { textHas } from '../lib/text-hints';
import { getProperty, propertyName } from '../ast';
import { isImplicitResponseType, isTestOrSampleFile, stringPartVisitors, type StringPart } from '../lib/protocols';
import { skipWrappers } from '../modules';
import type { Fix, RuleContext, SourceRule } from '../types';

/**
 * The OAuth implicit flow: `response_type=token` (or `id_token token`) in an
 * authorization URL, or `response_type: 'token'` in client options:
 *
 *   res.redirect(`${AUTH_URL}?client_id=${id}&response_type=token&redirect_uri=${cb}`);
 *   client.authorizationUrl({ response_type: 'id_token token', scope: 'openid' });
 *   new issuer.Client({ client_id, response_types: ['id_token token'] });
 */
export const rule: SourceRule = {
  id: 'oauth-implicit-flow',
  row: 'oauth',
  severity: 'error',
  description: 'Detects the OAuth implicit flow (response_type token), which returns access tokens in the redirect URL.',
  message: "OAuth implicit flow (response_type token): the access token travels in the URL fragment; use response_type 'code' with PKCE.",
  fixable: true,
  docs: {
    why:
      'The implicit flow hands the access token back in the redirect URL, where it lands in browser history, Referer headers, logs and ' +
      'any script on the page, with no way to bind it to the client that asked. OAuth 2.0 Security BCP (RFC 9700) and OAuth 2.1 drop it: ' +
      'the authorization code flow with PKCE replaces it for browser apps too.',
    bad:
      "const url = client.authorizationUrl({ response_type: 'token', scope: 'openid email', redirect_uri });\n" +
      'res.redirect(`${issuer}/authorize?client_id=${id}&response_type=token&redirect_uri=${cb}`);',
    good:
      'const codeVerifier = generators.codeVerifier();\n' +
      'req.session.codeVerifier = codeVerifier;\n' +
      'const url = client.authorizationUrl({\n' +
      "  response_type: 'code',\n" +
      "  scope: 'openid email',\n" +
      '  code_challenge: generators.codeChallenge(codeVerifier),\n' +
      "  code_challenge_method: 'S256',\n" +
      '  state,\n' +
      '});',
    fix:
      "Switch to `response_type: 'code'`, exchange the code for tokens on the server (or in the SPA with PKCE), send `code_challenge` " +
      "with `code_challenge_method: 'S256'` and keep the verifier in the session.",
    cwe: ['CWE-598', 'CWE-522'],
    owasp: ['A07:2021', 'A02:2021'],
  },
  create(ctx) {
    if (isTestOrSampleFile(ctx.file)) return {};
    if (!textHas(ctx.text, 'response_type') && !textHas(ctx.text, 'responseType')) return {};
    const onPart = (node: StringPart): void => {
      if (!node.text.includes('response_type=')) return;
      checkUrlPart(ctx, node);
    };
    return [stringPartVisitors(onPart), {
      PropertyAssignment(node: ts.PropertyAssignment) {
        const name = propertyName(node.name);
        if (name !== 'response_type' && name !== 'responseType' && name !== 'response_types' && name !== 'responseTypes') return;
        // camelCase keys are common elsewhere (axios `responseType`): only in an object that also names an OAuth client.
        if (name.startsWith('responseType') && !isOAuthClientObject(node.parent)) return;
        const value = skipWrappers(node.initializer);
        const literals = isArrayLiteralExpression(value) ? value.elements.map((e) => skipWrappers(e)) : [value];
        for (const lit of literals) {
          if (!isStringLiteral(lit) && !isNoSubstitutionTemplateLiteral(lit)) continue;
          if (!isImplicitResponseType(lit.text)) continue;
          const q = ctx.text[lit.getStart(ctx.sourceFile)];
          ctx.report(lit, {
            message: `OAuth implicit flow (${name}: '${lit.text}'): the access token comes back in the URL fragment; use 'code' with PKCE (code_challenge, S256).`,
            fixes: [replaceFix(lit.getStart(ctx.sourceFile), lit.end, `${q}code${q}`)],
          });
        }
      },
    }];
  },
};

/** A query parameter: right after `?`, `&`, the literal's quote or a `${…}` hole, never in prose. */
const RESPONSE_TYPE_IN_URL = /(?<=[?&'"`}])response_type=([A-Za-z_]+(?:(?:%20|\+)[A-Za-z_]+)*)/g;

/** `…&response_type=token&…` inside one literal part: the value is replaced with `code`. */
function checkUrlPart(ctx: RuleContext, node: ts.Node): void {
  const sf = ctx.sourceFile;
  const start = node.getStart(sf);
  const raw = ctx.text.slice(start, node.end);
  RESPONSE_TYPE_IN_URL.lastIndex = 0;
  for (let m = RESPONSE_TYPE_IN_URL.exec(raw); m; m = RESPONSE_TYPE_IN_URL.exec(raw)) {
    const value = m[1].replace(/%20|\+/g, ' ');
    if (!isImplicitResponseType(value)) continue;
    const at = start + m.index + 'response_type='.length;
    ctx.report(node, {
      message: `OAuth implicit flow (response_type=${m[1]}): the access token comes back in the URL fragment; use response_type=code with PKCE (code_challenge, S256).`,
      fixes: [replaceFix(at, at + m[1].length, 'code')],
    });
    return;
  }
}

function replaceFix(start: number, end: number, newText: string): Fix {
  return { title: "Use the authorization code flow (response_type 'code'); add PKCE", edits: [{ start, end, newText }], preferred: false };
}

/** An object literal that configures an OAuth client: it names a client id or a redirect URI. */
function isOAuthClientObject(obj: ts.Node): boolean {
  if (!isObjectLiteralExpression(obj)) return false;
  return ['clientId', 'client_id', 'redirectUri', 'redirect_uri', 'authority', 'issuer'].some((k) => getProperty(obj, k) !== undefined);
}
