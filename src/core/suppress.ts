import { textHas } from './lib/text-hints';
/**
 * Suppression comments:
 *   // preflight-ignore-next-line <rule-id>[, <rule-id>…] -- <reason> [until YYYY-MM-DD]
 *   /* preflight-ignore-file <rule-id>[, <rule-id>…] -- <reason> [until YYYY-MM-DD] *\/
 * `*` stands for every rule. A suppression without a reason still applies
 * but is itself reported, so that the row it hides does not pass silently.
 * `until` makes it expire: it applies through that day (UTC), then stops
 * applying and is reported once; an unreadable date is reported too.
 */
export interface Suppression {
  kind: 'next-line' | 'file';
  ruleIds: string[];
  /** The reason, without its `until` clause. */
  reason?: string;
  /** `until YYYY-MM-DD`: the last day (UTC) it applies, as written. */
  until?: string;
  /** An `until` clause whose date is not a real YYYY-MM-DD date, as written. */
  invalidUntil?: string;
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
  if (!textHas(text, 'preflight-ignore')) return [];
  const lineStarts = lineStartsOf(text);
  const out: Suppression[] = [];
  for (const [re, kind] of [[NEXT_LINE, 'next-line'], [FILE, 'file']] as const) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const body = parseBody(m[1]);
      const line = lineAt(lineStarts, m.index);
      out.push({ kind, ...body, line, targetLine: line + 1, start: m.index, end: m.index + m[0].length });
    }
  }
  return out;
}

/** `until` and something date-like at the very end of the reason (a trailing period allowed). */
const UNTIL = /(?:^|\s)until\s+(\d[\d./-]*\d)\.?$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseBody(body: string): { ruleIds: string[]; reason?: string; until?: string; invalidUntil?: string } {
  const sep = body.indexOf('--');
  const idsPart = sep >= 0 ? body.slice(0, sep) : body;
  let reason = sep >= 0 ? body.slice(sep + 2).trim() : '';
  const ruleIds = idsPart.split(/[\s,]+/).filter(Boolean);
  let until: string | undefined;
  let invalidUntil: string | undefined;
  const m = UNTIL.exec(reason);
  if (m) {
    reason = reason.slice(0, m.index).trim();
    if (isCalendarDate(m[1])) until = m[1];
    else invalidUntil = m[1];
  }
  return {
    ruleIds,
    reason: reason.length > 0 ? reason : undefined,
    ...(until !== undefined ? { until } : {}),
    ...(invalidUntil !== undefined ? { invalidUntil } : {}),
  };
}

/** True for a real date written YYYY-MM-DD (2027-02-29 and 2027-13-45 are not). */
export function isCalendarDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** True when `now` is past the suppression's last day (compared as UTC dates). */
export function isExpired(s: Pick<Suppression, 'until'>, now: Date): boolean {
  if (s.until === undefined) return false;
  return now.toISOString().slice(0, 10) > s.until;
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line of an offset, by binary search over line starts. */
export function lineAt(lineStarts: readonly number[], offset: number): number {
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
