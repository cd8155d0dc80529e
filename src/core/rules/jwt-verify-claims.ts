import { ts } from '../ts';
import type { SourceRule } from '../types';
import { checkAlgorithms, fileUsesJwt, hasClaimOption, mayUseJwt, verifyCallOf, isTestFile } from './jwt-verify-algorithms';

/**
 * A verification that pins algorithms (so jwt-verify-algorithms is satisfied)
 * but checks neither issuer nor audience, or only one of them:
 * `jwt.verify(token, key, { algorithms: ['RS256'] })`. Options we cannot see
 * (a parameter, a spread of an unknown object) are not judged.
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
      'the signing side sets the same values (`jwt.sign(payload, key, { issuer, audience })`).',
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
      const missing = ['issuer', 'audience'].filter((k) => !hasClaimOption(v.options!, k));
      if (missing.length === 0 || !v.options.complete) return;
      const what = missing.length === 2 ? '`issuer` or `audience`' : `\`${missing[0]}\``;
      ctx.report(node, {
        message: `${v.label} pins algorithms but does not check ${what}: ${missing.includes('audience') ? 'tokens the same key signed for another service' : 'tokens from another issuer sharing the key'} are accepted; add ${missing.map((m) => `\`${m}\``).join(' and ')} to the options.`,
      });
    };
    // verifyCallOf answers a `new` only for passport-jwt's Strategy, in a file importing passport-jwt.
    if (!(ctx.text.includes('passport-jwt') && ctx.modules.imports('passport-jwt'))) return { CallExpression: check };
    return {
      CallExpression: check,
      NewExpression: check,
    };
  },
};
