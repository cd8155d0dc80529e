import { forEachChild, isObjectLiteralExpression, ts } from '../ts';
import { textHas } from '../lib/text-hints';
import { calleeName, propertyName, stringValue } from '../ast';
import { isTestOrSampleFile, stringPartVisitors, type StringPart } from '../lib/protocols';
import type { SourceRule } from '../types';
import { resolveObject } from './jwt-verify-algorithms';

/** Any mention of PKCE in a file: then the flow is assumed to use it. */
const PKCE_MENTION = /code_?challenge|code_?verifier|pkce/gi;

/**
 * An authorization-code flow built in a file that never mentions PKCE:
 *
 *   const url = client.authorizationUrl({ scope: 'openid email', state });     // openid-client, no code_challenge
 *   res.redirect(`${AUTH}?client_id=${id}&response_type=code&state=${s}`);     // hand-built, no code_challenge
 *
 * Conservative on purpose: a single mention of code_challenge, codeVerifier
 * or pkce anywhere in the file clears it.
 */
export const rule: SourceRule = {
  id: 'oauth-no-pkce',
  row: 'oauth',
  severity: 'warning',
  description: 'Detects OAuth authorization-code flows that do not use PKCE (no code_challenge).',
  message: "Authorization-code flow without PKCE: send code_challenge (S256) with the request and code_verifier with the token exchange.",
  fixable: false,
  docs: {
    why:
      'Without PKCE an authorization code stolen on its way back (a leaked redirect, a malicious app registered for the same scheme, a ' +
      'referrer, a log) can be exchanged by anyone who has it. PKCE ties the code to a secret verifier only the client that started the ' +
      'flow knows; RFC 9700 and OAuth 2.1 require it for public clients and recommend it for all.',
    bad: "const url = client.authorizationUrl({ scope: 'openid email', state });",
    good:
      'const codeVerifier = generators.codeVerifier();\n' +
      'req.session.codeVerifier = codeVerifier;\n' +
      'const url = client.authorizationUrl({\n' +
      "  scope: 'openid email',\n" +
      '  state,\n' +
      '  code_challenge: generators.codeChallenge(codeVerifier),\n' +
      "  code_challenge_method: 'S256',\n" +
      '});\n' +
      '// callback: client.callback(redirectUri, params, { state, code_verifier: req.session.codeVerifier })',
    fix:
      'Generate a code verifier per authorization request (openid-client `generators.codeVerifier()`, or 32 random bytes base64url), ' +
      "store it in the session, send `code_challenge` = BASE64URL(SHA256(verifier)) with `code_challenge_method: 'S256'`, and pass " +
      '`code_verifier` to the token exchange.',
    cwe: ['CWE-345', 'CWE-352'],
    owasp: ['A07:2021'],
  },
  create(ctx) {
    if (isTestOrSampleFile(ctx.file)) return {};
    const hasCodeUrl = textHas(ctx.text, 'response_type');
    const openidClient = textHas(ctx.text, 'openid-client') && ctx.modules.imports('openid-client');
    if (!hasCodeUrl && !openidClient) return {};
    if (mentionsPkceInCode(ctx.sourceFile)) return {};
    const reported = new Set<number>();
    const report = (node: ts.Node, message: string): void => {
      const line = ctx.sourceFile.getLineAndCharacterOfPosition(node.getStart(ctx.sourceFile)).line;
      if (reported.has(line)) return;
      reported.add(line);
      ctx.report(node, { message });
    };
    const onPart = (node: StringPart): void => {
      if (!node.text.includes('response_type=code') || !/(?:^|[?&])response_type=code(?![\w%+])/.test(node.text)) return;
      report(node, 'Authorization URL with response_type=code and no code_challenge: add PKCE (code_challenge with S256, code_verifier at the token exchange).');
    };
    return [stringPartVisitors(onPart), {
      // { client_id, response_type: 'code', … } for URLSearchParams or querystring
      PropertyAssignment(node: ts.PropertyAssignment) {
        if (!hasCodeUrl || propertyName(node.name) !== 'response_type' || stringValue(node.initializer) !== 'code') return;
        const obj = node.parent;
        if (!isObjectLiteralExpression(obj) || !obj.properties.some((p) => p.name && propertyName(p.name as ts.PropertyName) === 'client_id')) return;
        report(obj, "Authorization request with response_type 'code' and no code_challenge: add PKCE (code_challenge with S256, code_verifier at the token exchange).");
      },
      // openid-client: client.authorizationUrl({…}) (v5), buildAuthorizationUrl(config, {…}) (v6)
      CallExpression(node: ts.CallExpression) {
        if (!openidClient) return;
        const name = calleeName(node);
        if (name !== 'authorizationUrl' && name !== 'buildAuthorizationUrl') return;
        const args = node.arguments;
        const optsArg = name === 'buildAuthorizationUrl' ? args[1] : args[0];
        const opts = resolveObject(optsArg);
        if (optsArg && (!opts || !opts.complete)) return;
        const rt = opts?.props.get('response_type');
        if (rt && stringValue(rt) !== 'code') return;
        report(node, `openid-client ${name}() without code_challenge: generate a verifier with generators.codeVerifier(), send code_challenge (S256) and pass code_verifier to client.callback().`);
      },
    }];
  },
};

/** A PKCE word in code (an identifier, a key, a string), not in a comment: a `// TODO: add PKCE` does not count. */
function mentionsPkceInCode(sf: ts.SourceFile): boolean {
  const text = sf.text;
  PKCE_MENTION.lastIndex = 0;
  for (let m = PKCE_MENTION.exec(text); m; m = PKCE_MENTION.exec(text)) {
    if (!inTrivia(sf, m.index)) return true;
  }
  return false;
}

/** True when `pos` falls in the whitespace or comments before a token. */
function inTrivia(sf: ts.SourceFile, pos: number): boolean {
  let node: ts.Node = sf;
  for (let depth = 0; depth < 200; depth++) {
    let next: ts.Node | undefined;
    forEachChild(node, (c) => {
      if (!next && c.pos <= pos && pos < c.end) next = c;
    });
    if (!next) break;
    node = next;
  }
  return node === sf || pos < node.getStart(sf);
}
