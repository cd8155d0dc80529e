import type { Rule } from '../types';
import { rule as csrfCookieAuthNoProtection } from '../rules/csrf-cookie-auth-no-protection';
import { rule as csrfCsurfDeprecated } from '../rules/csrf-csurf-deprecated';
import { rule as graphqlIntrospection } from '../rules/graphql-introspection';
import { rule as graphqlNoDepthLimit } from '../rules/graphql-no-depth-limit';
import { rule as jwtWeakSecret } from '../rules/jwt-weak-secret';
import { rule as oauthImplicitFlow } from '../rules/oauth-implicit-flow';
import { rule as oauthMissingState } from '../rules/oauth-missing-state';
import { rule as oauthNoPkce } from '../rules/oauth-no-pkce';

/** Protocol-level auth: extended rows csrf, oauth, graphql, plus row 1 auth-jwt for HMAC key strength. */
export const PROTOCOL_RULES: readonly Rule[] = [
  csrfCsurfDeprecated,
  csrfCookieAuthNoProtection,
  oauthMissingState,
  oauthImplicitFlow,
  oauthNoPkce,
  graphqlIntrospection,
  graphqlNoDepthLimit,
  jwtWeakSecret,
];
