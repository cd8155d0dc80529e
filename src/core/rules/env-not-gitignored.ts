import type { ProjectRule } from '../types';

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
  fixable: false,
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
    const findings = exposed.map((file) => ({
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

function lineOf(text: string, re: RegExp): number {
  const m = re.exec(text);
  return m ? text.slice(0, m.index).split('\n').length : 1;
}
