import type { ProjectRule } from '../types';

export const LOCKFILES: readonly string[] = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'bun.lock'];

/**
 * A package.json at the root with no lockfile beside it (or one that
 * .gitignore keeps out of git): installs are not reproducible and `npm ci`
 * cannot run.
 */
export const rule: ProjectRule = {
  kind: 'project',
  id: 'no-lockfile',
  row: 'dependencies',
  severity: 'error',
  description: 'Detects a package.json without a committed lockfile.',
  message: 'No lockfile committed: installs are not reproducible and `npm ci` cannot run; commit package-lock.json.',
  fixable: false,
  docs: {
    why:
      'Without a lockfile every install resolves version ranges afresh, so a compromised or broken release of any ' +
      'transitive dependency reaches production on the next deploy. `npm ci` refuses to run without one, and audits ' +
      'cannot tell what you actually ship.',
    bad: '# .gitignore\nnode_modules/\npackage-lock.json',
    good: '# .gitignore\nnode_modules/\n\n# package-lock.json is committed; CI runs `npm ci` then `npm audit`',
    fix: 'Run `npm install` once to create package-lock.json, remove it from .gitignore if listed, commit it, and use `npm ci` in CI and Docker builds.',
    cwe: ['CWE-1104', 'CWE-829'],
    owasp: ['A06:2021', 'A08:2021'],
  },
  check(project) {
    if (!project.files.includes('package.json')) return { findings: [], evidence: [] };
    const present = LOCKFILES.find((f) => project.files.includes(f));
    if (present) {
      return { findings: [], evidence: [{ kind: 'lockfile', message: `${present} committed`, file: present, line: 1 }] };
    }
    const ignored = LOCKFILES.find((f) => project.isGitIgnored(f) && project.readText(f) !== undefined);
    const message = ignored
      ? `${ignored} exists but .gitignore keeps it out of git: commit it so that \`npm ci\` installs what you tested.`
      : undefined;
    return { findings: [{ file: 'package.json', line: 1, message }], evidence: [] };
  },
};
