import {
  isBinaryExpression, isCallExpression, isIdentifier, isIfStatement, isNoSubstitutionTemplateLiteral,
  isPrefixUnaryExpression, isPropertyAccessExpression, isSourceFile, isStringLiteral, SyntaxKind, ts,
} from '../ts';
import { skipWrappers } from '../modules';

/**
 * Code that only runs outside production, by the condition of an enclosing
 * `if`:
 *
 *   if (isDev) { app.post('/test-webhook', …) }
 *   if (process.env.NODE_ENV !== 'production') { … }
 *   if (process.env.NODE_ENV === 'production') { … } else { here }
 *
 * Rules about what production exposes (logged secrets, debug output) leave
 * such code alone.
 */
export function inDevOnlyBranch(node: ts.Node): boolean {
  let child: ts.Node = node;
  for (let p = node.parent; p && !isSourceFile(p); child = p, p = p.parent) {
    if (!isIfStatement(p) || child === p.expression) continue;
    const says = environmentOf(p.expression);
    if (says === undefined) continue;
    if (child === p.thenStatement ? says === 'dev' : says === 'prod') return true;
  }
  return false;
}

type Environment = 'dev' | 'prod';

// Not `debug`: a debug flag can be on in production.
const DEV_NAME = /^(is_?)?(dev|development|local)(_?mode|_?env)?$/i;
const PROD_NAME = /^(is_?)?(prod|production)(_?mode|_?env)?$/i;
const DEV_VALUES: ReadonlySet<string> = new Set(['development', 'dev', 'test', 'local']);
const PROD_VALUES: ReadonlySet<string> = new Set(['production', 'prod']);

/** Which environment a condition holds in: `isDev`, `!isProduction`, `NODE_ENV === 'development'`, `env !== 'production'`. */
function environmentOf(cond: ts.Expression): Environment | undefined {
  const c = skipWrappers(cond) as ts.Expression;
  if (isPrefixUnaryExpression(c) && c.operator === SyntaxKind.ExclamationToken) return flip(environmentOf(c.operand));
  const name = isIdentifier(c) ? c.text : isPropertyAccessExpression(c) ? c.name.text : undefined;
  if (name !== undefined) return DEV_NAME.test(name) ? 'dev' : PROD_NAME.test(name) ? 'prod' : undefined;
  if (!isBinaryExpression(c)) return undefined;
  const op = c.operatorToken.kind;
  // `isDev && x` holds only in development; `isProd || x` fails only outside production.
  if (op === SyntaxKind.AmpersandAmpersandToken) return environmentOf(c.left) === 'dev' || environmentOf(c.right) === 'dev' ? 'dev' : undefined;
  if (op === SyntaxKind.BarBarToken) return environmentOf(c.left) === 'prod' || environmentOf(c.right) === 'prod' ? 'prod' : undefined;
  const equal = op === SyntaxKind.EqualsEqualsEqualsToken || op === SyntaxKind.EqualsEqualsToken;
  const unequal = op === SyntaxKind.ExclamationEqualsEqualsToken || op === SyntaxKind.ExclamationEqualsToken;
  if (!equal && !unequal) return undefined;
  const value = literalText(c.right) ?? literalText(c.left);
  const other = literalText(c.right) !== undefined ? c.left : c.right;
  if (value === undefined || !isEnvironmentName(other)) return undefined;
  const says: Environment | undefined = DEV_VALUES.has(value) ? 'dev' : PROD_VALUES.has(value) ? 'prod' : undefined;
  return equal ? says : flip(says);
}

function flip(e: Environment | undefined): Environment | undefined {
  return e === 'dev' ? 'prod' : e === 'prod' ? 'dev' : undefined;
}

function literalText(e: ts.Expression): string | undefined {
  const x = skipWrappers(e);
  return isStringLiteral(x) || isNoSubstitutionTemplateLiteral(x) ? x.text.toLowerCase() : undefined;
}

/** `process.env.NODE_ENV`, `env`, `config.env`, `app.get('env')`. */
function isEnvironmentName(e: ts.Expression): boolean {
  const x = skipWrappers(e);
  if (isIdentifier(x)) return /^(node_?env|env|environment|mode)$/i.test(x.text);
  if (isPropertyAccessExpression(x)) return /^(NODE_ENV|env|environment|mode)$/i.test(x.name.text);
  if (isCallExpression(x)) return x.arguments.length === 1 && literalText(x.arguments[0]) === 'env';
  return false;
}
