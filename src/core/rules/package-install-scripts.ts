import {
  checkConfigFiles, commandProper, configKind, findingAt, jsonMember, jsonString, parseJson, shellCommands, type JsonNode,
} from '../config-text';
import type { ProjectFinding, ProjectRule } from '../types';

/**
 * Install-time scripts (`preinstall`, `install`, `postinstall`) in the
 * project's own package.json that fetch and run code (`curl … | sh`,
 * `node -e "require('https').get(…)"`), or, in a library meant to be
 * published, any install script: every consumer runs it on `npm install`,
 * which is how most npm malware executes. Well-known tools (husky,
 * patch-package, prisma generate, node-gyp …) are not reported.
 */

const INSTALL_SCRIPTS: readonly string[] = ['preinstall', 'install', 'postinstall'];

/** Commands that are routine at install time: git hooks, patches, code generation, native builds. */
const BENIGN_TOOLS: ReadonlySet<string> = new Set([
  'husky', 'is-ci', 'patch-package', 'prisma', 'node-gyp', 'node-gyp-build', 'prebuild-install', 'node-pre-gyp', 'cmake-js',
  'opencollective-postinstall', 'opencollective', 'lefthook', 'simple-git-hooks', 'only-allow', 'ngcc', 'nuxt', 'nuxi',
  'svelte-kit', 'electron-builder', 'electron-rebuild', 'ng', 'echo', 'true', ':', 'exit', 'playwright', 'cypress', 'git',
  'npx-only-allow', 'check-node-version', 'msw', 'patch-package-ci', 'pre-commit', 'yorkie', 'panda', 'astro', 'gatsby',
]);

/** Downloads: a fetch tool or inline Node code that reaches a URL. */
const FETCHER = /(^|[\s;&|(])(curl|wget|Invoke-WebRequest|Invoke-RestMethod|iwr|irm)(\s|$)/i;
const INLINE_NODE = /(^|[\s;&|(])node\s+(-e|--eval|-p|--print)\b/;
const URL = /\bhttps?:\/\//i;
const DECODE_EXEC = /base64\s+(-d|--decode)[^|]*\|\s*(ba|z|da)?sh\b|Buffer\.from\([^)]*base64[^)]*\)[\s\S]*\beval\b|\beval\s*\(\s*atob\(/i;

function toolName(words: string[]): string | undefined {
  let k = 0;
  if (words[0] === 'npx' || words[0] === 'bunx') k = 1;
  else if ((words[0] === 'pnpm' || words[0] === 'yarn') && (words[1] === 'dlx' || words[1] === 'exec')) k = 2;
  while (k < words.length && words[k].startsWith('-')) k++;
  const w = words[k];
  if (!w) return undefined;
  const at = w.indexOf('@', w.startsWith('@') ? 1 : 0);
  const name = at > 0 ? w.slice(0, at) : w;
  return name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name.slice(name.lastIndexOf('/') + 1);
}

/** Every command of the script is a well-known tool (or `npm run <other script>`, judged on its own). */
function isBenign(script: string): boolean {
  return shellCommands(script).every((cmd) => {
    const words = commandProper(cmd).map((w) => w.value);
    const name = toolName(words);
    return name !== undefined && BENIGN_TOOLS.has(name);
  });
}

function downloadsCode(script: string): boolean {
  if (DECODE_EXEC.test(script)) return true;
  if (!URL.test(script)) return false;
  return FETCHER.test(script) || INLINE_NODE.test(script) || /\|\s*(ba|z|da)?sh\b/.test(script);
}

/** Published libraries: not private, and shaped for consumers (files, exports, types, publishConfig, bin). */
function isPublishedLibrary(root: JsonNode): boolean {
  const priv = jsonMember(root, 'private')?.value;
  if (priv && ((priv.type === 'literal' && priv.value === true) || (priv.type === 'string' && priv.value === 'true'))) return false;
  if (!jsonString(jsonMember(root, 'name')?.value) || !jsonString(jsonMember(root, 'version')?.value)) return false;
  return ['files', 'exports', 'types', 'typings', 'publishConfig', 'module', 'bin'].some((k) => jsonMember(root, k) !== undefined);
}

export const rule: ProjectRule = {
  kind: 'project',
  id: 'package-install-scripts',
  row: 'supply-chain',
  severity: 'warning',
  description: 'Detects install-time scripts in package.json that download and run code, or any install script in a published library.',
  message: 'Install script runs code on every `npm install`: drop it, or make it an explicit command users run themselves.',
  fixable: false,
  docs: {
    why:
      '`preinstall`, `install` and `postinstall` run automatically, with the installing user\'s rights, on every ' +
      '`npm install` — in CI with its secrets and on every consumer\'s machine when the package is published. A script ' +
      'that downloads code at that moment runs whatever the server returns that day; install scripts are the usual ' +
      'way malicious npm packages execute, so many teams install with `--ignore-scripts`.',
    bad: '{\n  "name": "@acme/sdk",\n  "version": "1.2.0",\n  "files": ["dist"],\n  "scripts": {\n    "postinstall": "curl -fsSL https://get.acme.dev/setup.sh | sh"\n  }\n}',
    good: '{\n  "name": "@acme/sdk",\n  "version": "1.2.0",\n  "files": ["dist"],\n  "scripts": {\n    "setup": "node scripts/setup.js",\n    "prepare": "husky"\n  }\n}',
    fix:
      'Remove downloads from install scripts: vendor the file, or fetch it in an explicit, checksum-verified setup command. ' +
      'In a published library drop `postinstall` entirely (do the work at build time or lazily at first use).',
    cwe: ['CWE-829', 'CWE-494'],
    owasp: ['A08:2021'],
  },
  appliesTo: (rel) => configKind(rel) === 'package-json',
  check(project) {
    return checkConfigFiles(rule, project);
  },
  checkFile(rel, text) {
    const findings: ProjectFinding[] = [];
    const root = parseJson(text);
    const scripts = jsonMember(root, 'scripts')?.value;
    if (!root || scripts?.type !== 'object') return { findings, evidence: [] };
    let library: boolean | undefined;
    for (const m of scripts.members) {
      if (!INSTALL_SCRIPTS.includes(m.key) || m.value.type !== 'string' || m.value.value.trim() === '') continue;
      const script = m.value.value;
      if (downloadsCode(script)) {
        findings.push(findingAt(rel, text, m.value.start, m.value.end,
          `\`${m.key}\` fetches code from the network on every install: vendor it or verify a checksum, and make it an explicit step.`));
        continue;
      }
      if (isBenign(script)) continue;
      library ??= isPublishedLibrary(root);
      if (library) {
        findings.push(findingAt(rel, text, m.value.start, m.value.end,
          `\`${m.key}\` runs on every consumer's \`npm install\` of this published package: drop it or do the work at build time.`));
      }
    }
    return { findings, evidence: [] };
  },
};
