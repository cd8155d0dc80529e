import { isCallExpression, isElementAccessExpression, isIdentifier, isPropertyAccessExpression, SyntaxKind, ts } from '../ts';
import { calleeName, calleeObject, stringValue } from '../ast';
import { skipWrappers } from '../modules';
import { resolveObject } from './jwt-verify-algorithms';
import { calleeOrigin, guardedBefore, importsAny, isResponse, relatedSource, sourceText, trace, type TraceOptions } from '../lib/injection';
import type { Source } from '../flow';
import type { Fix, RuleContext, SourceRule } from '../types';

/**
 * Request data in a file-system path:
 *
 *   fs.readFile(path.join(UPLOADS, req.params.name))      // ../../etc/passwd
 *   res.sendFile(path.join(__dirname, 'public', req.query.file))
 *   res.download(`./exports/${req.query.name}`)
 *
 * Not reported: `path.basename(x)`, `res.sendFile(name, { root })` (send
 * refuses `..` under a root), a resolve-and-`startsWith(base)` or allowlist
 * guard that returns before the call, allowlist lookups (`FILES[name]`),
 * numbers, and the paths upload middleware generates (`req.file.path`).
 */

const FS_MODULES: ReadonlySet<string> = new Set(['fs', 'fs/promises', 'fs-extra', 'graceful-fs', 'original-fs', 'mz/fs', 'fs-extra/esm']);
/** fs method → the argument positions that are paths (Sync variants share the entry). */
const FS_METHODS: ReadonlyMap<string, readonly number[]> = new Map<string, readonly number[]>([
  ...['readFile', 'writeFile', 'appendFile', 'createReadStream', 'createWriteStream', 'unlink', 'rm', 'rmdir', 'readdir', 'stat', 'lstat',
    'open', 'access', 'mkdir', 'exists', 'readlink', 'truncate', 'chmod', 'chown', 'opendir', 'utimes'].map((m) => [m, [0]] as const),
  ...['copyFile', 'rename', 'cp', 'symlink', 'link'].map((m) => [m, [0, 1]] as const),
  // fs-extra
  ...['readJson', 'readJSON', 'writeJson', 'writeJSON', 'outputFile', 'outputJson', 'outputJSON', 'remove', 'pathExists', 'ensureDir',
    'ensureFile', 'emptyDir', 'mkdirp', 'mkdirs'].map((m) => [m, [0]] as const),
  ...['copy', 'move'].map((m) => [m, [0, 1]] as const),
]);
const RESPONSE_SINKS: ReadonlySet<string> = new Set(['sendFile', 'sendfile', 'download']);
const FS_SINK_NAMES: readonly string[] = [...FS_METHODS.keys()].flatMap((m) => [m, `${m}Sync`]);
const SINK_NAMES: ReadonlySet<string> = new Set([...FS_SINK_NAMES, ...RESPONSE_SINKS]);

const PROPERTY_ACCESS = SyntaxKind.PropertyAccessExpression;
const IDENTIFIER = SyntaxKind.Identifier;

const PATH_MODULES: ReadonlySet<string> = new Set(['path', 'path/posix', 'path/win32', 'upath', 'pathe']);
/** path functions whose result still holds the input's `..` segments. */
const PATH_CARRIERS: ReadonlySet<string> = new Set(['join', 'resolve', 'normalize', 'relative', 'dirname', 'toNamespacedPath', 'format']);
/** path functions that strip directories. */
const PATH_SANITIZERS: ReadonlySet<string> = new Set(['basename', 'extname']);
/** Properties upload middleware fills with server-chosen paths (multer, express-fileupload, multer-s3). */
const UPLOAD_PATH_PROPS: ReadonlySet<string> = new Set(['path', 'filename', 'destination', 'tempFilePath', 'key', 'location']);

