import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TOOL_NAME, VERSION } from './meta';
import type { Finding } from './types';

/**
 * The findings baseline: `.preflight/baseline.json` records the findings a
 * project accepted when it adopted Preflight, so that later runs (CLI and
 * editor) report only new ones. Each finding is recorded by a fingerprint
 * that survives line shifts and re-indentation: a hash of the rule id, the
 * file, the finding's source line(s) with all whitespace removed, and its
 * occurrence among identical hashes of the file. Line numbers are kept for
 * people only. A corrupt file is reported and ignored, and only
 * `preflight check --update-baseline` ever writes it.
 */
export const BASELINE_FILE = path.join('.preflight', 'baseline.json');
/** The file name as shown to the user, `/` on every platform. */
export const BASELINE_DISPLAY = '.preflight/baseline.json';

export interface BaselineEntry {
  fingerprint: string;
  ruleId: string;
  file: string;
  /** Informational: where the finding was when the baseline was written. */
  line: number;
  message: string;
}

export interface BaselineFile {
  version: 1;
  createdAt: string;
  tool: { name: string; version: string };
  findings: BaselineEntry[];
}

export class BaselineError extends Error {}

export function baselinePath(root: string): string {
  return path.join(root, BASELINE_FILE);
}

// ---------------------------------------------------------------------------
// Fingerprints

/** Source text considered per finding, before whitespace is removed, and kept after: bounds the cost of huge spans. */
const MAX_RAW = 4000;
const MAX_NORMALIZED = 240;

/** Node 20.12+ hashes a string in one call, without a Hash object; VS Code's older Node 20 builds lack it. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

function sha256(s: string): string {
  return oneShot ? oneShot('sha256', s, 'hex') : crypto.createHash('sha256').update(s).digest('hex');
}

/**
 * The finding's whole source lines (start line through end line) with every
 * whitespace character removed, so that re-indenting or re-wrapping the same
 * code keeps the same text.
 */
export function normalizedSourceText(text: string, lineStarts: readonly number[], line: number, endLine: number): string {
  const from = lineStarts[line - 1] ?? 0;
  const last = Math.max(line, endLine);
  const to = last < lineStarts.length ? lineStarts[last] : text.length;
  return text.slice(from, Math.min(to, from + MAX_RAW)).replace(/\s+/g, '').slice(0, MAX_NORMALIZED);
}

/**
 * Sets `fingerprint` on each finding of one file; `findings` must be in
 * source order (the occurrence index counts identical hashes top-down).
 */
export function fingerprintSourceFindings(file: string, text: string, lineStarts: readonly number[], findings: Finding[]): void {
  const seen = new Map<string, number>();
  for (const f of findings) {
    const base = sha256(`s\0${f.ruleId}\0${file}\0${normalizedSourceText(text, lineStarts, f.line, f.endLine)}`);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    f.fingerprint = sha256(`${base}\0${n}`);
  }
}

/**
 * The fingerprint of every finding, in the same order. Source findings carry
 * theirs (set by analyzeSource); project findings (lockfile, config files)
 * have no source line to hash and are keyed by rule id, file and message,
 * numbered in line order among identical keys.
 */
