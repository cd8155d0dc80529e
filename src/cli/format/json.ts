import { TOOL_NAME, VERSION } from '../../core/meta';
import type { Report } from '../report';

/**
 * The stable JSON format documented in the README. Fields are only ever
 * added, never renamed or removed.
 */
export function formatJson(report: Report): string {
  const out = {
    tool: { name: TOOL_NAME, version: VERSION },
    findings: report.findings.map((f) => ({
      ruleId: f.ruleId,
      row: f.row,
      severity: f.severity,
      message: f.message,
      file: f.file,
      line: f.line,
      column: f.column,
      endLine: f.endLine,
      endColumn: f.endColumn,
      fixable: f.fixes.length > 0,
    })),
    rows: report.rows.map((r) => ({
      number: r.number,
      id: r.id,
      title: r.title,
      status: r.status,
      reason: r.reason,
      findings: r.findings.length,
      evidence: r.evidence.map((e) => ({ message: e.message, file: e.file, line: e.line })),
    })),
    skipped: report.result.skipped,
    summary: report.summary,
    /** Findings the baseline (.preflight/baseline.json) accepts: not listed above, not counted in exit codes. */
    baselined: report.baselined?.length ?? 0,
  };
  return JSON.stringify(out, null, 2) + '\n';
}
