import type { Rule } from '../types';
import { rule as adminNoRoleCheck } from '../rules/admin-no-role-check';
import { rule as loginUserEnumeration } from '../rules/login-user-enumeration';
import { rule as sessionCookieFlags } from '../rules/session-cookie-flags';
import { rule as sessionNoDestroyOnLogout } from '../rules/session-no-destroy-on-logout';
import { rule as sessionNoRegenerate } from '../rules/session-no-regenerate';
import { rule as timingUnsafeCompare } from '../rules/timing-unsafe-compare';
import { rule as webhookNoSignature } from '../rules/webhook-no-signature';

export const FLOWS_RULES: readonly Rule[] = [
  loginUserEnumeration, webhookNoSignature, timingUnsafeCompare, adminNoRoleCheck,
  sessionNoRegenerate, sessionCookieFlags, sessionNoDestroyOnLogout,
];
