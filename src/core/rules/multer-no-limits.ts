import {
  forEachChild, isCallExpression, isIdentifier, isPropertyAccessExpression, isPropertyAssignment,
  isVariableDeclaration, ts,
} from '../ts';
import { textHas } from '../lib/text-hints';
import { eol, getProperty, hasSpread, indentAt, numberValue } from '../ast';
import { skipWrappers } from '../modules';
import type { Fix, RuleContext, SourceRule, TextEdit } from '../types';
import { objectLiteralOf } from './cors-wildcard-origin';

/**
 * `multer()` / `multer({ storage })` with no `limits.fileSize`: multer accepts
 * files of any size (and any number of them), written to disk or held in
 * memory. Also the `body-limit` evidence when fileSize is set.
 */

const FILE_SIZE = '5 * 1024 * 1024';
/** Upload methods that take several files: `files: 1` would break them. */
const MULTI_FILE_METHODS: ReadonlySet<string> = new Set(['array', 'fields', 'any']);

export const rule: SourceRule = {
  id: 'multer-no-limits',
  row: 'request-limits',
  severity: 'warning',
  description: 'Detects multer upload middleware created without limits.fileSize.',
  message: 'multer without limits.fileSize accepts uploads of any size: set limits: { fileSize, files }.',
  fixable: true,
  docs: {
    why:
      "multer has no size limit by default: one request can stream gigabytes to your disk or, with memoryStorage, into the process's memory. " +
      'A few such uploads fill the disk or crash the server. An explicit fileSize (and files count) bounds what one request can cost.',
    bad: "const upload = multer({ storage: multer.memoryStorage() });\nrouter.post('/avatar', upload.single('avatar'), saveAvatar);",
    good:
      'const upload = multer({\n  storage: multer.memoryStorage(),\n  limits: { fileSize: 5 * 1024 * 1024, files: 1 },\n});\n' +
      "router.post('/avatar', upload.single('avatar'), saveAvatar);",
    fix: 'Pass `limits: { fileSize: <bytes>, files: <count> }` to multer, sized for the largest file the route really needs; also check the file type.',
    cwe: ['CWE-400', 'CWE-770'],
    owasp: ['A05:2021'],
  },
  create(ctx) {
    // Every report and evidence needs a callee resolved to 'multer', so the file must spell that specifier.
    if (!textHas(ctx.text, 'multer')) return {};
    return {
      CallExpression(node: ts.CallExpression) {
        const e = node.expression;
        if (!isIdentifier(e) && !isCallExpression(e) && !(isPropertyAccessExpression(e) && e.name.text === 'default')) return;
        const o = ctx.modules.callee(node);
        if (!o || o.module !== 'multer' || !(o.path.length === 0 || (o.path.length === 1 && o.path[0] === 'default'))) return;
        const options = node.arguments[0];
        if (!options) {
          ctx.report(node, { fixes: fixes(ctx, node, undefined) });
          return;
        }
        const obj = objectLiteralOf(options);
        if (!obj) return;
        const limitsProp = getProperty(obj, 'limits');
        if (!limitsProp) {
          if (hasSpread(obj)) return;
          ctx.report(node, { fixes: obj === skipWrappers(options) ? fixes(ctx, node, obj) : [] });
          return;
        }
        if (!isPropertyAssignment(limitsProp)) return;
        const limits = objectLiteralOf(limitsProp.initializer);
        if (!limits || hasSpread(limits)) return;
        const fileSize = getProperty(limits, 'fileSize');
        if (fileSize) {
          const bytes = isPropertyAssignment(fileSize) ? numberValue(fileSize.initializer) : undefined;
          ctx.evidence('body-limit', node, bytes !== undefined ? `multer limits fileSize to ${Math.round(bytes / 1024 / 1024 * 10) / 10} MB` : 'multer limits fileSize');
          return;
        }
        ctx.report(node, {
          message: 'multer limits set without fileSize: uploads of any size are accepted; add limits.fileSize.',
          fixes: limits === skipWrappers(limitsProp.initializer) ? [{ title: 'Limit uploads to 5 MB', edits: addProperty(ctx, limits, `fileSize: ${FILE_SIZE}`), preferred: false }] : [],
        });
      },
    };
  },
};

function fixes(ctx: RuleContext, call: ts.CallExpression, obj: ts.ObjectLiteralExpression | undefined): Fix[] {
  const limits = multiFile(ctx, call) ? `limits: { fileSize: ${FILE_SIZE} }` : `limits: { fileSize: ${FILE_SIZE}, files: 1 }`;
  if (!obj) {
    // multer() → multer({ limits: … })
    const open = call.arguments.pos;
    return [{ title: 'Limit uploads to 5 MB', edits: [{ start: open, end: call.arguments.end, newText: `{ ${limits} }` }], preferred: false }];
  }
  return [{ title: 'Limit uploads to 5 MB', edits: addProperty(ctx, obj, limits), preferred: false }];
}

/** True when the instance is used for several files (`upload.array('photos', 10)`), so `files: 1` must not be added. */
function multiFile(ctx: RuleContext, call: ts.CallExpression): boolean {
  const parent = call.parent;
  if (isPropertyAccessExpression(parent)) return MULTI_FILE_METHODS.has(parent.name.text);
  if (!isVariableDeclaration(parent) || !isIdentifier(parent.name)) return false;
  const name = parent.name.text;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (isPropertyAccessExpression(n) && MULTI_FILE_METHODS.has(n.name.text) && isIdentifier(n.expression) && n.expression.text === name) {
      found = true;
      return;
    }
    forEachChild(n, visit);
  };
  visit(ctx.sourceFile);
  return found;
}

/** Adds `prop` as the last property of an object literal, on its own line when the literal is multi-line. */
function addProperty(ctx: RuleContext, obj: ts.ObjectLiteralExpression, prop: string): TextEdit[] {
  const sf = ctx.sourceFile;
  const text = ctx.text;
  const props = obj.properties;
  if (props.length === 0) {
    return [{ start: obj.getStart(sf), end: obj.end, newText: `{ ${prop} }` }];
  }
  const last = props[props.length - 1];
  const multiline = text.slice(obj.getStart(sf), props[0].getStart(sf)).includes('\n');
  if (multiline) {
    const indent = indentAt(text, last.getStart(sf));
    return [{ start: last.end, end: last.end, newText: `,${eol(text)}${indent}${prop}` }];
  }
  return [{ start: last.end, end: last.end, newText: `, ${prop}` }];
}
