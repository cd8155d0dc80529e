import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileResult } from '../../core/analyze';
import { applyBaseline, baselinePath, BaselineError, readBaselineFingerprints } from '../../core/baseline';
import { ResultCache } from '../../core/cache';
import { computeChecklist, summarize, type ChecklistRow, type ChecklistSummary } from '../../core/checklist';
import { ConfigError, loadConfig, type PreflightConfig } from '../../core/config';
import type { Evidence, Fact, Finding, ProjectInfo } from '../../core/types';
import { analyzeFile, isAnalyzedSource, isExcludedPath, projectInfo, type WorkspaceResult } from '../../core/workspace';
import { addSignoff, currentUser, readSignoffs, revokeSignoff, SignoffError, signoffPath, type Signoff } from '../../core/signoffs';
import type { RowId } from '../../core/types';
import { analyzeConfigFile, configRulesFor, isConfigFile, projectContextFor } from '../../core/config-files';
import { buildReport } from '../../cli/report';
import { formatMarkdown } from '../../cli/format/markdown';
import { mergeConfig, type Settings } from './settings';

/**
 * What the editor knows about one workspace folder: its merged config, the
 * per-file results (from a scan, then kept current file by file on save) and
 * the checklist computed from them. Plain Node, no `vscode`: unit-tested as is.
 */
export class FolderState {
  config!: PreflightConfig;
  project!: ProjectInfo;
  /** A config problem to show the user; defaults are used meanwhile. */
  configError?: string;
  notes: string[] = [];
  lastScan?: Date;
  private readonly cache = new ResultCache();
  private readonly files = new Map<string, FileResult>();
  /** Findings and evidence of project rules (lockfile, .env) from the last scan. */
  private projectPart: { findings: Finding[]; evidence: Evidence[]; facts: Fact[] } = { findings: [], evidence: [], facts: [] };

  constructor(
    readonly root: string,
    private settings: Settings,
  ) {
    this.reload(settings);
  }

  /** Re-reads preflight.config.json and merges settings; cached results are dropped since rules may differ. */
  reload(settings: Settings = this.settings): void {
    this.settings = settings;
    this.configError = undefined;
    let loaded;
    try {
      loaded = loadConfig(this.root);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      this.configError = e.message;
      loaded = { config: { rules: {}, exclude: [], rowOptOuts: {}, rateLimiters: [], maxFileSizeKB: 1024 }, warnings: [], present: new Set<string>() };
    }
    this.notes = loaded.warnings;
    this.config = mergeConfig(loaded.config, loaded.present, settings);
    this.project = projectInfo(this.root, this.config);
    this.cache.clear();
    this.baselineStamp = undefined;
    this.baselineFingerprints();
  }

  /** A problem with .preflight/baseline.json (it is then ignored), shown like a config warning. */
  baselineError?: string;
  private baseline?: Set<string>;
  /** Size and mtime of the baseline file when last read: `preflight check --update-baseline` is picked up without a reload. */
  private baselineStamp?: string;

  /** The baseline's fingerprints, re-read when the file changed; undefined when there is none or it is corrupt. */
  private baselineFingerprints(): Set<string> | undefined {
    const stamp = fileStamp(baselinePath(this.root));
    if (stamp === this.baselineStamp) return this.baseline;
    this.baselineStamp = stamp;
    const previousError = this.baselineError;
    this.baselineError = undefined;
    this.baseline = undefined;
    if (stamp !== 'absent') {
      try {
        this.baseline = readBaselineFingerprints(this.root);
      } catch (e) {
        if (!(e instanceof BaselineError)) throw e;
        this.baselineError = e.message;
      }
    }
    if (previousError !== undefined) this.notes = this.notes.filter((n) => n !== previousError);
    if (this.baselineError !== undefined && !this.notes.includes(this.baselineError)) this.notes = [...this.notes, this.baselineError];
    return this.baseline;
  }

