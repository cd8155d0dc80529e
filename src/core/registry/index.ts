import type { ProjectRule, Rule, SourceRule } from '../types';
import { AUTH_RULES } from './auth';
import { ACCESS_RULES } from './access';
import { DATA_RULES } from './data';
import { HTTP_RULES } from './http';
import { SECRETS_RULES } from './secrets';
import { FLOWS_RULES } from './flows';
import { PROJECT_FILE_RULES } from './project';
import { CONFIG_FILE_RULES } from './config-files';
import { INJECTION_RULES } from './injection';
import { PROTOCOL_RULES } from './protocols';
import { HYGIENE_RULES } from './hygiene';

/** Every rule, in one explicit list. Each area keeps its own list beside this file. */
export const RULES: readonly Rule[] = [
  ...AUTH_RULES, ...ACCESS_RULES, ...DATA_RULES, ...HTTP_RULES, ...SECRETS_RULES, ...FLOWS_RULES, ...PROJECT_FILE_RULES, ...CONFIG_FILE_RULES, ...INJECTION_RULES, ...PROTOCOL_RULES,
  ...HYGIENE_RULES,
];

export const SOURCE_RULES: readonly SourceRule[] = RULES.filter((r): r is SourceRule => r.kind !== 'project');
export const PROJECT_RULES: readonly ProjectRule[] = RULES.filter((r): r is ProjectRule => r.kind === 'project');

export const RULE_BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map((r) => [r.id, r]));
