import {
  checkConfigFiles, configKind, dirName, findingAt, joinRel, jsonMember, jsonString, normalizeRel, parseJson,
} from '../config-text';
import type { ProjectContext, ProjectFinding, ProjectRule } from '../types';

/**
 * Dependency specs that let any future release (or any commit) in:
 * `*`, `x`, `""`, `latest` and other dist-tags, `>=1.2` with no upper bound,
 * git/GitHub/tarball URLs without a commit SHA, and `file:`/`link:` paths
 * that leave the repository. In a workspace monorepo `"*"` on a sibling
 * workspace package is the usual local link and is not reported.
 */

const DEPENDENCY_FIELDS: readonly string[] = ['dependencies', 'devDependencies', 'optionalDependencies'];
const COMMIT = /^[0-9a-f]{7,40}$/i;
const GIT_SPEC = /^(git\+|git:\/\/|github:|gitlab:|bitbucket:|gist:|git@)|^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(#.*)?$/;

/** Why a dependency spec admits unreviewed code, or undefined when it is bounded. */
export function riskyRange(spec: string, packageDir: string): string | undefined {
  const s = spec.trim();
  if (s.startsWith('npm:')) {
    const at = s.lastIndexOf('@');
    return at > 4 ? riskyRange(s.slice(at + 1), packageDir) : 'is an alias with no version';
  }
  if (s.startsWith('workspace:') || s.startsWith('catalog:')) return undefined;
  if (s.startsWith('file:') || s.startsWith('link:') || s.startsWith('portal:')) {
    const target = s.slice(s.indexOf(':') + 1);
    if (target.startsWith('/') || /^[A-Za-z]:[\\/]/.test(target) || target.startsWith('~')) return 'points outside the repository';
    return normalizeRel(joinRel(packageDir, target.replace(/\\/g, '/'))) === undefined ? 'points outside the repository' : undefined;
  }
  if (/^https?:\/\//i.test(s)) {
    if (/^https?:\/\/(github\.com|gitlab\.com|bitbucket\.org)\/[^#]+#/i.test(s) && COMMIT.test(s.slice(s.indexOf('#') + 1))) return undefined;
    return /\.git(#|$)/.test(s) || /github\.com|gitlab\.com|bitbucket\.org/i.test(s)
      ? 'is a git URL without a commit SHA'
      : 'is a tarball URL whose content can change under the same address';
  }
  if (GIT_SPEC.test(s)) {
    const hash = s.indexOf('#');
    if (hash >= 0 && COMMIT.test(s.slice(hash + 1))) return undefined;
    return 'is a git reference without a commit SHA (a branch or tag can move)';
  }
  if (s === '' || s === '*' || /^[xX*](\.[xX*])*$/.test(s)) return 'accepts any version';
  if (/^[A-Za-z][\w.-]*$/.test(s) && !/^v?\d/.test(s)) return `is the dist-tag \`${s}\`, which moves with every publish`;
  for (const alt of s.split('||')) {
    const a = alt.trim();
    if (/^>=?\s*v?\d/.test(a) && !/<\s*=?\s*v?\d/.test(a)) return `has no upper bound (\`${a}\`)`;
  }
  return undefined;
}

/** Names of the packages of this repository (workspace members). */
const workspaceNames = new WeakMap<ProjectContext, Set<string>>();
function localPackageNames(project: ProjectContext): Set<string> {
  let names = workspaceNames.get(project);
  if (names) return names;
  names = new Set<string>();
  for (const rel of project.files) {
    if (configKind(rel) !== 'package-json' || rel === 'package.json') continue;
    const text = project.readText(rel);
    const name = text === undefined ? undefined : jsonString(jsonMember(parseJson(text), 'name')?.value);
    if (name) names.add(name);
  }
  workspaceNames.set(project, names);
  return names;
}

function isMonorepo(project: ProjectContext): boolean {
  const rootPkg = project.readText('package.json');
  if (rootPkg !== undefined && /"workspaces"\s*:/.test(rootPkg)) return true;
  return project.readText('pnpm-workspace.yaml') !== undefined || project.readText('lerna.json') !== undefined;
}

export const rule: ProjectRule = {
  kind: 'project',
  id: 'package-risky-dependency-range',
  row: 'dependencies',
  severity: 'warning',
  description: 'Detects package.json dependencies on `*`, `latest`, unbounded `>=` ranges, unpinned git/URL specs, or paths outside the repository.',
  message: 'Dependency version is unbounded or mutable: use a caret/tilde range of a real version, or a git URL pinned to a commit SHA.',
  fixable: false,
  docs: {
    why:
      'A spec such as `*`, `latest`, `>=4` or `github:user/repo` accepts whatever is published or pushed next, including a ' +
      'major with breaking changes or a hijacked release. Lockfiles soften this only until the next `npm install` or ' +
      'lockfile refresh; tarball URLs and branches can change content under the same name.',
    bad: '"dependencies": {\n  "express": "*",\n  "lodash": "latest",\n  "left-pad": ">=1.0.0",\n  "utils": "github:acme/utils"\n}',
    good: '"dependencies": {\n  "express": "^4.21.2",\n  "lodash": "^4.17.21",\n  "left-pad": "~1.3.0",\n  "utils": "github:acme/utils#4f9a2c1e0b7d6a5c3e2f1a0b9c8d7e6f5a4b3c2d"\n}',
    fix:
      'Replace the spec with a caret or tilde range of the version you tested (`npm install pkg@^4.21.2` writes it), pin git ' +
      'dependencies to a full commit SHA (`#<sha>`), and publish internal code to a registry instead of depending on URLs.',
    cwe: ['CWE-1357', 'CWE-829'],
    owasp: ['A06:2021', 'A08:2021'],
  },
  appliesTo: (rel) => configKind(rel) === 'package-json',
  check(project) {
    return checkConfigFiles(rule, project);
  },
  checkFile(rel, text, project) {
    const findings: ProjectFinding[] = [];
    const root = parseJson(text);
    if (!root) return { findings, evidence: [] };
    const dir = dirName(rel);
    let local: Set<string> | undefined;
    for (const field of DEPENDENCY_FIELDS) {
      const deps = jsonMember(root, field)?.value;
      if (deps?.type !== 'object') continue;
      for (const m of deps.members) {
        const v = m.value;
        if (v.type !== 'string' && v.type !== 'number') continue;
        const reason = riskyRange(String(v.value), dir);
        if (!reason) continue;
        if (reason === 'accepts any version' && isMonorepo(project)) {
          local ??= localPackageNames(project);
          if (local.has(m.key)) continue;
        }
        findings.push(findingAt(rel, text, v.start, v.end,
          `\`${m.key}\` in ${field} ${reason}: use a caret or tilde range of a tested version${/git|commit/.test(reason) ? ', or pin `#<commit sha>`' : ''}.`));
      }
    }
    return { findings, evidence: [] };
  },
};
