import type { Rule } from '../types';

export const DATA_RULES: readonly Rule[] = [];
