import type { EvidenceKind, FactKind, RowId } from './types';

export interface RowDefinition {
  number: number;
  id: RowId;
  title: string;
  criteria: string;
  extended?: boolean;
  /** The row applies when any of these facts is present; absent means it always applies. */
  subject?: FactKind[];
  /** Shown when the row is n/a. */
  naReason?: string;
  /** Any one of these evidence kinds lets the row pass (when no finding maps to it). */
  passEvidence: EvidenceKind[];
  /**
   * Evidence of the row's other criteria (refresh tokens rotate, HTTP redirects
   * to HTTPS, pages are capped): listed with the row and in its reason, but not
   * enough to pass it alone, since the main criterion is still unproven.
   */
  supportingEvidence?: EvidenceKind[];
  /** Shown when the row needs a person: nothing either way. */
  reviewReason: string;
  /**
   * For rows whose pass criterion is an absence (no request data reaches a
   * dangerous sink): with the subject present and no finding, the row passes
   * with this reason instead of asking for review.
   */
  passWhenClean?: string;
}

/** The 20 rows of DESIGN.md, in order, then the extended rows. */
export const ROWS: readonly RowDefinition[] = [
  {
    number: 1, id: 'auth-jwt', title: 'Authentication',
    criteria: 'JWTs verified with an explicit algorithm list, issuer and audience; never `none`; no `jwt.decode` used as verification',
    subject: ['jwt'], naReason: 'no JWT library imported',
    passEvidence: ['jwt-verified-pinned'], reviewReason: 'no JWT verification with a pinned algorithm list was found',
  },
  {
    number: 2, id: 'token-expiry', title: 'Token expiration',
    criteria: 'access tokens expire in 15 min or less; refresh tokens rotate on use, reuse kills the family',
    subject: ['jwt'], naReason: 'no JWT library imported',
    passEvidence: ['jwt-short-expiry'], supportingEvidence: ['refresh-rotation'],
    reviewReason: 'no token signing with a short expiry was found',
  },
  {
    number: 3, id: 'token-storage', title: 'Token storage',
    criteria: 'refresh tokens in httpOnly, secure, sameSite cookies with a narrow path; no tokens in localStorage',
    subject: ['token-handling', 'jwt'], naReason: 'no tokens are issued or stored',
    passEvidence: ['token-cookie-hardened'], reviewReason: 'where tokens are kept could not be determined',
  },
  {
    number: 4, id: 'authz-object', title: 'Authorization on every endpoint',
    criteria: 'every data-access route checks object ownership (BOLA), ownership in the query itself',
    subject: ['data-access'], naReason: 'no route looks up records by a request id',
    passEvidence: ['ownership-in-query'], reviewReason: 'no ownership condition was seen in a lookup; check each data-access route',
  },
  {
    number: 5, id: 'input-validation', title: 'Input validation',
    criteria: 'every body, query and params validated by a schema (zod or equivalent) before use',
    subject: ['request-input'], naReason: 'no route reads request input',
    passEvidence: ['schema-validation'], reviewReason: 'no schema validation of request input was found',
  },
  {
    number: 6, id: 'injection', title: 'SQL/NoSQL injection',
    criteria: 'parameterized queries only; no string-built SQL; no request objects as Mongo queries',
    subject: ['database'], naReason: 'no database client imported',
    passEvidence: ['parameterized-query'], reviewReason: 'no parameterized query was seen; check how queries are built',
  },
  {
    number: 7, id: 'rate-limit', title: 'Rate limiting',
    criteria: 'auth routes about 5 per 15 min, API about 60 per min, rate limit headers sent',
    subject: ['http-server'], naReason: 'no HTTP server found',
    passEvidence: ['rate-limiter'], reviewReason: 'no rate limiter was found (it may live in a gateway: sign off if so)',
  },
  {
    number: 8, id: 'cors', title: 'CORS',
    criteria: 'explicit origin allowlist; no wildcard or reflected origin, never with credentials',
    subject: ['cors'], naReason: 'CORS is not enabled: same-origin only',
    passEvidence: ['cors-allowlist'], reviewReason: 'CORS is enabled with an origin that could not be checked statically',
  },
  {
    number: 9, id: 'security-headers', title: 'Security headers',
    criteria: 'CSP, HSTS, X-Frame-Options, nosniff, Referrer-Policy; no X-Powered-By',
    subject: ['http-server'], naReason: 'no HTTP server found',
    passEvidence: ['helmet'], reviewReason: 'no security headers middleware was found',
  },
  {
    number: 10, id: 'error-handling', title: 'Error handling',
    criteria: 'production errors are generic; no stack traces or driver errors sent',
    subject: ['http-server'], naReason: 'no HTTP server found',
    passEvidence: ['error-handler-generic'], reviewReason: 'no error handler was found; the framework default may leak details',
  },
  {
    number: 11, id: 'secrets', title: 'Secrets',
    criteria: 'no secrets in code or git; `.env` ignored; env validated at startup',
    passEvidence: ['env-ignored', 'env-validated'], reviewReason: 'no `.env` handling or env validation was found',
  },
  {
    number: 12, id: 'dependencies', title: 'Dependencies',
    criteria: 'lockfile committed; `npm ci` and an audit step in CI',
    passEvidence: ['lockfile', 'ci-npm-ci', 'ci-audit'], reviewReason: 'no lockfile evidence',
  },
  {
    number: 13, id: 'https', title: 'HTTPS only',
    criteria: 'HSTS with preload; HTTP redirected; secure cookie flag',
    subject: ['http-server'], naReason: 'no HTTP server found',
    passEvidence: ['hsts'], supportingEvidence: ['https-redirect'],
    reviewReason: 'no HSTS header was found (it may be set by a proxy: sign off if so)',
  },
  {
    number: 14, id: 'logging', title: 'Logging',
    criteria: 'auth events, denials and mutations logged; no passwords, tokens or PII in logs',
    subject: ['http-server'], naReason: 'no HTTP server found',
    passEvidence: ['security-logging'], reviewReason: 'no logging of auth events or denials was found',
  },
  {
    number: 15, id: 'request-limits', title: 'Request size limits',
    criteria: 'body size capped, uploads capped, pagination bounded',
    subject: ['http-server'], naReason: 'no HTTP server found',
    passEvidence: ['body-limit'], supportingEvidence: ['pagination-bounded', 'server-timeout'],
    reviewReason: 'no explicit body size limit was found (the 100 kB default may apply)',
  },
  {
    number: 16, id: 'ssrf', title: 'SSRF protection',
    criteria: 'user URLs validated after DNS resolution; private ranges blocked; redirects off or revalidated',
    subject: ['outbound-http'], naReason: 'no outbound HTTP client used',
    passEvidence: ['ssrf-guard'], reviewReason: 'outbound requests exist; check none takes a user-supplied URL',
  },
  {
    number: 17, id: 'account-lockout', title: 'Account lockout',
    criteria: 'failed logins counted; lockout after about 5 tries; same error for unknown user and bad password',
    subject: ['login-route'], naReason: 'no login route found',
    passEvidence: ['login-attempt-counting'], reviewReason: 'no failed-login counting was found in the login handler',
  },
  {
    number: 18, id: 'webhooks', title: 'Webhook verification',
    criteria: 'signatures verified with a constant-time compare; timestamp tolerance against replay',
    subject: ['webhook-route'], naReason: 'no webhook routes found',
    passEvidence: ['webhook-signature'], reviewReason: 'webhook routes exist; no signature verification was found',
  },
  {
    number: 19, id: 'admin-endpoints', title: 'Admin endpoints',
    criteria: 'role checks on every admin route; denied attempts logged',
    subject: ['admin-route'], naReason: 'no admin routes found',
    passEvidence: ['admin-role-check', 'admin-path-guard'], reviewReason: 'admin routes exist; no role check was recognised',
  },
  {
    number: 20, id: 'mass-assignment', title: 'Mass assignment',
    criteria: 'updates take allowlisted fields from a schema; no raw body spread',
    subject: ['data-write'], naReason: 'no writes from request data found',
    passEvidence: ['allowlisted-write'], reviewReason: 'no write with explicitly chosen fields was found',
  },
  {
    number: 21, id: 'sessions', title: 'Sessions', extended: true,
    criteria: 'regenerate on login, cookie flags, short rolling TTL, strong secret, no memory store in production, destroy on logout',
    subject: ['session'], naReason: 'no session middleware used',
    passEvidence: ['session-hardened', 'session-regenerate'], reviewReason: 'session configuration could not be checked',
  },
  {
    number: 22, id: 'passwords', title: 'Password storage', extended: true,
    criteria: 'argon2id / bcrypt ≥ 12 / scrypt; never md5, sha1 or a bare sha256',
    subject: ['password-hashing'], naReason: 'no password hashing found',
    passEvidence: ['strong-password-hash'], reviewReason: 'how passwords are hashed could not be determined',
  },
  {
    number: 23, id: 'csrf', title: 'CSRF', extended: true,
    criteria: 'token or double-submit plus SameSite; no deprecated `csurf`',
    subject: ['cookie-auth', 'session'], naReason: 'no cookie-authenticated routes found',
    passEvidence: ['csrf-protection'], reviewReason: 'cookie-authenticated routes exist; no CSRF token or SameSite cookie was seen',
  },
  {
    number: 24, id: 'containers', title: 'Containers', extended: true,
    criteria: 'non-root USER, pinned base image, `.dockerignore` excluding `.env` and keys, no secrets in ENV/ARG',
    subject: ['dockerfile'], naReason: 'no Dockerfile found',
    passEvidence: ['container-non-root'], reviewReason: 'the Dockerfile could not be checked',
  },
  {
    number: 25, id: 'supply-chain', title: 'Supply chain', extended: true,
    criteria: 'actions pinned to a commit SHA, least `permissions`, secret scanning step',
    subject: ['ci-workflow'], naReason: 'no GitHub Actions workflow found',
    passEvidence: ['actions-pinned', 'ci-permissions', 'ci-secret-scan'], reviewReason: 'CI workflows could not be checked',
  },
  {
    number: 26, id: 'injection-other', title: 'Other injection', extended: true,
    criteria: 'no path traversal, open redirect, eval or child_process with request data',
    subject: ['request-input'], naReason: 'no route reads request input',
    passEvidence: [], reviewReason: 'request input exists; check file, redirect and process sinks',
    passWhenClean: 'no request data reaches a file path, redirect, eval or shell command',
  },
  {
    number: 27, id: 'graphql', title: 'GraphQL', extended: true,
    criteria: 'introspection off in production, depth limits',
    subject: ['graphql'], naReason: 'no GraphQL server found',
    passEvidence: ['graphql-hardened'], reviewReason: 'GraphQL server found; depth limits and introspection could not be confirmed',
  },
  {
    number: 28, id: 'oauth', title: 'OAuth', extended: true,
    criteria: 'state checked, no implicit flow, PKCE',
    subject: ['oauth'], naReason: 'no OAuth flow found',
    passEvidence: ['oauth-state'], reviewReason: 'an OAuth flow exists; state and PKCE could not be confirmed',
  },
];

export const ROW_BY_ID: ReadonlyMap<RowId, RowDefinition> = new Map(ROWS.map((r) => [r.id, r]));

export const CORE_ROW_COUNT = 20;