export const rule: SourceRule = {
  id: 'path-traversal',
  row: 'injection-other',
  severity: 'error',
  description: 'Detects request data used in a file-system path (fs, fs-extra, res.sendFile without root, res.download), where `../` reaches files outside the intended folder.',
  message: 'File path built from request data: `../` escapes the folder; use path.basename(), or resolve the path and check it stays under the base directory.',
  fixable: true,
  docs: {
    why:
      'A file name from the request can carry `../` segments (or an absolute path) that `path.join` happily resolves, so the server ' +
      'reads, overwrites or deletes any file its process can reach: `.env`, private keys, source code. Encoded forms (`%2e%2e%2f`) ' +
      'arrive decoded in req.params and req.query.',
    bad: "app.get('/files/:name', (req, res) => {\n  res.sendFile(path.join(__dirname, 'uploads', req.params.name));\n});",
    good:
      "app.get('/files/:name', (req, res) => {\n  // send refuses any path that climbs above root\n" +
      "  res.sendFile(req.params.name, { root: path.join(__dirname, 'uploads') });\n});\n\n" +
      "const full = path.resolve(UPLOADS, req.body.file);\nif (!full.startsWith(UPLOADS + path.sep)) return res.sendStatus(400);\nawait fs.promises.unlink(full);",
    fix:
      'Serve files with `res.sendFile(name, { root })`; otherwise keep only the last segment with `path.basename()`, or resolve the ' +
      'full path and reject it unless it starts with the base directory plus `path.sep`. Better still, look names up in an allowlist or by database id.',
    cwe: ['CWE-22', 'CWE-73'],
    owasp: ['A01:2021', 'A03:2021'],
  },
  create(ctx) {
    // A response sink needs its name; an fs sink needs its name and a top-level fs import (below).
    const responseSinks = ctx.mentions(...RESPONSE_SINKS);
    if (!responseSinks && !(ctx.mentions(...FS_SINK_NAMES) && importsAny(ctx, FS_MODULES))) return {};
    let usesFs: boolean | undefined;
    return {
      CallExpression(node: ts.CallExpression) {
        if (node.arguments.length === 0) return;
        // calleeName without the call for the common shapes `x.name(…)` / `name(…)`.
        const callee = node.expression;
        const name = callee.kind === PROPERTY_ACCESS ? (callee as ts.PropertyAccessExpression).name.text
          : callee.kind === IDENTIFIER ? (callee as ts.Identifier).text : calleeName(node);
        if (!name || !SINK_NAMES.has(name)) return;
        if (!RESPONSE_SINKS.has(name) && !(usesFs ??= importsAny(ctx, FS_MODULES))) return;
        const positions = sinkPositions(ctx, node, name);
        if (!positions) return;
        for (const i of positions) {
          const arg = node.arguments[i];
          if (!arg) continue;
          const source = trace(ctx, arg, PATH_TRACE);
          if (!source || isUploadPathRead(source) || guardedBefore(node, arg)) continue;
          ctx.report(node, {
            message: `File path built from request data (${sourceText(source)}): \`../\` escapes the folder; use path.basename(), or resolve it and check it stays under the base directory.`,
            related: relatedSource(source),
            fixes: name === 'sendFile' ? sendFileFix(ctx, node) : [],
          });
          return;
        }
      },
    };
  },
};

/**
 * `req.file.path`, `req.files[0].path`, `req.files.avatar[0].destination`: the
 * flow started at a path the upload middleware chose. PATH_TRACE's sanitizer
 * sees such a read at the sink; this covers it when it was passed to a helper
 * (`scrubSvg(req.file.path)` reading its parameter).
 */
function isUploadPathRead(source: Source): boolean {
  if (source.part !== 'file' && source.part !== 'files') return false;
  // req.files is keyed by field name or index first: the property after that is the file's.
  let steps = source.part === 'files' ? 1 : 0;
  for (let n = source.node, i = 0; i < 4; i++) {
    const p = n.parent;
    let key: string | undefined;
    if (isPropertyAccessExpression(p) && p.expression === n) key = p.name.text;
    else if (isElementAccessExpression(p) && p.expression === n) key = stringValue(p.argumentExpression) ?? '';
    else return false;
    if (steps-- <= 0 && UPLOAD_PATH_PROPS.has(key)) return true;
    n = p;
  }
  return false;
}

