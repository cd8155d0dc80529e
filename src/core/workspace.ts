import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { analyzeSource, SOURCE_EXTENSIONS, type FileResult } from './analyze';
import { ResultCache } from './cache';
import { loadConfig, type PreflightConfig } from './config';
import { projectFinding } from './config-text';
import { PROJECT_RULES, SOURCE_RULES } from './registry';
import type { Evidence, Fact, Finding, ProjectContext, ProjectInfo } from './types';

/** Folders never worth reading: dependencies, VCS data, build output, caches. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  'node_modules', '.git', '.hg', '.svn', 'dist', 'build', 'out', 'coverage', '.next', '.nuxt', '.output',
  '.turbo', '.cache', '.vercel', '.serverless', '.preflight', 'bower_components', '.code-server', 'test-results',
]);

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface WorkspaceResult {
  root: string;
  config: PreflightConfig;
  /** Files analyzed (source files only). */
  files: string[];
  findings: Finding[];
  evidence: Evidence[];
  facts: Fact[];
  skipped: SkippedFile[];
  /** Config warnings and other notes for the user. */
  notes: string[];
}

export interface WorkspaceOptions {
  /** Overrides preflight.config.json (the editor merges its settings first). */
  config?: PreflightConfig;
  cache?: ResultCache;
  /** Checked between files; a cancelled scan throws `Cancelled`. */
  isCancelled?: () => boolean;
  timeBudgetMs?: number;
}

export class Cancelled extends Error {
  constructor() {
    super('scan cancelled');
  }
}

/** Average line length above which a one-or-few-line file is taken for minified output. */
const MINIFIED_LINE_LENGTH = 1000;

/** A file the scan analyzes as source: a JS/TS extension, declaration files aside. */
export function isAnalyzedSource(rel: string): boolean {
  return SOURCE_EXTENSIONS.has(path.extname(rel).toLowerCase()) && !rel.endsWith('.d.ts');
}

export function analyzeWorkspace(root: string, options: WorkspaceOptions = {}): WorkspaceResult {
  const absRoot = path.resolve(root);
  const stat = statOrUndefined(absRoot);
  if (!stat) throw new WorkspaceError(`${root}: no such directory`);
  if (!stat.isDirectory()) throw new WorkspaceError(`${root}: not a directory`);

  const notes: string[] = [];
  let config = options.config;
  if (!config) {
    const loaded = loadConfig(absRoot);
    config = loaded.config;
    notes.push(...loaded.warnings);
  }
  const walk = listFiles(absRoot, config.exclude);
  const project = projectInfo(absRoot, config);
  const result: WorkspaceResult = {
    root: absRoot, config, files: [], findings: [], evidence: [], facts: [], skipped: [], notes,
  };

  for (const rel of walk.files) {
    if (!isAnalyzedSource(rel)) continue;
    if (options.isCancelled?.()) throw new Cancelled();
    const fr = analyzeFile(absRoot, rel, config, project, options);
    if (fr.skipped) {
      result.skipped.push({ file: rel, reason: fr.skipped });
      continue;
    }
    result.files.push(rel);
    result.findings.push(...fr.findings);
    result.evidence.push(...fr.evidence);
    result.facts.push(...fr.facts);
  }

  const ctx: ProjectContext = {
    ...project,
    root: absRoot,
    files: walk.files,
    isGitIgnored: walk.isGitIgnored,
    readText: (rel) => readTextOrUndefined(path.join(absRoot, rel)),
  };
  for (const rule of PROJECT_RULES) {
    const setting = config.rules[rule.id];
    if (setting === 'off') continue;
    const r = rule.check(ctx);
    for (const e of r.evidence) result.evidence.push({ ...e, rule: rule.id });
    for (const f of r.facts ?? []) result.facts.push({ ...f, rule: rule.id });
    for (const f of r.findings) result.findings.push(projectFinding(rule, f, setting ?? rule.severity));
  }
  const present = new Set(result.evidence.map((e) => e.kind));
  result.findings = result.findings.filter((f) => !f.unlessEvidence || !present.has(f.unlessEvidence));
  return result;
}

export class WorkspaceError extends Error {}

