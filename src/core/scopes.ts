import {
  forEachChild, isBinaryExpression, isFunctionDeclaration, isFunctionExpression, isIdentifier,
  isImportDeclaration, isNumericLiteral, isSourceFile, isStringLiteral, isVariableStatement,
  kindTable, SyntaxKind, ts,
} from './ts';
import { NodeCache } from './file-caches';

/**
 * Name resolution without a type checker: each scope's declarations are
 * collected once, on first question, and kept for the file's analysis (a
 * NodeCache keyed by the scope node), with the answers each scope gave.
 * Enough for the common shapes (`const`, `let`, parameters, destructuring,
 * imports, function declarations); `var` hoisting out of nested blocks is not
 * modelled.
 */
export interface Binding {
  name: string;
  /** The identifier that declares the name. */
  node: ts.Identifier;
  kind: 'variable' | 'parameter' | 'function' | 'class' | 'import' | 'for-of' | 'catch';
  /** The declaration's initializer (for destructuring: the whole right-hand side). */
  init?: ts.Expression;
  /** Property names walked by destructuring, `const { a: { b } } = x` gives ['a', 'b']. */
  path: (string | number)[];
  /** A destructuring default: `const { a = 1 } = x`. */
  defaultValue?: ts.Expression;
  /** The declaring node: VariableDeclaration, ParameterDeclaration, ImportDeclaration, … */
  declaration: ts.Node;
}

type ScopeMap = Map<string, Binding>;

interface Scope {
  /** The names this scope declares itself. */
  own: ScopeMap;
  /** Every name looked up from this scope so far, with its answer (null: not declared in the file). */
  resolved: Map<string, Binding | null>;
}

const scopeCache = new NodeCache<ts.Node, Scope>();

/**
 * The innermost declaration of `name` visible from `from`. Each scope keeps the
 * answers it gave, so the many reads of the same name in a block (`req`, `res`,
 * `db`, `console`) cost one map lookup after the first instead of a walk over
 * every enclosing scope.
 */
export function lookup(name: string, from: ts.Node): Binding | undefined {
  // Scopes that declare nothing (most blocks) are looked through: they hold no answers either.
  let start = scopeAtOrAbove(from);
  let first = start && scopeOf(start);
  while (start && first === EMPTY_SCOPE) {
    start = scopeAtOrAbove(start.parent);
    first = start && scopeOf(start);
  }
  if (!start || !first) return undefined;
  const hit = first.resolved.get(name);
  if (hit !== undefined) return hit ?? undefined;
  // Walk up to the first scope that declares the name or already knows the answer,
  // then record that answer in every scope passed on the way.
  let found: Binding | null = null;
  let passed: Scope[] | undefined;
  for (let node: ts.Node | undefined = start, scope = first; ;) {
    const own = scope.own.get(name);
    if (own) {
      found = own;
      break;
    }
    node = scopeAtOrAbove(node.parent);
    if (!node) break;
    scope = scopeOf(node);
    if (scope === EMPTY_SCOPE) continue;
    const known = scope.resolved.get(name);
    if (known !== undefined) {
      found = known;
      break;
    }
    (passed ??= []).push(scope);
  }
  first.resolved.set(name, found);
  if (passed) for (const s of passed) s.resolved.set(name, found);
  return found ?? undefined;
}

/** The scope of every node that declares nothing: shared, never written to. */
const EMPTY_SCOPE: Scope = { own: new Map(), resolved: new Map() };
let spareMap: ScopeMap | undefined;

function scopeAtOrAbove(node: ts.Node | undefined): ts.Node | undefined {
  while (node && !isScope(node)) node = node.parent;
  return node;
}

/** The binding an identifier refers to, when it is declared in this file. */
export function resolveIdentifier(id: ts.Identifier): Binding | undefined {
  return lookup(id.text, id);
}

const SCOPE_KINDS = kindTable([
  SyntaxKind.SourceFile,
  SyntaxKind.Block,
  SyntaxKind.ModuleBlock,
  SyntaxKind.CaseBlock,
  SyntaxKind.ForStatement,
  SyntaxKind.ForOfStatement,
  SyntaxKind.ForInStatement,
  SyntaxKind.CatchClause,
  SyntaxKind.FunctionDeclaration,
  SyntaxKind.FunctionExpression,
  SyntaxKind.ArrowFunction,
  SyntaxKind.MethodDeclaration,
  SyntaxKind.Constructor,
  SyntaxKind.GetAccessor,
  SyntaxKind.SetAccessor,
]);

