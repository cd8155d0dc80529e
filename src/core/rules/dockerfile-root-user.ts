import type { Instruction } from 'dockerfile-ast';
import {
  argumentsSpan, baseName, checkConfigFiles, configKind, dirName, eolOf, evidenceAt, factAt, findingAt, imageRepository, instructionSpan,
  isOfficialNodeImage, joinRel, lineStartOf, parseDockerfile, type DockerStage,
} from '../config-text';
import type { Evidence, Fact, Fix, ProjectContext, ProjectFinding, ProjectRule } from '../types';

/**
 * The image's final stage runs as root: no USER at all (the official images
 * default to root), or an explicit `USER root` / `USER 0` last. A process
 * that is compromised then owns the container and every mounted volume.
 * Stages built on earlier stages (`FROM base`) inherit that stage's USER.
 */

type UserVerdict =
  | { kind: 'root'; user?: Instruction }
  | { kind: 'non-root'; user?: Instruction; name: string }
  | { kind: 'unknown' };

/** Privilege-dropping launchers: the container starts as root and switches before running the app. */
const PRIVILEGE_DROP = /(^|[\s"'[,/])(gosu|su-exec|setpriv|runuser|s6-setuidgid|chpst|setuser|tini-static\s+-u|su\s+-c|su\s+\w+\s+-c)(?=[\s"',\]]|$)/;

/** Official images of services whose entrypoints switch to a service user themselves. */
const SERVICE_IMAGES: ReadonlySet<string> = new Set([
  'postgres', 'redis', 'mysql', 'mariadb', 'mongo', 'rabbitmq', 'memcached', 'nginx', 'httpd', 'elasticsearch', 'cassandra',
  'couchdb', 'neo4j', 'influxdb', 'haproxy', 'traefik', 'registry', 'minio',
]);

/** What user an image runs as when no USER is set, for the images whose default we know. */
function imageDefault(image: string | undefined): UserVerdict {
  if (!image || image.includes('$')) return { kind: 'unknown' };
  const lower = image.toLowerCase();
  if (lower === 'scratch') return { kind: 'root' };
  const { registry, path } = imageRepository(lower);
  const tag = /:([^/@]+)(@|$)/.exec(lower)?.[1] ?? '';
  if (registry === 'gcr.io' && path.startsWith('distroless/')) {
    return tag.includes('nonroot') ? { kind: 'non-root', name: 'nonroot' } : { kind: 'root' };
  }
  if (registry === 'cgr.dev') return tag.includes('dev') ? { kind: 'unknown' } : { kind: 'non-root', name: 'nonroot' };
  if (registry === undefined && path.startsWith('bitnami/')) return { kind: 'non-root', name: '1001' };
  if (registry !== undefined && /(^|\/)ubi\d*\/nodejs-\d+/.test(path)) return { kind: 'non-root', name: '1001' };
  // Official service images start as root and drop privileges in their own entrypoint (gosu, worker users).
  if (registry === undefined && SERVICE_IMAGES.has(path)) return { kind: 'unknown' };
  // Docker Hub's other official images (node, alpine, debian, ubuntu …) run as root unless told otherwise.
  if (registry === undefined && !path.includes('/')) return { kind: 'root' };
  return { kind: 'unknown' };
}

function userOf(ins: Instruction): UserVerdict {
  const value = ins.getExpandedArguments()[0]?.getValue() ?? '';
  if (value === '' || value.includes('$')) return { kind: 'unknown' };
  const name = value.split(':')[0];
  if (name === 'root' || name === '0') return { kind: 'root', user: ins };
  return { kind: 'non-root', user: ins, name };
}

/** The user a stage runs as: its last USER, else what its parent stage or base image runs as. */
function stageUser(stage: DockerStage, depth = 0): UserVerdict {
  for (let i = stage.instructions.length - 1; i >= 0; i--) {
    if (stage.instructions[i].getKeyword() === 'USER') return userOf(stage.instructions[i]);
  }
  if (stage.parent && depth < 32) return stageUser(stage.parent, depth + 1);
  return imageDefault(stage.image);
}

/** The external image at the root of a stage chain. */
function rootImage(stage: DockerStage): string | undefined {
  let s = stage;
  for (let depth = 0; s.parent && depth < 32; depth++) s = s.parent;
  return s.image;
}

/** Stages from the chain's root to this one. */
function chain(stage: DockerStage): DockerStage[] {
  const out: DockerStage[] = [];
  for (let s: DockerStage | undefined = stage; s && out.length < 32; s = s.parent) out.unshift(s);
  return out;
}

/** The start command drops privileges itself (`gosu node`, `su-exec`, or an entrypoint script that does). */
function dropsPrivileges(stages: DockerStage[], rel: string, project: ProjectContext): boolean {
  const all = stages.flatMap((s) => s.instructions);
  const starts = all.filter((i) => i.getKeyword() === 'CMD' || i.getKeyword() === 'ENTRYPOINT');
  for (const ins of starts) {
    const args = ins.getRawArgumentsContent() ?? '';
    if (PRIVILEGE_DROP.test(args)) return true;
    // An entrypoint script copied from the project: read it.
    for (const m of args.matchAll(/[\w./-]+\.sh\b/g)) {
      const script = baseName(m[0]);
      for (const copy of all.filter((i) => i.getKeyword() === 'COPY' || i.getKeyword() === 'ADD')) {
        const words = copy.getArguments().map((a) => a.getValue());
        for (const src of words.slice(0, -1)) {
          if (baseName(src) !== script) continue;
          const body = project.readText(joinRel(dirName(rel), src.replace(/^\.?\//, '')));
          if (body !== undefined && PRIVILEGE_DROP.test(body)) return true;
        }
      }
    }
  }
  return false;
}

/** `USER node` before the final stage's start command (or at the end when it inherits one). */
function addUserFix(text: string, final: DockerStage): Fix {
  const nl = eolOf(text);
  const lastUser = [...final.instructions].reverse().find((i) => i.getKeyword() === 'USER');
  const start = final.instructions.find(
    (i) => (i.getKeyword() === 'CMD' || i.getKeyword() === 'ENTRYPOINT') && (!lastUser || i.isAfter(lastUser)),
  );
  if (start) {
    const at = lineStartOf(text, instructionSpan(text, start).start);
    const indent = /^[ \t]*/.exec(text.slice(at))?.[0] ?? '';
    return { title: 'Run as the unprivileged `node` user', edits: [{ start: at, end: at, newText: `${indent}USER node${nl}` }] };
  }
  const lead = text.length > 0 && !text.endsWith('\n') ? nl : '';
  return { title: 'Run as the unprivileged `node` user', edits: [{ start: text.length, end: text.length, newText: `${lead}USER node${nl}` }] };
}

export const rule: ProjectRule = {
  kind: 'project',
  id: 'dockerfile-root-user',
  row: 'containers',
  severity: 'warning',
  description: 'Detects Dockerfiles whose final stage runs as root (no USER, or USER root / 0).',
  message: 'The container runs as root: add `USER node` (or another unprivileged user) before CMD in the final stage.',
  fixable: true,
  docs: {
    why:
      'Without a USER instruction the official images run your app as root. Any remote code execution, path traversal ' +
      'or dependency compromise then has root inside the container: it can rewrite the app, read mounted secrets and ' +
      'volumes, and a kernel or runtime flaw is one step from the host.',
    bad: 'FROM node:20.11.1-alpine\nWORKDIR /app\nCOPY --chown=node:node . .\nRUN npm ci --omit=dev\nCMD ["node", "server.js"]',
    good: 'FROM node:20.11.1-alpine\nWORKDIR /app\nCOPY --chown=node:node . .\nRUN npm ci --omit=dev\nUSER node\nCMD ["node", "server.js"]',
    fix:
      'Add `USER node` (official node images ship that user, uid 1000) after the steps that need root and before CMD/ENTRYPOINT ' +
      'of the final stage; give it the files it writes with `COPY --chown=node:node`. For other images create a user ' +
      '(`RUN addgroup -S app && adduser -S app -G app`) and switch to it.',
    cwe: ['CWE-250', 'CWE-269'],
    owasp: ['A05:2021', 'A04:2021'],
  },
  appliesTo: (rel) => configKind(rel) === 'dockerfile',
  check(project) {
    return checkConfigFiles(rule, project);
  },
  checkFile(rel, text, project) {
    const { stages } = parseDockerfile(text);
    const findings: ProjectFinding[] = [];
    const evidence: Evidence[] = [];
    const facts: Fact[] = [];
    const final = stages[stages.length - 1];
    if (!final) return { findings, evidence, facts };
    const fromStart = instructionSpan(text, final.from).start;
    facts.push(factAt('dockerfile', rel, text, fromStart));
    const verdict = stageUser(final);
    if (verdict.kind === 'non-root') {
      const at = verdict.user ? instructionSpan(text, verdict.user).start : fromStart;
      evidence.push(evidenceAt('container-non-root', `final stage runs as USER ${verdict.name}`, rel, text, at));
      return { findings, evidence, facts };
    }
    if (verdict.kind === 'unknown') return { findings, evidence, facts };
    const stageChain = chain(final);
    if (dropsPrivileges(stageChain, rel, project)) return { findings, evidence, facts };
    const fixes = isOfficialNodeImage(rootImage(final)) ? [addUserFix(text, final)] : [];
    if (verdict.user) {
      const span = argumentsSpan(text, verdict.user) ?? instructionSpan(text, verdict.user);
      findings.push(findingAt(rel, text, instructionSpan(text, verdict.user).start, span.end,
        'The final stage switches to root and stays there: add `USER node` (or another unprivileged user) before CMD.', fixes));
    } else {
      const span = instructionSpan(text, final.from);
      findings.push(findingAt(rel, text, span.start, span.end, undefined, fixes));
    }
    return { findings, evidence, facts };
  },
};
