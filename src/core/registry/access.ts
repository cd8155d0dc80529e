import type { Rule } from '../types';
import { rule as bodyUnvalidated } from '../rules/body-unvalidated';
import { rule as idorLookup } from '../rules/idor-lookup';
import { rule as massAssignment } from '../rules/mass-assignment';

export const ACCESS_RULES: readonly Rule[] = [idorLookup, bodyUnvalidated, massAssignment];
