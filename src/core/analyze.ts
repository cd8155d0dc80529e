import { forEachChild, SyntaxKind, ts } from './ts';
import { Flow } from './flow';
import { withFileCaches } from './file-caches';
import { ModuleResolver } from './modules';
import { fingerprintSourceFindings } from './baseline';
import { isExpired, lineAt, lineStartsOf, parseSuppressions, suppresses, type Suppression } from './suppress';
import type {
  Evidence, EvidenceKind, Fact, FactKind, Finding, ProjectInfo, RowId, Severity, RelatedLocation, ReportDetail, RuleContext, RuleSetting, SourceRule,
  VisitedKind, Visitors,
} from './types';

export type { RuleSetting } from './types';

export interface FileResult {
  file: string;
  findings: Finding[];
  evidence: Evidence[];
  facts: Fact[];
  /** Set when the file was not (fully) analyzed, with the reason. */
  skipped?: string;
  /** Syntax errors the parser recovered from; analysis went on. */
  syntaxErrors: number;
}

export interface AnalyzeOptions {
  rules: readonly SourceRule[];
  project?: ProjectInfo;
  /** Per-rule severity or `off`, from config. */
  ruleSettings?: Record<string, RuleSetting>;
  /** Wall-clock budget for parsing, the walk and the end-of-file hooks; past it the file is reported as skipped. */
  timeBudgetMs?: number;
  /** The date expiring suppressions (`until YYYY-MM-DD`) are judged against; today by default. */
  now?: Date;
}

export const SOURCE_EXTENSIONS: ReadonlySet<string> = new Set(['.js', '.jsx', '.ts', '.tsx', '.mjs', '.cjs', '.mts', '.cts']);

export const DEFAULT_PROJECT: ProjectInfo = { dependencies: {}, rateLimiters: [] };

const DEFAULT_TIME_BUDGET_MS = 5000;
/** How many nodes between two looks at the clock. */
const CLOCK_EVERY = 4096;

export function scriptKindFor(file: string): ts.ScriptKind {
  const lower = file.toLowerCase();
  if (lower.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (lower.endsWith('.ts') || lower.endsWith('.mts') || lower.endsWith('.cts')) return ts.ScriptKind.TS;
  if (lower.endsWith('.jsx')) return ts.ScriptKind.JSX;
  // .js files often hold JSX (React, Next.js); the JSX grammar is a superset for our purposes.
  return ts.ScriptKind.JSX;
}

/**
 * Parse once. With `setParents` false TypeScript leaves the parent pointers unset (the analyzer
 * sets them in bindParents). Exposed so the benchmark can time plain parsing the same way.
 */
export function parse(file: string, text: string, setParents = true): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, setParents, scriptKindFor(file));
}

const SKIP_JSDOC: ts.CreateSourceFileOptions = { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone };

/**
 * The analyzer's parse: without parent pointers (bindParents sets them) and without parsing JSDoc
 * comments into nodes, which no rule reads (suppressions are read from the text). The tree is
 * otherwise the same; JSDoc-heavy code parses faster, and the parent pass skips its JSDoc step.
 */
export function parseForAnalysis(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, SKIP_JSDOC, false, scriptKindFor(file));
}

/** The walk's node list and, beside it, each node's kind. */
export interface Walk {
  nodes: ts.Node[];
  /**
   * `kinds[i] === nodes[i].kind`. Read once here: the nodes come in dozens of shapes, so `node.kind`
   * is a megamorphic load (about 15 ns), and the walk and the passes over the list ask it of every node.
   */
  kinds: Uint16Array;
}

/**
 * Sets the parent pointers of a tree parsed without them and lists every node in the order a
 * `forEachChild` walk meets them (the rules' walk then runs over that list). TypeScript's own
 * parent pass (`setParentNodes`) takes about 40% of parsing: it walks the tree through a work
 * queue with a closure per node. This one sets the same pointers, JSDoc nodes included (a test
 * compares the two trees), in about half the time, and saves the walk its own traversal.
 */
export function bindParents(sourceFile: ts.SourceFile): Walk {
  // Sized up front from the text (about one node per 5 characters in real code; a file of
  // comments has fewer): growing by push copied the list a dozen times, a tenth of the
  // garbage the analysis made. A longer file than estimated goes on growing as before.
  const estimate = Math.ceil(sourceFile.text.length / 4) + 16;
  const nodes: ts.Node[] = new Array<ts.Node>(estimate);
  nodes[0] = sourceFile;
  listed = nodes;
  listedKinds = new Uint16Array(estimate);
  listedKinds[0] = sourceFile.kind;
  count = 1;
  current = sourceFile;
  try {
    // A tree parsed without JSDoc (parseForAnalysis; TypeScript keeps the mode on the file, internally) has none to bind.
    const noDocs = (sourceFile as { jsDocParsingMode?: ts.JSDocParsingMode }).jsDocParsingMode === ts.JSDocParsingMode.ParseNone;
    forEachChild(sourceFile, noDocs ? bindAndListWithoutDocs : bindAndList);
    nodes.length = count;
    return { nodes, kinds: listedKinds.subarray(0, count) };
  } finally {
    listed = NO_NODES;
    listedKinds = NO_KINDS;
    current = undefined;
  }
}

