import { ts } from 'ts-morph';
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
      const set = new Set<string>();
      const visit = (n: ts.Node): void => {
        const m = moduleSpecifierOf(n);
        if (m) set.add(m);
        ts.forEachChild(n, visit);
      };
      // Imports are top-level statements; requires may hide anywhere but are
      // found by the walk-time visitors of rules that need them. Scanning the
      // top level keeps this O(statements).
      for (const st of this.sourceFile.statements) {
        if (ts.isImportDeclaration(st) || ts.isVariableStatement(st) || ts.isExpressionStatement(st)) visit(st);
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

function moduleSpecifierOf(n: ts.Node): string | undefined {
  if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) return normalizeModule(n.moduleSpecifier.text);
  return requiredModule(n);
}

/** Parentheses, `await`, `as`, `!`, `satisfies` and `<T>` do not change where a value comes from. */
export function skipWrappers(expr: ts.Node): ts.Node {
  for (;;) {
    if (
      ts.isParenthesizedExpression(expr) ||
      ts.isAwaitExpression(expr) ||
      ts.isAsExpression(expr) ||
      ts.isNonNullExpression(expr) ||
      ts.isSatisfiesExpression(expr) ||
      ts.isTypeAssertionExpression(expr)
    ) {
      expr = expr.expression;
    } else {
      return expr;
    }
  }
}
