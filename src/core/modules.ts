import {
  forEachChild, isBinaryExpression, isCallExpression, isElementAccessExpression,
  isExpressionStatement, isIdentifier, isImportDeclaration, isNewExpression,
  isPropertyAccessExpression, isStringLiteral, isStringLiteralLike, isVariableStatement, kindTable,
  SyntaxKind, ts,
} from './ts';
import { NodeCache } from './file-caches';
import { lookup, type Binding } from './scopes';

/**
 * Where a value comes from, in terms of a module: `jwt.verify` with
 * `import jwt from 'jsonwebtoken'` is { module: 'jsonwebtoken', path: ['verify'] };
 * `express()` is { module: 'express', path: ['()'] } and `app.use` on such an
 * app is { module: 'express', path: ['()', 'use'] }. Calls and `new` both add
 * '()'. Default, namespace and CommonJS imports all start at path [] because
 * interop makes them the same object for the libraries we care about.
 */
export interface Origin {
  module: string;
  path: string[];
}

const MAX_DEPTH = 12;

/** Helpers TypeScript, Babel and esbuild emit around `require` for ESM interop. */
const INTEROP_HELPERS: ReadonlySet<string> = new Set([
  '__importDefault', '__importStar', '_interopRequireDefault', '_interopRequireWildcard', '__toESM', 'interopRequireDefault',
]);

export class ModuleResolver {
  private readonly cache = new Map<ts.Node, Origin | null>();
  private imported?: Set<string>;

  constructor(private readonly sourceFile: ts.SourceFile) {}

  /** The module an expression's value derives from, if any. */
  origin(expr: ts.Node): Origin | undefined {
    return this.resolve(expr, 0) ?? undefined;
  }

  /** The origin of a call's callee: `jwt.verify(t, k)` → jsonwebtoken ['verify']. */
  callee(call: ts.CallExpression | ts.NewExpression): Origin | undefined {
    return this.origin(call.expression);
  }

  /** True when the callee resolves to `module` with exactly `path`. */
  isCall(call: ts.CallExpression | ts.NewExpression, module: string | readonly string[], ...path: string[]): boolean {
    const o = this.callee(call);
    if (!o) return false;
    const modules = typeof module === 'string' ? [module] : module;
    return modules.includes(o.module) && samePath(o.path, path);
  }

  /** Modules imported or required anywhere in the file (normalised, `node:` dropped). */
  importedModules(): Set<string> {
    if (!this.imported) {
      // Top-level statements only, and only their import/require shapes, so this stays
      // O(statements) however large the functions declared at the top are.
      const set = new Set<string>();
      for (const st of this.sourceFile.statements) {
        if (isImportDeclaration(st)) {
          if (isStringLiteral(st.moduleSpecifier)) set.add(normalizeModule(st.moduleSpecifier.text));
        } else if (isVariableStatement(st)) {
          for (const d of st.declarationList.declarations) {
            const m = d.initializer && requireIn(d.initializer);
            if (m) set.add(m);
          }
        } else if (isExpressionStatement(st)) {
          const m = requireIn(st.expression);
          if (m) set.add(m);
        }
      }
      this.imported = set;
    }
    return this.imported;
  }

  imports(module: string): boolean {
    return this.importedModules().has(module);
  }

  private resolve(expr: ts.Node, depth: number): Origin | null {
    if (depth > MAX_DEPTH) return null;
    const cached = this.cache.get(expr);
    if (cached !== undefined) return cached;
    this.cache.set(expr, null); // cycle guard
    const result = this.compute(expr, depth);
    this.cache.set(expr, result);
    return result;
  }

  /** Every shape followed here must be followed by calleeMayComeFrom below too, or it would skip resolutions that succeed. */
  private compute(expr: ts.Node, depth: number): Origin | null {
    expr = skipWrappers(expr);
    if (isIdentifier(expr)) return this.fromBinding(lookup(expr.text, expr), depth);
    if (isPropertyAccessExpression(expr)) {
      const base = this.resolve(expr.expression, depth + 1);
      if (!base) return null;
      // Compiled ESM interop: `express_1.default` is the module itself.
      if (expr.name.text === 'default' && base.path.length === 0) return base;
      return { module: base.module, path: [...base.path, expr.name.text] };
    }
    // `(0, express_1.default)()`: the comma form compilers use to call without `this`.
    if (isBinaryExpression(expr) && expr.operatorToken.kind === SyntaxKind.CommaToken) {
      return this.resolve(expr.right, depth + 1);
    }
    if (isElementAccessExpression(expr) && isStringLiteralLike(expr.argumentExpression)) {
      const base = this.resolve(expr.expression, depth + 1);
      return base ? { module: base.module, path: [...base.path, expr.argumentExpression.text] } : null;
    }
    if (isCallExpression(expr) || isNewExpression(expr)) {
      const required = requiredModule(expr);
      if (required) return { module: required, path: [] };
      // `__importDefault(require('x'))`, `_interopRequireDefault(require('x'))` and friends return the module.
      if (isCallExpression(expr) && isIdentifier(expr.expression) && INTEROP_HELPERS.has(expr.expression.text) && expr.arguments.length === 1) {
        return this.resolve(expr.arguments[0], depth + 1);
      }
      const base = this.resolve(expr.expression, depth + 1);
      return base ? { module: base.module, path: [...base.path, '()'] } : null;
    }
    return null;
  }