  /** Findings of files and project rules, after cross-file evidence, before the baseline. */
  private allFindings(): Finding[] {
    const evidence = new Set(this.evidence().map((e) => e.kind));
    const all = [...this.projectPart.findings];
    for (const r of this.files.values()) all.push(...r.findings);
    return all.filter((f) => !f.unlessEvidence || !evidence.has(f.unlessEvidence));
  }

  /** Findings the baseline (.preflight/baseline.json) accepts: left out of findings() and findingsFor(). */
  baselined(): Finding[] {
    return applyBaseline(this.allFindings(), this.baselineFingerprints()).baselined;
  }

  /** Relative path with `/`, or undefined when the file is outside this folder. */
  relative(fsPath: string): string | undefined {
    const rel = path.relative(this.root, fsPath);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    return rel.split(path.sep).join('/');
  }

  /** True when the config, a .gitignore or a skipped folder (node_modules, dist…) excludes the file. */
  isExcluded(rel: string): boolean {
    return isExcludedPath(this.root, rel, this.config.exclude);
  }

  /** Analyzes the text of an open document (which may differ from disk) and records the result. */
  analyzeText(rel: string, text: string, analyze: (rel: string, text: string) => FileResult): FileResult {
    const result = this.cache.get(rel, text, () => analyze(rel, text));
    if (!result.skipped) this.files.set(rel, result);
    return result;
  }

  /**
   * Analyzes the text of an open config file (Dockerfile, workflow, ignore
   * file, package.json) with the project rules that judge single files, and
   * records its findings in place of the scan's for that file.
   */
  analyzeConfigText(rel: string, text: string): FileResult {
    const ctx = projectContextFor(this.root, this.project, this.config.exclude, new Map([[rel, text]]));
    const result = analyzeConfigFile(rel, text, ctx, { ruleSettings: this.config.rules });
    // Only the rules that read this file are re-judged: others' results on it stay (no-lockfile's
    // finding sits on package.json, env-not-gitignored's on .gitignore).
    const judging = new Set(configRulesFor(rel).map((r) => r.id));
    const stale = (x: { file: string; rule?: string; ruleId?: string }): boolean => x.file === rel && judging.has(x.ruleId ?? x.rule ?? '');
    this.projectPart = {
      findings: [...this.projectPart.findings.filter((f) => !stale(f)), ...result.findings],
      evidence: [...this.projectPart.evidence.filter((e) => !stale(e)), ...result.evidence.filter((e) => e.file === rel)],
      facts: [...this.projectPart.facts.filter((f) => !stale(f)), ...result.facts.filter((f) => f.file === rel)],
    };
    return result;
  }

  /** Findings of one config file, from the last scan or the last analyzeConfigText. */
  configFindingsFor(rel: string): Finding[] {
    return applyBaseline(this.projectPart.findings.filter((f) => f.file === rel), this.baselineFingerprints()).kept;
  }

  /** Reads a file from disk and analyzes it with the folder's config. */
  analyzeFromDisk(rel: string): FileResult {
    const r = analyzeFile(this.root, rel, this.config, this.project, { cache: this.cache });
    if (!r.skipped) this.files.set(rel, r);
    return r;
  }

  /**
   * A file whose editor was closed, judged again from disk as the scan judges it (the editor may
   * have held unsaved changes): its findings, or undefined when none are shown for it (not a
   * source or config file, or skipped like the scan skips it: minified, too large, unreadable).
   */
  closedFile(rel: string): Finding[] | undefined {
    if (isConfigFile(rel)) {
      let text: string;
      try {
        text = fs.readFileSync(path.join(this.root, rel), 'utf8');
      } catch {
        return undefined;
      }
      this.analyzeConfigText(rel, text);
      return this.configFindingsFor(rel);
    }
    if (!isAnalyzedSource(rel)) return undefined;
    if (this.analyzeFromDisk(rel).skipped) {
      this.removeFile(rel);
      return undefined;
    }
    return this.findingsFor(rel);
  }

  removeFile(rel: string): void {
    this.files.delete(rel);
    this.cache.delete(rel);
  }

