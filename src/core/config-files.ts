/**
 * One config file in isolation, for the editor: an open (maybe unsaved)
 * Dockerfile, .dockerignore, .gitignore, workflow or package.json is judged by
 * every project rule that has a `checkFile` for it, with the same positions,
 * messages, fixes and suppressions as a workspace scan.
 *
 *   const ctx = projectContextFor(root, projectInfo(root, config), config.exclude);
 *   const r = analyzeConfigFile('Dockerfile', editorText, ctx, { ruleSettings: config.rules });
 *
 * Rules may read sibling files through the context (the .dockerignore beside a
 * Dockerfile, package-lock.json beside a workflow step); the file under
 * analysis is read from `text`, never from disk.
 */
import type { FileResult } from './analyze';
import { configKind, isFixturePath, parseJson, parseYaml, projectFinding, runCheckFile } from './config-text';
import { PROJECT_RULES } from './registry';
import type { Evidence, Fact, Finding, ProjectContext, ProjectInfo, ProjectRule, RuleSetting } from './types';
import { listFiles } from './workspace';
import * as fs from 'node:fs';
import * as path from 'node:path';

export { configKind, type ConfigKind } from './config-text';

export interface ConfigFileOptions {
  /** Defaults to every registered project rule; those without `checkFile` for this file are skipped. */
  rules?: readonly ProjectRule[];
  ruleSettings?: Record<string, RuleSetting>;
}

/** True for the files analyzeConfigFile judges (Dockerfile*, *.dockerignore, .gitignore, .github/workflows/*.yml, package.json). */
export function isConfigFile(rel: string): boolean {
  return configKind(rel) !== undefined;
}

/** Syntax errors of a config file's text (YAML workflows; package.json counts 1 when broken); Dockerfiles and ignore files parse whatever they hold. */
export function configSyntaxErrors(rel: string, text: string): number {
  const kind = configKind(rel);
  if (kind === 'workflow') return parseYaml(text).errors;
  if (kind === 'package-json') return parseJson(text) ? 0 : 1;
  return 0;
}

/** The project rules that judge this one file's text (see ProjectRule.checkFile), settings aside. */
export function configRulesFor(rel: string, rules: readonly ProjectRule[] = PROJECT_RULES): ProjectRule[] {
  if (!isConfigFile(rel) || isFixturePath(rel)) return [];
  return rules.filter((rule) => rule.checkFile && rule.appliesTo?.(rel));
}

export function analyzeConfigFile(rel: string, text: string, project: ProjectContext, options: ConfigFileOptions = {}): FileResult {
  const findings: Finding[] = [];
  const evidence: Evidence[] = [];
  const facts: Fact[] = [];
  const result: FileResult = { file: rel, findings, evidence, facts, syntaxErrors: configSyntaxErrors(rel, text) };
  const settings = options.ruleSettings ?? {};
  for (const rule of configRulesFor(rel, options.rules)) {
    const setting = settings[rule.id];
    if (setting === 'off') continue;
    const r = runCheckFile(rule, rel, text, project);
    for (const f of r.findings) if (f.file === rel) findings.push(projectFinding(rule, f, setting ?? rule.severity));
    for (const e of r.evidence) evidence.push({ ...e, rule: rule.id });
    for (const f of r.facts ?? []) facts.push({ ...f, rule: rule.id });
  }
  findings.sort((a, b) => a.start - b.start || a.ruleId.localeCompare(b.ruleId));
  return result;
}

/**
 * A ProjectContext over a folder on disk for single-file analysis: the file
 * list and .gitignore verdicts are computed on first use only (most rules
 * never ask), and `overrides` supplies the text of open documents.
 */
export function projectContextFor(
  root: string, info: ProjectInfo, exclude: readonly string[] = [], overrides?: ReadonlyMap<string, string>,
): ProjectContext {
  let walk: ReturnType<typeof listFiles> | undefined;
  const getWalk = () => (walk ??= listFiles(root, exclude));
  return {
    ...info,
    root,
    get files() {
      return getWalk().files;
    },
    isGitIgnored: (rel) => getWalk().isGitIgnored(rel),
    readText: (rel) => {
      const open = overrides?.get(rel);
      if (open !== undefined) return open;
      try {
        return fs.readFileSync(path.join(root, rel), 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}