  private fromBinding(b: Binding | undefined, depth: number): Origin | null {
    if (!b) return null;
    const path = b.path.filter((p): p is string => typeof p === 'string' && p !== '...');
    if (b.kind === 'import') {
      const decl = b.declaration as ts.ImportDeclaration;
      if (!isStringLiteral(decl.moduleSpecifier)) return null;
      return { module: normalizeModule(decl.moduleSpecifier.text), path };
    }
    if ((b.kind === 'variable') && b.init) {
      const base = this.resolve(b.init, depth + 1);
      return base ? { module: base.module, path: [...base.path, ...path] } : null;
    }
    return null;
  }
}

function samePath(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

export function normalizeModule(spec: string): string {
  return spec.startsWith('node:') ? spec.slice(5) : spec;
}

/** `require('x')` → 'x'. */
export function requiredModule(node: ts.Node): string | undefined {
  if (!isCallExpression(node)) return undefined;
  if (!isIdentifier(node.expression) || node.expression.text !== 'require') return undefined;
  const arg = node.arguments[0];
  return arg && isStringLiteralLike(arg) ? normalizeModule(arg.text) : undefined;
}

/**
 * The module required by an initializer's own shape: `require('x')`,
 * `require('x').y`, `require('x')(opts)`, `__importDefault(require('x'))`,
 * `await import('x')`. Bounded by the expression's left spine, never a subtree walk.
 */
function requireIn(expr: ts.Node): string | undefined {
  for (let n: ts.Node = expr, i = 0; i < 16; i++) {
    n = skipWrappers(n);
    const direct = requiredModule(n);
    if (direct) return direct;
    if (isCallExpression(n)) {
      if (n.expression.kind === SyntaxKind.ImportKeyword) {
        const arg = n.arguments[0];
        return arg && isStringLiteralLike(arg) ? normalizeModule(arg.text) : undefined;
      }
      n = isIdentifier(n.expression) && INTEROP_HELPERS.has(n.expression.text) && n.arguments[0] ? n.arguments[0] : n.expression;
    } else if (isPropertyAccessExpression(n) || isElementAccessExpression(n)) {
      n = n.expression;
    } else if (isBinaryExpression(n) && n.operatorToken.kind === SyntaxKind.CommaToken) {
      n = n.right;
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** Parentheses, `await`, `as`, `!`, `satisfies` and `<T>` do not change where a value comes from. */
export function skipWrappers(expr: ts.Node): ts.Node {
  // A table indexed by kind, not ts.isX calls or a Set: this runs on every resolution, millions of times a scan.
  while (WRAPPER_KINDS[expr.kind] === 1) expr = (expr as ts.ParenthesizedExpression).expression;
  return expr;
}

/** 1 at the kinds skipWrappers looks through. */
const WRAPPER_KINDS = kindTable([
  SyntaxKind.ParenthesizedExpression,
  SyntaxKind.AwaitExpression,
  SyntaxKind.AsExpression,
  SyntaxKind.NonNullExpression,
  SyntaxKind.SatisfiesExpression,
  SyntaxKind.TypeAssertionExpression,
]);

// ---------------------------------------------------------------------------
// Which callees are worth resolving

/**
 * A cheap pre-filter for `ctx.modules.origin`/`callee`: the returned test is false
 * only when the expression cannot resolve to any of `modules`, so skipping the
 * resolution then changes nothing (and spares the scope tables of every function
 * whose calls all fail it: `res.json()`, `next()`, `db.find()`).
 *
 * It mirrors ModuleResolver.compute (keep the two in step): an origin comes from the end of the
 * expression's spine (property/element accesses, calls, `new`, commas, wrappers),
 * which is either `require('m')` or an identifier bound by an import of `m` or by
 * a variable whose initializer's spine ends the same way. The names of such
 * bindings (anywhere in the file, scopes ignored: an over-approximation) come from
 * one pass per file over the walk's node list (carrierIndex): the imports and
 * `require` calls, and every variable declaration's spine starts.
 */
export function calleeMayComeFrom(
  ctx: { sourceFile: ts.SourceFile; nodes?: readonly ts.Node[]; kinds?: Uint16Array },
  wanted: ReadonlySet<string> | ((module: string) => boolean),
): (expr: ts.Node) => boolean {
  // A set of module names, or a test of one (`drizzle-orm/node-postgres` for a package's subpaths).
  const modules = typeof wanted === 'function' ? { has: wanted } : wanted;
  let names: Set<string> | undefined;
  const spineEndMay = (e: ts.Node, carriers: ReadonlySet<string>): boolean => {
    for (;;) {
      e = skipWrappers(e);
      switch (e.kind) {
        case SyntaxKind.Identifier:
          return carriers.has((e as ts.Identifier).text);
        case SyntaxKind.PropertyAccessExpression:
        case SyntaxKind.ElementAccessExpression:
        case SyntaxKind.NewExpression:
          e = (e as ts.PropertyAccessExpression).expression;
          continue;
        case SyntaxKind.BinaryExpression:
          if ((e as ts.BinaryExpression).operatorToken.kind !== SyntaxKind.CommaToken) return false;
          e = (e as ts.BinaryExpression).right;
          continue;
        case SyntaxKind.CallExpression: {
          const call = e as ts.CallExpression;
          const m = requiredModule(call);
          if (m !== undefined) return modules.has(m);
          // An interop helper's argument: `__importDefault(require('m'))`.
          if (call.arguments.length === 1 && call.expression.kind === SyntaxKind.Identifier && spineEndMay(call.arguments[0], carriers)) return true;
          e = call.expression;
          continue;
        }
        default:
          return false;
      }
    }
  };
  const build = (): Set<string> => {
    const index = carrierIndex(ctx);
    const found = new Set<string>();
    const queue: string[] = [];
    const add = (list: readonly string[]): void => {
      for (const name of list) {
        if (found.has(name)) continue;
        found.add(name);
        queue.push(name);
      }
    };
    for (const seed of index.seeds) if (modules.has(seed.module)) add(seed.names);
    // Then every variable whose initializer's spine ends at a carrier, to a fixed point.
    for (let k = 0; k < queue.length; k++) add(derivedNames(index, queue[k]));
    return found;
  };
  return (expr) => spineEndMay(expr, (names ??= build()));
}

/**
 * What calleeMayComeFrom needs from a file whatever the modules asked about, found once per file
 * (several rules ask, each about its own modules) in one pass over the walk's node list: the
 * names each import or `require` call binds, and for a name, the variables initialized from a
 * spine that starts at it.
 */
interface CarrierIndex {
  /** Per import declaration or `require` call: the module and the names bound from it. */
  seeds: { module: string; names: string[] }[];
  /** The variable declarations with an initializer, for `derived`. */
  declarations: ts.VariableDeclaration[];
  /**
   * name → names of the variables whose initializer's spine starts at an identifier of that name.
   * Built on the first question: a file that imports none of a rule's modules never asks.
   */
  derived?: Map<string, string[]>;
}

const carrierIndexes = new NodeCache<ts.SourceFile, CarrierIndex>();

function carrierIndex(ctx: { sourceFile: ts.SourceFile; nodes?: readonly ts.Node[]; kinds?: Uint16Array }): CarrierIndex {
  const sf = ctx.sourceFile;
  let index = carrierIndexes.get(sf);
  if (index) return index;
  index = { seeds: [], declarations: [] };
  const { seeds, declarations } = index;
  const { nodes, kinds } = ctx.nodes && ctx.kinds ? { nodes: ctx.nodes, kinds: ctx.kinds } : listNodes(sf);
  for (let i = 0; i < nodes.length; i++) {
    const kind = kinds[i];
    if (kind !== SyntaxKind.ImportDeclaration && kind !== SyntaxKind.CallExpression && kind !== SyntaxKind.VariableDeclaration) continue;
    const node = nodes[i];
    switch (kind) {
      case SyntaxKind.ImportDeclaration: {
        // Anywhere: the parser keeps misplaced ones.
        const decl = node as ts.ImportDeclaration;
        const clause = decl.importClause;
        if (!clause || !isStringLiteral(decl.moduleSpecifier)) break;
        const names: string[] = [];
        if (clause.name) addBoundNames(clause.name, names);
        const nb = clause.namedBindings;
        if (nb) {
          if (ts.isNamespaceImport(nb)) addBoundNames(nb.name, names);
          else for (const el of nb.elements) addBoundNames(el.name, names);
        }
        seeds.push({ module: normalizeModule(decl.moduleSpecifier.text), names });
        break;
      }
      case SyntaxKind.CallExpression: {
        const m = requiredModule(node);
        if (m === undefined) break;
        const names: string[] = [];
        climbToDeclaration(node, names);
        seeds.push({ module: m, names });
        break;
      }
      case SyntaxKind.VariableDeclaration:
        if ((node as ts.VariableDeclaration).initializer) declarations.push(node as ts.VariableDeclaration);
        break;
    }
  }
  carrierIndexes.set(sf, index);
  return index;
}

function derivedNames(index: CarrierIndex, name: string): readonly string[] {
  return (index.derived ??= derivedIndex(index.declarations)).get(name) ?? NO_NAMES;
}

function derivedIndex(declarations: readonly ts.VariableDeclaration[]): Map<string, string[]> {
  const derived = new Map<string, string[]>();
  const leaves: ts.Identifier[] = [];
  for (const d of declarations) {
    leaves.length = 0;
    spineStarts(d.initializer!, leaves);
    if (leaves.length === 0) continue;
    const names: string[] = [];
    addBoundNames(d.name, names);
    for (const id of leaves) {
      const list = derived.get(id.text);
      if (list) for (const n of names) list.push(n);
      else derived.set(id.text, names.slice());
    }
  }
  return derived;
}

const NO_NAMES: readonly string[] = [];

/** Every node under `sf` in walk order with its kind, for a caller without the walk's list (a test, a tool). */
function listNodes(sf: ts.SourceFile): { nodes: ts.Node[]; kinds: Uint16Array } {
  const nodes: ts.Node[] = [];
  const visit = (n: ts.Node): void => {
    nodes.push(n);
    forEachChild(n, visit);
  };
  forEachChild(sf, visit);
  return { nodes, kinds: Uint16Array.from(nodes, (n) => n.kind) };
}

function addBoundNames(name: ts.BindingName, into: string[]): void {
  if (name.kind === SyntaxKind.Identifier) {
    into.push(name.text);
    return;
  }
  for (const el of (name as ts.BindingPattern).elements) {
    if (el.kind !== SyntaxKind.OmittedExpression) addBoundNames(el.name, into);
  }
}

/**
 * The identifiers a spine starting at `init` can start from: down the same edges
 * climbToDeclaration goes up (an access's, call's or `new`'s expression, a call's first
 * argument, a comma's right side, wrappers). A list, not recursion: calls nest arbitrarily deep.
 */
function spineStarts(init: ts.Node, into: ts.Identifier[]): void {
  const pending = spinePending;
  pending.length = 0;
  pending.push(init);
  while (pending.length > 0) {
    let e = pending.pop()!;
    for (;;) {
      if (THROUGH_EXPRESSION[e.kind] === 1) {
        e = (e as ts.PropertyAccessExpression).expression;
        continue;
      }
      switch (e.kind) {
        case SyntaxKind.Identifier:
          into.push(e as ts.Identifier);
          break;
        case SyntaxKind.CallExpression: {
          const first = (e as ts.CallExpression).arguments[0];
          if (first) pending.push(first);
          e = (e as ts.CallExpression).expression;
          continue;
        }
        case SyntaxKind.BinaryExpression:
          if ((e as ts.BinaryExpression).operatorToken.kind === SyntaxKind.CommaToken) {
            e = (e as ts.BinaryExpression).right;
            continue;
          }
          break;
      }
      break;
    }
  }
}

const spinePending: ts.Node[] = [];

/** The spine goes through these kinds by their `expression` (wrappers, accesses, `new`), in both directions. */
const THROUGH_EXPRESSION = kindTable([
  SyntaxKind.ParenthesizedExpression, SyntaxKind.AwaitExpression, SyntaxKind.AsExpression, SyntaxKind.NonNullExpression,
  SyntaxKind.SatisfiesExpression, SyntaxKind.TypeAssertionExpression, SyntaxKind.PropertyAccessExpression,
  SyntaxKind.ElementAccessExpression, SyntaxKind.NewExpression,
]);

/** Up the spine from `node`; a variable initialized by it names a carrier. */
function climbToDeclaration(node: ts.Node, into: string[]): void {
  for (let c = node; ;) {
    const p = c.parent;
    if (!p) return;
    if (THROUGH_EXPRESSION[p.kind] === 1) {
      if ((p as ts.PropertyAccessExpression).expression !== c) return;
      c = p;
      continue;
    }
    switch (p.kind) {
      case SyntaxKind.CallExpression:
        if ((p as ts.CallExpression).expression !== c && (p as ts.CallExpression).arguments[0] !== c) return;
        break;
      case SyntaxKind.BinaryExpression:
        if ((p as ts.BinaryExpression).operatorToken.kind !== SyntaxKind.CommaToken || (p as ts.BinaryExpression).right !== c) return;
        break;
      case SyntaxKind.VariableDeclaration:
        if ((p as ts.VariableDeclaration).initializer === c) addBoundNames((p as ts.VariableDeclaration).name, into);
        return;
      default:
        return;
    }
    c = p;
  }
}
