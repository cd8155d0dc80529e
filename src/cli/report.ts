import { computeChecklist, summarize, type ChecklistRow, type ChecklistSummary } from '../core/checklist';
import type { WorkspaceResult } from '../core/workspace';
import type { Finding } from '../core/types';

/** What every output format renders: one scan of one folder. */
export interface Report {
  /** The folder as the user named it. */
  target: string;
  result: WorkspaceResult;
  findings: Finding[];
  rows: ChecklistRow[];
  summary: ChecklistSummary;
}

export function buildReport(target: string, result: WorkspaceResult): Report {
  const rows = computeChecklist({ findings: result.findings, evidence: result.evidence, facts: result.facts, config: result.config });
  const findings = [...result.findings].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId),
  );
  return { target, result, findings, rows, summary: summarize(rows) };
}

export const STATUS_LABEL: Record<ChecklistRow['status'], string> = {
  pass: 'pass',
  fail: 'fail',
  review: 'review',
  'n/a': 'n/a',
};
