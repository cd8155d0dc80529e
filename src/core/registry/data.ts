import type { Rule } from '../types';
import { rule as nosqlInjection } from '../rules/nosql-injection';
import { rule as sqlInjection } from '../rules/sql-injection';
import { rule as ssrfRequestUrl } from '../rules/ssrf-request-url';

/** Injection (row 6) and request forgery (row 16). */
export const DATA_RULES: readonly Rule[] = [sqlInjection, nosqlInjection, ssrfRequestUrl];
