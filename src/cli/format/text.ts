import type { ChecklistRow } from '../../core/checklist';
import { TOOL_NAME, VERSION } from '../../core/meta';
import { baselinedPhrase } from '../../core/baseline';
import type { Finding } from '../../core/types';
import type { Report } from '../report';

export interface Palette {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const plain: Palette = { red: (s) => s, green: (s) => s, yellow: (s) => s, dim: (s) => s, bold: (s) => s };

const ansi = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
export const colors: Palette = {
  red: ansi(31, 39), green: ansi(32, 39), yellow: ansi(33, 39), dim: ansi(2, 22), bold: ansi(1, 22),
};

/** Colours only on a terminal, and never when NO_COLOR is set. */
export function paletteFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Palette {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return plain;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return colors;
  return stream.isTTY ? colors : plain;
}

const ICON: Record<ChecklistRow['status'], string> = { pass: '✔', fail: '✖', review: '?', 'n/a': '–', 'signed off': '✍' };

export function formatText(report: Report, p: Palette = plain): string {
  const lines: string[] = [];
  const { result, summary } = report;
  lines.push(p.bold(`${TOOL_NAME} ${VERSION}`) + p.dim(` · ${report.target} · ${result.files.length} files analyzed`));
  lines.push('');
  const statusColor = (r: ChecklistRow): ((s: string) => string) =>
    r.status === 'fail' ? p.red : r.status === 'pass' || r.status === 'signed off' ? p.green : r.status === 'review' ? p.yellow : p.dim;
  const core = report.rows.filter((r) => !r.extended);
  const extended = report.rows.filter((r) => r.extended);
  for (const [heading, rows] of [['Release checklist', core], ['Extended checks', extended]] as const) {
    if (rows.length === 0) continue;
    lines.push(p.bold(heading));
    for (const r of rows) {
      const color = statusColor(r);
      const num = String(r.number).padStart(2);
      lines.push(`${color(ICON[r.status])} ${num}  ${r.title.padEnd(34)} ${color(r.status.padEnd(10))}  ${p.dim(r.reason)}`);
      for (const f of r.findings) lines.push(formatFinding(f, p));
    }
    lines.push('');
  }
  if (result.skipped.length > 0) {
    lines.push(p.bold('Skipped'));
    for (const s of result.skipped) lines.push(`  ${s.file}: ${s.reason}`);
    lines.push('');
  }
  for (const n of result.notes) lines.push(p.yellow(`note: ${n}`));
  const safe = report.findings.filter((f) => f.fixes.some((x) => x.preferred)).length;
  const more = report.findings.filter((f) => f.fixes.length > 0 && !f.fixes.some((x) => x.preferred)).length;
  if (safe + more > 0) {
    lines.push(p.dim(`${safe} of ${report.findings.length} findings can be fixed with \`preflight fix\`` + (more > 0 ? `, ${more} more with \`preflight fix --all\` (review those: they change behaviour).` : '.')));
  }
  const baselined = baselinedPhrase(report.baselined?.length ?? 0);
  if (baselined) lines.push(p.dim(`${baselined} (.preflight/baseline.json); \`--no-baseline\` shows them.`));
  lines.push(
    `checklist: ${summary.pass} pass, ${summary.fail} fail, ${summary.review} review, ${summary.na} n/a` +
      (summary.signedOff > 0 ? `, ${summary.signedOff} signed off` : '') +
      ` (${summary.ready}/${summary.total} ready)`,
  );
  return lines.join('\n') + '\n';
}

function formatFinding(f: Finding, p: Palette): string {
  const sev = f.severity === 'error' ? p.red(f.severity) : f.severity === 'warning' ? p.yellow(f.severity) : p.dim(f.severity);
  const fix = f.fixes.length > 0 ? p.dim(' [fixable]') : '';
  return `       ${f.file}:${f.line}:${f.column}  ${sev}  ${f.message} ${p.dim(f.ruleId)}${fix}`;
}
