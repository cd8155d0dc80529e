import type { Rule } from '../types';
import { rule as envLogged } from '../rules/env-logged';
import { rule as hardcodedSecret } from '../rules/hardcoded-secret';
import { rule as insecureRandom } from '../rules/insecure-random';
import { rule as logSensitiveData } from '../rules/log-sensitive-data';
import { rule as weakPasswordHash } from '../rules/weak-password-hash';

/** Row 11 (secrets), row 14 (logging) and the extended passwords row. */
export const SECRETS_RULES: readonly Rule[] = [hardcodedSecret, envLogged, insecureRandom, logSensitiveData, weakPasswordHash];
