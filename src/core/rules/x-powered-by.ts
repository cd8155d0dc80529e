import {
  isCallExpression, isIdentifier, isImportDeclaration, isPropertyAccessExpression, isStringLiteral,
  isVariableDeclaration, isVariableStatement, SyntaxKind, ts,
} from '../ts';
import { textHas } from '../lib/text-hints';
import { calleeName, eol, indentAt, stringValue } from '../ast';
import { calleeMayComeFrom } from '../modules';
import type { Fix, SourceRule } from '../types';

/**
 * `const app = express()` keeps Express's `X-Powered-By: Express` header
 * unless the file calls `app.disable('x-powered-by')` (or `app.set(…, false)`)
 * or helmet, which removes it, is applied anywhere in the workspace.
 */
/** The modules whose plain calls matter here: `express()` apps, `helmet()`. */
const APP_OR_HELMET: ReadonlySet<string> = new Set(['express', 'helmet']);

export const rule: SourceRule = {
  id: 'x-powered-by',
  row: 'security-headers',
  severity: 'info',
  description: 'Detects an Express app that still sends the X-Powered-By: Express header (no helmet, no app.disable(\'x-powered-by\')).',
  message: "Express app sends X-Powered-By: Express: call app.disable('x-powered-by') (or apply helmet).",
  fixable: true,
  docs: {
    why:
      'Express announces itself in every response with `X-Powered-By: Express`. The header tells scanners exactly which framework ' +
      'to probe for known vulnerabilities and adds nothing for your users; removing it is free.',
    bad: 'const app = express();',
    good: "const app = express();\napp.disable('x-powered-by');",
    fix: "Call `app.disable('x-powered-by')` right after creating the app, or apply `helmet()`, which removes the header too.",
    cwe: ['CWE-200'],
    owasp: ['A05:2021'],
  },
  create(ctx) {
    // Only an `express()` app declared here is reported: its origin needs the 'express' specifier in this file.
    if (!textHas(ctx.text, 'express')) return {};
    // helmet (or hide-powered-by) resolves only through its specifier too.
    const mayHelmet = textHas(ctx.text, 'helmet') || textHas(ctx.text, 'hide-powered-by');
    const apps: { call: ts.CallExpression; decl: ts.VariableDeclaration; name: string }[] = [];
    const disabled = new Set<string>();
    let helmet = false;
    // Plain calls are resolved only when their callee can come from express or helmet (most `const x = f()` cannot).
    const mayCome = calleeMayComeFrom(ctx, APP_OR_HELMET);
    return {
      CallExpression(node: ts.CallExpression) {
        const e = node.expression;
        if (isPropertyAccessExpression(e)) {
          const name = e.name.text;
          // app.disable('x-powered-by') / app.set('x-powered-by', false)
          if ((name === 'disable' || name === 'set') && stringValue(node.arguments[0])?.toLowerCase() === 'x-powered-by') {
            if (name === 'disable' || node.arguments[1]?.kind === SyntaxKind.FalseKeyword) disabled.add(e.expression.getText(ctx.sourceFile));
            return;
          }
          // helmet.hidePoweredBy() / helmet.xPoweredBy()
          if (!helmet && mayHelmet && (name === 'hidePoweredBy' || name === 'xPoweredBy')) {
            const o = ctx.modules.callee(node);
            if (o?.module === 'helmet' || o?.module === 'hide-powered-by') helmet = true;
          }
          return;
        }
        if (!isIdentifier(e) && !isCallExpression(e)) return;
        // Only two outcomes: helmet() seen (needs its specifier), or `const app = express()`.
        const decl = node.parent;
        const declared = isVariableDeclaration(decl) && decl.initializer === node && isIdentifier(decl.name);
        if (!declared && (helmet || !mayHelmet)) return;
        if (!mayCome(e)) return;
        const o = ctx.modules.callee(node);
        if (!o) return;
        if (o.module === 'helmet' && o.path.length === 0) {
          helmet = true;
          return;
        }
        if (!declared || o.module !== 'express' || o.path.length !== 0) return;
        apps.push({ call: node, decl: decl as ts.VariableDeclaration, name: ((decl as ts.VariableDeclaration).name as ts.Identifier).text });
      },
      onEnd() {
        if (helmet) return;
        for (const app of apps) {
          if (disabled.has(app.name)) continue;
          ctx.report(app.call, { fixes: fixFor(ctx.sourceFile, app.decl), unlessEvidence: 'helmet' });
        }
      },
    };
  },
};

/** `const app = express();` gains a following `app.disable('x-powered-by');`. */
function fixFor(sf: ts.SourceFile, decl: ts.VariableDeclaration): Fix[] {
  const statement = decl.parent?.parent;
  if (!statement || !isVariableStatement(statement) || !isIdentifier(decl.name)) return [];
  const text = sf.text;
  const quote = quoteStyle(sf);
  const line = `${decl.name.text}.disable(${quote}x-powered-by${quote});`;
  return [{
    title: "Disable the X-Powered-By header",
    edits: [{ start: statement.end, end: statement.end, newText: `${eol(text)}${indentAt(text, statement.getStart(sf))}${line}` }],
    preferred: true,
  }];
}

/** The quote the file's imports use. */
function quoteStyle(sf: ts.SourceFile): string {
  for (const st of sf.statements) {
    let lit: ts.Node | undefined;
    if (isImportDeclaration(st)) lit = st.moduleSpecifier;
    else if (isVariableStatement(st)) {
      const init = st.declarationList.declarations[0]?.initializer;
      if (init && isCallExpression(init) && calleeName(init) === 'require') lit = init.arguments[0];
    }
    if (lit && isStringLiteral(lit)) return sf.text[lit.getStart(sf)] === '"' ? '"' : "'";
  }
  return "'";
}
