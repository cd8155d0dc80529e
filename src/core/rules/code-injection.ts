import { isCallExpression, isIdentifier, isPropertyAccessExpression, SyntaxKind, ts } from '../ts';
import { textHas } from '../lib/text-hints';
import { calleeName } from '../ast';
import { skipWrappers, type Origin } from '../modules';
import { lookup } from '../scopes';
import { calleeOrigin, guardedBefore, importsAny, relatedSource, sourceText, trace } from '../lib/injection';
import type { RuleContext, SourceRule } from '../types';

/**
 * Request data run as code:
 *
 *   eval(req.body.expr)                      new Function('row', req.body.filter)
 *   setTimeout(`notify(${req.query.id})`)    vm.runInNewContext(req.body.code, sandbox)
 *   new VM().run(req.body.script)            require(req.query.plugin) / import(req.query.plugin)
 *   _.template(req.body.tpl)                 ejs.render(req.body.template, data)
 *
 * Template compilers count because their templates run JavaScript
 * (`<%= process.mainModule… %>`). No fix: the safe replacement depends on
 * what the code was meant to do (JSON.parse, a lookup table, a parser).
 */

/** Global functions that compile a string argument. */
const GLOBAL_EVALS: ReadonlySet<string> = new Set(['eval', 'Function', 'setTimeout', 'setInterval', 'setImmediate', 'execScript', 'require']);
const VM_FUNCTIONS: ReadonlySet<string> = new Set(['runInNewContext', 'runInThisContext', 'runInContext', 'compileFunction', 'Script', 'SourceTextModule']);
/** Module functions whose first argument is code or a template that runs code. */
const TEMPLATE_COMPILERS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['lodash', new Set(['template'])],
  ['lodash.template', new Set([''])],
  ['underscore', new Set(['template'])],
  ['ejs', new Set(['render', 'compile'])],
  ['pug', new Set(['render', 'compile'])],
  ['jade', new Set(['render', 'compile'])],
  ['nunjucks', new Set(['renderString', 'compile'])],
  ['handlebars', new Set(['compile', 'precompile'])],
  ['dot', new Set(['template', 'compile'])],
  ['safe-eval', new Set([''])],
  ['static-eval', new Set([''])],
  ['notevil', new Set([''])],
  ['serialize-javascript', new Set(['deserialize'])],
  ['node-serialize', new Set(['unserialize'])],
]);
const ALIASABLE_MODULES: ReadonlySet<string> = new Set(['vm', 'vm2', ...TEMPLATE_COMPILERS.keys()]);
/**
 * A module origin needs an import or `require` spelling the module as a string
 * literal (`'vm'`, `"node:vm"`): without one, module sinks and aliases cannot occur.
 */
const ALIASABLE_SPECIFIER = new RegExp(
  `['"\`](?:node:)?(?:${[...ALIASABLE_MODULES].map((m) => m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})['"\`]`,
);
const SINK_NAMES: ReadonlySet<string> = new Set([
  ...GLOBAL_EVALS, ...VM_FUNCTIONS, 'run', 'template', 'render', 'compile', 'renderString', 'precompile', 'unserialize', 'deserialize',
]);

export const rule: SourceRule = {
  id: 'code-injection',
  row: 'injection-other',
  severity: 'error',
  description: 'Detects request data run as code: eval, new Function, string timers, vm/vm2, require/import of a request-chosen module, and template compilers given request-supplied templates.',
  message: 'Request data is executed as JavaScript: any code runs on the server; parse the data (JSON.parse, a lookup table) instead of evaluating it.',
  fixable: false,
  docs: {
    why:
      'Code built from request data runs with the full power of the server process: it can read environment secrets, the file system and ' +
      'the database, or spawn a shell. `vm` is not a sandbox, template compilers turn `<% %>` into code, and `require(name)` loads any module on disk.',
    bad: "app.post('/calc', (req, res) => {\n  res.json({ result: eval(req.body.expression) });\n});",
    good:
      "import { evaluate } from 'mathjs'; // a parser for the little language you actually need\n\n" +
      "app.post('/calc', (req, res) => {\n  res.json({ result: evaluate(String(req.body.expression)) });\n});",
    fix:
      'Never evaluate request data: use JSON.parse for data, a lookup table (`HANDLERS[name]` checked against an allowlist) for choices, ' +
      'a real expression parser for formulas, and constant template files rendered with request data as the context, not as the template.',
    cwe: ['CWE-94', 'CWE-95'],
    owasp: ['A03:2021'],
  },
  create(ctx) {
    let spelled: boolean | undefined;
    const modules = (): boolean => (spelled ??= ALIASABLE_SPECIFIER.test(ctx.text));
    // Sinks: a module function (spelled specifier), a global evaluator or `new Function/Script/…`, or dynamic `import(…)`.
    if (!ctx.mentions(...GLOBAL_EVALS, ...NEW_SINKS) && !textHas(ctx.text, 'import') && !modules()) return {};
    let relevant: boolean | undefined;
    const check = (node: ts.CallExpression | ts.NewExpression): void => {
      const args = node.arguments;
      if (!args || args.length === 0) return;
      // Only `Function(…)` runs every argument; other sinks run the first. Constant code and functions carry no request data.
      if (isInert(args[0]) && (!isFunctionCallee(node) || args.every(isInert))) return;
      const values = codeArguments(ctx, node, modules);
      if (!values) return;
      for (const v of values) {
        if (ts.isFunctionLike(skipWrappers(v))) continue;
        const source = trace(ctx, v);
        if (!source || guardedBefore(node, v)) continue;
        ctx.report(node, {
          message: `Request data (${sourceText(source)}) is executed as code: any JavaScript runs on the server; parse the data or pick from an allowlist instead of evaluating it.`,
          related: relatedSource(source),
        });
        return;
      }
    };
    return {
      CallExpression(node: ts.CallExpression) {
        if (node.expression.kind === SyntaxKind.ImportKeyword) {
          check(node);
          return;
        }
        const name = calleeName(node);
        if (name && SINK_NAMES.has(name)) check(node);
        // aliases (`const { template: tpl } = require('lodash')`) only where such a module is imported
        else if (name && isIdentifier(skipWrappers(node.expression)) && (relevant ??= importsAny(ctx, ALIASABLE_MODULES))) check(node);
      },
      NewExpression(node: ts.NewExpression) {
        const name = calleeName(node);
        if (name !== undefined && NEW_SINKS.has(name)) check(node);
      },
    };
  },
};

