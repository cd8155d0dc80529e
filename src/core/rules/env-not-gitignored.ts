import { appendLinesEdit, findingAt, ignoreMatcher, ignores } from '../config-text';
import type { Fix, ProjectContext, ProjectFinding, ProjectRule } from '../types';

/** Environment files that hold real values; templates such as `.env.example` are meant to be committed. */
const TEMPLATE_SUFFIXES: readonly string[] = ['.example', '.sample', '.template', '.dist', '.defaults', '.schema'];

export function isEnvFile(rel: string): boolean {
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  if (base !== '.env' && !base.startsWith('.env.')) return false;
  return !TEMPLATE_SUFFIXES.some((s) => base.endsWith(s));
}

/**
 * A `.env` file that .gitignore does not ignore: the next `git add -A` commits
 * every secret in it. Files the walk sees are exactly those not ignored.
 */
export const rule: ProjectRule = {
  kind: 'project',
  id: 'env-not-gitignored',
  row: 'secrets',
  severity: 'error',
  description: 'Detects .env files that .gitignore does not ignore.',
  message: '.env file is not git-ignored: its secrets will be committed; add `.env` to .gitignore and rotate what leaked.',
  fixable: true,
  docs: {
    why:
      'A `.env` file holds database passwords, API keys and signing secrets. If .gitignore does not exclude it, ' +
      'one `git add -A` publishes them to everyone with access to the repository, forever, through history.',
    bad: '# .gitignore\nnode_modules/',
    good: '# .gitignore\nnode_modules/\n.env\n.env.*\n!.env.example',
    fix: 'Add `.env` and `.env.*` (with `!.env.example`) to .gitignore, `git rm --cached .env` if it was committed, and rotate every secret it held.',
    cwe: ['CWE-538', 'CWE-798'],
    owasp: ['A05:2021', 'A07:2021'],
  },
  check(project) {
    const exposed = project.files.filter(isEnvFile);
    // One finding per gap: on .gitignore, naming the files, when lines added there cover them all
    // (a fix can only edit its own finding's file); otherwise on each exposed file.
    const gitignore = exposed.length > 0 && project.files.includes('.gitignore') ? project.readText('.gitignore') : undefined;
    const fixable = gitignore !== undefined ? gitignoreFinding(gitignore, exposed, project) : undefined;
    const findings: ProjectFinding[] = fixable ? [fixable] : exposed.map((file) => ({
      file,
      line: 1,
      message: `${file} is not git-ignored: its secrets will be committed; add it to .gitignore and rotate what leaked.`,
    }));
    const evidence = [];
    if (exposed.length === 0 && project.isGitIgnored('.env')) {
      evidence.push({ kind: 'env-ignored' as const, message: '.env is git-ignored', file: '.gitignore', line: lineOf(project.readText('.gitignore') ?? '', /^\/?\.env\b/m) });
    }
    return { findings, evidence };
  },
};

/** Env templates that stay committed (the same list gitignore-missing-env knows). */
const ENV_TEMPLATES: readonly string[] = ['.env.example', '.env.sample', '.env.template', '.env.dist', '.env.defaults'];

/**
 * The lines a .gitignore needs so that `.env` files are ignored, the same ones
 * gitignore-missing-env adds: `.env`, `.env.*` unless already covered, and
 * `!.env.example` so the template stays committed.
 */
export function envIgnoreLines(text: string, project: ProjectContext): string[] {
  const ig = ignoreMatcher(text, false);
  const lines: string[] = [];
  if (!ignores(ig, '.env')) lines.push('.env');
  if (!ignores(ig, '.env.production')) lines.push('.env.*');
  if (ENV_TEMPLATES.some((t) => project.readText(t) !== undefined) || lines.includes('.env.*')) {
    if (lines.length > 0 && !/^[ \t]*!\/?\.env\.example[ \t]*$/m.test(text)) lines.push('!.env.example');
  }
  return lines;
}

/**
 * The finding that carries the fix: fixes edit the text of their finding's
 * file, so the one that appends to .gitignore sits on .gitignore's first line.
 * Only when the appended lines do ignore every exposed file (a nested
 * .gitignore or an odd negation may keep one visible).
 */
function gitignoreFinding(text: string, exposed: readonly string[], project: ProjectContext): ProjectFinding | undefined {
  const lines = envIgnoreLines(text, project);
  if (lines.length === 0) return undefined;
  const edit = appendLinesEdit(text, lines);
  const after = ignoreMatcher(text + edit.newText, false);
  if (!exposed.every((f) => ignores(after, f))) return undefined;
  const fix: Fix = { title: 'Ignore .env files in .gitignore', edits: [edit], preferred: true };
  // A range over the first non-blank line, so editors and `preflight fix` can anchor the fix.
  const m = /\S[^\r\n]*/.exec(text);
  const start = m ? m.index : 0;
  const end = m ? m.index + m[0].length : text.length;
  const list = exposed.length > 3 ? `${exposed.slice(0, 3).join(', ')} and ${exposed.length - 3} more` : exposed.join(', ');
  return findingAt('.gitignore', text, start, end, `.gitignore does not ignore ${list}: add ${lines.map((l) => `\`${l}\``).join(', ')} and rotate what leaked.`, [fix]);
}

function lineOf(text: string, re: RegExp): number {
  const m = re.exec(text);
  return m ? text.slice(0, m.index).split('\n').length : 1;
}
