import type { Rule } from '../types';
import { rule as missingHelmet } from '../rules/missing-helmet';

export const HTTP_RULES: readonly Rule[] = [missingHelmet];