/** A table lookup: this runs for every ancestor of every lookup. */
function isScope(node: ts.Node): boolean {
  return SCOPE_KINDS[node.kind] === 1;
}

function scopeOf(node: ts.Node): Scope {
  let scope = scopeCache.get(node);
  if (!scope) {
    // A scope that declares nothing leaves its map empty: kept for the next scope instead of dropped.
    const own: ScopeMap = spareMap ?? new Map();
    spareMap = undefined;
    collect(node, own);
    if (own.size === 0) {
      spareMap = own;
      scope = EMPTY_SCOPE;
    } else {
      scope = { own, resolved: new Map() };
    }
    scopeCache.set(node, scope);
  }
  return scope;
}

function collect(scope: ts.Node, map: ScopeMap): void {
  if (ts.isFunctionLike(scope)) {
    const fn = scope as ts.SignatureDeclaration;
    for (const p of fn.parameters) {
      addBindingName(map, p.name, 'parameter', p, undefined, []);
    }
    if ((isFunctionExpression(scope)) && scope.name) {
      add(map, scope.name, 'function', scope, undefined, []);
    }
    return;
  }
  if (ts.isCatchClause(scope)) {
    const d = scope.variableDeclaration;
    if (d) addBindingName(map, d.name, 'catch', d, undefined, []);
    return;
  }
  if (ts.isForStatement(scope)) {
    if (scope.initializer && ts.isVariableDeclarationList(scope.initializer)) addDeclarationList(map, scope.initializer);
    return;
  }
  if (ts.isForOfStatement(scope) || ts.isForInStatement(scope)) {
    if (ts.isVariableDeclarationList(scope.initializer)) {
      for (const d of scope.initializer.declarations) addBindingName(map, d.name, 'for-of', d, scope.expression, []);
    }
    return;
  }
  const statements: readonly ts.Node[] = ts.isCaseBlock(scope)
    ? scope.clauses.flatMap((c) => c.statements)
    : (scope as ts.Block | ts.SourceFile | ts.ModuleBlock).statements;
  for (const st of statements) {
    if (isVariableStatement(st)) addDeclarationList(map, st.declarationList);
    else if (isFunctionDeclaration(st) && st.name) add(map, st.name, 'function', st, undefined, []);
    else if (ts.isClassDeclaration(st) && st.name) add(map, st.name, 'class', st, undefined, []);
    else if (isImportDeclaration(st)) addImport(map, st);
    else if (ts.isExportDeclaration(st) || ts.isExportAssignment(st)) continue;
  }
}

function addDeclarationList(map: ScopeMap, list: ts.VariableDeclarationList): void {
  for (const d of list.declarations) addBindingName(map, d.name, 'variable', d, d.initializer, []);
}

function addImport(map: ScopeMap, decl: ts.ImportDeclaration): void {
  const clause = decl.importClause;
  if (!clause) return;
  if (clause.name) add(map, clause.name, 'import', decl, undefined, []);
  const nb = clause.namedBindings;
  if (!nb) return;
  if (ts.isNamespaceImport(nb)) add(map, nb.name, 'import', decl, undefined, []);
  else for (const el of nb.elements) add(map, el.name, 'import', decl, undefined, [(el.propertyName ?? el.name).text]);
}

function addBindingName(
  map: ScopeMap,
  name: ts.BindingName,
  kind: Binding['kind'],
  declaration: ts.Node,
  init: ts.Expression | undefined,
  path: (string | number)[],
  defaultValue?: ts.Expression,
): void {
  if (isIdentifier(name)) {
    add(map, name, kind, declaration, init, path, defaultValue);
    return;
  }
  if (ts.isObjectBindingPattern(name)) {
    for (const el of name.elements) {
      const key = el.dotDotDotToken ? '...' : propertyKey(el.propertyName ?? el.name);
      if (key === undefined) continue;
      addBindingName(map, el.name, kind, declaration, init, [...path, key], el.initializer);
    }
    return;
  }
  name.elements.forEach((el, i) => {
    if (ts.isOmittedExpression(el)) return;
    addBindingName(map, el.name, kind, declaration, init, [...path, el.dotDotDotToken ? '...' : i], el.initializer);
  });
}

