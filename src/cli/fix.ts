import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from '../core/analyze';
import { fixesForOnePass } from '../core/fix';
import { configSyntaxErrors, isConfigFile } from '../core/config-files';
import { analyzeWorkspace, type WorkspaceOptions } from '../core/workspace';
import type { Finding, Fix } from '../core/types';

export interface FileChange {
  file: string;
  applied: { ruleId: string; line: number; title: string }[];
  /** Set when the file was left alone, with why. */
  refused?: string;
  /** Fixes that wait for others on the same code to land first (a dry run shows one pass). */
  waiting?: number;
}

export interface FixOptions extends WorkspaceOptions {
  /** Also apply fixes not marked preferred (they may change behaviour). */
  all?: boolean;
  dryRun?: boolean;
}

/** As ESLint does: enough for chains of fixes on the same code, bounded so that two fixes undoing each other cannot loop. */
const MAX_PASSES = 10;

/**
 * Applies fixes file by file. A file is rewritten only when the result parses
 * with no more syntax errors than before; writes go through a temporary file
 * and a rename so that an interrupted run never leaves a half-written file.
 * Passes repeat (up to MAX_PASSES) because one fix can make another applicable,
 * and because fixes for findings on the same code are applied one per pass
 * (see fixesForOnePass).
 */
export function fixWorkspace(root: string, options: FixOptions = {}): FileChange[] {
  const changes = new Map<string, FileChange>();
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const result = analyzeWorkspace(root, options);
    const byFile = new Map<string, { finding: Finding; fix: Fix; start: number; end: number }[]>();
    for (const f of result.findings) {
      const fix = f.fixes.find((x) => options.all || x.preferred);
      if (!fix || f.start === f.end) continue;
      const list = byFile.get(f.file) ?? [];
      list.push({ finding: f, fix, start: f.start, end: f.end });
      byFile.set(f.file, list);
    }
    let changed = false;
    // What waits is what the latest analysis left waiting; a file with nothing to fix this pass has none.
    for (const c of changes.values()) c.waiting = 0;
    for (const [file, items] of byFile) {
      const abs = path.join(result.root, file);
      const before = fs.readFileSync(abs, 'utf8');
      const { text: after, applied, waiting } = fixesForOnePass(before, items);
      if (after === before) continue;
      const change = changes.get(file) ?? { file, applied: [] };
      changes.set(file, change);
      change.waiting = waiting.length;
      if (syntaxErrors(file, after) > syntaxErrors(file, before)) {
        change.refused = 'the fixed text would not parse; file left unchanged';
        continue;
      }
      for (const i of applied) change.applied.push({ ruleId: i.finding.ruleId, line: i.finding.line, title: i.fix.title });
      if (!options.dryRun) writeAtomically(abs, after);
      changed = true;
    }
    if (!changed || options.dryRun) break;
  }
  return [...changes.values()].filter((c) => c.applied.length > 0 || c.refused);
}

function syntaxErrors(file: string, text: string): number {
  if (isConfigFile(file)) return configSyntaxErrors(file, text);
  return (parse(file, text) as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics?.length ?? 0;
}

export function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.preflight-${process.pid}.tmp`;
  const mode = fs.statSync(file).mode;
  fs.writeFileSync(tmp, text, { mode });
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
