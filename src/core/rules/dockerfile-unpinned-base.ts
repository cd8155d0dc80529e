import { checkConfigFiles, configKind, evidenceAt, factAt, findingAt, instructionSpan, offsetAt, parseDockerfile } from '../config-text';
import type { Evidence, Fact, ProjectFinding, ProjectRule } from '../types';

/**
 * A base image that is not pinned: no tag (implicitly `latest`), `latest`, or
 * a moving tag such as `node:20`, `node:lts` or `node:20-alpine`. Pinned means
 * a full x.y.z version (`node:20.11.1-alpine`), a date-stamped tag
 * (`debian:bookworm-20240110`) or a digest (`@sha256:…`). `FROM build` naming
 * an earlier stage is not a base image; `${VAR}` tags resolve ARG defaults and
 * are left alone when they cannot be resolved.
 */

/** A tag that names one release: x.y.z somewhere in it, or an 8-digit date stamp. */
const PINNED_TAG = /(^|[^\d.])v?\d+\.\d+\.\d+(?![\d])|(^|\D)20\d{6}(?!\d)/;

export function unpinnedReason(image: string): string | undefined {
  if (image.includes('@sha256:') || image.includes('@sha512:')) return undefined;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'has no tag, so it means `latest`';
  const tag = image.slice(colon + 1);
  if (tag === 'latest') return 'uses `latest`';
  if (PINNED_TAG.test(tag)) return undefined;
  return `uses the moving tag \`${tag}\``;
}

export const rule: ProjectRule = {
  kind: 'project',
  id: 'dockerfile-unpinned-base',
  row: 'containers',
  severity: 'warning',
  description: 'Detects Dockerfile base images without a full version tag or digest (no tag, latest, node:20, node:lts).',
  message: 'Base image is not pinned: use a full version tag (node:20.11.1-alpine) or a digest (@sha256:…) so builds are reproducible.',
  fixable: false,
  docs: {
    why:
      'A moving tag such as `node:20` or `latest` resolves to a different image on every build: a rebuild can pull in ' +
      'a new Node.js minor, a changed libc or a compromised upstream push without any change in your repository, and ' +
      'you cannot tell which image production runs or roll back to it.',
    bad: 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]',
    good: 'FROM node:20.11.1-alpine3.19@sha256:<digest>\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]',
    fix:
      'Pin each FROM to a full version tag (`node:20.11.1-alpine3.19`), ideally with its digest (`docker buildx imagetools inspect` ' +
      'prints it), and let Dependabot or Renovate propose updates.',
    cwe: ['CWE-1357', 'CWE-829'],
    owasp: ['A06:2021', 'A08:2021'],
  },
  appliesTo: (rel) => configKind(rel) === 'dockerfile',
  check(project) {
    return checkConfigFiles(rule, project);
  },
  checkFile(rel, text) {
    const { stages } = parseDockerfile(text);
    const findings: ProjectFinding[] = [];
    const evidence: Evidence[] = [];
    const facts: Fact[] = [];
    if (stages.length === 0) return { findings, evidence, facts };
    facts.push(factAt('dockerfile', rel, text, instructionSpan(text, stages[stages.length - 1].from).start));
    const pinned: string[] = [];
    for (const stage of stages) {
      const image = stage.image;
      if (stage.parent || !image || image.includes('$') || image.toLowerCase() === 'scratch') continue;
      const reason = unpinnedReason(image);
      if (!reason) {
        pinned.push(image);
        continue;
      }
      const range = stage.from.getImageRange() ?? stage.from.getArgumentsRange();
      const span = range ? { start: offsetAt(text, range.start), end: offsetAt(text, range.end) } : instructionSpan(text, stage.from);
      findings.push(findingAt(rel, text, span.start, span.end,
        `Base image \`${image}\` ${reason}: pin a full version (e.g. node:20.11.1-alpine) or a digest (@sha256:…).`));
    }
    if (findings.length === 0 && pinned.length > 0) {
      const msg = pinned.length === 1 ? `base image ${pinned[0]} pinned` : `all ${pinned.length} base images pinned`;
      evidence.push(evidenceAt('container-base-pinned', msg, rel, text, instructionSpan(text, stages[0].from).start));
    }
    return { findings, evidence, facts };
  },
};
