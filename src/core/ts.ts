/**
 * The TypeScript namespace, taken from ts-morph once.
 *
 * Import `ts` from here, never from 'ts-morph' directly: a named import of a
 * CommonJS module becomes an interop object whose every property is a generic
 * getter (esbuild's `__toESM`), and the walk reads `ts.SyntaxKind` and
 * `ts.isX` millions of times. Through this alias the bundle holds the namespace
 * in a plain variable. `npm run bench` measured the difference.
 */
import tsMorph = require('ts-morph');

export import ts = tsMorph.ts;

/**
 * `ts.SyntaxKind`, read once. The bundled namespace's members are getters (the `ts` alias
 * saves the interop layer, not those), so each `ts.SyntaxKind.X` was a call, about 0.4% of a
 * scan in the profile: compare kinds against this instead.
 */
export const SyntaxKind = ts.SyntaxKind;

/**
 * The type guards the rules call most, and forEachChild, read once for the same reason:
 * `ts.isIdentifier(n)` was a getter call and then the guard. The rarer guards are still called
 * through `ts`.
 */
export const {
  isIdentifier,
  isPropertyAccessExpression,
  isCallExpression,
  isBinaryExpression,
  isObjectLiteralExpression,
  isPropertyAssignment,
  isElementAccessExpression,
  isStringLiteral,
  isArrayLiteralExpression,
  isTemplateExpression,
  isNewExpression,
  isShorthandPropertyAssignment,
  isVariableDeclaration,
  isStringLiteralLike,
  isFunctionExpression,
  isArrowFunction,
  isParenthesizedExpression,
  isNoSubstitutionTemplateLiteral,
  isReturnStatement,
  isVariableStatement,
  isFunctionDeclaration,
  isPrefixUnaryExpression,
  isExpressionStatement,
  isMethodDeclaration,
  isBlock,
  isImportDeclaration,
  isSpreadAssignment,
  isIfStatement,
  isConditionalExpression,
  isAwaitExpression,
  isAsExpression,
  isSourceFile,
  isNumericLiteral,
  forEachChild,
} = ts;

/** A lookup table over every syntax kind, 1 at the given ones: one indexed load where a Set needs a hash. */
export function kindTable(kinds: readonly ts.SyntaxKind[]): Uint8Array {
  const table = new Uint8Array(SyntaxKind.Count);
  for (const k of kinds) table[k] = 1;
  return table;
}
