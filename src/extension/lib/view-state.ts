import type { ChecklistRow } from '../../core/checklist';

/**
 * What the checklist webview renders: plain JSON, built in the extension from
 * a folder's checklist and posted as `{ type: 'state', state }`.
 */
export interface ViewFinding {
  key: string;
  ruleId: string;
  severity: string;
  message: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  fixable: boolean;
}

export interface ViewRow {
  number: number;
  id: string;
  title: string;
  criteria: string;
  extended: boolean;
  status: string;
  reason: string;
  findings: ViewFinding[];
  evidence: { message: string; file: string; line: number }[];
  signoff?: { by: string; at: string; note: string; stale: boolean };
}

export interface ViewState {
  folders: string[];
  folder: number;
  scanning: boolean;
  lastScan?: string;
  score: { ready: number; total: number };
  rows: ViewRow[];
  error?: string;
}

/** A finding's identity across messages: file, start offset and rule. */
export function findingKey(f: { file: string; start: number; ruleId: string }): string {
  return `${f.file}#${f.start}#${f.ruleId}`;
}

export function viewRows(rows: readonly ChecklistRow[]): ViewRow[] {
  return rows.map((r) => ({
    number: r.number,
    id: r.id,
    title: r.title,
    criteria: r.criteria,
    extended: r.extended,
    status: r.status,
    reason: r.reason,
    findings: r.findings.map((f) => ({
      key: findingKey(f), ruleId: f.ruleId, severity: f.severity, message: f.message, file: f.file,
      line: f.line, column: f.column, endLine: f.endLine, endColumn: f.endColumn, fixable: f.fixes.length > 0,
    })),
    evidence: r.evidence.map((e) => ({ message: e.message, file: e.file, line: e.line })),
    ...(r.signoff ? { signoff: { by: r.signoff.by, at: r.signoff.at, note: r.signoff.note, stale: r.signoff.stale } } : {}),
  }));
}