  /** Replaces everything with a scan's result (computed in a worker). */
  applyScan(scan: WorkspaceResult): void {
    this.files.clear();
    const byFile = new Map<string, FileResult>();
    for (const file of scan.files) byFile.set(file, { file, findings: [], evidence: [], facts: [], syntaxErrors: 0 });
    const projectPart = { findings: [] as Finding[], evidence: [] as Evidence[], facts: [] as Fact[] };
    const bucket = (file: string) => byFile.get(file);
    for (const f of scan.findings) (bucket(f.file)?.findings ?? projectPart.findings).push(f);
    for (const e of scan.evidence) (bucket(e.file)?.evidence ?? projectPart.evidence).push(e);
    for (const f of scan.facts) (bucket(f.file)?.facts ?? projectPart.facts).push(f);
    for (const [file, r] of byFile) this.files.set(file, r);
    this.projectPart = projectPart;
    this.notes = [...new Set([...this.notes, ...scan.notes])];
    this.lastScan = new Date();
  }

  /** Every current finding, files and project rules together, after cross-file evidence and the baseline are applied. */
  findings(): Finding[] {
    return applyBaseline(this.allFindings(), this.baselineFingerprints()).kept;
  }

  findingsFor(rel: string): Finding[] {
    const evidence = new Set(this.evidence().map((e) => e.kind));
    const own = (this.files.get(rel)?.findings ?? []).filter((f) => !f.unlessEvidence || !evidence.has(f.unlessEvidence));
    return applyBaseline(own, this.baselineFingerprints()).kept;
  }

  evidence(): Evidence[] {
    const all = [...this.projectPart.evidence];
    for (const r of this.files.values()) all.push(...r.evidence);
    return all;
  }

  facts(): Fact[] {
    const all = [...this.projectPart.facts];
    for (const r of this.files.values()) all.push(...r.facts);
    return all;
  }

  /** A problem with .preflight/signoffs.json, shown instead of silently dropping sign-offs. */
  signoffError?: string;
  private signoffList: Signoff[] = [];
  /** Size and mtime of signoffs.json when last read: the checklist is computed on every save, the file read only when it changed. */
  private signoffStamp?: string;

  signoffs(): Signoff[] {
    const stamp = fileStamp(signoffPath(this.root));
    if (stamp === this.signoffStamp) return this.signoffList;
    this.signoffStamp = stamp;
    try {
      this.signoffList = readSignoffs(this.root);
      this.signoffError = undefined;
    } catch (e) {
      if (!(e instanceof SignoffError)) throw e;
      this.signoffList = [];
      this.signoffError = e.message;
    }
    return this.signoffList;
  }

  checklist(): ChecklistRow[] {
    const { kept, baselined } = applyBaseline(this.allFindings(), this.baselineFingerprints());
    return computeChecklist({
      findings: kept, evidence: this.evidence(), facts: this.facts(), config: this.config, signoffs: this.signoffs(), baselined,
    });
  }

  /** Records a sign-off for a review row; throws SignoffError when the file is corrupt (it is then left as is). */
  signOff(row: RowId, note: string, by = currentUser(this.root), now = new Date()): void {
    const current = this.checklist().find((r) => r.id === row);
    this.signoffStamp = undefined;
    addSignoff(this.root, { row, note, by, at: now.toISOString(), findingsAtSignoff: current?.findings.length ?? 0 });
  }

  revoke(row: RowId): void {
    this.signoffStamp = undefined;
    revokeSignoff(this.root, row);
  }

  summary(): ChecklistSummary {
    return summarize(this.checklist());
  }

  /** The same Markdown table as `preflight check --format markdown`. */
  markdown(): string {
    const { kept, baselined } = applyBaseline(this.allFindings(), this.baselineFingerprints());
    const result: WorkspaceResult = {
      root: this.root, config: this.config, files: [...this.files.keys()].sort(), findings: kept,
      evidence: this.evidence(), facts: this.facts(), skipped: [], notes: this.notes,
    };
    return formatMarkdown(buildReport(path.basename(this.root), result, this.signoffs(), baselined));
  }
}

/** Size and modification time of a file, 'absent' when there is none: a cheap "did it change" check. */
function fileStamp(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return 'absent';
  }
}
