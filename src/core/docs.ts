import { ROW_BY_ID } from './rows';
import type { RuleMeta } from './types';

/**
 * The Markdown documentation of a rule, rendered from its metadata: the one
 * source for docs/rules/<id>.md, SARIF help and the editor's "Show documentation".
 */
export function renderRuleDoc(rule: RuleMeta): string {
  const row = ROW_BY_ID.get(rule.row);
  const lang = languageOf(rule.docs.bad);
  const comment = lang === 'js' ? '//' : '#';
  const suppression =
    lang === 'json'
      ? ['package.json has no comments: turn the rule off for the project in `preflight.config.json` (`"rules": { "' + rule.id + '": "off" }`) if the risk is accepted.']
      : [
          'If this finding is a false positive or an accepted risk, say why on the line above:',
          '',
          '```' + lang,
          `${comment} preflight-ignore-next-line ${rule.id} -- <why this is safe>`,
          '```',
        ];
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
    ...suppression,
    '',
  ].join('\n');
}

/** The code fence language of an example, from its shape. */
function languageOf(example: string): string {
  if (/^\s*(FROM|RUN|COPY|USER|ENV|ARG)\b/m.test(example)) return 'dockerfile';
  if (/^\s*(on|jobs|permissions|steps|runs-on|uses):/m.test(example) || /^\s*- (uses|run):/m.test(example)) return 'yaml';
  if (/^\s*("[\w-]+"\s*:|\{\s*$)/m.test(example) && /"[\w-]+":/.test(example) && !/[;=]|\bconst\b|\brequire\(/.test(example)) return 'json';
  if (/^# \.(git|docker)ignore/m.test(example)) return 'gitignore';
  return 'js';
}