function propertyKey(name: ts.PropertyName | ts.BindingName): string | undefined {
  if (isIdentifier(name) || isStringLiteral(name) || isNumericLiteral(name)) return name.text;
  return undefined;
}

function add(
  map: ScopeMap,
  id: ts.Identifier,
  kind: Binding['kind'],
  declaration: ts.Node,
  init: ts.Expression | undefined,
  path: (string | number)[],
  defaultValue?: ts.Expression,
): void {
  // The first declaration wins: a later `let x` redeclaration is a syntax error anyway.
  if (map.has(id.text)) return;
  map.set(id.text, { name: id.text, node: id, kind, init, path, defaultValue, declaration });
}

/**
 * Assignments `name = expr` to a binding, in source order, anywhere in the
 * function (or file) that declares it. Used to take the last write before a
 * use, a cheap stand-in for flow sensitivity. Found from the text: each
 * occurrence of the name followed by `=` (or a comment) is looked up in the
 * tree, so a question costs the name's occurrences, not a walk of the function.
 */
const assignmentCache = new NodeCache<ts.Node, Map<string, ts.BinaryExpression[]>>();

export function assignmentsTo(binding: Binding): ts.BinaryExpression[] {
  const container = enclosingFunctionOrFile(binding.node);
  let byName = assignmentCache.get(container);
  if (!byName) {
    byName = new Map();
    assignmentCache.set(container, byName);
  }
  const name = binding.name;
  let list = byName.get(name);
  if (list) return list;
  list = [];
  const sf = container.getSourceFile();
  const text = sf.text;
  // Searched in the container's own text (a slice, not a copy): a search past its end would scan the rest of the file.
  const base = container.pos;
  const own = text.slice(base, container.end);
  for (let k = own.indexOf(name); k >= 0; k = own.indexOf(name, k + name.length)) {
    const i = base + k;
    if (isIdentifierChar(text.charCodeAt(i - 1)) || isIdentifierChar(text.charCodeAt(i + name.length))) continue;
    let j = i + name.length;
    for (let c = text.charCodeAt(j); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++j));
    const c = text.charCodeAt(j);
    const next = text.charCodeAt(j + 1);
    // `=` but not `==`/`===`/`=>`; `/` may open a comment before the `=`.
    if (!((c === 61 && next !== 61 && next !== 62) || c === 47)) continue;
    const id = identifierAt(sf, i);
    const bin = id?.parent;
    if (bin && isBinaryExpression(bin) && bin.left === id && bin.operatorToken.kind === SyntaxKind.EqualsToken) list.push(bin);
  }
  byName.set(name, list);
  return list;
}

export function isIdentifierChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 36 || c === 95 || c > 127;
}

/**
 * The identifier starting at `pos`, found by descending from the file; undefined
 * in comments and strings. Node lists (statements, arguments, members) are
 * searched by bisection, so a question costs O(depth · log width).
 */
export function identifierAt(sf: ts.SourceFile, pos: number): ts.Identifier | undefined {
  let node: ts.Node = sf;
  target = pos;
  try {
    for (;;) {
      found = undefined;
      forEachChild(node, childAtTarget, listChildAtTarget);
      const next = found as ts.Node | undefined;
      if (!next) return undefined;
      if (next.kind === SyntaxKind.Identifier) return next.getStart(sf) === pos ? next as ts.Identifier : undefined;
      node = next;
    }
  } finally {
    found = undefined;
  }
}

// identifierAt's descent state, in module variables so that each level needs no closures.
let target = 0;
let found: ts.Node | undefined;

function childAtTarget(c: ts.Node): true | undefined {
  if (c.pos <= target && target < c.end) {
    found = c;
    return true;
  }
  return undefined;
}

function listChildAtTarget(list: ts.NodeArray<ts.Node>): true | undefined {
  // Siblings are in source order and do not overlap.
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = list[mid];
    if (target < c.pos) hi = mid - 1;
    else if (target >= c.end) lo = mid + 1;
    else {
      found = c;
      return true;
    }
  }
  return undefined;
}

export function enclosingFunctionOrFile(node: ts.Node): ts.Node {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isFunctionLike(n) || isSourceFile(n)) return n;
  }
  return node.getSourceFile();
}

export function enclosingFunction(node: ts.Node): ts.SignatureDeclaration | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isFunctionLike(n)) return n as ts.SignatureDeclaration;
  }
  return undefined;
}