/** Reads and analyzes one workspace file, or says why it was skipped. */
export function analyzeFile(
  root: string, rel: string, config: PreflightConfig, project: ProjectInfo, options: WorkspaceOptions = {},
): FileResult {
  const abs = path.join(root, rel);
  const empty = (reason: string): FileResult => ({ file: rel, findings: [], evidence: [], facts: [], syntaxErrors: 0, skipped: reason });
  let buf: Buffer | undefined;
  try {
    buf = readUpTo(abs, config.maxFileSizeKB * 1024);
  } catch (e) {
    return empty(`unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (buf === undefined) return empty(`larger than ${config.maxFileSizeKB} KB (maxFileSizeKB)`);
  const text = decode(buf);
  if (text === undefined) return empty('binary content');
  if (looksMinified(rel, text)) return empty('minified');
  if (looksBundled(text)) return empty('bundled build output');
  const analyze = (): FileResult =>
    analyzeSource(rel, text, { rules: SOURCE_RULES, project, ruleSettings: config.rules, timeBudgetMs: options.timeBudgetMs });
  return options.cache ? options.cache.get(rel, text, analyze) : analyze();
}

/**
 * The file's bytes, or undefined when it is larger than `limit`: one open, one fstat and the
 * reads, where a stat by path and then `readFileSync` (which opens and fstats again) took a
 * second stat per file. Like `readFileSync`, it reads the size the fstat gave, or to the end if
 * the file shrank meanwhile.
 */
function readUpTo(abs: string, limit: number): Buffer | undefined {
  const fd = fs.openSync(abs, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size > limit) return undefined;
    const buf = Buffer.allocUnsafe(size);
    let length = 0;
    while (length < size) {
      const n = fs.readSync(fd, buf, length, size - length, null);
      if (n === 0) break;
      length += n;
    }
    return length === size ? buf : buf.subarray(0, length);
  } finally {
    fs.closeSync(fd);
  }
}

/** UTF-8 text (a BOM dropped), or undefined for binary content. */
export function decode(buf: Buffer): string | undefined {
  const probe = buf.subarray(0, 8192);
  if (probe.includes(0)) return undefined;
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}

/**
 * The runtime preludes bundlers put at the top of their output (webpack,
 * browserify, parcel): a committed bundle is build output like dist/, and
 * analyzing it reports the libraries inside it again.
 */
const BUNDLE_PRELUDE = /__webpack_require__|webpackBootstrap|webpackJsonp|webpackChunk|parcelRequire|"function"==typeof require&&require|MODULE_NOT_FOUND",\w+\}var \w+=\w+\[\w+\]=\{exports:\{\}\}/;
const BUNDLE_HEAD = 4096;

export function looksBundled(text: string): boolean {
  return BUNDLE_PRELUDE.test(text.length > BUNDLE_HEAD ? text.slice(0, BUNDLE_HEAD) : text);
}

export function looksMinified(rel: string, text: string): boolean {
  if (/\.min\.[cm]?js$/i.test(rel)) return true;
  // Short chunks count too: Vite and Monaco ship one-line language files of 2-4 KB (`public/monaco/apex-CcIm7xu6.js`).
  if (text.length < MINIFIED_LINE_LENGTH * 1.5) return false;
  // Minified means fewer than length / MINIFIED_LINE_LENGTH lines: stop counting once there are that many.
  const enough = text.length / MINIFIED_LINE_LENGTH;
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0 && lines < enough; i = text.indexOf('\n', i + 1)) lines++;
  return text.length / lines > MINIFIED_LINE_LENGTH;
}

export function projectInfo(root: string, config: PreflightConfig): ProjectInfo {
  const dependencies: Record<string, string> = {};
  const text = readTextOrUndefined(path.join(root, 'package.json'));
  if (text) {
    try {
      const pkg = JSON.parse(text) as Record<string, unknown>;
      for (const key of ['dependencies', 'devDependencies', 'optionalDependencies']) {
        const deps = pkg[key];
        if (deps && typeof deps === 'object') {
          for (const [name, range] of Object.entries(deps)) if (typeof range === 'string') dependencies[name] = range;
        }
      }
    } catch {
      // A broken package.json is reported by its own rule; analysis goes on without versions.
    }
  }
  return { dependencies, rateLimiters: config.rateLimiters };
}

interface FileWalk {
  files: string[];
  isGitIgnored(rel: string): boolean;
}

/**
 * All files under root, relative with `/`, skipping SKIPPED_DIRS, paths that
 * .gitignore files (root and nested) ignore, and config excludes. Symbolic
 * links are not followed, so a link cycle cannot hang the walk.
 */
export function listFiles(root: string, exclude: readonly string[]): FileWalk {
  const excluded = ignore().add([...exclude]);
  const gitignores: { dir: string; ig: Ignore }[] = [];
  const files: string[] = [];

  const gitIgnored = (rel: string, isDir: boolean): boolean => {
    for (const { dir, ig } of gitignores) {
      if (dir !== '' && !rel.startsWith(dir + '/')) continue;
      const sub = dir === '' ? rel : rel.slice(dir.length + 1);
      if (ig.ignores(isDir ? sub + '/' : sub)) return true;
    }
    return false;
  };

  const visit = (dirRel: string): void => {
    const abs = path.join(root, dirRel);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    const gi = entries.find((e) => e.isFile() && e.name === '.gitignore');
    if (gi) {
      const text = readTextOrUndefined(path.join(abs, '.gitignore'));
      if (text !== undefined) gitignores.push({ dir: dirRel, ig: ignore().add(text) });
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const rel = dirRel === '' ? e.name : `${dirRel}/${e.name}`;
      if (e.isDirectory()) {
        if (SKIPPED_DIRS.has(e.name)) continue;
        if (excluded.ignores(rel + '/') || gitIgnored(rel, true)) continue;
        visit(rel);
      } else if (e.isFile()) {
        if (excluded.ignores(rel) || gitIgnored(rel, false)) continue;
        files.push(rel);
      }
    }
  };
  visit('');
  return { files, isGitIgnored: (rel) => gitIgnored(rel, false) };
}

/**
 * The walk's verdict for one path, without walking: a skipped folder on the
 * way, a config exclude, or a .gitignore (root or nested) on the way.
 */
export function isExcludedPath(root: string, rel: string, exclude: readonly string[]): boolean {
  const parts = rel.split('/');
  if (parts.slice(0, -1).some((p) => SKIPPED_DIRS.has(p))) return true;
  if (exclude.length > 0 && ignore().add([...exclude]).ignores(rel)) return true;
  for (let i = 0; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    const text = readTextOrUndefined(path.join(root, dir, '.gitignore'));
    if (text === undefined) continue;
    const ig = ignore().add(text);
    const rest = parts.slice(i);
    // A parent folder that is ignored hides everything below it.
    for (let j = 1; j <= rest.length; j++) {
      const sub = rest.slice(0, j).join('/');
      if (ig.ignores(j < rest.length ? sub + '/' : sub)) return true;
    }
  }
  return false;
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

function readTextOrUndefined(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}