// The state of the parent pass, in module variables so that it needs one callback, not a closure per node.
const NO_NODES: ts.Node[] = [];
const NO_KINDS = new Uint16Array(0);
let listed: ts.Node[] = NO_NODES;
let listedKinds: Uint16Array = NO_KINDS;
let count = 0;
let current: ts.Node | undefined;

/** Identifiers, keywords, literals and punctuation: the kinds `forEachChild` finds no children in. */
const LAST_TOKEN = SyntaxKind.LastToken;

/** Sets `child`'s parent and lists it with its kind; returns the kind. */
function enter(child: ts.Node): number {
  (child as { parent: ts.Node }).parent = current!;
  if (count === listedKinds.length) {
    const grown = new Uint16Array(2 * count);
    grown.set(listedKinds);
    listedKinds = grown;
  }
  const kind = child.kind;
  listedKinds[count] = kind;
  listed[count++] = child;
  return kind;
}

function bindAndList(child: ts.Node): void {
  // A token has no children to look for; JSDoc is looked for on every node, as TypeScript's pass does.
  const kind = enter(child);
  const parent = current;
  current = child;
  if (kind > LAST_TOKEN) forEachChild(child, bindAndList);
  const docs = (child as { jsDoc?: ts.Node[] }).jsDoc;
  if (docs !== undefined) {
    for (const doc of docs) {
      (doc as { parent: ts.Node }).parent = child;
      current = doc;
      forEachChild(doc, bindOnly);
    }
  }
  current = parent;
}

/** bindAndList for a tree parsed without JSDoc: no `jsDoc` property to look for on every node. */
function bindAndListWithoutDocs(child: ts.Node): void {
  // Tokens (about half the nodes: identifiers, literals, keywords) have no children: no call to look for them.
  if (enter(child) <= LAST_TOKEN) return;
  const parent = current;
  current = child;
  forEachChild(child, bindAndListWithoutDocs);
  current = parent;
}

/** JSDoc subtrees get parents but stay out of the walk, as they were out of `forEachChild`'s. */
function bindOnly(child: ts.Node): void {
  (child as { parent: ts.Node }).parent = current!;
  const parent = current;
  current = child;
  forEachChild(child, bindOnly);
  current = parent;
}

class TimeBudgetExceeded extends Error {}

type Handler = (node: ts.Node) => void;

/** The numeric kind of each visitor name (`CallExpression` → SyntaxKind.CallExpression). */
const KIND_OF = SyntaxKind as unknown as Readonly<Record<VisitedKind, number | undefined>>;


/**
 * Analyzes one file: parse once, one pass setting parents and listing the nodes,
 * one walk over that list dispatching each node to the visitors rules
 * registered for its kind, then suppressions and config.
 */
export function analyzeSource(file: string, text: string, options: AnalyzeOptions): FileResult {
  return withFileCaches(() => analyzeInFile(file, text, options));
}

