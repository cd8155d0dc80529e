import type { Rule } from '../types';
import { rule as envNotGitignored } from '../rules/env-not-gitignored';
import { rule as noLockfile } from '../rules/no-lockfile';

/** Rules over the project's files as a whole rather than one file's code. */
export const PROJECT_FILE_RULES: readonly Rule[] = [envNotGitignored, noLockfile];
