import {
  checkConfigFiles, commandProper, configKind, evidenceAt, findingAt, joinRel, jsonMember, jsonString, normalizeRel, npmInstallCommand,
  parseJson, parseWorkflow, rangeOf, scalarSource, shellCommands, type ShellWord,
} from '../config-text';
import type { Evidence, EvidenceKind, ProjectContext, ProjectFinding, ProjectRule } from '../types';

/**
 * `npm install` as a CI step: it may resolve versions other than the
 * lockfile's and rewrite it, so CI tests something other than what was
 * reviewed. `npm ci` installs the lockfile exactly. Reported only where a
 * package-lock.json exists in the step's directory (`npm ci` needs it);
 * `npm install -g …` and `npm install <pkg>` (tool installs) are left alone.
 * Also the evidence of the dependencies and supply-chain rows: a frozen
 * install (`ci-npm-ci`), an audit step (`ci-audit`), a secret scan (`ci-secret-scan`).
 */

/** The tool a command runs, past launchers (`npx audit-ci@7`, `pnpm dlx`, `yarn dlx`, `bunx`), as bare names. */
function tool(words: ShellWord[]): string[] {
  const v = words.map((w) => w.value);
  let k = 0;
  if (v[0] === 'npx' || v[0] === 'bunx') k = 1;
  else if ((v[0] === 'pnpm' || v[0] === 'yarn') && (v[1] === 'dlx' || v[1] === 'exec')) k = 2;
  else if (v[0] === 'npm' && v[1] === 'exec') k = 2;
  while (k < v.length && v[k].startsWith('-')) k++;
  return v.slice(k).map(bareToolName);
}

/** `audit-ci@7` → `audit-ci`; `./node_modules/.bin/gitleaks` → `gitleaks`; `@scope/x@1` → `@scope/x`. */
function bareToolName(word: string): string {
  const at = word.indexOf('@', word.startsWith('@') ? 1 : 0);
  const name = at > 0 ? word.slice(0, at) : word;
  return name.startsWith('@') ? name : name.slice(name.lastIndexOf('/') + 1);
}

const AUDIT_TOOLS: ReadonlySet<string> = new Set([
  'audit-ci', 'better-npm-audit', 'osv-scanner', 'improved-yarn-audit', 'auditjs', 'retire', 'npm-audit-ci-wrapper', 'audit-ci-plus',
]);
const SECRET_SCANNERS: ReadonlySet<string> = new Set([
  'gitleaks', 'trufflehog', 'ggshield', 'secretlint', 'detect-secrets', 'detect-secrets-hook', 'git-secrets', 'noseyparker', 'betterleaks',
]);
/** Actions that audit dependencies or scan for secrets, by `owner/repo` prefix (lower case). */
const AUDIT_ACTIONS = ['actions/dependency-review-action', 'snyk/actions', 'google/osv-scanner-action', 'aquasecurity/trivy-action', 'oke-py/npm-audit-action'];
const SECRET_ACTIONS = ['gitleaks/gitleaks-action', 'trufflesecurity/trufflehog', 'gitguardian/ggshield-action', 'gitguardian/ggshield', 'secretlint/secretlint'];
const FROZEN_ACTIONS = ['bahmutov/npm-install'];

type Signal = { kind: EvidenceKind; message: string };

/** What a simple command proves: a frozen install, an audit or a secret scan. */
function commandSignal(words: ShellWord[]): Signal | undefined {
  const w = commandProper(words);
  if (w.length === 0) return undefined;
  const v = w.map((x) => x.value);
  const npm = npmInstallCommand(words);
  if (npm?.kind === 'ci') return { kind: 'ci-npm-ci', message: '`npm ci` in CI' };
  if (v[0] === 'npm' && v[1] === 'audit' && v[2] !== 'fix') return { kind: 'ci-audit', message: '`npm audit` in CI' };
  if ((v[0] === 'yarn' || v[0] === 'pnpm') && (v[1] === 'audit' || (v[1] === 'npm' && v[2] === 'audit')) && !v.includes('--fix')) {
    return { kind: 'ci-audit', message: `\`${v[0]} audit\` in CI` };
  }
  const frozen = v.some((x) => x === '--frozen-lockfile' || x === '--immutable');
  if ((v[0] === 'yarn' || v[0] === 'bun') && frozen && (v.length === 2 || v[1] === 'install' || v[1].startsWith('-'))) {
    return { kind: 'ci-npm-ci', message: `\`${v[0]} install\` with a frozen lockfile in CI` };
  }
  // pnpm installs with --frozen-lockfile by default when CI is set.
  if (v[0] === 'pnpm' && (v[1] === 'install' || v[1] === 'i') && !v.includes('--no-frozen-lockfile') && v.slice(2).every((x) => x.startsWith('-'))) {
    return { kind: 'ci-npm-ci', message: '`pnpm install` (frozen lockfile in CI) in CI' };
  }
  const t = tool(w);
  if (t.length === 0) return undefined;
  if (AUDIT_TOOLS.has(t[0]) || (t[0] === 'snyk' && t[1] === 'test') || (t[0] === 'trivy' && t[1] === 'fs')) {
    return { kind: 'ci-audit', message: `\`${t[0]}\` dependency audit in CI` };
  }
  if (SECRET_SCANNERS.has(t[0])) return { kind: 'ci-secret-scan', message: `\`${t[0]}\` secret scan in CI` };
  return undefined;
}

