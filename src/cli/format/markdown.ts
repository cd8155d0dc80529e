import type { ChecklistRow } from '../../core/checklist';
import { baselinedPhrase } from '../../core/baseline';
import { TOOL_NAME, VERSION } from '../../core/meta';
import type { Report } from '../report';

const STATUS: Record<ChecklistRow['status'], string> = {
  pass: '✅ pass', fail: '❌ fail', review: '👀 review', 'n/a': '➖ n/a', 'signed off': '✍️ signed off',
};

/** A checklist table with checkboxes, ready to paste into a release PR. */
export function formatMarkdown(report: Report): string {
  const { summary } = report;
  const lines: string[] = [];
  lines.push(`## ${TOOL_NAME} release checklist: ${summary.ready} / ${summary.total} ready`);
  lines.push('');
  const signed = summary.signedOff > 0 ? `, ${summary.signedOff} signed off` : '';
  const baselined = baselinedPhrase(report.baselined?.length ?? 0);
  lines.push(
    `${summary.pass} pass, ${summary.fail} fail, ${summary.review} review, ${summary.na} n/a${signed} · ${report.result.files.length} files · ` +
      `${baselined ? `${baselined} · ` : ''}${TOOL_NAME} ${VERSION}`,
  );
  lines.push('');
  lines.push('| | # | Check | Status | Evidence or findings |');
  lines.push('|---|---|---|---|---|');
  for (const r of report.rows) {
    const done = r.status === 'pass' || r.status === 'n/a' || r.status === 'signed off' ? '[x]' : '[ ]';
    const num = r.extended ? '+' : String(r.number);
    lines.push(`| ${done} | ${num} | ${cell(r.title)} | ${STATUS[r.status]} | ${cell(r.reason)} |`);
  }
  const failing = report.rows.filter((r) => r.findings.length > 0);
  if (failing.length > 0) {
    lines.push('');
    lines.push('<details><summary>Findings</summary>');
    lines.push('');
    for (const r of failing) {
      lines.push(`**${r.extended ? '' : `${r.number}. `}${cell(r.title)}**`);
      lines.push('');
      for (const f of r.findings) lines.push(`- \`${f.file}:${f.line}\` ${cell(f.message)} (\`${f.ruleId}\`)`);
      lines.push('');
    }
    lines.push('</details>');
  }
  return lines.join('\n') + '\n';
}

/** Table cells cannot hold pipes or newlines. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
