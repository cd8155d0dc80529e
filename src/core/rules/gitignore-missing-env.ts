import { appendLinesEdit, firstLineFinding, ignoreMatcher, ignores, runCheckFile } from '../config-text';
import { isEnvFile } from './env-not-gitignored';
import type { ProjectContext, ProjectRule } from '../types';

/**
 * The root .gitignore does not ignore `.env` although the project works with
 * env files (dotenv or a similar loader among the dependencies, `--env-file`
 * in a script, or a `.env.example` template): the first `.env` anyone creates
 * is one `git add -A` away from the history. When a `.env` file is already
 * there, env-not-gitignored reports it instead.
 */

const ENV_LOADERS: readonly string[] = [
  'dotenv', 'dotenv-safe', 'dotenv-flow', 'dotenv-expand', 'dotenv-cli', '@dotenvx/dotenvx', 'env-cmd', '@nestjs/config', 'dotenv-extended',
  '@fastify/env', 'fastify-env', 'prisma', '@prisma/client',
];
const ENV_TEMPLATES: readonly string[] = ['.env.example', '.env.sample', '.env.template', '.env.dist', '.env.defaults'];

/** Why we think this project uses .env files, or undefined. */
function usesEnvFiles(project: ProjectContext): string | undefined {
  const loader = ENV_LOADERS.find((d) => project.dependencies[d] !== undefined);
  if (loader) return loader;
  const template = ENV_TEMPLATES.find((t) => project.readText(t) !== undefined);
  if (template) return template;
  const pkg = project.readText('package.json');
  if (pkg !== undefined && /--env-file\b|dotenv/.test(pkg)) return 'package.json scripts';
  return undefined;
}

export const rule: ProjectRule = {
  kind: 'project',
  id: 'gitignore-missing-env',
  row: 'secrets',
  severity: 'warning',
  description: 'Detects a .gitignore that does not ignore .env in a project that uses env files.',
  message: '.gitignore does not ignore .env: the first local .env will be committed with its secrets; add `.env` and `.env.*`.',
  fixable: true,
  docs: {
    why:
      'The project loads configuration from `.env` files, but .gitignore does not exclude them. The day someone creates ' +
      'one with real credentials, a routine `git add -A` commits it, and every clone and fork keeps the secrets in history ' +
      'even after the file is deleted.',
    bad: '# .gitignore\nnode_modules/\ndist/',
    good: '# .gitignore\nnode_modules/\ndist/\n.env\n.env.*\n!.env.example',
    fix: 'Append `.env`, `.env.*` and `!.env.example` to the root .gitignore, and keep only placeholder values in the committed `.env.example`.',
    cwe: ['CWE-538', 'CWE-798'],
    owasp: ['A05:2021', 'A07:2021'],
  },
  appliesTo: (rel) => rel === '.gitignore',
  check(project) {
    if (!project.files.includes('.gitignore')) return { findings: [], evidence: [] };
    const text = project.readText('.gitignore');
    return text === undefined ? { findings: [], evidence: [] } : runCheckFile(rule, '.gitignore', text, project);
  },
  checkFile(rel, text, project) {
    if (rel !== '.gitignore') return { findings: [], evidence: [] };
    const ig = ignoreMatcher(text, false);
    if (ignores(ig, '.env')) return { findings: [], evidence: [] };
    const why = usesEnvFiles(project);
    if (!why) return { findings: [], evidence: [] };
    // A visible .env file is env-not-gitignored's finding; do not report the same gap twice.
    if (project.files.some(isEnvFile)) return { findings: [], evidence: [] };
    const lines = ['.env'];
    if (!ignores(ig, '.env.production')) lines.push('.env.*');
    if (ENV_TEMPLATES.some((t) => project.readText(t) !== undefined) || lines.includes('.env.*')) {
      if (!/^[ \t]*!\/?\.env\.example[ \t]*$/m.test(text)) lines.push('!.env.example');
    }
    const fix = { title: 'Ignore .env files', edits: [appendLinesEdit(text, lines)], preferred: true };
    return {
      findings: [firstLineFinding(rel, text, `.gitignore does not ignore .env (the project uses env files: ${why}): add ${lines.map((l) => `\`${l}\``).join(', ')}.`, [fix])],
      evidence: [],
    };
  },
};