function actionSignal(uses: string): Signal | undefined {
  const v = uses.trim().toLowerCase();
  const has = (list: string[]) => list.find((p) => v.startsWith(p + '@') || v.startsWith(p + '/'));
  const audit = has(AUDIT_ACTIONS);
  if (audit) return { kind: 'ci-audit', message: `${audit} in CI` };
  const scan = has(SECRET_ACTIONS);
  if (scan) return { kind: 'ci-secret-scan', message: `${scan} in CI` };
  if (has(FROZEN_ACTIONS)) return { kind: 'ci-npm-ci', message: 'bahmutov/npm-install (npm ci) in CI' };
  return undefined;
}

/** `npm run audit` and friends: what the named package.json script does. */
function scriptSignal(words: ShellWord[], project: ProjectContext, dir: string): Signal | undefined {
  const v = commandProper(words).map((x) => x.value);
  let name: string | undefined;
  if (v[0] === 'npm' && (v[1] === 'run' || v[1] === 'run-script') && v[2]) name = v[2];
  else if ((v[0] === 'yarn' || v[0] === 'pnpm') && v[1] === 'run' && v[2]) name = v[2];
  if (!name) return undefined;
  const pkgText = project.readText(joinRel(dir, 'package.json'));
  if (pkgText === undefined) return undefined;
  const script = jsonString(jsonMember(jsonMember(parseJson(pkgText), 'scripts')?.value, name)?.value);
  if (!script) return undefined;
  for (const cmd of shellCommands(script)) {
    const s = commandSignal(cmd);
    if (s && s.kind !== 'ci-npm-ci') return { kind: s.kind, message: `\`npm run ${name}\` (${s.message.replace(/ in CI$/, '')}) in CI` };
  }
  return undefined;
}

function hasNpmLockfile(project: ProjectContext, dir: string): boolean {
  return project.readText(joinRel(dir, 'package-lock.json')) !== undefined || project.readText(joinRel(dir, 'npm-shrinkwrap.json')) !== undefined;
}

export const rule: ProjectRule = {
  kind: 'project',
  id: 'actions-npm-install',
  row: 'dependencies',
  severity: 'warning',
  description: 'Detects `npm install` steps in CI workflows where `npm ci` should install the lockfile exactly.',
  message: '`npm install` in CI may install versions other than the lockfile\'s: use `npm ci`.',
  fixable: true,
  docs: {
    why:
      '`npm install` treats package-lock.json as a hint: it can resolve newer versions within the ranges and rewrite the ' +
      'lockfile, so CI builds and tests dependencies nobody reviewed, and a freshly published malicious version can slip ' +
      'in. `npm ci` installs exactly the lockfile and fails when it is out of date.',
    bad: 'steps:\n  - uses: actions/checkout@v4\n  - uses: actions/setup-node@v4\n  - run: npm install\n  - run: npm test',
    good: 'steps:\n  - uses: actions/checkout@v4\n  - uses: actions/setup-node@v4\n  - run: npm ci\n  - run: npm audit --omit=dev --audit-level=high\n  - run: npm test',
    fix: 'Replace `npm install` with `npm ci` in CI steps (keep the flags), commit package-lock.json, and add an `npm audit` step.',
    cwe: ['CWE-1357', 'CWE-829'],
    owasp: ['A06:2021', 'A08:2021'],
  },
  appliesTo: (rel) => configKind(rel) === 'workflow',
  check(project) {
    return checkConfigFiles(rule, project);
  },
  checkFile(rel, text, project) {
    const wf = parseWorkflow(text);
    const findings: ProjectFinding[] = [];
    const evidence: Evidence[] = [];
    if (!wf) return { findings, evidence };
    const seen = new Set<EvidenceKind>();
    const signal = (s: Signal | undefined, offset: number): void => {
      if (!s || seen.has(s.kind)) return;
      seen.add(s.kind);
      evidence.push(evidenceAt(s.kind, s.message, rel, text, offset));
    };
    for (const job of wf.jobs) {
      for (const step of job.steps) {
        if (step.uses) signal(actionSignal(step.uses.value), rangeOf(step.uses)?.start ?? 0);
        if (!step.run) continue;
        const src = scalarSource(text, step.run);
        if (!src) continue;
        let cwd: string | undefined = normalizeRel(step.workingDirectory ?? '.') ?? undefined;
        for (const command of shellCommands(src.source)) {
          const proper = commandProper(command);
          if (proper[0]?.value === 'cd') {
            const target = proper[1]?.value;
            cwd = cwd !== undefined && target && !/^[/~$-]/.test(target) ? normalizeRel(joinRel(cwd, target)) : undefined;
            continue;
          }
          const at = src.offset + command[0].start;
          signal(commandSignal(command) ?? (cwd !== undefined ? scriptSignal(command, project, cwd) : undefined), at);
          const npm = npmInstallCommand(command);
          if (!npm || npm.kind !== 'install' || !npm.bare || npm.global || npm.lockless || cwd === undefined) continue;
          const prefixAt = npm.args.findIndex((a) => a.value === '--prefix' || a.value === '-C');
          const dir = prefixAt >= 0 && npm.args[prefixAt + 1] ? normalizeRel(joinRel(cwd, npm.args[prefixAt + 1].value)) : cwd;
          if (dir === undefined || !hasNpmLockfile(project, dir)) continue;
          const last = npm.args.length > 0 ? npm.args[npm.args.length - 1] : npm.sub;
          const fix = { title: 'Use `npm ci`', edits: [{ start: src.offset + npm.sub.start, end: src.offset + npm.sub.end, newText: 'ci' }] };
          findings.push(findingAt(rel, text, src.offset + npm.npm.start, src.offset + last.end, undefined, [fix]));
        }
      }
    }
    return { findings, evidence };
  },
};
