import type { PreflightConfig } from './config';
import { ROWS, type RowDefinition } from './rows';
import type { Signoff } from './signoffs';
import type { Evidence, Fact, Finding, RowId } from './types';

export type RowStatus = 'pass' | 'fail' | 'review' | 'n/a' | 'signed off';

export interface ChecklistRow {
  number: number;
  id: RowId;
  title: string;
  criteria: string;
  extended: boolean;
  status: RowStatus;
  /** Why the row has its status, in one line. */
  reason: string;
  findings: Finding[];
  evidence: Evidence[];
  /** The row's sign-off, if any; `stale` when findings appeared after it. */
  signoff?: Signoff & { stale: boolean };
  /** Findings of the row that the baseline (.preflight/baseline.json) accepts; absent when none. */
  baselined?: number;
}

export interface ChecklistInput {
  findings: readonly Finding[];
  evidence: readonly Evidence[];
  facts: readonly Fact[];
  config?: Pick<PreflightConfig, 'rowOptOuts'>;
  signoffs?: readonly Signoff[];
  /** Findings the baseline accepts: not in `findings`, only counted in each row's reason. */
  baselined?: readonly Finding[];
}

/**
 * The rows, decided in this order: a config opt-out makes a row n/a; any
 * finding fails it; an absent subject makes it n/a; evidence passes it;
 * otherwise a person must review it, and a sign-off settles that review.
 * A sign-off on a row that has findings again is stale and does not count.
 */
export function computeChecklist(input: ChecklistInput): ChecklistRow[] {
  const factKinds = new Set(input.facts.map((f) => f.kind));
  return ROWS.map((def) =>
    withBaselined(withSignoff(decideRow(def, input, factKinds), input.signoffs?.find((s) => s.row === def.id)), input.baselined),
  );
}

/** "… (3 baselined)" on rows whose findings the baseline accepts; the status is decided without them. */
function withBaselined(row: ChecklistRow, baselined: readonly Finding[] | undefined): ChecklistRow {
  if (!baselined || baselined.length === 0) return row;
  const n = baselined.filter((f) => f.row === row.id).length;
  if (n === 0) return row;
  return { ...row, baselined: n, reason: `${row.reason} (${n} baselined)` };
}

function withSignoff(row: ChecklistRow, signoff: Signoff | undefined): ChecklistRow {
  if (!signoff) return row;
  const stale = row.findings.length > signoff.findingsAtSignoff;
  if (stale) return { ...row, signoff: { ...signoff, stale }, reason: `${row.reason} (sign-off by ${signoff.by} is stale)` };
  if (row.status !== 'review') return { ...row, signoff: { ...signoff, stale } };
  return { ...row, status: 'signed off', signoff: { ...signoff, stale }, reason: `signed off by ${signoff.by} on ${signoff.at.slice(0, 10)}: ${signoff.note}` };
}

function decideRow(def: RowDefinition, input: ChecklistInput, factKinds: Set<string>): ChecklistRow {
  // Sorted, so that every caller (CLI, editor, export) shows the same order for the same findings.
  const findings = input.findings.filter((f) => f.row === def.id).sort(byLocation);
  const evidence = input.evidence.filter((e) => def.passEvidence.includes(e.kind)).sort(byLocation);
  const supporting = input.evidence.filter((e) => def.supportingEvidence?.includes(e.kind)).sort(byLocation);
  const base = {
    number: def.number, id: def.id, title: def.title, criteria: def.criteria, extended: def.extended ?? false, findings,
    evidence: [...evidence, ...supporting],
  };
  const optOut = input.config?.rowOptOuts?.[def.id];
  if (optOut) return { ...base, status: 'n/a', reason: `opted out: ${optOut}` };
  if (findings.length > 0) {
    const n = findings.length;
    return { ...base, status: 'fail', reason: `${n} finding${n === 1 ? '' : 's'}: ${summarizeRules(findings)}` };
  }
  if (def.subject && !def.subject.some((k) => factKinds.has(k))) {
    return { ...base, status: 'n/a', reason: def.naReason ?? 'not applicable' };
  }
  if (evidence.length === 0 && def.passWhenClean) {
    return { ...base, status: 'pass', reason: def.passWhenClean };
  }
  // One line per other criterion with evidence: "; also: refresh tokens rotate in src/auth.js:40".
  const also = [...new Map(supporting.map((e) => [e.kind, e])).values()].map((e) => `${e.message} in ${e.file}:${e.line}`);
  const alsoText = also.length > 0 ? `; also: ${also.join('; ')}` : '';
  if (evidence.length > 0) {
    const e = evidence[0];
    const more = evidence.length > 1 ? ` (+${evidence.length - 1} more)` : '';
    return { ...base, status: 'pass', reason: `${e.message} in ${e.file}:${e.line}${more}${alsoText}` };
  }
  return { ...base, status: 'review', reason: `${def.reviewReason}${alsoText}` };
}

function byLocation(a: { file: string; line: number; column?: number; ruleId?: string; message: string }, b: typeof a): number {
  return (
    a.file.localeCompare(b.file) || a.line - b.line || (a.column ?? 0) - (b.column ?? 0) ||
    (a.ruleId ?? '').localeCompare(b.ruleId ?? '') || a.message.localeCompare(b.message)
  );
}

function summarizeRules(findings: readonly Finding[]): string {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.ruleId, (counts.get(f.ruleId) ?? 0) + 1);
  return [...counts].map(([id, n]) => (n > 1 ? `${id} ×${n}` : id)).join(', ');
}

export interface ChecklistSummary {
  pass: number;
  fail: number;
  review: number;
  na: number;
  signedOff: number;
  /** Core rows that pass, do not apply or are signed off, out of 20. */
  ready: number;
  total: number;
}

export function summarize(rows: readonly ChecklistRow[]): ChecklistSummary {
  const core = rows.filter((r) => !r.extended);
  const count = (s: RowStatus): number => core.filter((r) => r.status === s).length;
  return {
    pass: count('pass'), fail: count('fail'), review: count('review'), na: count('n/a'), signedOff: count('signed off'),
    ready: count('pass') + count('n/a') + count('signed off'), total: core.length,
  };
}
