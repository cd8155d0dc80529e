import type { Rule } from '../types';

export const ACCESS_RULES: readonly Rule[] = [];
