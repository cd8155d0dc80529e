import type { Rule } from '../types';
import { rule as sensitiveFieldsResponse } from '../rules/sensitive-fields-response';
import { rule as passwordLengthUnbounded } from '../rules/password-length-unbounded';
import { rule as apiKeyPlaintext } from '../rules/api-key-plaintext';
import { rule as paginationUnbounded } from '../rules/pagination-unbounded';
import { rule as serverNoTimeout } from '../rules/server-no-timeout';
import { rule as httpServerNoTls } from '../rules/http-server-no-tls';
import { rule as refreshTokenNotRotated } from '../rules/refresh-token-not-rotated';
import { rule as sessionNoAbsoluteTimeout } from '../rules/session-no-absolute-timeout';

/** Data hygiene and resource limits: rows secrets, passwords, request-limits, https, token-expiry and sessions. */
export const HYGIENE_RULES: readonly Rule[] = [
  sensitiveFieldsResponse, passwordLengthUnbounded, apiKeyPlaintext, paginationUnbounded, serverNoTimeout, httpServerNoTls,
  refreshTokenNotRotated, sessionNoAbsoluteTimeout,
];
