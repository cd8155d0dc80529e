import {
  appendLinesEdit, checkConfigFiles, configKind, dirName, evidenceAt, firstLineFinding, ignoreMatcher, ignores,
} from '../config-text';
import type { ProjectContext, ProjectRule } from '../types';

/**
 * A .dockerignore that lets `.env`, `.git` or private keys into the build
 * context. Docker does not read .gitignore, so the files git never sees are
 * exactly the ones a `COPY . .` picks up. Keys are asked for only when the
 * project shows signs of having them (key files present, or .gitignore
 * hiding `*.pem` / `*.key`). A deliberate `!.env` is respected.
 */

/** Private-key-like files: `*.pem`, `*.key`, `id_rsa`, PKCS#12 bundles. */
const KEY_FILE = /(^|\/)([^/]+\.(pem|key|p12|pfx)|id_(rsa|ecdsa|ed25519|dsa))$/i;

interface Missing {
  label: string;
  lines: string[];
}

/** The project has private keys lying around, in git or kept out of it. */
function projectHasKeys(project: ProjectContext, dir: string): boolean {
  if (project.isGitIgnored('server.key') || project.isGitIgnored('private.pem') || project.isGitIgnored('id_rsa')) return true;
  const prefix = dir === '' ? '' : dir + '/';
  return project.files.some((f) => f.startsWith(prefix) && KEY_FILE.test(f) && !/(^|\/)(test|tests|__tests__|fixtures?|spec)\//.test(f));
}

export function missingEntries(text: string, project: ProjectContext | undefined, dir: string): Missing[] {
  const ig = ignoreMatcher(text, true);
  const missing: Missing[] = [];
  const allowsEnv = /^[ \t]*!\/?(\.\/)?\.env[ \t]*$/m.test(text);
  if (!allowsEnv && !ignores(ig, '.env')) {
    missing.push({ label: '.env', lines: ignores(ig, '.env.production') ? ['.env'] : ['.env', '.env.*'] });
  }
  if (!ignores(ig, '.git', true)) missing.push({ label: '.git', lines: ['.git'] });
  if (project && projectHasKeys(project, dir)) {
    const lines: string[] = [];
    if (!ignores(ig, 'server.key')) lines.push('**/*.key');
    if (!ignores(ig, 'private.pem')) lines.push('**/*.pem');
    if (lines.length > 0) missing.push({ label: 'private keys', lines });
  }
  return missing;
}

export const rule: ProjectRule = {
  kind: 'project',
  id: 'dockerignore-missing-secrets',
  row: 'containers',
  severity: 'warning',
  description: 'Detects a .dockerignore that does not exclude .env, .git or private key files.',
  message: '.dockerignore does not exclude .env, .git or private keys: `COPY . .` puts them in the image; add them.',
  fixable: true,
  docs: {
    why:
      'Docker ignores .gitignore. Whatever .dockerignore does not exclude is sent to the builder and lands in the image on ' +
      '`COPY . .`: the local `.env` with production credentials, the `.git` folder with every secret ever committed and ' +
      'removed, and TLS or SSH private keys. Image layers are easy to extract for anyone who can pull the image.',
    bad: '# .dockerignore\nnode_modules\nnpm-debug.log',
    good: '# .dockerignore\nnode_modules\nnpm-debug.log\n.env\n.env.*\n.git\n**/*.pem\n**/*.key',
    fix:
      'Add `.env`, `.env.*`, `.git` and, when the project keeps keys, `**/*.pem` and `**/*.key` to .dockerignore (or begin it ' +
      'with `*` and re-include only what the build needs: `!src`, `!package*.json`).',
    cwe: ['CWE-538', 'CWE-200'],
    owasp: ['A05:2021'],
  },
  appliesTo: (rel) => configKind(rel) === 'dockerignore',
  check(project) {
    return checkConfigFiles(rule, project);
  },
  checkFile(rel, text, project) {
    const missing = missingEntries(text, project, dirName(rel));
    if (missing.length === 0) {
      return { findings: [], evidence: [evidenceAt('dockerignore-secrets', `${rel} excludes .env and .git`, rel, text, 0)] };
    }
    const labels = missing.map((m) => m.label);
    const lines = missing.flatMap((m) => m.lines);
    const message = `${rel} does not exclude ${labels.join(', ')}: \`COPY . .\` would put them in the image; add ${lines.map((l) => `\`${l}\``).join(', ')}.`;
    const fix = { title: `Exclude ${labels.join(', ')} from the build context`, edits: [appendLinesEdit(text, lines)] };
    return { findings: [firstLineFinding(rel, text, message, [fix])], evidence: [] };
  },
};
