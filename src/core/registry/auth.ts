import type { Rule } from '../types';

export const AUTH_RULES: readonly Rule[] = [];
