import type { Instruction } from 'dockerfile-ast';
import {
  argumentsSpan, checkConfigFiles, configKind, dirName, findingAt, firstExisting, joinRel, npmInstallCommand, parseDockerfile, shellCommands,
  type DockerStage, type ShellWord,
} from '../config-text';
import type { Fix, ProjectContext, ProjectFinding, ProjectRule } from '../types';

/**
 * `RUN npm install` in an image: it resolves ranges afresh (the lockfile is
 * only a hint) and, in the final stage, installs devDependencies too. `npm ci`
 * installs exactly the lockfile, and `--omit=dev` keeps build tools out of
 * production. `npm install -g pm2` and `npm install some-pkg` are tool or
 * package installs, not the dependency install, and are left alone.
 */

/** Flags that keep `npm install` a plain production install the fix may rewrite. */
const PRODUCTION_FLAGS: ReadonlySet<string> = new Set(['--production', '--only=production', '--only=prod', '--omit=dev']);
/** Later steps that need devDependencies (a build or test in the same stage). */
const BUILD_STEP = /\b(npm\s+(run|test|t|run-script)|npx|yarn|pnpm|tsc|nest\s+build|next\s+build|vite\s+build|node_modules\/\.bin)\b/;
const DEV_RUNTIME = /\b(npx|ts-node|tsx|nodemon|npm\s+run\s+dev)\b/;
/** COPY sources that bring a lockfile into the image. */
const LOCKFILE_SOURCE = /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|package\*\.json|package-lock\*|\*\.json|\.|\.\/|\*)$/;

function stageChain(stage: DockerStage): DockerStage[] {
  const out: DockerStage[] = [];
  for (let s: DockerStage | undefined = stage; s && out.length < 32; s = s.parent) out.unshift(s);
  return out;
}

/** A COPY/ADD before `run` in this stage chain brings package-lock.json along. */
function lockfileCopiedBefore(stage: DockerStage, run: Instruction): boolean {
  for (const s of stageChain(stage)) {
    for (const ins of s.instructions) {
      if (s === stage && !run.isAfter(ins)) break;
      const kw = ins.getKeyword();
      if (kw !== 'COPY' && kw !== 'ADD') continue;
      const words = ins.getArguments().map((a) => a.getValue().replace(/^\[|[",\]]/g, ''));
      if (words.slice(0, -1).some((w) => LOCKFILE_SOURCE.test(w))) return true;
    }
  }
  return false;
}

/** devDependencies are needed later in the stage: a build step, or a dev runner at start. */
function needsDevDependencies(stage: DockerStage, run: Instruction): boolean {
  for (const ins of stage.instructions) {
    if (!ins.isAfter(run)) continue;
    const kw = ins.getKeyword();
    const args = ins.getRawArgumentsContent() ?? '';
    if (kw === 'RUN' && BUILD_STEP.test(args)) return true;
    if ((kw === 'CMD' || kw === 'ENTRYPOINT') && DEV_RUNTIME.test(args)) return true;
  }
  return false;
}

function hasLockfile(project: ProjectContext, rel: string): boolean {
  const dir = dirName(rel);
  const names = ['package-lock.json', 'npm-shrinkwrap.json'];
  const candidates = [...names.map((n) => joinRel(dir, n)), ...(dir === '' ? [] : names)];
  return firstExisting(project, candidates) !== undefined;
}

export const rule: ProjectRule = {
  kind: 'project',
  id: 'dockerfile-npm-install',
  row: 'containers',
  severity: 'info',
  description: 'Detects `RUN npm install` in a Dockerfile where `npm ci` (with `--omit=dev` in the final stage) belongs.',
  message: '`npm install` in the image does not install the lockfile exactly: use `npm ci` (`npm ci --omit=dev` in the final stage).',
  fixable: true,
  docs: {
    why:
      '`npm install` may resolve newer versions than the lockfile records and rewrites it, so the image can contain ' +
      'dependencies nobody tested or audited; in the final stage it also ships devDependencies (compilers, test tools) ' +
      'that enlarge the attack surface. `npm ci` installs exactly what package-lock.json says, or fails.',
    bad: 'FROM node:20.11.1-alpine\nWORKDIR /app\nCOPY package*.json ./\nRUN npm install\nCOPY . .\nCMD ["node", "server.js"]',
    good: 'FROM node:20.11.1-alpine\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\nUSER node\nCMD ["node", "server.js"]',
    fix:
      'Copy package.json and package-lock.json first, then `RUN npm ci --omit=dev` in the final stage (plain `npm ci` in a ' +
      'build stage that compiles or tests). Commit the lockfile; `npm ci` refuses to run without it.',
    cwe: ['CWE-1357', 'CWE-829'],
    owasp: ['A06:2021', 'A08:2021'],
  },
  appliesTo: (rel) => configKind(rel) === 'dockerfile',
  check(project) {
    return checkConfigFiles(rule, project);
  },
  checkFile(rel, text, project) {
    const { stages } = parseDockerfile(text);
    const findings: ProjectFinding[] = [];
    const lockfile = hasLockfile(project, rel);
    for (const stage of stages) {
      const final = stage.index === stages.length - 1;
      for (const run of stage.instructions) {
        if (run.getKeyword() !== 'RUN') continue;
        const span = argumentsSpan(text, run);
        if (!span) continue;
        const raw = text.slice(span.start, span.end);
        const json = raw.trimStart().startsWith('[');
        const script = json ? jsonScript(raw) : raw;
        if (script === undefined || !script.includes('npm')) continue;
        for (const command of shellCommands(script)) {
          const npm = npmInstallCommand(command);
          if (!npm || npm.kind !== 'install' || !npm.bare || npm.global || npm.lockless) continue;
          const last: ShellWord = npm.args.length > 0 ? npm.args[npm.args.length - 1] : npm.sub;
          const start = json ? span.start : span.start + npm.npm.start;
          const end = json ? span.end : span.start + last.end;
          const fixes: Fix[] = [];
          const production = npm.args.some((a) => PRODUCTION_FLAGS.has(a.value));
          const omitDev = production || (final && !needsDevDependencies(stage, run));
          const replacement = omitDev ? 'npm ci --omit=dev' : 'npm ci';
          const exact = npm.sub.start === npm.npm.end + 1 && ['install', 'i'].includes(npm.sub.value) &&
            npm.args.length <= 1 && npm.args.every((a) => PRODUCTION_FLAGS.has(a.value));
          if (!json && exact && lockfile && lockfileCopiedBefore(stage, run)) {
            fixes.push({ title: `Replace with \`${replacement}\``, edits: [{ start, end, newText: replacement }] });
          }
          const where = final ? 'in the final image' : 'in a build stage';
          const without = omitDev ? ' without devDependencies' : '';
          const message = `\`npm install\` ${where}: use \`${replacement}\` to install exactly the lockfile${without}${lockfile ? '' : ' (commit package-lock.json first)'}.`;
          findings.push(findingAt(rel, text, start, end, message, fixes));
        }
      }
    }
    return { findings, evidence: [] };
  },
};

/** `["npm", "install"]` or `["/bin/sh", "-c", "npm install"]` as a script. */
function jsonScript(raw: string): string | undefined {
  try {
    const list = JSON.parse(raw) as unknown;
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) return undefined;
    const words = list as string[];
    if (words.length >= 3 && /(^|\/)(ba|da)?sh$/.test(words[0]) && words[1] === '-c') return words[2];
    return words.join(' ');
  } catch {
    return undefined;
  }
}
