import { ts } from './ts';
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
        if (ts.isImportDeclaration(st)) {
          if (ts.isStringLiteral(st.moduleSpecifier)) set.add(normalizeModule(st.moduleSpecifier.text));
        } else if (ts.isVariableStatement(st)) {
          for (const d of st.declarationList.declarations) {
            const m = d.initializer && requireIn(d.initializer);
            if (m) set.add(m);
          }
        } else if (ts.isExpressionStatement(st)) {
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

  private compute(expr: ts.Node, depth: number): Origin | null {
    expr = skipWrappers(expr);
    if (ts.isIdentifier(expr)) return this.fromBinding(lookup(expr.text, expr), depth);
    if (ts.isPropertyAccessExpression(expr)) {
      const base = this.resolve(expr.expression, depth + 1);
      if (!base) return null;
      // Compiled ESM interop: `express_1.default` is the module itself.
      if (expr.name.text === 'default' && base.path.length === 0) return base;
      return { module: base.module, path: [...base.path, expr.name.text] };
    }
    // `(0, express_1.default)()`: the comma form compilers use to call without `this`.
    if (ts.isBinaryExpression(expr) && expr.operatorToken.kind === ts.SyntaxKind.CommaToken) {
      return this.resolve(expr.right, depth + 1);
    }
    if (ts.isElementAccessExpression(expr) && ts.isStringLiteralLike(expr.argumentExpression)) {
      const base = this.resolve(expr.expression, depth + 1);
      return base ? { module: base.module, path: [...base.path, expr.argumentExpression.text] } : null;
    }
    if (ts.isCallExpression(expr) || ts.isNewExpression(expr)) {
      const required = requiredModule(expr);
      if (required) return { module: required, path: [] };
      // `__importDefault(require('x'))`, `_interopRequireDefault(require('x'))` and friends return the module.
      if (ts.isCallExpression(expr) && ts.isIdentifier(expr.expression) && INTEROP_HELPERS.has(expr.expression.text) && expr.arguments.length === 1) {
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
      if (!ts.isStringLiteral(decl.moduleSpecifier)) return null;
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
  if (!ts.isCallExpression(node)) return undefined;
  if (!ts.isIdentifier(node.expression) || node.expression.text !== 'require') return undefined;
  const arg = node.arguments[0];
  return arg && ts.isStringLiteralLike(arg) ? normalizeModule(arg.text) : undefined;
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
    if (ts.isCallExpression(n)) {
      if (n.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const arg = n.arguments[0];
        return arg && ts.isStringLiteralLike(arg) ? normalizeModule(arg.text) : undefined;
      }
      n = ts.isIdentifier(n.expression) && INTEROP_HELPERS.has(n.expression.text) && n.arguments[0] ? n.arguments[0] : n.expression;
    } else if (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) {
      n = n.expression;
    } else if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.CommaToken) {
      n = n.right;
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** Parentheses, `await`, `as`, `!`, `satisfies` and `<T>` do not change where a value comes from. */
export function skipWrappers(expr: ts.Node): ts.Node {
  // A kind lookup, not ts.isX calls: ts-morph's `ts` members are getters, and this runs on every resolution.
  while (WRAPPER_KINDS.has(expr.kind)) expr = (expr as ts.ParenthesizedExpression).expression;
  return expr;
}

const WRAPPER_KINDS: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.ParenthesizedExpression,
  ts.SyntaxKind.AwaitExpression,
  ts.SyntaxKind.AsExpression,
  ts.SyntaxKind.NonNullExpression,
  ts.SyntaxKind.SatisfiesExpression,
  ts.SyntaxKind.TypeAssertionExpression,
]);
