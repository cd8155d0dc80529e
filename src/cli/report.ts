import { computeChecklist, summarize, type ChecklistRow, type ChecklistSummary } from '../core/checklist';
import type { WorkspaceResult } from '../core/workspace';
import type { Finding } from '../core/types';
import { readSignoffs, SignoffError, type Signoff } from '../core/signoffs';

/** What every output format renders: one scan of one folder. */
export interface Report {
  /** The folder as the user named it. */
  target: string;
  result: WorkspaceResult;
  findings: Finding[];
  rows: ChecklistRow[];
  summary: ChecklistSummary;
  /** Findings the baseline accepts (not in `findings`); counted in the outputs. */
  baselined?: Finding[];
}

export function buildReport(
  target: string, result: WorkspaceResult, signoffs: readonly Signoff[] = loadSignoffs(result), baselined: readonly Finding[] = [],
): Report {
  const rows = computeChecklist({
    findings: result.findings, evidence: result.evidence, facts: result.facts, config: result.config, signoffs, baselined,
  });
  const findings = [...result.findings].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId),
  );
  return { target, result, findings, rows, summary: summarize(rows), baselined: [...baselined] };
}

/** Sign-offs of the scanned folder; a corrupt file becomes a note, and the rows are computed without it. */
function loadSignoffs(result: WorkspaceResult): Signoff[] {
  try {
    return readSignoffs(result.root);
  } catch (e) {
    if (!(e instanceof SignoffError)) throw e;
    result.notes.push(e.message);
    return [];
  }
}
