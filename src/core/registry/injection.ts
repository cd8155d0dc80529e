import type { Rule } from '../types';
import { rule as codeInjection } from '../rules/code-injection';
import { rule as commandInjection } from '../rules/command-injection';
import { rule as openRedirect } from '../rules/open-redirect';
import { rule as pathTraversal } from '../rules/path-traversal';
import { rule as regexInjection } from '../rules/regex-injection';
import { rule as templateUnescaped } from '../rules/template-unescaped';
import { rule as xssResponse } from '../rules/xss-response';

/** Other injection sinks (extended row injection-other): files, shells, code, redirects, HTML, templates, regexes. */
export const INJECTION_RULES: readonly Rule[] = [
  pathTraversal, commandInjection, codeInjection, openRedirect, xssResponse, templateUnescaped, regexInjection,
];
