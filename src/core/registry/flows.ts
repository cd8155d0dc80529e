import type { Rule } from '../types';

export const FLOWS_RULES: readonly Rule[] = [];
