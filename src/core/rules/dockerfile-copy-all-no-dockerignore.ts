import type { Instruction } from 'dockerfile-ast';
import {
  argumentsSpan, checkConfigFiles, configKind, dockerignoreFor, findingAt, ignoreMatcher, ignores, instructionSpan, parseDockerfile,
} from '../config-text';
import type { ProjectFinding, ProjectRule } from '../types';

/**
 * `COPY . .` (or `ADD . /app`, `COPY ./ ./`, `COPY * ./`) sends the whole
 * build context into the image. Without a .dockerignore, or with one that
 * does not exclude `.env`, the local `.env` (git-ignored, so never noticed),
 * `.git` and any key files end up in a layer. Copies from another stage
 * (`COPY --from=build . .`) read that stage, not the context.
 */

const WHOLE_CONTEXT: ReadonlySet<string> = new Set(['.', './', '*', './*', '.*', '/']);

/** Sources of a COPY/ADD: every argument but the destination, in shell or JSON form. */
function sources(ins: Instruction): string[] {
  const raw = (ins.getRawArgumentsContent() ?? '').trim();
  if (raw.startsWith('[')) {
    try {
      const list = JSON.parse(raw) as unknown;
      if (Array.isArray(list) && list.every((x) => typeof x === 'string')) return (list as string[]).slice(0, -1);
    } catch {
      // Not JSON after all: fall through to the shell form.
    }
  }
  return ins.getArguments().map((a) => a.getValue()).slice(0, -1);
}

function copiesWholeContext(ins: Instruction): boolean {
  const kw = ins.getKeyword();
  if (kw !== 'COPY' && kw !== 'ADD') return false;
  const flags = (ins as unknown as { getFlags?: () => { getName(): string }[] }).getFlags?.() ?? [];
  if (flags.some((f) => f.getName() === 'from')) return false;
  return sources(ins).some((s) => WHOLE_CONTEXT.has(s));
}

export const rule: ProjectRule = {
  kind: 'project',
  id: 'dockerfile-copy-all-no-dockerignore',
  row: 'containers',
  severity: 'warning',
  description: 'Detects `COPY . .` in a Dockerfile with no .dockerignore, or one that does not exclude .env.',
  message: '`COPY . .` with no .dockerignore copies .env, .git and keys into the image: add a .dockerignore excluding them.',
  fixable: false,
  docs: {
    why:
      'Docker does not read .gitignore: `COPY . .` takes everything in the build context, including the `.env` you never ' +
      'committed, the `.git` folder with its history, local private keys and `node_modules` built for another platform. ' +
      'Anyone who pulls the image can read those files from its layers.',
    bad: 'FROM node:20.11.1-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\n# (no .dockerignore beside this Dockerfile)',
    good:
      'FROM node:20.11.1-alpine\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci --omit=dev\nCOPY src ./src\n' +
      '# .dockerignore: .env  .env.*  .git  node_modules  *.pem  *.key',
    fix:
      'Add a .dockerignore beside the Dockerfile listing at least `.env`, `.env.*`, `.git`, `node_modules`, `*.pem` and `*.key` ' +
      '(or start it with `*` and re-include only what the build needs with `!src`), or copy explicit paths instead of `.`.',
    cwe: ['CWE-538', 'CWE-200'],
    owasp: ['A05:2021'],
  },
  appliesTo: (rel) => configKind(rel) === 'dockerfile',
  check(project) {
    return checkConfigFiles(rule, project);
  },
  checkFile(rel, text, project) {
    const { stages } = parseDockerfile(text);
    const copies = stages.flatMap((s) => s.instructions).filter(copiesWholeContext);
    if (copies.length === 0) return { findings: [], evidence: [] };
    const ignoreFile = dockerignoreFor(project, rel);
    if (ignoreFile && ignores(ignoreMatcher(ignoreFile.text, true), '.env')) return { findings: [], evidence: [] };
    const findings: ProjectFinding[] = copies.map((ins) => {
      const span = instructionSpan(text, ins);
      const end = argumentsSpan(text, ins)?.end ?? span.end;
      const what = `\`${ins.getKeyword()} ${sources(ins).join(' ')}\``;
      const message = ignoreFile
        ? `${what} sends .env into the image: ${ignoreFile.rel} does not exclude it; add \`.env\` and \`.env.*\` there.`
        : `${what} copies the whole build context and no .dockerignore applies: .env, .git and keys go into the image; add one excluding them.`;
      return findingAt(rel, text, span.start, end, message);
    });
    return { findings, evidence: [] };
  },
};
