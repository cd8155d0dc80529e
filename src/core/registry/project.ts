import type { Rule } from '../types';

export const PROJECT_FILE_RULES: readonly Rule[] = [];
