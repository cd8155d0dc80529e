import { parseArgs } from 'node:util';
import { applyBaseline, BASELINE_DISPLAY, BaselineError, readBaselineFingerprints, writeBaseline } from '../core/baseline';
import { ConfigError } from '../core/config';
import { VERSION } from '../core/meta';
import { analyzeWorkspace, WorkspaceError } from '../core/workspace';
import type { Finding, Severity } from '../core/types';
import { fixWorkspace } from './fix';
import { formatJson } from './format/json';
import { formatMarkdown } from './format/markdown';
import { formatSarif } from './format/sarif';
import { formatText, paletteFor } from './format/text';
import { buildReport } from './report';

const USAGE = `Usage:
  preflight check [dir] [--format text|json|sarif|markdown] [--fail-on error|warning|info|never]
                        [--update-baseline | --no-baseline]
  preflight fix [dir] [--all] [--dry-run]
  preflight --version | --help

check   analyze the folder (default: .) and print the release checklist.
        Exit 1 when a finding at or above --fail-on (default: error) exists.
        Findings recorded in .preflight/baseline.json are left out (and do not
        count for the exit code); --update-baseline records today's findings
        there, --no-baseline ignores the file.
fix     apply the preferred fixes and print what changed; --all also applies
        fixes that may change behaviour; --dry-run writes nothing.`;

const FORMATS = ['text', 'json', 'sarif', 'markdown'] as const;
const FAIL_ON = ['error', 'warning', 'info', 'never'] as const;
const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export class UsageError extends Error {}

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** Runs the CLI; returns the exit code (0 ok, 1 findings at or above --fail-on, 2 usage or input errors). */
export function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): number {
  try {
    return run(argv, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError || e instanceof WorkspaceError) {
      io.stderr.write(`preflight: ${e.message}\n`);
      if (e instanceof UsageError) io.stderr.write(`\n${USAGE}\n`);
      return 2;
    }
    io.stderr.write(`preflight: internal error: ${(e as Error).message}\n`);
    return 2;
  }
}

function run(argv: string[], io: Io): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f' },
        'fail-on': { type: 'string' },
        all: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        'update-baseline': { type: 'boolean' },
        'no-baseline': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (values.help || positionals.length === 0) {
    io.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const [command, dir = '.', ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
  if (command === 'check') {
    if (values['update-baseline'] && values['no-baseline']) throw new UsageError('--update-baseline and --no-baseline exclude each other');
    const baseline: BaselineMode = values['update-baseline'] ? 'update' : values['no-baseline'] ? 'ignore' : 'use';
    return check(dir, values.format ?? 'text', values['fail-on'] ?? 'error', io, baseline);
  }
  if (values['update-baseline'] || values['no-baseline']) throw new UsageError('--update-baseline and --no-baseline apply to check only');
  if (command === 'fix') return fix(dir, !!values.all, !!values['dry-run'], io);
  throw new UsageError(`unknown command: ${command}`);
}

/** `use` the baseline file if present, `ignore` it, or `update` it with this run's findings. */
type BaselineMode = 'use' | 'ignore' | 'update';

function check(dir: string, format: string, failOn: string, io: Io, baseline: BaselineMode = 'use'): number {
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  if (!(FAIL_ON as readonly string[]).includes(failOn)) throw new UsageError(`--fail-on must be one of ${FAIL_ON.join(', ')}`);
  const result = analyzeWorkspace(dir);
  let baselined: Finding[] = [];
  if (baseline === 'update') {
    const written = writeBaseline(result.root, result.findings);
    const n = written.findings.length;
    io.stderr.write(`preflight: wrote ${BASELINE_DISPLAY} with ${n} finding${n === 1 ? '' : 's'}\n`);
    baselined = result.findings;
    result.findings = [];
  } else if (baseline === 'use') {
    try {
      const split = applyBaseline(result.findings, readBaselineFingerprints(result.root));
      baselined = split.baselined;
      result.findings = split.kept;
    } catch (e) {
      // A corrupt baseline is reported and ignored, never rewritten by a normal run.
      if (!(e instanceof BaselineError)) throw e;
      result.notes.push(e.message);
    }
  }
  const report = buildReport(dir, result, undefined, baselined);
  const out =
    format === 'json' ? formatJson(report)
    : format === 'sarif' ? formatSarif(report)
    : format === 'markdown' ? formatMarkdown(report)
    : formatText(report, paletteFor(io.stdout));
  io.stdout.write(out);
  if (format !== 'text') for (const n of report.result.notes) io.stderr.write(`preflight: ${n}\n`);
  if (failOn === 'never') return 0;
  const threshold = RANK[failOn as Severity];
  return report.findings.some((f) => RANK[f.severity] >= threshold) ? 1 : 0;
}

function fix(dir: string, all: boolean, dryRun: boolean, io: Io): number {
  const changes = fixWorkspace(dir, { all, dryRun });
  let count = 0;
  for (const c of changes) {
    if (c.refused) {
      io.stderr.write(`${c.file}: ${c.refused}\n`);
      continue;
    }
    for (const a of c.applied) {
      io.stdout.write(`${dryRun ? 'would fix' : 'fixed'} ${c.file}:${a.line}  ${a.title} (${a.ruleId})\n`);
      count++;
    }
  }
  io.stdout.write(count === 0 ? 'nothing to fix\n' : `${count} fix${count === 1 ? '' : 'es'} ${dryRun ? 'available' : 'applied'}\n`);
  // Fixes on the same code as another land one per pass; a dry run shows the first pass only.
  const waiting = changes.reduce((n, c) => n + (c.waiting ?? 0), 0);
  if (waiting > 0) {
    io.stdout.write(dryRun
      ? `${waiting} more fix${waiting === 1 ? '' : 'es'} on the same code ${waiting === 1 ? 'waits' : 'wait'} for these to land (not shown)\n`
      : `${waiting} fix${waiting === 1 ? '' : 'es'} still waiting after 10 passes: run preflight fix again\n`);
  }
  return 0;
}
