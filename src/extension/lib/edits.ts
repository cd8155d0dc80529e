import type { Finding, Fix, TextEdit } from '../../core/types';
import { fixesForOnePass } from '../../core/fix';

/**
 * The comment line that suppresses `ruleId` on `line` (1-based), indented like
 * that line, ending in `-- ` for the user to type the reason after.
 */
export function suppressionEdit(text: string, line: number, ruleId: string): { edit: TextEdit; cursor: number } {
  let start = 0;
  for (let i = 1; i < line; i++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    start = nl + 1;
  }
  const indent = /^[ \t]*/.exec(text.slice(start))?.[0] ?? '';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const comment = `${indent}// preflight-ignore-next-line ${ruleId} -- `;
  return { edit: { start, end: start, newText: comment + eol }, cursor: start + comment.length };
}

/**
 * The fixes `Fix All` applies: the preferred fix of each finding, one per
 * piece of code (see fixesForOnePass); the next Fix All takes the rest.
 */
export function fixAllFixes(findings: readonly Finding[], text: string): Fix[] {
  const candidates = findings.flatMap((f) => {
    const fix = f.fixes.find((x) => x.preferred);
    return fix ? [{ start: f.start, end: f.end, fix }] : [];
  });
  return fixesForOnePass(text, candidates).applied.map((c) => c.fix);
}
