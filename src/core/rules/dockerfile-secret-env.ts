import type { Property } from 'dockerfile-ast';
import { checkConfigFiles, configKind, findingAt, offsetAt, parseDockerfile } from '../config-text';
import { isSecretName } from './hardcoded-secret';
import type { ProjectFinding, ProjectRule } from '../types';

/**
 * Secrets handed to the image through ENV or ARG. ENV values are stored in
 * the image config (`docker inspect` shows them) and ARG values in the layer
 * history of every RUN that follows (`docker history`), so a `--build-arg
 * NPM_TOKEN=…` is readable by anyone who can pull the image. Names are judged
 * as secret names are in code (`NPM_TOKEN`, `DB_PASSWORD`, `API_KEY`,
 * `JWT_SECRET`; not `TOKEN_TTL`, `PASSWORD_MIN_LENGTH`, `SECRET_FILE`).
 */

/** Values that hold nothing: `ENV API_KEY=""`, a path to a mounted secret file. */
function isEmptyOrPointer(value: string): boolean {
  const v = value.trim();
  if (v === '' || /^(null|none|undefined|unset)$/i.test(v)) return true;
  return /^(\/|\.\/|~\/)/.test(v);
}

/** `$NPM_TOKEN` / `${NPM_TOKEN}`: an ENV that copies a build arg into the image. */
function isVariableReference(value: string): boolean {
  return /^\$(\{[A-Za-z_][A-Za-z0-9_]*(:?[-+][^}]*)?\}|[A-Za-z_][A-Za-z0-9_]*)$/.test(value.trim());
}

function span(text: string, p: Property): { start: number; end: number } {
  const r = p.getRange();
  return { start: offsetAt(text, r.start), end: offsetAt(text, r.end) };
}

export const rule: ProjectRule = {
  kind: 'project',
  id: 'dockerfile-secret-env',
  row: 'containers',
  severity: 'error',
  description: 'Detects secrets passed to a Docker image through ENV values or build ARGs (NPM_TOKEN, DB_PASSWORD, API_KEY).',
  message: 'Secret in ENV/ARG: it is stored in the image and its history; use BuildKit secrets (`RUN --mount=type=secret`) or runtime env instead.',
  fixable: false,
  docs: {
    why:
      'ENV values are saved in the image configuration and ARG values in the history of every layer built after them: ' +
      '`docker inspect` and `docker history` print them to anyone who can pull the image, and a literal value in the ' +
      'Dockerfile is also in git. A registry token or database password baked into an image outlives every rotation plan.',
    bad: 'FROM node:20.11.1-alpine\nARG NPM_TOKEN\nRUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci\nENV DB_PASSWORD=s3cr3t-Pa55',
    good:
      '# syntax=docker/dockerfile:1\nFROM node:20.11.1-alpine\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci --omit=dev\n' +
      '# DB_PASSWORD comes from the orchestrator at run time (docker run -e, Kubernetes secret)',
    fix:
      'Remove the ENV/ARG. For build-time credentials use BuildKit secrets: `RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci` ' +
      'with `docker build --secret id=npmrc,src=$HOME/.npmrc`. Give runtime secrets to the container when it starts ' +
      '(`docker run -e`, Compose `secrets:`, a Kubernetes Secret), and rotate any value that was built into an image.',
    cwe: ['CWE-798', 'CWE-538'],
    owasp: ['A05:2021', 'A07:2021'],
  },
  appliesTo: (rel) => configKind(rel) === 'dockerfile',
  check(project) {
    return checkConfigFiles(rule, project);
  },
  checkFile(rel, text) {
    const { dockerfile } = parseDockerfile(text);
    const findings: ProjectFinding[] = [];
    for (const env of dockerfile.getENVs()) {
      for (const p of env.getProperties()) {
        if (!isSecretName(p.getName())) continue;
        const value = p.getValue() ?? '';
        if (isVariableReference(value)) {
          const s = span(text, p);
          findings.push(findingAt(rel, text, s.start, s.end,
            `ENV ${p.getName()} copies a build value into the image config, readable with \`docker inspect\`: pass it at run time or use a BuildKit secret.`));
        } else if (!isEmptyOrPointer(value)) {
          const s = span(text, p);
          findings.push(findingAt(rel, text, s.start, s.end,
            `ENV ${p.getName()} bakes a secret into the image (and git): remove it, give it to the container at run time, and rotate it.`));
        }
      }
    }
    for (const arg of dockerfile.getARGs()) {
      for (const p of arg.getProperties()) {
        if (!isSecretName(p.getName())) continue;
        const s = span(text, p);
        const literal = p.getValue();
        const message = literal && !isEmptyOrPointer(literal) && !isVariableReference(literal)
          ? `ARG ${p.getName()} has a literal secret default, in git and the image history: remove it and use a BuildKit secret.`
          : `ARG ${p.getName()} leaks into the image history (\`docker history\`): use a BuildKit secret (\`RUN --mount=type=secret,id=…\`) instead.`;
        findings.push(findingAt(rel, text, s.start, s.end, message));
      }
    }
    findings.sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
    return { findings, evidence: [] };
  },
};
