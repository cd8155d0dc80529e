import { checkConfigFiles, configKind, evidenceAt, factAt, findingAt, parseWorkflow, rangeOf, repositoryOwner } from '../config-text';
import type { Evidence, Fact, ProjectFinding, ProjectRule } from '../types';

/**
 * A third-party action or reusable workflow referenced by a tag or branch
 * (`tj-actions/changed-files@v41`, `org/repo/.github/workflows/ci.yml@main`):
 * whoever controls that repository can move the tag and run code with the
 * job's token and secrets. Pinned means a full 40-hex commit SHA. GitHub's own
 * `actions/*` and `github/*`, and the repository's own organization (origin in
 * .git/config), are trusted at a version tag; local `./` actions and
 * `docker://image@sha256:…` are fine.
 */

const FULL_SHA = /^[0-9a-f]{40}$/i;
const FIRST_PARTY_OWNERS: ReadonlySet<string> = new Set(['actions', 'github']);
const ACTION_REF = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)(\/[^@\s]*)?@([^\s@]+)$/;

/** Why a `uses:` value is not acceptably pinned, or undefined when it is; `ownOwner` is the repository's own GitHub owner. */
export function unpinnedUse(uses: string, ownOwner?: string): string | undefined {
  const v = uses.trim();
  if (v.startsWith('./') || v.startsWith('../') || v.includes('${{')) return undefined;
  if (v.startsWith('docker://')) {
    return v.includes('@sha256:') ? undefined : `Docker image \`${v}\` is not pinned to a digest: use \`docker://image@sha256:…\`.`;
  }
  const m = ACTION_REF.exec(v);
  if (!m) return undefined;
  const [, owner, repo, path, ref] = m;
  if (FULL_SHA.test(ref) || FIRST_PARTY_OWNERS.has(owner.toLowerCase()) || owner.toLowerCase() === ownOwner) return undefined;
  const what = path && /\/\.github\/workflows\//.test(path + '/') ? 'Reusable workflow' : 'Third-party action';
  return `${what} \`${owner}/${repo}${path ?? ''}@${ref}\` is not pinned to a commit SHA: whoever controls the tag controls your CI; use \`@<40-hex sha> # ${ref}\`.`;
}

export const rule: ProjectRule = {
  kind: 'project',
  id: 'actions-unpinned',
  row: 'supply-chain',
  severity: 'warning',
  description: 'Detects third-party GitHub Actions and reusable workflows not pinned to a full commit SHA.',
  message: 'Third-party action is not pinned to a commit SHA: a moved tag runs foreign code with your CI secrets; pin `@<sha> # vX`.',
  fixable: false,
  docs: {
    why:
      'A tag such as `@v41` is a mutable pointer: when an action\'s repository is compromised (as tj-actions/changed-files was ' +
      'in 2025) the attacker moves the tag, and every workflow using it runs their code with its GITHUB_TOKEN and secrets. ' +
      'Only a full commit SHA is immutable.',
    bad: 'steps:\n  - uses: actions/checkout@v4\n  - uses: tj-actions/changed-files@v41',
    good: 'steps:\n  - uses: actions/checkout@v4\n  - uses: tj-actions/changed-files@2f7c5bfce28377bc069a65ba478de0a74aa0ca32 # v46.0.1',
    fix:
      'Replace each third-party `@tag` by the full 40-character commit SHA it points to, keeping the tag in a comment ' +
      '(`@<sha> # v46.0.1`); let Dependabot or Renovate update the pins. Pin `docker://` images by digest.',
    cwe: ['CWE-829', 'CWE-494'],
    owasp: ['A08:2021', 'A06:2021'],
  },
  appliesTo: (rel) => configKind(rel) === 'workflow',
  check(project) {
    return checkConfigFiles(rule, project);
  },
  checkFile(rel, text, project) {
    const wf = parseWorkflow(text);
    const ownOwner = repositoryOwner(project);
    const findings: ProjectFinding[] = [];
    const evidence: Evidence[] = [];
    const facts: Fact[] = [];
    if (!wf) return { findings, evidence, facts };
    facts.push(factAt('ci-workflow', rel, text, 0));
    let uses = 0;
    let pinned = 0;
    for (const job of wf.jobs) {
      for (const node of [job.uses, ...job.steps.map((s) => s.uses)]) {
        if (!node) continue;
        uses++;
        const message = unpinnedUse(node.value, ownOwner);
        const r = rangeOf(node);
        if (message && r) findings.push(findingAt(rel, text, r.start, r.end, message));
        else if (/@[0-9a-f]{40}$/i.test(node.value.trim())) pinned++;
      }
    }
    if (findings.length === 0 && uses > 0) {
      const message = pinned > 0 ? `${pinned} action(s) pinned to commit SHAs, no unpinned third-party action` : 'only GitHub-owned or local actions';
      evidence.push(evidenceAt('actions-pinned', message, rel, text, rangeOf(wf.jobsPair?.key)?.start ?? 0));
    }
    return { findings, evidence, facts };
  },
};
