import { ROW_BY_ID } from './rows';
import type { RuleMeta } from './types';

/**
 * The Markdown documentation of a rule, rendered from its metadata: the one
 * source for docs/rules/<id>.md, SARIF help and the editor's "Show documentation".
 */
export function renderRuleDoc(rule: RuleMeta): string {
  const row = ROW_BY_ID.get(rule.row);
  const lang = rule.docs.bad.includes('FROM ') ? 'dockerfile' : 'js';
  return [
    `# ${rule.id}`,
    '',
    `${rule.description}`,
    '',
    `- **Checklist row:** ${row ? `${row.number}. ${row.title}` : rule.row}`,
    `- **Severity:** ${rule.severity}`,
    `- **Quick fix:** ${rule.fixable ? 'yes' : 'no'}`,
    `- **CWE:** ${rule.docs.cwe.join(', ') || '–'}`,
    `- **OWASP Top 10:** ${rule.docs.owasp.join(', ') || '–'}`,
    '',
    '## Why it matters',
    '',
    rule.docs.why,
    '',
    '## Vulnerable',
    '',
    '```' + lang,
    rule.docs.bad,
    '```',
    '',
    '## Safe',
    '',
    '```' + lang,
    rule.docs.good,
    '```',
    '',
    '## How to fix',
    '',
    rule.docs.fix,
    '',
    '## Suppressing',
    '',
    'If this finding is a false positive or an accepted risk, say why on the line above:',
    '',
    '```js',
    `// preflight-ignore-next-line ${rule.id} -- <why this is safe>`,
    '```',
    '',
  ].join('\n');
}
