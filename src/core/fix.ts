import { ts } from 'ts-morph';
import { requiredModule } from './modules';
import { eol } from './ast';
import type { Fix, TextEdit } from './types';

/**
 * Applies non-overlapping edits to text. Edits are sorted; an edit that
 * overlaps one already taken is dropped (reported through `skipped`), so a
 * batch of fixes never corrupts the file.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): { text: string; applied: TextEdit[]; skipped: TextEdit[] } {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const applied: TextEdit[] = [];
  const skipped: TextEdit[] = [];
  let lastEnd = -1;
  for (const e of sorted) {
    if (e.start < lastEnd || e.start > e.end || e.end > text.length) {
      skipped.push(e);
      continue;
    }
    // Two insertions at the same point: keep both, in order.
    applied.push(e);
    lastEnd = e.end;
  }
  let out = '';
  let pos = 0;
  for (const e of applied) {
    out += text.slice(pos, e.start) + e.newText;
    pos = e.end;
  }
  out += text.slice(pos);
  return { text: out, applied, skipped };
}

/**
 * Applies whole fixes in order, skipping a fix any of whose edits overlap an
 * earlier fix, so every applied fix lands complete or not at all.
 */
export function applyFixes(text: string, fixes: readonly Fix[]): { text: string; applied: Fix[]; skipped: Fix[] } {
  const taken: TextEdit[] = [];
  const applied: Fix[] = [];
  const skipped: Fix[] = [];
  for (const fix of fixes) {
    const clash = fix.edits.some((e) => taken.some((t) => overlaps(e, t)));
    if (clash) {
      skipped.push(fix);
      continue;
    }
    taken.push(...fix.edits);
    applied.push(fix);
  }
  return { text: applyEdits(text, dedupeInsertions(taken)).text, applied, skipped };
}

/** Identical insertions (the same import added by two fixes) are applied once. */
function dedupeInsertions(edits: TextEdit[]): TextEdit[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    if (e.start !== e.end) return true;
    const key = `${e.start}:${e.newText}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function overlaps(a: TextEdit, b: TextEdit): boolean {
  if (a.start === a.end && b.start === b.end) return false; // insertions at one point can coexist
  return a.start < b.end && b.start < a.end;
}

/**
 * An edit that makes `name` available from `module`, in the file's own style
 * (ESM `import` when it has any, else `require`), after the last import, or
 * nothing when the file already has it.
 */
export function ensureImport(
  sf: ts.SourceFile,
  module: string,
  name: string,
  kind: 'default' | 'named' | 'namespace' = 'default',
): TextEdit | undefined {
  const text = sf.text;
  const nl = eol(text);
  let lastImportEnd = -1;
  let esm = false;
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      esm = true;
      lastImportEnd = st.end;
      if (ts.isStringLiteral(st.moduleSpecifier) && [module, `node:${module}`].includes(st.moduleSpecifier.text) && importsName(st, name, kind)) {
        return undefined;
      }
    } else if (ts.isVariableStatement(st) && st.declarationList.declarations.some((d) => d.initializer && requiredModule(d.initializer) !== undefined)) {
      lastImportEnd = st.end;
      for (const d of st.declarationList.declarations) {
        const m = d.initializer && requiredModule(d.initializer);
        if (m === module && declaresName(d.name, name)) return undefined;
      }
    } else if (lastImportEnd === -1 && isDirective(st)) {
      lastImportEnd = st.end;
    }
  }
  const statement = esm
    ? kind === 'named'
      ? `import { ${name} } from '${module}';`
      : kind === 'namespace'
        ? `import * as ${name} from '${module}';`
        : `import ${name} from '${module}';`
    : kind === 'named'
      ? `const { ${name} } = require('${module}');`
      : `const ${name} = require('${module}');`;
  if (lastImportEnd === -1) return { start: 0, end: 0, newText: statement + nl };
  return { start: lastImportEnd, end: lastImportEnd, newText: nl + statement };
}

function isDirective(st: ts.Statement): boolean {
  return ts.isExpressionStatement(st) && ts.isStringLiteral(st.expression);
}

function importsName(decl: ts.ImportDeclaration, name: string, kind: string): boolean {
  const c = decl.importClause;
  if (!c) return false;
  if (kind === 'default' && c.name?.text === name) return true;
  const nb = c.namedBindings;
  if (!nb) return false;
  if (ts.isNamespaceImport(nb)) return nb.name.text === name;
  return nb.elements.some((e) => e.name.text === name);
}

function declaresName(n: ts.BindingName, name: string): boolean {
  if (ts.isIdentifier(n)) return n.text === name;
  return n.elements.some((e) => !ts.isOmittedExpression(e) && declaresName(e.name, name));
}
