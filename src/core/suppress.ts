/**
 * Suppression comments:
 *   // preflight-ignore-next-line <rule-id>[, <rule-id>…] -- <reason> [until YYYY-MM-DD]
 *   /* preflight-ignore-file <rule-id>[, <rule-id>…] -- <reason> *\/
 * `*` stands for every rule. A suppression without a reason still applies
 * but is itself reported, so that the row it hides does not pass silently.
 */
export interface Suppression {
  kind: 'next-line' | 'file';
  ruleIds: string[];
  reason?: string;
  /** 1-based line of the comment. */
  line: number;
  /** The line it silences (next-line only). */
  targetLine: number;
  start: number;
  end: number;
}

const NEXT_LINE = /\/\/[ \t]*preflight-ignore-next-line\b([^\r\n]*)/g;
const FILE = /\/\*[ \t]*preflight-ignore-file\b([\s\S]*?)\*\//g;

export function parseSuppressions(text: string): Suppression[] {
  if (!text.includes('preflight-ignore')) return [];
  const lineStarts = lineStartsOf(text);
  const out: Suppression[] = [];
  for (const [re, kind] of [[NEXT_LINE, 'next-line'], [FILE, 'file']] as const) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const { ruleIds, reason } = parseBody(m[1]);
      const line = lineAt(lineStarts, m.index);
      out.push({ kind, ruleIds, reason, line, targetLine: line + 1, start: m.index, end: m.index + m[0].length });
    }
  }
  return out;
}

function parseBody(body: string): { ruleIds: string[]; reason?: string } {
  const sep = body.indexOf('--');
  const idsPart = sep >= 0 ? body.slice(0, sep) : body;
  const reason = sep >= 0 ? body.slice(sep + 2).trim() : '';
  const ruleIds = idsPart.split(/[\s,]+/).filter(Boolean);
  return { ruleIds, reason: reason.length > 0 ? reason : undefined };
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line of an offset, by binary search over line starts. */
export function lineAt(lineStarts: number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

export function suppresses(s: Suppression, ruleId: string, line: number): boolean {
  if (!s.ruleIds.includes(ruleId) && !s.ruleIds.includes('*')) return false;
  return s.kind === 'file' || s.targetLine === line;
}
