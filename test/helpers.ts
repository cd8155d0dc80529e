import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeSource, parse, type FileResult } from '../src/core/analyze';
import { RULE_BY_ID, SOURCE_RULES } from '../src/core/registry';
import type { ProjectInfo, SourceRule } from '../src/core/types';
import { main } from '../src/cli/main';

export const FIXTURES = path.join(__dirname, 'fixtures');

export function sourceRule(id: string): SourceRule {
  const rule = RULE_BY_ID.get(id);
  if (!rule || rule.kind === 'project') throw new Error(`no source rule ${id}`);
  return rule;
}

/** Runs one rule (or all) over a snippet. */
export function run(text: string, ruleId?: string, file = 'src/app.ts', project?: Partial<ProjectInfo>): FileResult {
  const rules = ruleId ? [sourceRule(ruleId)] : SOURCE_RULES;
  return analyzeSource(file, text, {
    rules,
    project: { dependencies: {}, rateLimiters: [], ...project },
  });
}

export function syntaxErrorCount(file: string, text: string): number {
  const sf = parse(file, text) as unknown as { parseDiagnostics?: unknown[] };
  return sf.parseDiagnostics?.length ?? 0;
}

export function listDirs(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

export function listFilesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name).sort();
}

/** A stream stand-in that keeps what is written. */
class Sink {
  text = '';
  isTTY = false;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** Runs the CLI in process, as a user would from a shell, and returns what it printed. */
export function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = main(args, { stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
