import {
  forEachChild, isBinaryExpression, isCallExpression, isElementAccessExpression, isIdentifier,
  isPropertyAccessExpression, ts,
} from '../ts';
import { textHas } from '../lib/text-hints';
import { calleeName, calleeObject, stringValue, EQUALITY_OPERATORS } from '../ast';
import { skipWrappers } from '../modules';
import { enclosingFunctionOrFile } from '../scopes';
import type { SourceRule } from '../types';
import { checkAlgorithms, fileUsesJwt, hasClaimOption, mayUseJwt, verifyCallOf } from './jwt-verify-algorithms';
import { isTestFile } from '../lib/test-files';

/**
 * A verification that pins algorithms (so jwt-verify-algorithms is satisfied)
 * but checks neither issuer nor audience, or only one of them:
 * `jwt.verify(token, key, { algorithms: ['RS256'] })`. Options we cannot see
 * (a parameter, a spread of an unknown object) are not judged, and a claim the
 * same function compares by hand afterwards (`if (claims.iss !== ISSUER)`)
 * counts as checked.
 */
export const rule: SourceRule = {
  id: 'jwt-verify-claims',
  row: 'auth-jwt',
  severity: 'warning',
  description: 'Detects JWT verification that pins algorithms but does not check the issuer or audience claims.',
  message: 'JWT verified without `issuer` / `audience`: a token minted for another service by the same key would be accepted.',
  fixable: false,
  docs: {
    why:
      'A signature only proves who signed a token, not whom it was for. When one key or identity provider serves several ' +
      'applications (staging and production, an admin API and a public one), a token issued for one is valid at the others ' +
      'unless the verifier checks `iss` and `aud`.',
    bad: "jwt.verify(token, publicKey, { algorithms: ['RS256'] });",
    good:
      "jwt.verify(token, publicKey, {\n  algorithms: ['RS256'],\n  issuer: 'https://auth.example.com/',\n  audience: 'https://api.example.com',\n});\n\n" +
      "await jwtVerify(token, JWKS, { algorithms: ['RS256'], issuer: ISSUER, audience: AUDIENCE });",
    fix:
      'Add `issuer` (the `iss` your auth server writes) and `audience` (this API\'s identifier) to the verify options, and make sure ' +
      'the signing side sets the same values (`jwt.sign(payload, key, { issuer, audience })`). Comparing the claims by hand right after ' +
      'verifying (`if (claims.iss !== ISSUER) throw …`, `azp` for Keycloak access tokens) also counts.',
    cwe: ['CWE-287', 'CWE-345'],
    owasp: ['A07:2021'],
  },
  create(ctx) {
    // Every report needs a top-level JWT import (fileUsesJwt), which needs the specifier spelled in the text.
    if (isTestFile(ctx.file) || !mayUseJwt(ctx.text) || !fileUsesJwt(ctx)) return {};
    const check = (node: ts.CallExpression | ts.NewExpression): void => {
      const v = verifyCallOf(ctx, node);
      if (!v || !v.options) return;
      if (checkAlgorithms(v.options).state !== 'pinned') return;
      if (!v.options.complete || CLAIMS.every((k) => hasClaimOption(v.options!, k))) return;
      const byHand = claimsComparedAfter(node);
      const missing = CLAIMS.filter((k) => !hasClaimOption(v.options!, k) && !byHand.has(k));
      if (missing.length === 0) return;
      const what = missing.length === 2 ? '`issuer` or `audience`' : `\`${missing[0]}\``;
      ctx.report(node, {
        message: `${v.label} pins algorithms but does not check ${what}: ${missing.includes('audience') ? 'tokens the same key signed for another service' : 'tokens from another issuer sharing the key'} are accepted; add ${missing.map((m) => `\`${m}\``).join(' and ')} to the options.`,
      });
    };
    // verifyCallOf answers a `new` only for passport-jwt's Strategy, in a file importing passport-jwt.
    if (!(textHas(ctx.text, 'passport-jwt') && ctx.modules.imports('passport-jwt'))) return { CallExpression: check };
    return {
      CallExpression: check,
      NewExpression: check,
    };
  },
};

type Claim = 'issuer' | 'audience';
const CLAIMS: readonly Claim[] = ['issuer', 'audience'];
/** `azp` (authorized party) is how Keycloak and other OIDC providers name the client an access token is for. */
const CLAIM_OF_KEY: ReadonlyMap<string, Claim> = new Map([['iss', 'issuer'], ['aud', 'audience'], ['azp', 'audience']]);
/** Membership tests an allowlist check is written with: `ISSUERS.includes(iss)`, `claims.aud.includes(clientId)`. */
const MEMBERSHIP: ReadonlySet<string> = new Set(['includes', 'indexOf', 'has', 'some']);

/**
 * The claims compared by hand after the verify call, in the same function:
 * `if (claims.iss !== ISSUER) throw …`, `const { iss, aud } = jwt.verify(…);
 * if (!ISSUERS.includes(iss) || aud !== clientId) …`. A read that is not a
 * comparison (logging `payload.iss`) does not count.
 */
function claimsComparedAfter(call: ts.Node): Set<Claim> {
  const found = new Set<Claim>();
  const scope = enclosingFunctionOrFile(call);
  const visit = (n: ts.Node): void => {
    if (found.size === CLAIMS.length || n.end <= call.end) return;
    if (n.pos >= call.end) {
      if (isBinaryExpression(n) && EQUALITY_OPERATORS.has(n.operatorToken.kind)) {
        noteClaim(n.left, found);
        noteClaim(n.right, found);
      } else if (isCallExpression(n)) {
        const name = calleeName(n);
        if (name && MEMBERSHIP.has(name)) {
          const recv = calleeObject(n);
          if (recv) noteClaim(recv, found);
          for (const a of n.arguments) noteClaim(a, found);
        }
      }
    }
    forEachChild(n, visit);
  };
  visit(scope);
  return found;
}

function noteClaim(expr: ts.Node, found: Set<Claim>): void {
  const e = skipWrappers(expr);
  let key: string | undefined;
  if (isPropertyAccessExpression(e)) key = e.name.text;
  else if (isElementAccessExpression(e)) key = stringValue(e.argumentExpression);
  else if (isIdentifier(e)) key = e.text;
  const claim = key === undefined ? undefined : CLAIM_OF_KEY.get(key);
  if (claim) found.add(claim);
}