/** Which arguments of this call are file paths, or undefined when it is not a file sink. */
function sinkPositions(ctx: RuleContext, call: ts.CallExpression, name: string): readonly number[] | undefined {
  if (RESPONSE_SINKS.has(name)) {
    const recv = calleeObject(call);
    if (!recv || !isResponse(recv)) return undefined;
    // Fastify's reply.sendFile(name) always serves under the @fastify/static root.
    const root = skipWrappers(recv);
    if (isIdentifier(root) && root.text === 'reply') return undefined;
    if (hasRootOption(call, name)) return undefined;
    return [0];
  }
  const o = calleeOrigin(ctx, call);
  if (!o || !FS_MODULES.has(o.module)) return undefined;
  const path = o.path[0] === 'promises' ? o.path.slice(1) : o.path;
  if (path.length !== 1) return undefined;
  const base = path[0].endsWith('Sync') ? path[0].slice(0, -4) : path[0];
  return FS_METHODS.get(base);
}

/** `res.sendFile(p, { root })`, `res.download(p, name, { root })`: send checks traversal against the root. */
function hasRootOption(call: ts.CallExpression, name: string): boolean {
  const candidates = name === 'download' ? call.arguments.slice(1, 3) : call.arguments.slice(1, 2);
  return candidates.some((a) => {
    const o = resolveObject(a);
    return !!o && (o.props.has('root') || !o.complete);
  });
}

const PATH_TRACE: TraceOptions = {
  sanitizes(ctx, e) {
    if (isCallExpression(e)) {
      const n = calleeName(e);
      if (n === 'replace') return stripsLeadingParents(ctx, e);
      return !!n && PATH_SANITIZERS.has(n) && isPathCall(ctx, e);
    }
    // req.file.path, req.files[0].path: multer picked that name.
    if (isPropertyAccessExpression(e) && UPLOAD_PATH_PROPS.has(e.name.text)) {
      const part = ctx.flow.source(e.expression)?.part;
      return part === 'file' || part === 'files';
    }
    return false;
  },
  carries(ctx, call) {
    const n = calleeName(call);
    if (!n || !PATH_CARRIERS.has(n) || !isCallExpression(call) || !isPathCall(ctx, call)) return undefined;
    return call.arguments;
  },
};

/**
 * `path.normalize(p).replace(/^(\.\.(\/|\\|$))+/, '')`: once normalized, `..` segments can only lead the
 * path, and this strips every one of them, so the result stays under whatever it is joined to.
 */
function stripsLeadingParents(ctx: RuleContext, call: ts.CallExpression): boolean {
  const [pattern, replacement] = call.arguments;
  if (!pattern || !ts.isRegularExpressionLiteral(pattern) || !replacement || stringValue(replacement) !== '') return false;
  if (!/^\/\^\((?:\?:)?\\\.\\\..*\)\+\/[a-z]*$/.test(pattern.text)) return false;
  const recv = calleeObject(call);
  const normalized = recv && skipWrappers(recv);
  return !!normalized && isCallExpression(normalized) && calleeName(normalized) === 'normalize' && isPathCall(ctx, normalized);
}

function isPathCall(ctx: RuleContext, call: ts.CallExpression): boolean {
  const o = ctx.modules.callee(call);
  return !!o && PATH_MODULES.has(o.module);
}

/**
 * `res.sendFile(path.join(dir, req.params.name))` → `res.sendFile(req.params.name, { root: dir })`:
 * only that exact shape, where the directory is not request data.
 */
function sendFileFix(ctx: RuleContext, call: ts.CallExpression): Fix[] {
  if (call.arguments.length !== 1) return [];
  const arg = skipWrappers(call.arguments[0]);
  if (!isCallExpression(arg) || calleeName(arg) !== 'join' || arg.arguments.length !== 2 || !isPathCall(ctx, arg)) return [];
  const [dir, file] = arg.arguments;
  if (ts.isSpreadElement(dir) || ts.isSpreadElement(file) || trace(ctx, dir, PATH_TRACE)) return [];
  const sf = ctx.sourceFile;
  const start = call.arguments[0].getStart(sf);
  return [{
    title: 'Serve the file with sendFile({ root }) so Express refuses paths outside the folder',
    edits: [{ start, end: call.arguments[0].end, newText: `${file.getText(sf)}, { root: ${dir.getText(sf)} }` }],
    preferred: false,
  }];
}
