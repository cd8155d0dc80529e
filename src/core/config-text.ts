/**
 * Shared ground for the config-file rules (Dockerfile, .dockerignore,
 * .gitignore, GitHub Actions workflows, package.json): real parsers with a
 * small memo so that rules sharing a file parse it once, text positions,
 * `#` suppression comments, .dockerignore/.gitignore matching, and a shell
 * command splitter for `RUN` lines and workflow `run:` scripts.
 * No registry import here: rules import this module.
 */
import { DockerfileParser, type Dockerfile, type From, type Instruction } from 'dockerfile-ast';
import ignore, { type Ignore } from 'ignore';
import { isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { isExpired, lineAt, lineStartsOf, parseBody } from './suppress';
import type { Evidence, Fact, Finding, Fix, ProjectContext, ProjectFinding, ProjectResult, ProjectRule, RuleMeta, Severity } from './types';

// ---------------------------------------------------------------------------
// Findings

/** A project rule's finding as a full Finding: positions when the rule gave them, else line-level at column 1. */
export function projectFinding(rule: RuleMeta, f: ProjectFinding, severity: Severity): Finding {
  const column = f.column ?? 1;
  return {
    ruleId: rule.id, row: rule.row, severity, message: f.message ?? rule.message,
    file: f.file, line: f.line, column, endLine: f.endLine ?? f.line, endColumn: f.endColumn ?? column,
    start: f.start ?? 0, end: f.end ?? 0, fixes: f.fixes ?? [],
  };
}

/** Line starts of a text, memoized for the last few texts (every rule over one file asks). */
const lineIndexMemo = new Map<string, number[]>();
function lineStarts(text: string): number[] {
  let starts = lineIndexMemo.get(text);
  if (!starts) {
    starts = lineStartsOf(text);
    remember(lineIndexMemo, text, starts);
  }
  return starts;
}

/** 1-based line and column of an offset. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  const starts = lineStarts(text);
  const line = lineAt(starts, offset);
  return { line, column: offset - starts[line - 1] + 1 };
}

/** Offset of a zero-based line and character (the LSP positions dockerfile-ast gives). */
export function offsetAt(text: string, pos: { line: number; character: number }): number {
  const starts = lineStarts(text);
  if (pos.line >= starts.length) return text.length;
  return Math.min(starts[pos.line] + pos.character, text.length);
}

/** A finding over text[start, end) of file `rel`. */
export function findingAt(rel: string, text: string, start: number, end: number, message?: string, fixes?: Fix[]): ProjectFinding {
  const s = positionAt(text, start);
  const e = positionAt(text, end);
  return {
    file: rel, line: s.line, column: s.column, endLine: e.line, endColumn: e.column, start, end,
    ...(message ? { message } : {}), ...(fixes && fixes.length > 0 ? { fixes } : {}),
  };
}

/** A finding over the whole first line (files judged as a whole: an ignore file that lacks entries). */
export function firstLineFinding(rel: string, text: string, message?: string, fixes?: Fix[]): ProjectFinding {
  const nl = text.indexOf('\n');
  let end = nl < 0 ? text.length : nl;
  if (end > 0 && text[end - 1] === '\r') end--;
  return findingAt(rel, text, 0, end, message, fixes);
}

export function evidenceAt(kind: Evidence['kind'], message: string, rel: string, text: string, offset: number): Evidence {
  return { kind, message, file: rel, line: positionAt(text, offset).line };
}

export function factAt(kind: Fact['kind'], rel: string, text: string, offset: number): Fact {
  return { kind, file: rel, line: positionAt(text, offset).line };
}

/** The end-of-line sequence the file uses. */
export function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** Offset of the start of the line holding `offset`. */
export function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Leading blanks of the line holding `offset`. */
export function indentOf(text: string, offset: number): string {
  const start = lineStartOf(text, offset);
  return /^[ \t]*/.exec(text.slice(start, offset))?.[0] ?? '';
}

/** An edit appending lines at the end of a file, after a newline if the file lacks a final one. */
export function appendLinesEdit(text: string, lines: readonly string[]): { start: number; end: number; newText: string } {
  const nl = eolOf(text);
  const lead = text.length > 0 && !text.endsWith('\n') ? nl : '';
  return { start: text.length, end: text.length, newText: lead + lines.map((l) => l + nl).join('') };
}

// ---------------------------------------------------------------------------
// Which files are config files

export type ConfigKind = 'dockerfile' | 'dockerignore' | 'workflow' | 'package-json' | 'gitignore';

/** Suffixes of files named `Dockerfile.<x>` that are not Dockerfiles (docs, backups, ignore files, templates). */
const NOT_DOCKERFILE_SUFFIX = /\.(dockerignore|md|txt|orig|bak|rej|swp|json|ya?ml|sh|j2|jinja2?|tmpl|tpl|template|erb|mustache|hbs|ejs|lock)$/i;

export function baseName(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}

export function dirName(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

export function joinRel(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

export function configKind(rel: string): ConfigKind | undefined {
  const base = baseName(rel);
  const lower = base.toLowerCase();
  if (lower === 'package.json') return 'package-json';
  if (base === '.gitignore') return 'gitignore';
  if (base === '.dockerignore' || lower.endsWith('.dockerignore')) return 'dockerignore';
  if (/^\.github\/workflows\/[^/]+\.ya?ml$/i.test(rel)) return 'workflow';
  if (lower === 'dockerfile' || lower.endsWith('.dockerfile') || (lower.startsWith('dockerfile.') && !NOT_DOCKERFILE_SUFFIX.test(lower))) {
    // Dev containers are developer workstations, not images that ship.
    return /(^|\/)\.devcontainer\//.test(rel) ? undefined : 'dockerfile';
  }
  return undefined;
}

/**
 * Test fixtures and sample data hold deliberately broken config (a scanner's
 * own test trees, `testdata/` in Go-style repos): they are not the project's.
 */
export function isFixturePath(rel: string): boolean {
  return /(^|\/)(fixtures?|__fixtures__|testdata|test-data)\//i.test(rel);
}

// ---------------------------------------------------------------------------
// Parsing, once per text

const MEMO_SIZE = 16;
function remember<V>(memo: Map<string, V>, key: string, value: V): void {
  if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value as string);
  memo.set(key, value);
}

export interface DockerStage {
  index: number;
  from: From;
  /** `AS name`, lower-cased (stage names are case-insensitive). */
  name?: string;
  /** The image reference with ARG defaults substituted (`node:${V}` → `node:20.11.1`). */
  image?: string;
  /** The earlier stage this one builds on (`FROM build`), if any. */
  parent?: DockerStage;
  /** Instructions after FROM, up to the next FROM. */
  instructions: Instruction[];
}

export interface DockerModel {
  dockerfile: Dockerfile;
  stages: DockerStage[];
}

const dockerMemo = new Map<string, DockerModel>();

export function parseDockerfile(text: string): DockerModel {
  const hit = dockerMemo.get(text);
  if (hit) return hit;
  const dockerfile = DockerfileParser.parse(text);
  const stages: DockerStage[] = [];
  for (const ins of dockerfile.getInstructions()) {
    if (ins.getKeyword() === 'FROM') {
      const from = ins as From;
      const image = from.getExpandedArguments()[0]?.getValue() ?? from.getImage() ?? undefined;
      const name = from.getBuildStage()?.toLowerCase() ?? undefined;
      const parent = image ? [...stages].reverse().find((s) => s.name !== undefined && s.name === image.toLowerCase()) : undefined;
      stages.push({ index: stages.length, from, name, image, parent, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  const model = { dockerfile, stages };
  remember(dockerMemo, text, model);
  return model;
}

export interface ParsedYaml {
  doc: Document.Parsed;
  /** Parse errors (a broken file is reported by none of the rules: they bail out). */
  errors: number;
}

const yamlMemo = new Map<string, ParsedYaml>();

/**
 * YAML with source ranges; also parses JSON (YAML 1.2 is a superset), which
 * gives package.json positions. Duplicate keys are tolerated as JSON.parse does.
 */
export function parseYaml(text: string): ParsedYaml {
  const hit = yamlMemo.get(text);
  if (hit) return hit;
  let parsed: ParsedYaml;
  try {
    const doc = parseDocument(text, { uniqueKeys: false, keepSourceTokens: false, prettyErrors: false });
    parsed = { doc, errors: doc.errors.length };
  } catch {
    parsed = { doc: parseDocument(''), errors: 1 };
  }
  remember(yamlMemo, text, parsed);
  return parsed;
}

// ---------------------------------------------------------------------------
// Ignore files

/**
 * An ignore-file matcher. .dockerignore patterns are rooted at the build
 * context and may start with `./` or `/`; the `ignore` package reads them
 * with gitignore semantics, close enough for the root-level paths we ask about.
 */
export function ignoreMatcher(text: string, docker: boolean): Ignore {
  const lines = text.split(/\r?\n/);
  const patterns = docker ? lines.map((l) => l.trim().replace(/^(!?)(?:\.\/|\/)+/, '$1')) : lines;
  try {
    return ignore({ allowRelativePaths: true }).add(patterns);
  } catch {
    return ignore();
  }
}

/** True when the matcher excludes `path` (a folder is asked as `path/`, and a file inside it). */
export function ignores(ig: Ignore, path: string, isDir = false): boolean {
  try {
    return isDir ? ig.ignores(path + '/') || ig.ignores(path + '/x') : ig.ignores(path);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Shell commands

export interface ShellWord {
  /** The word with quotes removed. */
  value: string;
  /** Offsets of the raw word in the script. */
  start: number;
  end: number;
}

/**
 * Simple commands of a shell script, split at newlines, `;`, `&&`, `||`, `|`
 * and `&`, with line continuations joined and `#` comments dropped. Quotes
 * are honoured well enough to keep `"a b"` one word; no expansion.
 */
export function shellCommands(script: string): ShellWord[][] {
  const commands: ShellWord[][] = [];
  let words: ShellWord[] = [];
  let i = 0;
  const n = script.length;
  const endCommand = (): void => {
    if (words.length > 0) commands.push(words);
    words = [];
  };
  while (i < n) {
    const c = script[i];
    if (c === '\\' && (script[i + 1] === '\n' || (script[i + 1] === '\r' && script[i + 2] === '\n'))) {
      i += script[i + 1] === '\n' ? 2 : 3;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\n' || c === ';' || c === '&' || c === '|' || c === '(' || c === ')' || c === '{' || c === '}') {
      // `{`/`}` only as words; `${x}` is consumed inside a word below.
      endCommand();
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && script[i] !== '\n') i++;
      continue;
    }
    const start = i;
    let value = '';
    while (i < n) {
      const ch = script[i];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === ';' || ch === '&' || ch === '|' || ch === '(' || ch === ')') break;
      if (ch === '\\' && script[i + 1] === '\n') break;
      if (ch === '"' || ch === "'") {
        const close = script.indexOf(ch, i + 1);
        const stop = close < 0 ? n : close;
        value += script.slice(i + 1, stop);
        i = stop + 1;
        continue;
      }
      if (ch === '$' && script[i + 1] === '{') {
        const close = script.indexOf('}', i);
        const stop = close < 0 ? n : close + 1;
        value += script.slice(i, stop);
        i = stop;
        continue;
      }
      if (ch === '\\' && i + 1 < n) {
        value += script[i + 1];
        i += 2;
        continue;
      }
      value += ch;
      i++;
    }
    words.push({ value, start, end: Math.min(i, n) });
  }
  endCommand();
  return commands;
}

/** Leading `VAR=value`, `sudo`, `exec`, `env`, `time` and similar prefixes dropped: the command proper. */
export function commandProper(words: ShellWord[]): ShellWord[] {
  let k = 0;
  while (k < words.length) {
    const v = words[k].value;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(v) || PREFIX_COMMANDS.has(v)) k++;
    else break;
  }
  return words.slice(k);
}
const PREFIX_COMMANDS: ReadonlySet<string> = new Set(['sudo', 'exec', 'env', 'time', 'command', 'nice', 'nohup', 'then', 'do', 'else', '!']);

// ---------------------------------------------------------------------------
// npm commands

export type NpmInstall =
  | { kind: 'ci'; npm: ShellWord; sub: ShellWord; args: ShellWord[] }
  | { kind: 'install'; npm: ShellWord; sub: ShellWord; args: ShellWord[]; bare: boolean; global: boolean; lockless: boolean };

const NPM_INSTALL_SUBCOMMANDS: ReadonlySet<string> = new Set([
  'install', 'i', 'in', 'ins', 'inst', 'insta', 'instal', 'isnt', 'isnta', 'isntal', 'isntall', 'add',
]);
const NPM_CI_SUBCOMMANDS: ReadonlySet<string> = new Set(['ci', 'clean-install', 'ic', 'install-clean', 'isntall-clean']);
/** npm flags that take a separate value word (`--prefix app`), so the value is not a package name. */
const NPM_VALUE_FLAGS: ReadonlySet<string> = new Set([
  '--prefix', '-C', '--workspace', '-w', '--registry', '--cache', '--userconfig', '--loglevel', '--omit', '--include',
  '--install-strategy', '--tag', '--before', '--location', '--only', '--also', '--fetch-retries', '--fetch-timeout',
]);

/** `npm install …` / `npm ci …` as a simple command, classified; undefined for any other command. */
export function npmInstallCommand(command: ShellWord[]): NpmInstall | undefined {
  const words = commandProper(command);
  if (words.length < 2) return undefined;
  const npm = words[0];
  if (npm.value !== 'npm' && !npm.value.endsWith('/npm')) return undefined;
  let k = 1;
  while (k < words.length && words[k].value.startsWith('-')) k += NPM_VALUE_FLAGS.has(words[k].value) ? 2 : 1;
  const sub = words[k];
  if (!sub) return undefined;
  const args = words.slice(k + 1);
  const before = words.slice(1, k);
  if (NPM_CI_SUBCOMMANDS.has(sub.value)) return { kind: 'ci', npm, sub, args };
  if (!NPM_INSTALL_SUBCOMMANDS.has(sub.value)) return undefined;
  const all = [...before, ...args];
  let bare = true;
  for (let j = 0; j < args.length; j++) {
    const v = args[j].value;
    if (v.startsWith('-')) {
      if (NPM_VALUE_FLAGS.has(v)) j++;
      continue;
    }
    bare = false;
  }
  const global = all.some((w) => w.value === '-g' || w.value === '--global' || w.value === '--location=global' || w.value === '--location');
  const lockless = all.some((w) => /^--(no-package-lock|package-lock=false|package-lock-only|lockfile-version)/.test(w.value));
  return { kind: 'install', npm, sub, args, bare, global, lockless };
}

// ---------------------------------------------------------------------------
// Running a rule over files, with `#` suppressions

const HASH_SUPPRESSION = /^[ \t]*#[ \t]*preflight-ignore-(next-line|file)\b([^\r\n]*)/gm;

/**
 * Rules suppressed per line (`# preflight-ignore-next-line id -- reason`) or per
 * file, in `#`-comment files. The body reads as in source files (suppress.ts):
 * `until YYYY-MM-DD` after the reason makes it expire, and past that day it no
 * longer hides anything, so the finding comes back.
 */
function hashSuppressed(text: string, ruleId: string, now: Date): (line: number) => boolean {
  if (!text.includes('preflight-ignore')) return () => false;
  const lines = new Set<number>();
  let file = false;
  HASH_SUPPRESSION.lastIndex = 0;
  for (let m = HASH_SUPPRESSION.exec(text); m; m = HASH_SUPPRESSION.exec(text)) {
    const body = parseBody(m[2]);
    if (!body.ruleIds.includes(ruleId) && !body.ruleIds.includes('*')) continue;
    if (isExpired(body, now)) continue;
    if (m[1] === 'file') file = true;
    else lines.add(positionAt(text, m.index).line + 1);
  }
  return (line) => file || lines.has(line);
}

/** A rule's checkFile over one text, with `#` suppressions applied. */
export function runCheckFile(rule: ProjectRule, rel: string, text: string, project: ProjectContext, now = new Date()): ProjectResult {
  if (!rule.checkFile) return { findings: [], evidence: [] };
  const r = rule.checkFile(rel, text, project);
  if (r.findings.length === 0 || configKind(rel) === 'package-json') return r;
  const suppressed = hashSuppressed(text, rule.id, now);
  return { ...r, findings: r.findings.filter((f) => f.file !== rel || !suppressed(f.line)) };
}

/**
 * The usual `check` of a config-file rule: checkFile over every project file
 * it applies to (fixture trees aside), results merged.
 */
export function checkConfigFiles(rule: ProjectRule, project: ProjectContext): ProjectResult {
  const out: ProjectResult = { findings: [], evidence: [], facts: [] };
  if (!rule.appliesTo) return out;
  for (const rel of project.files) {
    if (!rule.appliesTo(rel) || isFixturePath(rel)) continue;
    const text = project.readText(rel);
    if (text === undefined) continue;
    const r = runCheckFile(rule, rel, text, project);
    out.findings.push(...r.findings);
    out.evidence.push(...r.evidence);
    if (r.facts) out.facts!.push(...r.facts);
  }
  return out;
}

/** The first existing file among candidates, with its text. */
export function firstExisting(project: ProjectContext, candidates: readonly string[]): { rel: string; text: string } | undefined {
  for (const rel of candidates) {
    const text = project.readText(rel);
    if (text !== undefined) return { rel, text };
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Dockerfile helpers shared by the container rules

/**
 * The ignore file a build of this Dockerfile would use: BuildKit's
 * `<Dockerfile>.dockerignore` beside it, else `.dockerignore` beside it (the
 * usual build context), else the root one (`docker build -f docker/Dockerfile .`).
 */
export function dockerignoreFor(project: ProjectContext, dockerfileRel: string): { rel: string; text: string } | undefined {
  const dir = dirName(dockerfileRel);
  const candidates = [joinRel(dir, `${baseName(dockerfileRel)}.dockerignore`), joinRel(dir, '.dockerignore')];
  if (dir !== '') candidates.push('.dockerignore');
  return firstExisting(project, candidates);
}

/** The text range of an instruction's arguments (flags excluded), as offsets. */
export function argumentsSpan(text: string, ins: Instruction): { start: number; end: number } | undefined {
  const r = ins.getArgumentsRange();
  if (!r) return undefined;
  return { start: offsetAt(text, r.start), end: offsetAt(text, r.end) };
}

/** The text range of a whole instruction, as offsets. */
export function instructionSpan(text: string, ins: Instruction): { start: number; end: number } {
  const r = ins.getRange();
  return { start: offsetAt(text, r.start), end: offsetAt(text, r.end) };
}

/** Image name without registry, tag or digest, lower-cased: `docker.io/library/node:20` → `node`. */
export function imageRepository(image: string): { registry?: string; path: string } {
  let ref = image.toLowerCase();
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) ref = ref.slice(0, colon);
  const parts = ref.split('/');
  let registry: string | undefined;
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) registry = parts.shift();
  if (registry === 'docker.io' || registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = undefined;
  if (registry === 'public.ecr.aws' && parts[0] === 'docker' && parts[1] === 'library') {
    registry = undefined;
    parts.splice(0, 1);
  }
  if (registry === 'mirror.gcr.io') registry = undefined;
  if (!registry && parts[0] === 'library' && parts.length === 2) parts.shift();
  return { registry, path: parts.join('/') };
}

/** The official Docker Hub `node` image, under any of its spellings. */
export function isOfficialNodeImage(image: string | undefined): boolean {
  if (!image) return false;
  const { registry, path } = imageRepository(image);
  return registry === undefined && path === 'node';
}

// ---------------------------------------------------------------------------
// YAML / JSON maps with positions

/** The pairs of a map node whose keys are plain strings. */
export type KeyPair = Pair<Scalar<string>, unknown>;

export function mapPairs(node: unknown): KeyPair[] {
  if (!isMap(node)) return [];
  return (node as YAMLMap).items.filter((p): p is KeyPair => isPair(p) && isScalar(p.key) && typeof p.key.value === 'string');
}

export function pairOf(node: unknown, key: string): KeyPair | undefined {
  return mapPairs(node).find((p) => p.key.value === key);
}

/** A scalar string value (`uses: x`, `"express": "^4"`). */
export function stringScalar(node: unknown): (Scalar & { value: string }) | undefined {
  return isScalar(node) && typeof node.value === 'string' ? (node as Scalar & { value: string }) : undefined;
}

export function rangeOf(node: { range?: [number, number, number] | null } | null | undefined): { start: number; end: number } | undefined {
  const r = node?.range;
  return r ? { start: r[0], end: r[1] } : undefined;
}

/** The raw source of a scalar with its quotes or block header removed, and where that starts. */
export function scalarSource(text: string, node: Scalar): { source: string; offset: number } | undefined {
  const r = node.range;
  if (!r) return undefined;
  let start = r[0];
  let end = r[1];
  if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
    start++;
    end--;
  } else if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    const nl = text.indexOf('\n', start);
    start = nl < 0 || nl > end ? end : nl + 1;
  }
  return { source: text.slice(start, Math.max(start, end)), offset: start };
}

// ---------------------------------------------------------------------------
// GitHub Actions workflows

export interface WorkflowStep {
  node: YAMLMap;
  uses?: Scalar & { value: string };
  run?: Scalar & { value: string };
  /** `working-directory` of the step, else of the job's or workflow's `defaults.run`. */
  workingDirectory?: string;
}

export interface WorkflowJob {
  id: string;
  key: Scalar<string>;
  node: YAMLMap;
  /** A job that calls a reusable workflow. */
  uses?: Scalar & { value: string };
  permissions?: KeyPair;
  steps: WorkflowStep[];
}

export interface Workflow {
  /** Lower-cased trigger names (`push`, `pull_request_target`, `workflow_call`). */
  triggers: Set<string>;
  permissions?: KeyPair;
  jobsPair?: KeyPair;
  jobs: WorkflowJob[];
}

const workflowMemo = new Map<string, Workflow | undefined>();

function runDirectory(node: unknown): string | undefined {
  const wd = stringScalar(pairOf(pairOf(pairOf(node, 'defaults')?.value, 'run')?.value, 'working-directory')?.value);
  return wd?.value;
}

/** The workflow's jobs, steps and triggers, or undefined when the file does not parse as a workflow. */
export function parseWorkflow(text: string): Workflow | undefined {
  if (workflowMemo.has(text)) return workflowMemo.get(text);
  const { doc, errors } = parseYaml(text);
  let wf: Workflow | undefined;
  const root = doc.contents;
  if (errors === 0 && isMap(root)) {
    const triggers = new Set<string>();
    const on = pairOf(root, 'on')?.value ?? pairOf(root, 'true')?.value;
    if (isScalar(on) && typeof on.value === 'string') {
      triggers.add(on.value.toLowerCase());
    } else if (isSeq(on)) {
      for (const it of on.items) if (isScalar(it) && typeof it.value === 'string') triggers.add(it.value.toLowerCase());
    } else {
      for (const p of mapPairs(on)) triggers.add(p.key.value.toLowerCase());
    }
    const topDir = runDirectory(root);
    const jobsPair = pairOf(root, 'jobs');
    const jobs: WorkflowJob[] = [];
    for (const jp of mapPairs(jobsPair?.value)) {
      const node = jp.value;
      if (!isMap(node)) continue;
      const jobDir = runDirectory(node) ?? topDir;
      const steps: WorkflowStep[] = [];
      const seq = pairOf(node, 'steps')?.value;
      if (isSeq(seq)) {
        for (const st of seq.items) {
          if (!isMap(st)) continue;
          steps.push({
            node: st as YAMLMap,
            uses: stringScalar(pairOf(st, 'uses')?.value),
            run: stringScalar(pairOf(st, 'run')?.value),
            workingDirectory: stringScalar(pairOf(st, 'working-directory')?.value)?.value ?? jobDir,
          });
        }
      }
      jobs.push({
        id: jp.key.value, key: jp.key, node: node as YAMLMap, uses: stringScalar(pairOf(node, 'uses')?.value),
        permissions: pairOf(node, 'permissions'), steps,
      });
    }
    wf = { triggers, permissions: pairOf(root, 'permissions'), jobsPair, jobs };
  }
  if (workflowMemo.size >= MEMO_SIZE) workflowMemo.delete(workflowMemo.keys().next().value as string);
  workflowMemo.set(text, wf);
  return wf;
}

/** Folds `a/./b/../c` into `a/c`; undefined when it climbs above the root. */
export function normalizeRel(p: string): string | undefined {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

// ---------------------------------------------------------------------------
// JSON with positions (package.json)

export type JsonNode =
  | { type: 'object'; start: number; end: number; members: JsonMember[] }
  | { type: 'array'; start: number; end: number; items: JsonNode[] }
  | { type: 'string'; start: number; end: number; value: string }
  | { type: 'number'; start: number; end: number; value: number }
  | { type: 'literal'; start: number; end: number; value: boolean | null };

export interface JsonMember {
  key: string;
  keyStart: number;
  keyEnd: number;
  value: JsonNode;
}

class JsonError extends Error {}

const MAX_JSON_DEPTH = 256;
const jsonMemo = new Map<string, JsonNode | undefined>();

/**
 * A small JSON parser that keeps offsets: package.json rules report on the
 * exact value. Strict JSON (as npm reads it); undefined for broken input.
 * (The yaml parser also reads JSON with ranges, but takes ~100 ms on some
 * real package.json files; this takes well under one.)
 */
export function parseJson(text: string): JsonNode | undefined {
  if (jsonMemo.has(text)) return jsonMemo.get(text);
  let node: JsonNode | undefined;
  try {
    node = new JsonReader(text).document();
  } catch (e) {
    if (!(e instanceof JsonError) && !(e instanceof SyntaxError) && !(e instanceof RangeError)) throw e;
    node = undefined;
  }
  remember(jsonMemo, text, node);
  return node;
}

class JsonReader {
  private i = 0;
  constructor(private readonly text: string) {
    if (text.charCodeAt(0) === 0xfeff) this.i = 1;
  }

  document(): JsonNode {
    const v = this.value(0);
    this.space();
    if (this.i < this.text.length) throw new JsonError('trailing text');
    return v;
  }

  private space(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  private value(depth: number): JsonNode {
    if (depth > MAX_JSON_DEPTH) throw new JsonError('too deep');
    this.space();
    const t = this.text;
    const start = this.i;
    const c = t[this.i];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return { type: 'string', start, end: this.string(), value: JSON.parse(t.slice(start, this.i)) as string };
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (t.startsWith(word, this.i)) {
        this.i += word.length;
        return { type: 'literal', start, end: this.i, value };
      }
    }
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const n = m.exec(t);
    if (!n) throw new JsonError(`unexpected ${c ?? 'end'} at ${this.i}`);
    this.i += n[0].length;
    return { type: 'number', start, end: this.i, value: Number(n[0]) };
  }

  /** Skips a string literal; returns its end offset. */
  private string(): number {
    const t = this.text;
    let j = this.i + 1;
    while (j < t.length) {
      const ch = t.charCodeAt(j);
      if (ch === 34) break; // "
      if (ch === 92) j++; // backslash escapes the next character
      else if (ch < 32) throw new JsonError('control character in string');
      j++;
    }
    if (j >= t.length) throw new JsonError('unterminated string');
    this.i = j + 1;
    return this.i;
  }

  private object(depth: number): JsonNode {
    const start = this.i++;
    const members: JsonMember[] = [];
    this.space();
    if (this.text[this.i] === '}') return { type: 'object', start, end: ++this.i, members };
    for (;;) {
      this.space();
      if (this.text[this.i] !== '"') throw new JsonError(`expected a key at ${this.i}`);
      const keyStart = this.i;
      const keyEnd = this.string();
      const key = JSON.parse(this.text.slice(keyStart, keyEnd)) as string;
      this.space();
      if (this.text[this.i++] !== ':') throw new JsonError(`expected : at ${this.i - 1}`);
      members.push({ key, keyStart, keyEnd, value: this.value(depth + 1) });
      this.space();
      const sep = this.text[this.i++];
      if (sep === '}') return { type: 'object', start, end: this.i, members };
      if (sep !== ',') throw new JsonError(`expected , or } at ${this.i - 1}`);
    }
  }

  private array(depth: number): JsonNode {
    const start = this.i++;
    const items: JsonNode[] = [];
    this.space();
    if (this.text[this.i] === ']') return { type: 'array', start, end: ++this.i, items };
    for (;;) {
      items.push(this.value(depth + 1));
      this.space();
      const sep = this.text[this.i++];
      if (sep === ']') return { type: 'array', start, end: this.i, items };
      if (sep !== ',') throw new JsonError(`expected , or ] at ${this.i - 1}`);
    }
  }
}

/** The last member named `key` of an object node (JSON.parse keeps the last duplicate too). */
export function jsonMember(node: JsonNode | undefined, key: string): JsonMember | undefined {
  if (node?.type !== 'object') return undefined;
  for (let k = node.members.length - 1; k >= 0; k--) if (node.members[k].key === key) return node.members[k];
  return undefined;
}

export function jsonString(node: JsonNode | undefined): string | undefined {
  return node?.type === 'string' ? node.value : undefined;
}

// ---------------------------------------------------------------------------
// The repository itself

const ownerMemo = new WeakMap<ProjectContext, string | null>();

/** The GitHub owner of the checkout (`origin` in .git/config), lower-cased, if any. */
export function repositoryOwner(project: ProjectContext): string | undefined {
  let owner = ownerMemo.get(project);
  if (owner === undefined) {
    const config = project.readText('.git/config') ?? '';
    const m = /\[remote "origin"\][^[]*?url\s*=\s*\S*?github\.com[:/]([A-Za-z0-9_.-]+)\//.exec(config);
    owner = m ? m[1].toLowerCase() : null;
    ownerMemo.set(project, owner);
  }
  return owner ?? undefined;
}
