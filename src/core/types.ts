import type { ts } from 'ts-morph';

export type Severity = 'error' | 'warning' | 'info';

/** The 20 checklist rows of DESIGN.md, then the extended rows. */
export type RowId =
  | 'auth-jwt' | 'token-expiry' | 'token-storage' | 'authz-object' | 'input-validation'
  | 'injection' | 'rate-limit' | 'cors' | 'security-headers' | 'error-handling'
  | 'secrets' | 'dependencies' | 'https' | 'logging' | 'request-limits'
  | 'ssrf' | 'account-lockout' | 'webhooks' | 'admin-endpoints' | 'mass-assignment'
  | 'sessions' | 'passwords' | 'csrf' | 'containers' | 'supply-chain'
  | 'injection-other' | 'graphql' | 'oauth';

/** A replacement of original[start, end) by newText; offsets index the file text as read. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** Safe to apply without reading it first (the editor marks it preferred, `preflight fix` applies it). */
  preferred?: boolean;
}

export interface Location {
  file: string;
  line: number;
  column: number;
}

export interface RelatedLocation extends Location {
  message: string;
}

export interface Finding {
  ruleId: string;
  row: RowId;
  severity: Severity;
  message: string;
  /** Path relative to the analyzed root, `/` separators. */
  file: string;
  /** 1-based. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Offsets into the file text, for editors and fixes. */
  start: number;
  end: number;
  fixes: Fix[];
  related?: RelatedLocation[];
  /**
   * The finding stands only while this evidence is absent from the whole
   * workspace: `express()` without helmet in app.ts is fine when server.ts
   * applies helmet to the same app. Dropped when results are combined.
   */
  unlessEvidence?: EvidenceKind;
  /**
   * Identifies the finding across line shifts and re-indentation, for the
   * baseline (see baseline.ts). Set by analyzeSource; absent on project findings.
   */
  fingerprint?: string;
}

/** A positive fact with a location: `helmet applied`, `lockfile committed`. */
export interface Evidence {
  kind: EvidenceKind;
  message: string;
  file: string;
  line: number;
  /**
   * The project rule that gave it, when one did: the editor re-judges an open
   * config file with the rules that read it and must replace only their results.
   */
  rule?: string;
}

/**
 * Evidence kinds: the positive signals rows need to pass. Declared once here so
 * that rows and rules cannot drift apart.
 */
export type EvidenceKind =
  | 'jwt-verified-pinned' | 'jwt-short-expiry' | 'token-cookie-hardened' | 'ownership-in-query'
  | 'schema-validation' | 'parameterized-query' | 'rate-limiter' | 'cors-allowlist'
  | 'helmet' | 'error-handler-generic' | 'env-ignored' | 'env-validated' | 'lockfile'
  | 'hsts' | 'security-logging' | 'body-limit' | 'ssrf-guard' | 'login-attempt-counting'
  | 'webhook-signature' | 'admin-role-check' | 'allowlisted-write'
  /** A middleware tests the request path for /admin and the caller's role: every admin route, in any file, is behind it. */
  | 'admin-path-guard'
  | 'session-regenerate' | 'session-hardened' | 'strong-password-hash'
  /** MongoDB filters are sanitized globally (mongoose sanitizeFilter, express-mongo-sanitize): `$` operators cannot come from request data. */
  | 'nosql-sanitizer'
  /** Config files: the final Dockerfile stage runs as a non-root user; every base image pinned; .dockerignore keeps out .env, .git and keys. */
  | 'container-non-root' | 'container-base-pinned' | 'dockerignore-secrets'
  /** CI workflows: installs with `npm ci` (or a frozen lockfile); an audit step; a secret-scanning step. */
  | 'ci-npm-ci' | 'ci-audit' | 'ci-secret-scan'
  /** CI workflows: every third-party action pinned to a commit SHA; token permissions restricted. */
  | 'actions-pinned' | 'ci-permissions'
  /** Extended rows: CSRF tokens or SameSite cookies; GraphQL hardened; OAuth state checked; refresh tokens rotate. */
  | 'csrf-protection' | 'graphql-hardened' | 'oauth-state' | 'refresh-rotation'
  /** HTTP redirected to HTTPS; list endpoints cap their page size; server request timeouts set. */
  | 'https-redirect' | 'pagination-bounded' | 'server-timeout';