function analyzeInFile(file: string, text: string, options: AnalyzeOptions): FileResult {
  const settings = options.ruleSettings ?? {};
  const project = options.project ?? DEFAULT_PROJECT;
  // The budget covers parsing, the walk and the end-of-file hooks.
  const budget = options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
  const deadline = Date.now() + budget;
  let sourceFile: ts.SourceFile;
  try {
    sourceFile = parseForAnalysis(file, text);
  } catch (e) {
    // The parser recurses too: pathologically deep nesting overflows it before the walk starts.
    if (e instanceof RangeError) return { file, findings: [], evidence: [], facts: [], syntaxErrors: 0, skipped: 'expressions nested too deeply to parse' };
    throw e;
  }
  const syntaxErrors = (sourceFile as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics?.length ?? 0;
  let walk: Walk;
  try {
    walk = bindParents(sourceFile);
  } catch (e) {
    if (e instanceof RangeError) return { file, findings: [], evidence: [], facts: [], syntaxErrors, skipped: 'expressions nested too deeply to analyze' };
    throw e;
  }
  const lineStarts = lineStartsOf(text);

  const state: FileState = {
    file,
    text,
    sourceFile,
    project,
    modules: new ModuleResolver(sourceFile),
    flow: new Flow(),
    nodes: walk.nodes,
    kinds: walk.kinds,
    lineStarts,
    identifiers: (sourceFile as unknown as { identifiers?: ReadonlyMap<string, string> }).identifiers,
    raw: [],
    evidence: [],
    facts: [],
  };
  const { raw, evidence, facts } = state;
  const position = (offset: number): { line: number; column: number } => positionIn(lineStarts, offset);

  const handlers: Handler[][] = [];
  const endHooks: (() => void)[] = [];
  const register = (ruleId: string, visitors: Visitors): void => {
    for (const key in visitors) {
      if (key === 'onEnd') continue;
      const fn = visitors[key as VisitedKind] as Handler | undefined;
      if (!fn) continue;
      const kind = KIND_OF[key as VisitedKind];
      if (kind === undefined) throw new Error(`rule ${ruleId}: no node kind named ${key}`);
      (handlers[kind] ??= []).push(fn);
    }
    if (visitors.onEnd) endHooks.push(visitors.onEnd);
  };
  for (const rule of options.rules) {
    const setting = settings[rule.id];
    if (setting === 'off') continue;
    const ctx = new Context(state, rule, setting ?? rule.severity);
    let visitors: ReturnType<SourceRule['create']>;
    try {
      visitors = rule.create(ctx);
    } catch (e) {
      // create() may scan the whole file (e.g. modules.importedModules()): deep nesting overflows there too.
      if (e instanceof RangeError) return { file, findings: [], evidence: [], facts: [], syntaxErrors, skipped: 'expressions nested too deeply to analyze' };
      throw e;
    }
    if (Array.isArray(visitors)) for (const v of visitors) register(rule.id, v);
    else register(rule.id, visitors as Visitors);
  }

  try {
    const { nodes, kinds } = walk;
    for (let n = 0; n < nodes.length; n++) {
      const list = handlers[kinds[n]];
      if (list !== undefined) {
        const node = nodes[n];
        for (let i = 0; i < list.length; i++) list[i](node);
      }
      if (n % CLOCK_EVERY === CLOCK_EVERY - 1 && Date.now() > deadline) throw new TimeBudgetExceeded();
    }
    for (const hook of endHooks) {
      if (Date.now() > deadline) throw new TimeBudgetExceeded();
      hook();
    }
  } catch (e) {
    if (e instanceof TimeBudgetExceeded) {
      return { file, findings: [], evidence: [], facts: [], syntaxErrors, skipped: `analysis took longer than ${budget} ms` };
    }
    if (e instanceof RangeError) {
      // Pathologically deep nesting overflows a rule's own recursion.
      return { file, findings: [], evidence: [], facts: [], syntaxErrors, skipped: 'expressions nested too deeply to analyze' };
    }
    throw e;
  }

  const rowOf = (id: string): RowId | undefined => options.rules.find((r) => r.id === id)?.row;
  const findings = applySuppressions(raw, parseSuppressions(text), file, settings, position, rowOf, options.now ?? new Date());
  const localEvidence = new Set(evidence.map((e) => e.kind));
  const standing = findings.filter((f) => !f.unlessEvidence || !localEvidence.has(f.unlessEvidence));
  standing.sort((a, b) => a.start - b.start || a.ruleId.localeCompare(b.ruleId));
  fingerprintSourceFindings(file, text, lineStarts, standing);
  return { file, findings: standing, evidence, facts, syntaxErrors };
}

function positionIn(lineStarts: readonly number[], offset: number): { line: number; column: number } {
  const line = lineAt(lineStarts, offset);
  return { line, column: offset - lineStarts[line - 1] + 1 };
}

/** What every rule's context shares for one file: the context's own fields, and what its methods write to. */
interface FileState extends Pick<RuleContext, 'file' | 'text' | 'sourceFile' | 'project' | 'modules' | 'flow' | 'nodes' | 'kinds'> {
  readonly lineStarts: readonly number[];
  /**
   * Every identifier text in the file, interned by the parser as it went (TypeScript's
   * internal `identifiers`). Without it, every name counts as mentioned: a gate never hides a finding.
   */
  readonly identifiers: ReadonlyMap<string, string> | undefined;
  readonly raw: Finding[];
  readonly evidence: Evidence[];
  readonly facts: Fact[];
}

/**
 * One rule's view of the file. A class rather than an object of closures: it is made for every
 * rule and file (56 rules, thousands of files), and its methods then live once, on the prototype.
 */
class Context implements RuleContext {
  readonly file: string;
  readonly text: string;
  readonly sourceFile: ts.SourceFile;
  readonly project: ProjectInfo;
  readonly modules: ModuleResolver;
  readonly flow: Flow;
  readonly nodes: readonly ts.Node[];
  readonly kinds: Uint16Array;

  constructor(private readonly state: FileState, private readonly rule: SourceRule, private readonly severity: Severity) {
    this.file = state.file;
    this.text = state.text;
    this.sourceFile = state.sourceFile;
    this.project = state.project;
    this.modules = state.modules;
    this.flow = state.flow;
    this.nodes = state.nodes;
    this.kinds = state.kinds;
  }

  mentions(...names: string[]): boolean {
    const ids = this.state.identifiers;
    if (!(ids instanceof Map)) return true;
    for (const n of names) if (ids.has(n)) return true;
    return false;
  }

  mentionsWhere(test: (name: string) => boolean): boolean {
    const ids = this.state.identifiers;
    if (!(ids instanceof Map)) return true;
    for (const name of ids.keys()) if (test(name)) return true;
    return false;
  }

  report(node: ts.Node | { start: number; end: number }, detail?: ReportDetail): void {
    const { file, lineStarts, sourceFile } = this.state;
    const rule = this.rule;
    const start = 'kind' in node ? (node as ts.Node).getStart(sourceFile) : (node as { start: number }).start;
    const end = node.end;
    const s = positionIn(lineStarts, start);
    const e = positionIn(lineStarts, end);
    const related: RelatedLocation[] | undefined = detail?.related?.map((r) => ({
      file,
      ...positionIn(lineStarts, r.node.getStart(sourceFile)),
      message: r.message,
    }));
    this.state.raw.push({
      ruleId: rule.id,
      row: rule.row,
      severity: this.severity,
      message: detail?.message ?? rule.message,
      file,
      line: s.line,
      column: s.column,
      endLine: e.line,
      endColumn: e.column,
      start,
      end,
      fixes: detail?.fixes ?? [],
      ...(related && related.length > 0 ? { related } : {}),
      ...(detail?.unlessEvidence ? { unlessEvidence: detail.unlessEvidence } : {}),
    });
  }

  evidence(kind: EvidenceKind, node: ts.Node, message: string): void {
    const { file, lineStarts, sourceFile } = this.state;
    this.state.evidence.push({ kind, message, file, line: positionIn(lineStarts, node.getStart(sourceFile)).line });
  }

  fact(kind: FactKind, node: ts.Node): void {
    const { file, lineStarts, sourceFile } = this.state;
    this.state.facts.push({ kind, file, line: positionIn(lineStarts, node.getStart(sourceFile)).line });
  }
}

export const SUPPRESSION_RULE_ID = 'suppression-needs-reason';
export const SUPPRESSION_EXPIRED_RULE_ID = 'suppression-expired';

function applySuppressions(
  findings: Finding[],
  suppressions: Suppression[],
  file: string,
  settings: Record<string, RuleSetting>,
  position: (offset: number) => { line: number; column: number },
  rowOf: (ruleId: string) => RowId | undefined,
  now: Date,
): Finding[] {
  if (suppressions.length === 0) return findings;
  // An expired suppression no longer hides anything; an unreadable date still does (and is reported).
  const active = suppressions.filter((s) => !isExpired(s, now));
  const kept = findings.filter((f) => !active.some((s) => suppresses(s, f.ruleId, f.line)));
  const meta = (s: Suppression, ruleId: string, message: string): void => {
    if (settings[ruleId] === 'off') return;
    // The finding maps to the row of what it hides, so that row cannot pass on a bad suppression.
    const hidden = findings.find((f) => suppresses(s, f.ruleId, f.line));
    const row = hidden?.row ?? s.ruleIds.map(rowOf).find((r) => r !== undefined) ?? 'secrets';
    const a = position(s.start);
    const b = position(s.end);
    kept.push({
      ruleId,
      row,
      severity: (settings[ruleId] as Severity | undefined) ?? 'warning',
      message,
      file,
      line: a.line,
      column: a.column,
      endLine: b.line,
      endColumn: b.column,
      start: s.start,
      end: s.end,
      fixes: [],
    });
  };
  for (const s of suppressions) {
    const what = s.ruleIds.join(', ') || 'nothing';
    if (!s.reason) meta(s, SUPPRESSION_RULE_ID, `Suppression of ${what} gives no reason: add \`-- <why this is safe>\``);
    if (s.invalidUntil !== undefined) {
      meta(s, SUPPRESSION_EXPIRED_RULE_ID, `Suppression of ${what} has an invalid expiry date "${s.invalidUntil}": write it as \`until YYYY-MM-DD\``);
    } else if (s.until !== undefined && isExpired(s, now)) {
      meta(s, SUPPRESSION_EXPIRED_RULE_ID, `Suppression of ${what} expired on ${s.until}: fix the finding or renew the suppression with a new reason`);
    }
  }
  return kept;
}
