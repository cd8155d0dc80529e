import type { Rule } from '../types';

export const SECRETS_RULES: readonly Rule[] = [];
