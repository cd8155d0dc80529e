import type { Rule } from '../types';
import { rule as missingHelmet } from '../rules/missing-helmet';
import { rule as xPoweredBy } from '../rules/x-powered-by';
import { rule as authRouteNoRateLimit } from '../rules/auth-route-no-rate-limit';
import { rule as corsWildcardOrigin } from '../rules/cors-wildcard-origin';
import { rule as corsReflectedOrigin } from '../rules/cors-reflected-origin';
import { rule as errorLeak } from '../rules/error-leak';
import { rule as hstsDisabled } from '../rules/hsts-disabled';
import { rule as bodyLimitLarge } from '../rules/body-limit-large';
import { rule as multerNoLimits } from '../rules/multer-no-limits';

export const HTTP_RULES: readonly Rule[] = [
  missingHelmet, xPoweredBy, authRouteNoRateLimit, corsWildcardOrigin, corsReflectedOrigin, errorLeak, hstsDisabled, bodyLimitLarge, multerNoLimits,
];