/**
 * Facts say a row's subject exists (a JWT library is imported, a webhook route
 * is declared). A row whose subject facts are all absent is n/a.
 */
export type FactKind =
  | 'http-server' | 'jwt' | 'token-handling' | 'data-access' | 'request-input' | 'database'
  | 'cors' | 'outbound-http' | 'login-route' | 'webhook-route' | 'admin-route' | 'data-write'
  | 'session' | 'password-hashing' | 'logging'
  /** A Dockerfile exists (containers row); a GitHub Actions workflow exists (supply-chain row). */
  | 'dockerfile' | 'ci-workflow'
  /** GraphQL server; OAuth client flow; a state-changing route authenticated by cookies. */
  | 'graphql' | 'oauth' | 'cookie-auth';

export interface Fact {
  kind: FactKind;
  file: string;
  line: number;
  /** As Evidence.rule. */
  rule?: string;
}

export interface RuleDocs {
  /** Why it matters, in two or three sentences. */
  why: string;
  /** A vulnerable example. */
  bad: string;
  /** The same code done right. */
  good: string;
  /** How to fix it, imperative. */
  fix: string;
  cwe: string[];
  owasp: string[];
}

/** What a rule sees of one file while the shared walk runs. */
export interface RuleContext {
  readonly file: string;
  readonly text: string;
  readonly sourceFile: ts.SourceFile;
  readonly project: ProjectInfo;
  /** Resolves imports, requires and the values derived from them. */
  readonly modules: import('./modules').ModuleResolver;
  /** Where request data flows. */
  readonly flow: import('./flow').Flow;
  /**
   * Every node of the file in walk order, the list the visitors are called from: pre-order, so a
   * node's descendants follow it as one run, which ends at the first node whose `pos` reaches the
   * node's `end` (`descendantsInWalk` in ast.ts gives that run). For onEnd hooks that rescan a function's
   * body, instead of collecting nodes as the walk passes.
   */
  readonly nodes: readonly ts.Node[];
  /** `kinds[i] === nodes[i].kind`, for passes over the list: `node.kind` is a slow (megamorphic) read. */
  readonly kinds: Uint16Array;
  /**
   * True when any of the names occurs as an identifier anywhere in the file
   * (a variable, a property name after a dot, an import name). The parser
   * collects these while parsing, so the answer costs a lookup. Rules use it in
   * create() to skip files they cannot fire on: `jwt.sign` cannot be called in
   * a file that never says `sign`.
   */
  mentions(...names: string[]): boolean;
  /** True when some identifier of the file satisfies the test (any case of a name: `post`, `Post`, `POST`). Same table as mentions. */
  mentionsWhere(test: (name: string) => boolean): boolean;
  report(node: ts.Node | { start: number; end: number }, detail?: ReportDetail): void;
  evidence(kind: EvidenceKind, node: ts.Node, message: string): void;
  fact(kind: FactKind, node: ts.Node): void;
}

export interface ReportDetail {
  /** Overrides the rule's default message. */
  message?: string;
  fixes?: Fix[];
  related?: { node: ts.Node; message: string }[];
  /** See Finding.unlessEvidence. */
  unlessEvidence?: EvidenceKind;
}

/**
 * The node kinds a rule may visit, by name, with the node each visitor gets.
 * Visitors are keyed by these names (as in ESLint) rather than by the numeric
 * ts.SyntaxKind: an object literal with computed numeric keys gets dictionary
 * elements in V8, slow to build and to enumerate once per rule and file.
 */