export function fingerprintsOf(findings: readonly Finding[]): string[] {
  const out: string[] = new Array(findings.length);
  const groups = new Map<string, number[]>();
  findings.forEach((f, i) => {
    if (f.fingerprint) {
      out[i] = f.fingerprint;
      return;
    }
    const base = sha256(`p\0${f.ruleId}\0${f.file}\0${f.message}`);
    const list = groups.get(base);
    if (list) list.push(i);
    else groups.set(base, [i]);
  });
  for (const [base, list] of groups) {
    list.sort((a, b) => findings[a].line - findings[b].line || findings[a].column - findings[b].column || findings[a].start - findings[b].start);
    list.forEach((i, n) => (out[i] = sha256(`${base}\0${n}`)));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Applying

export interface BaselineSplit {
  /** Findings not in the baseline: reported, and the only ones exit codes consider. */
  kept: Finding[];
  /** Findings the baseline accepts. */
  baselined: Finding[];
}

export function applyBaseline(findings: readonly Finding[], fingerprints: ReadonlySet<string> | undefined): BaselineSplit {
  if (!fingerprints || fingerprints.size === 0 || findings.length === 0) return { kept: [...findings], baselined: [] };
  const prints = fingerprintsOf(findings);
  const kept: Finding[] = [];
  const baselined: Finding[] = [];
  findings.forEach((f, i) => (fingerprints.has(prints[i]) ? baselined : kept).push(f));
  return { kept, baselined };
}

/** "3 findings baselined", or the empty string for none. */
export function baselinedPhrase(n: number): string {
  return n === 0 ? '' : `${n} finding${n === 1 ? '' : 's'} baselined`;
}

// ---------------------------------------------------------------------------
// The file

/** The baseline of a folder: undefined when there is none; BaselineError with the reason when it is corrupt. */
export function readBaseline(root: string): BaselineFile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(baselinePath(root), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BaselineError(`${BASELINE_DISPLAY}: cannot be read (${(e as Error).message}); ignored`);
  }
  return parseBaseline(text);
}

/** The fingerprints of a folder's baseline; see readBaseline. */
export function readBaselineFingerprints(root: string): Set<string> | undefined {
  const b = readBaseline(root);
  return b ? new Set(b.findings.map((f) => f.fingerprint)) : undefined;
}

export function parseBaseline(text: string): BaselineFile {
  const fail = (why: string): never => {
    throw new BaselineError(`${BASELINE_DISPLAY}: ${why}; ignored (rewrite it with \`preflight check --update-baseline\`)`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    return fail(`not valid JSON (${(e as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return fail('expected an object with "findings"');
  const obj = raw as Record<string, unknown>;
  if (obj.version !== 1) return fail(`unsupported version ${JSON.stringify(obj.version)} (expected 1)`);
  if (!Array.isArray(obj.findings)) return fail('"findings" must be an array');
  const findings = obj.findings.map((e, i): BaselineEntry => {
    if (!e || typeof e !== 'object') return fail(`findings[${i}] must be an object`);
    const o = e as Record<string, unknown>;
    if (typeof o.fingerprint !== 'string' || !/^[0-9a-f]{16,64}$/.test(o.fingerprint)) return fail(`findings[${i}].fingerprint must be a hex string`);
    return {
      fingerprint: o.fingerprint,
      ruleId: typeof o.ruleId === 'string' ? o.ruleId : '',
      file: typeof o.file === 'string' ? o.file : '',
      line: typeof o.line === 'number' ? o.line : 0,
      message: typeof o.message === 'string' ? o.message : '',
    };
  });
  const tool = obj.tool && typeof obj.tool === 'object' ? (obj.tool as Record<string, unknown>) : {};
  return {
    version: 1,
    createdAt: typeof obj.createdAt === 'string' ? obj.createdAt : '',
    tool: { name: typeof tool.name === 'string' ? tool.name : TOOL_NAME, version: typeof tool.version === 'string' ? tool.version : '' },
    findings,
  };
}

/** The file's content for these findings: entries sorted by file, line, rule and fingerprint; keys in a fixed order. */
export function baselineFor(findings: readonly Finding[], now: Date = new Date()): BaselineFile {
  const prints = fingerprintsOf(findings);
  const entries: BaselineEntry[] = findings.map((f, i) => ({
    fingerprint: prints[i], ruleId: f.ruleId, file: f.file, line: f.line, message: f.message,
  }));
  entries.sort(
    (a, b) =>
      cmp(a.file, b.file) || a.line - b.line || cmp(a.ruleId, b.ruleId) || cmp(a.fingerprint, b.fingerprint),
  );
  return { version: 1, createdAt: now.toISOString(), tool: { name: TOOL_NAME, version: VERSION }, findings: entries };
}

/** Writes the baseline through a temporary file and a rename, so that a crash cannot leave half a file. */
export function writeBaseline(root: string, findings: readonly Finding[], now: Date = new Date()): BaselineFile {
  const body = baselineFor(findings, now);
  const file = baselinePath(root);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(body, null, 2) + '\n');
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    throw e;
  }
  return body;
}

/** Code-unit order, the same on every machine and locale. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