const NEW_SINKS: ReadonlySet<string> = new Set(['Function', 'Script', 'SourceTextModule']);

/** A string literal or a template without substitutions (constant code), or a function (skipped by check): never reported. */
function isInert(e: ts.Expression | undefined): boolean {
  if (!e) return false;
  const x = skipWrappers(e);
  return x.kind === SyntaxKind.StringLiteral || x.kind === SyntaxKind.NoSubstitutionTemplateLiteral || ts.isFunctionLike(x);
}

/** A plain `Function` callee: the one sink that runs all its arguments. */
function isFunctionCallee(call: ts.CallExpression | ts.NewExpression): boolean {
  const callee = skipWrappers(call.expression);
  return isIdentifier(callee) && callee.text === 'Function';
}

/**
 * The arguments of a call that are compiled or run as code, or undefined when it is not such a call.
 * `modules()` false: no sink module is spelled in the file, so module-resolved callees cannot be sinks.
 */
function codeArguments(ctx: RuleContext, call: ts.CallExpression | ts.NewExpression, modules: () => boolean): readonly ts.Expression[] | undefined {
  const args = call.arguments ?? ts.factory.createNodeArray<ts.Expression>();
  // Dynamic import(x).
  if (call.expression.kind === SyntaxKind.ImportKeyword) return [args[0]];
  const callee = skipWrappers(call.expression);
  if (isIdentifier(callee) && GLOBAL_EVALS.has(callee.text) && !lookup(callee.text, callee)) {
    switch (callee.text) {
      case 'Function':
        return args;
      case 'setTimeout':
      case 'setInterval':
      case 'setImmediate':
        // Only a string first argument is compiled; functions are the normal case.
        return isFunctionValue(args[0]) ? undefined : [args[0]];
      default:
        return [args[0]];
    }
  }
  // globalThis.eval / window.eval
  if (isPropertyAccessExpression(callee) && callee.name.text === 'eval' && isIdentifier(callee.expression) && ['globalThis', 'window', 'global'].includes(callee.expression.text)) {
    return [args[0]];
  }
  if (!modules()) return undefined;
  const o = calleeOrigin(ctx, call);
  if (!o) return undefined;
  if (o.module === 'vm') return vmArguments(o, args);
  if (o.module === 'vm2') {
    // new VM(opts).run(code), new NodeVM().run(code, file)
    const last = o.path[o.path.length - 1];
    return (last === 'run' || last === 'runFile') && o.path.includes('()') ? [args[0]] : undefined;
  }
  const fns = TEMPLATE_COMPILERS.get(o.module);
  if (fns && o.path.length <= 1 && fns.has(o.path[0] ?? '')) return [args[0]];
  return undefined;
}

function vmArguments(o: Origin, args: readonly ts.Expression[]): readonly ts.Expression[] | undefined {
  const fn = o.path[0];
  if (o.path.length === 1 && VM_FUNCTIONS.has(fn)) return [args[0]];
  // const script = new vm.Script(code): flagged at construction; `script.runInContext()` has no code argument.
  return undefined;
}

/** A function (or a name bound to one): the normal, safe timer argument. */
function isFunctionValue(e: ts.Expression | undefined): boolean {
  if (!e) return true;
  const x = skipWrappers(e);
  if (ts.isFunctionLike(x)) return true;
  if (isIdentifier(x)) {
    const b = lookup(x.text, x);
    if (!b) return true;
    if (b.kind === 'function' || b.kind === 'import') return true;
    if (b.kind === 'variable' && b.init && ts.isFunctionLike(skipWrappers(b.init))) return true;
  }
  // handler.bind(this, id)
  return isCallExpression(x) && calleeName(x) === 'bind';
}