export interface VisitedNodes {
  ArrowFunction: ts.ArrowFunction;
  BinaryExpression: ts.BinaryExpression;
  CallExpression: ts.CallExpression;
  CatchClause: ts.CatchClause;
  ClassDeclaration: ts.ClassDeclaration;
  DeleteExpression: ts.DeleteExpression;
  ElementAccessExpression: ts.ElementAccessExpression;
  FunctionDeclaration: ts.FunctionDeclaration;
  FunctionExpression: ts.FunctionExpression;
  IfStatement: ts.IfStatement;
  ImportDeclaration: ts.ImportDeclaration;
  InterfaceDeclaration: ts.InterfaceDeclaration;
  JsxAttribute: ts.JsxAttribute;
  MethodDeclaration: ts.MethodDeclaration;
  NewExpression: ts.NewExpression;
  NoSubstitutionTemplateLiteral: ts.NoSubstitutionTemplateLiteral;
  PropertyAccessExpression: ts.PropertyAccessExpression;
  PropertyAssignment: ts.PropertyAssignment;
  ReturnStatement: ts.ReturnStatement;
  StringLiteral: ts.StringLiteral;
  TaggedTemplateExpression: ts.TaggedTemplateExpression;
  TemplateExpression: ts.TemplateExpression;
  TemplateHead: ts.TemplateHead;
  TemplateMiddle: ts.TemplateMiddle;
  TemplateTail: ts.TemplateTail;
  TypeAliasDeclaration: ts.TypeAliasDeclaration;
  TypeOfExpression: ts.TypeOfExpression;
  VariableDeclaration: ts.VariableDeclaration;
}

export type VisitedKind = keyof VisitedNodes;

export type Visitor<K extends VisitedKind = VisitedKind> = (node: VisitedNodes[K]) => void;

/**
 * What create() returns: `{ CallExpression(node) { … }, onEnd() { … } }`, or
 * a list of such objects when several collectors share a rule. A visitor left
 * undefined is skipped.
 *
 * Write each one as an object literal, with `cond ? fn : undefined` for a
 * visitor that only some files need, rather than assigning functions to it
 * afterwards (`visitors.CallExpression = …`): in V8 a function created per
 * file and assigned to an object property keeps the file's syntax tree alive
 * through young-generation collections, so every tree gets promoted and
 * collection time grows several-fold (see CONTRIBUTING.md, "Performance").
 */
export type Visitors = { [K in VisitedKind]?: Visitor<K> } & {
  /** After the walk of the file. */
  onEnd?: () => void;
};

export interface RuleMeta {
  id: string;
  row: RowId;
  severity: Severity;
  /** "Detects … ." */
  description: string;
  /** The default one-line message of a finding. */
  message: string;
  docs: RuleDocs;
  /** True when the rule offers a fix. */
  fixable: boolean;
}

/** A rule over JS/TS source, run inside the shared walk. */
export interface SourceRule extends RuleMeta {
  kind?: 'source';
  create(ctx: RuleContext): Visitors | readonly Visitors[];
}

/** A rule over the project as a whole (files present, ignore files, lockfiles). */
export interface ProjectRule extends RuleMeta {
  kind: 'project';
  check(project: ProjectContext): ProjectResult;
  /**
   * Config-file rules (Dockerfile, workflow, package.json, ignore files) also
   * judge one file's text in isolation, so the editor can analyze an open,
   * unsaved document: `appliesTo` says which relative paths `checkFile` reads.
   * `check` covers the same files from disk (and any cross-file conditions).
   */
  appliesTo?(rel: string): boolean;
  checkFile?(rel: string, text: string, project: ProjectContext): ProjectResult;
}

export type Rule = SourceRule | ProjectRule;

export interface ProjectResult {
  findings: ProjectFinding[];
  evidence: Evidence[];
  facts?: Fact[];
}

export interface ProjectFinding {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based; column 1 when absent. */
  column?: number;
  endLine?: number;
  endColumn?: number;
  /** Offsets into the file's text (the fixes' edits index the same text); 0 when absent. */
  start?: number;
  end?: number;
  message?: string;
  fixes?: Fix[];
}

/** Facts about the project that rules may consult (dependency versions, config). */
export interface ProjectInfo {
  /** dependencies + devDependencies of the root package.json, name → range. */
  dependencies: Record<string, string>;
  /** Names of middleware the project uses as rate limiters (config `rateLimiters`). */
  rateLimiters: string[];
}

export interface ProjectContext extends ProjectInfo {
  root: string;
  /** Every file of the workspace (relative, `/`), ignored ones excluded. */
  files: string[];
  /** True when .gitignore rules would ignore this relative path. */
  isGitIgnored(relPath: string): boolean;
  readText(relPath: string): string | undefined;
}

/** A rule's configured severity, or `off`. */
export type RuleSetting = Severity | 'off';
