import { isExpressionStatement, isIdentifier, isImportDeclaration, isStringLiteral, isVariableStatement, ts } from './ts';
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

/** A fix with the range of the finding it belongs to. */
export interface SitedFix {
  start: number;
  end: number;
  fix: Fix;
}

/**
 * One pass of "fix all": the fixes to apply now, and those that must wait for
 * the next analysis. A fix waits when its finding overlaps the finding of a fix
 * already taken: two rules judging the same code would each write their own
 * version of one change (session-cookie-flags and csrf-cookie-auth-no-protection
 * both add a `cookie:` key to one `session({...})`). Once the first lands, the
 * second rule sees it and amends it instead. Fixes whose edits clash wait too.
 */
export function fixesForOnePass<T extends SitedFix>(text: string, items: readonly T[]): { text: string; applied: T[]; waiting: T[] } {
  const taken: T[] = [];
  const waiting: T[] = [];
  for (const item of items) {
    if (taken.some((t) => item.start < t.end && t.start < item.end)) waiting.push(item);
    else taken.push(item);
  }
  const result = applyFixes(text, taken.map((t) => t.fix));
  const applied = taken.filter((t) => result.applied.includes(t.fix));
  waiting.push(...taken.filter((t) => !result.applied.includes(t.fix)));
  return { text: result.text, applied, waiting };
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
    if (isImportDeclaration(st)) {
      esm = true;
      lastImportEnd = st.end;
      if (isStringLiteral(st.moduleSpecifier) && [module, `node:${module}`].includes(st.moduleSpecifier.text) && importsName(st, name, kind)) {
        return undefined;
      }
    } else if (isVariableStatement(st) && st.declarationList.declarations.some((d) => d.initializer && requiredModule(d.initializer) !== undefined)) {
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
  return isExpressionStatement(st) && isStringLiteral(st.expression);
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
  if (isIdentifier(n)) return n.text === name;
  return n.elements.some((e) => !ts.isOmittedExpression(e) && declaresName(e.name, name));
}

/**
 * Edits that add `props` (ready-made `key: value` texts) to an object literal,
 * in its own layout: `{}` becomes `{ a, b }`, a one-line object gains `, a, b`,
 * a multi-line one gains one property per line at the last property's
 * indentation (keeping a trailing comma and a trailing `// comment` in place).
 */
export function addPropertiesEdits(sf: ts.SourceFile, obj: ts.ObjectLiteralExpression, props: readonly string[]): TextEdit[] {
  if (props.length === 0) return [];
  const text = sf.text;
  const nl = eol(text);
  const elements = obj.properties;
  if (elements.length === 0) {
    return [{ start: obj.getStart(sf), end: obj.end, newText: `{ ${props.join(', ')} }` }];
  }
  const first = elements[0];
  const last = elements[elements.length - 1];
  const multiline = text.slice(obj.getStart(sf) + 1, first.getStart(sf)).includes('\n');
  // Position right after the last property, or after its trailing comma.
  let after = last.end;
  if (elements.hasTrailingComma) {
    const comma = text.indexOf(',', last.end);
    if (comma >= 0 && comma < obj.end) after = comma + 1;
  }
  if (!multiline) {
    return [{ start: after, end: after, newText: elements.hasTrailingComma ? ` ${props.join(', ')},` : `, ${props.join(', ')}` }];
  }
  const lineStart = text.lastIndexOf('\n', last.getStart(sf) - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart, last.getStart(sf)))?.[0] ?? '';
  // A `// comment` after the last property stays on its line: insert after it.
  let insertAt = after;
  const newline = text.indexOf('\n', after);
  if (newline >= 0 && newline < obj.end) {
    const rest = text.slice(after, newline).replace(/\r$/, '');
    if (rest.trim().startsWith('//')) insertAt = after + rest.length;
  }
  if (elements.hasTrailingComma) {
    return [{ start: insertAt, end: insertAt, newText: props.map((p) => `${nl}${indent}${p},`).join('') }];
  }
  const lines = props.map((p, i) => `${nl}${indent}${p}${i < props.length - 1 ? ',' : ''}`).join('');
  if (insertAt === after) return [{ start: after, end: after, newText: `,${lines}` }];
  return [
    { start: after, end: after, newText: ',' },
    { start: insertAt, end: insertAt, newText: lines },
  ];
}

/** The quote character the file uses for its first import or require (default `'`). */
export function preferredQuote(sf: ts.SourceFile): string {
  for (const st of sf.statements) {
    let spec: ts.Node | undefined;
    if (isImportDeclaration(st)) spec = st.moduleSpecifier;
    else if (isVariableStatement(st)) {
      const init = st.declarationList.declarations[0]?.initializer;
      if (init && requiredModule(init) !== undefined) spec = (init as ts.CallExpression).arguments[0];
    }
    if (spec && isStringLiteral(spec)) return sf.text[spec.getStart(sf)] === '"' ? '"' : "'";
  }
  return "'";
}
