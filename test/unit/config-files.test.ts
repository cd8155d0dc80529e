import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DockerfileParser, Keyword } from 'dockerfile-ast';
import { analyzeConfigFile, configSyntaxErrors, isConfigFile } from '../../src/core/config-files';
import { configKind, npmInstallCommand, projectFinding, shellCommands } from '../../src/core/config-text';
import { DEFAULT_CONFIG } from '../../src/core/config';
import { applyFixes } from '../../src/core/fix';
import { CONFIG_FILE_RULES } from '../../src/core/registry/config-files';
import { unpinnedUse } from '../../src/core/rules/actions-unpinned';
import { unpinnedReason } from '../../src/core/rules/dockerfile-unpinned-base';
import { riskyRange } from '../../src/core/rules/package-risky-dependency-range';
import type { Finding, ProjectContext, ProjectRule } from '../../src/core/types';
import { listFiles, projectInfo } from '../../src/core/workspace';
import { FIXTURES, listDirs } from '../helpers';

/**
 * Config-file rules over small project trees in test/fixtures/projects/<rule-id>/<case>/.
 * Each case holds `expect.json`: `{ "findings": ["<file>:<line>:<column>", …], "evidence": [kinds] }`
 * (evidence optional: when present, the exact set of evidence kinds the rule emits).
 * `vulnerable-*` cases have findings, `safe-*` none. A file `<name>.after` beside `<name>`
 * is what the first fix of every finding in it must produce; the fixed text must still
 * parse, the rule must no longer fire on it, and fixing again must change nothing. A case
 * with no `.after` file must offer no fix. Each finding must also come out of the
 * single-file entry point (analyzeConfigFile) at the same place.
 */

const CASES = path.join(FIXTURES, 'projects');
const RULES = CONFIG_FILE_RULES as readonly ProjectRule[];
const CASE_EXCLUDES = ['*.after', 'expect.json'];

interface Expect {
  findings: string[];
  evidence?: string[];
}

function context(root: string, overrides: ReadonlyMap<string, string> = new Map()): ProjectContext {
  const walk = listFiles(root, CASE_EXCLUDES);
  return {
    ...projectInfo(root, DEFAULT_CONFIG),
    root,
    files: walk.files,
    isGitIgnored: walk.isGitIgnored,
    readText: (rel) => {
      const open = overrides.get(rel);
      if (open !== undefined) return open;
      try {
        return fs.readFileSync(path.join(root, rel), 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

/** What analyzeWorkspace makes of a project rule's result. */
function run(rule: ProjectRule, ctx: ProjectContext): { findings: Finding[]; evidence: string[] } {
  const r = rule.check(ctx);
  return {
    findings: r.findings.map((f) => projectFinding(rule, f, rule.severity)),
    evidence: [...new Set(r.evidence.map((e) => e.kind))].sort(),
  };
}

const where = (f: Finding): string => `${f.file}:${f.line}:${f.column}`;

function afterFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) out.push(...afterFiles(dir, rel));
    else if (e.name.endsWith('.after')) out.push(rel.slice(0, -'.after'.length));
  }
  return out;
}

/** The fixed text still parses with the file's own parser. */
function assertParses(rel: string, text: string): void {
  assert.equal(configSyntaxErrors(rel, text), 0, `${rel} no longer parses`);
  if (configKind(rel) === 'dockerfile') {
    const known = new Set<string>(Object.values(Keyword));
    const bad = DockerfileParser.parse(text).getInstructions().map((i) => i.getKeyword()).filter((k) => !known.has(k));
    assert.deepEqual(bad, [], `${rel}: unknown instructions after the fix`);
  }
}

describe('config-file rules', () => {
  it('each rule has at least 3 vulnerable and 3 safe project cases', () => {
    for (const rule of RULES) {
      const cases = listDirs(path.join(CASES, rule.id));
      assert.ok(cases.filter((c) => c.startsWith('vulnerable-')).length >= 3, `${rule.id}: vulnerable cases`);
      assert.ok(cases.filter((c) => c.startsWith('safe-')).length >= 3, `${rule.id}: safe cases`);
      assert.deepEqual(cases.filter((c) => !/^(vulnerable|safe)-/.test(c)), [], `${rule.id}: case names start with vulnerable- or safe-`);
    }
  });

  it('every rule can analyze one file alone (appliesTo + checkFile)', () => {
    for (const rule of RULES) assert.ok(rule.appliesTo && rule.checkFile, rule.id);
  });

  for (const rule of RULES) {
    describe(rule.id, () => {
      for (const name of listDirs(path.join(CASES, rule.id))) {
        const dir = path.join(CASES, rule.id, name);
        it(name, () => {
          const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expect.json'), 'utf8')) as Expect;
          const ctx = context(dir);
          const result = run(rule, ctx);
          assert.deepEqual(result.findings.map(where).sort(), [...expected.findings].sort());
          assert.equal(expected.findings.length > 0, name.startsWith('vulnerable-'), 'vulnerable cases report, safe ones do not');
          if (expected.evidence) assert.deepEqual(result.evidence, [...expected.evidence].sort(), 'evidence kinds');
          for (const f of result.findings) {
            assert.ok(f.end > f.start || f.fixes.length === 0, `${where(f)}: a fixable finding needs a range`);
            assert.ok(f.message.length > 10 && !f.message.includes('\n'), `${where(f)}: one-line message`);
          }

          // The single-file entry point agrees with the scan.
          for (const file of new Set(result.findings.map((f) => f.file))) {
            const text = ctx.readText(file)!;
            const single = analyzeConfigFile(file, text, ctx, { rules: [rule] });
            assert.deepEqual(single.findings.map(where), result.findings.filter((f) => f.file === file).map(where), `${file} alone`);
          }

          // Fixes.
          const fixed = afterFiles(dir);
          if (fixed.length === 0) {
            assert.deepEqual(result.findings.filter((f) => f.fixes.length > 0).map(where), [], 'no .after file: no fix expected');
          }
          for (const file of fixed) {
            const before = ctx.readText(file)!;
            const want = fs.readFileSync(path.join(dir, `${file}.after`), 'utf8');
            const fixes = result.findings.filter((f) => f.file === file && f.fixes.length > 0).map((f) => f.fixes[0]);
            assert.ok(fixes.length > 0, `${file}: no fix offered`);
            const after = applyFixes(before, fixes).text;
            assert.equal(after, want, `${file}: fixed text`);
            assertParses(file, after);
            const again = run(rule, context(dir, new Map([[file, after]])));
            assert.deepEqual(again.findings.filter((f) => f.file === file).map(where), [], `${file}: rule still fires after the fix`);
            const twice = applyFixes(after, again.findings.filter((f) => f.file === file && f.fixes.length > 0).map((f) => f.fixes[0])).text;
            assert.equal(twice, after, `${file}: fix is not idempotent`);
          }
        });
      }
    });
  }
});

/** A project held in memory: `files` maps relative paths to text. */
function memoryProject(files: Record<string, string>, dependencies: Record<string, string> = {}): ProjectContext {
  return {
    dependencies, rateLimiters: [], root: '/virtual', files: Object.keys(files),
    isGitIgnored: () => false,
    readText: (rel) => files[rel],
  };
}

const byId = (id: string): ProjectRule => RULES.find((r) => r.id === id)!;

describe('config-file analysis of one file', () => {
  it('analyzes an open Dockerfile with positions, messages and fixes', () => {
    const text = 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "server.js"]\n';
    const project = memoryProject({ Dockerfile: text, 'package.json': '{}', 'package-lock.json': '{}' });
    const r = analyzeConfigFile('Dockerfile', text, project, { rules: RULES });
    assert.deepEqual(r.findings.map((f) => `${f.ruleId}@${f.line}:${f.column}-${f.endLine}:${f.endColumn}`), [
      'dockerfile-root-user@1:1-1:20',
      'dockerfile-unpinned-base@1:6-1:20',
      'dockerfile-copy-all-no-dockerignore@3:1-3:9',
      'dockerfile-npm-install@4:5-4:16',
    ]);
    assert.deepEqual(r.facts.map((f) => f.kind), ['dockerfile', 'dockerfile']);
    const npm = r.findings.find((f) => f.ruleId === 'dockerfile-npm-install')!;
    assert.equal(applyFixes(text, [npm.fixes[0]]).text.split('\n')[3], 'RUN npm ci --omit=dev');
  });

  it('honours rule settings and `#` suppressions with a reason', () => {
    const text = [
      '# preflight-ignore-next-line dockerfile-unpinned-base -- the deploy pipeline pins the digest',
      'FROM node:20-alpine',
      'USER node',
      'CMD ["node", "server.js"]',
      '',
    ].join('\n');
    const project = memoryProject({ Dockerfile: text });
    assert.deepEqual(analyzeConfigFile('Dockerfile', text, project, { rules: RULES }).findings.map((f) => f.ruleId), []);
    const plain = text.split('\n').slice(1).join('\n');
    assert.deepEqual(analyzeConfigFile('Dockerfile', plain, project, { rules: RULES }).findings.map((f) => f.ruleId), ['dockerfile-unpinned-base']);
    assert.deepEqual(
      analyzeConfigFile('Dockerfile', plain, project, { rules: RULES, ruleSettings: { 'dockerfile-unpinned-base': 'off' } }).findings, [],
    );
    const yml = 'on: push\n# preflight-ignore-next-line actions-permissions -- org default is read-only\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n';
    assert.deepEqual(analyzeConfigFile('.github/workflows/a.yml', yml, memoryProject({}), { rules: RULES }).findings, []);
  });

  it('`#` suppressions expire: `until` a past day hides nothing, a future day still hides', () => {
    const body = (until: string) => [
      `# preflight-ignore-next-line dockerfile-unpinned-base -- the deploy pipeline pins the digest until ${until}`,
      'FROM node:20-alpine',
      'USER node',
      '',
    ].join('\n');
    const ids = (text: string) => analyzeConfigFile('Dockerfile', text, memoryProject({ Dockerfile: text }), { rules: RULES }).findings.map((f) => f.ruleId);
    assert.deepEqual(ids(body('2020-01-31')), ['dockerfile-unpinned-base']);
    assert.deepEqual(ids(body('2999-12-31')), []);
  });

  it('judges only config files, outside fixture trees', () => {
    assert.equal(isConfigFile('Dockerfile'), true);
    assert.equal(isConfigFile('docker/api.Dockerfile'), true);
    assert.equal(isConfigFile('Dockerfile.prod'), true);
    assert.equal(isConfigFile('Dockerfile.prod.dockerignore'), true);
    assert.equal(configKind('Dockerfile.prod.dockerignore'), 'dockerignore');
    assert.equal(isConfigFile('Dockerfile.md'), false);
    assert.equal(isConfigFile('.github/workflows/ci.yaml'), true);
    assert.equal(isConfigFile('.github/actions/setup/action.yml'), false);
    assert.equal(isConfigFile('docs/workflows/ci.yml'), false);
    assert.equal(isConfigFile('packages/api/package.json'), true);
    assert.equal(isConfigFile('src/server.ts'), false);
    assert.equal(isConfigFile('.devcontainer/Dockerfile'), false);
    const text = 'FROM node\n';
    assert.deepEqual(analyzeConfigFile('test/fixtures/bad/Dockerfile', text, memoryProject({}), { rules: RULES }).findings, []);
  });

  it('never throws on broken or odd input', () => {
    const project = memoryProject({});
    const inputs: [string, string][] = [
      ['Dockerfile', ''],
      ['Dockerfile', '# only a comment\n'],
      ['Dockerfile', 'FROM\nUSER\nENV\nARG\nCOPY\nRUN npm install \\\n'],
      ['Dockerfile', 'FROM node:20.11.1 AS a\nFROM a AS b\nFROM b AS a\nFROM a\n'],
      ['.github/workflows/ci.yml', 'on: [push\njobs: {'],
      ['.github/workflows/ci.yml', '- just\n- a list\n'],
      ['.github/workflows/ci.yml', 'on: push\njobs:\n  a:\n    steps: "not a list"\n'],
      ['package.json', '{ "name": "x", "scripts": { "postinstall": 42 }, "dependencies": { "a": null, "b": 1 } '],
      ['package.json', '[1, 2, 3]'],
      ['.dockerignore', '!\n[\n\\\n'],
      ['.gitignore', '\u0000\u0001'],
    ];
    for (const [rel, text] of inputs) {
      assert.doesNotThrow(() => analyzeConfigFile(rel, text, project, { rules: RULES }), `${rel}: ${JSON.stringify(text)}`);
    }
    assert.ok(configSyntaxErrors('.github/workflows/ci.yml', 'on: [push\njobs: {') > 0);
    assert.deepEqual(analyzeConfigFile('.github/workflows/ci.yml', 'on: [push\njobs: {', project, { rules: RULES }).findings, []);
  });

  it('asks the project for siblings, not the disk: a .dockerignore beside the Dockerfile, a lockfile beside the step', () => {
    const docker = 'FROM node:20.11.1-alpine\nCOPY . .\nUSER node\n';
    const rule = byId('dockerfile-copy-all-no-dockerignore');
    assert.equal(analyzeConfigFile('api/Dockerfile', docker, memoryProject({}), { rules: [rule] }).findings.length, 1);
    assert.equal(analyzeConfigFile('api/Dockerfile', docker, memoryProject({ 'api/.dockerignore': '.env\n' }), { rules: [rule] }).findings.length, 0);
    assert.equal(analyzeConfigFile('api/Dockerfile', docker, memoryProject({ '.dockerignore': '.env*\n' }), { rules: [rule] }).findings.length, 0);
    const wf = 'on: push\npermissions: {}\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm install\n';
    const ci = byId('actions-npm-install');
    assert.equal(analyzeConfigFile('.github/workflows/t.yml', wf, memoryProject({}), { rules: [ci] }).findings.length, 0);
    assert.equal(analyzeConfigFile('.github/workflows/t.yml', wf, memoryProject({ 'package-lock.json': '{}' }), { rules: [ci] }).findings.length, 1);
  });
});

describe('config-file helpers', () => {
  it('splits shell scripts into commands with word offsets', () => {
    const script = 'cd api && NODE_ENV=ci npm install --no-audit \\\n  && echo "a b" ; npm test # npm install\nnpm  ci';
    const cmds = shellCommands(script).map((c) => c.map((w) => w.value));
    assert.deepEqual(cmds, [['cd', 'api'], ['NODE_ENV=ci', 'npm', 'install', '--no-audit'], ['echo', 'a b'], ['npm', 'test'], ['npm', 'ci']]);
    const install = shellCommands(script)[1];
    assert.equal(script.slice(install[1].start, install[2].end), 'npm install');
  });

  it('classifies npm installs', () => {
    const kind = (s: string) => {
      const n = npmInstallCommand(shellCommands(s)[0]);
      return !n ? 'none' : n.kind === 'ci' ? 'ci' : `${n.bare ? 'bare' : 'package'}${n.global ? '-global' : ''}${n.lockless ? '-lockless' : ''}`;
    };
    assert.equal(kind('npm install'), 'bare');
    assert.equal(kind('npm i --legacy-peer-deps'), 'bare');
    assert.equal(kind('npm --prefix api install'), 'bare');
    assert.equal(kind('npm install --omit dev'), 'bare');
    assert.equal(kind('npm install express'), 'package');
    assert.equal(kind('npm install --global npm@10'), 'package-global');
    assert.equal(kind('npm i -g'), 'bare-global');
    assert.equal(kind('npm install --no-package-lock'), 'bare-lockless');
    assert.equal(kind('npm ci'), 'ci');
    assert.equal(kind('npm clean-install'), 'ci');
    assert.equal(kind('npm run install'), 'none');
    assert.equal(kind('pnpm install'), 'none');
  });

  it('tells pinned base images from moving tags', () => {
    for (const image of ['node:20.11.1', 'node:20.11.1-alpine3.19', 'node:lts@sha256:abc', 'debian:bookworm-20240110-slim', 'node@sha256:abc']) {
      assert.equal(unpinnedReason(image), undefined, image);
    }
    for (const image of ['node', 'node:latest', 'node:20', 'node:20.11', 'node:lts', 'node:20-alpine', 'node:20-alpine3.19', 'localhost:5000/node']) {
      assert.ok(unpinnedReason(image), image);
    }
  });

  it('tells pinned action references from moving ones', () => {
    const sha = 'b4ffde65f46336ab88eb53be808477a3936bae11';
    for (const uses of ['actions/checkout@v4', 'github/codeql-action/init@v3', `tj-actions/changed-files@${sha}`, './.github/actions/x', 'docker://alpine@sha256:abc', 'Actions/cache@v4']) {
      assert.equal(unpinnedUse(uses), undefined, uses);
    }
    for (const uses of ['tj-actions/changed-files@v41', 'acme/wf/.github/workflows/ci.yml@main', 'docker://alpine:3.19', `owner/repo@${sha.slice(0, 12)}`]) {
      assert.ok(unpinnedUse(uses), uses);
    }
  });

  it("trusts the repository's own organization (origin in .git/config)", () => {
    const wf = 'on: push\npermissions: {}\njobs:\n  ci:\n    uses: acme/workflows/.github/workflows/ci.yml@v6\n';
    const rule = byId('actions-unpinned');
    const lines = (files: Record<string, string>) => analyzeConfigFile('.github/workflows/a.yml', wf, memoryProject(files), { rules: [rule] }).findings.map((f) => f.line);
    assert.deepEqual(lines({}), [5]);
    assert.deepEqual(lines({ '.git/config': '[core]\n\tbare = false\n[remote "origin"]\n\turl = git@github.com:Acme/api.git\n' }), []);
    assert.deepEqual(lines({ '.git/config': '[remote "origin"]\n\turl = https://github.com/someone-else/api.git\n' }), [5]);
  });

  it('tells bounded dependency specs from risky ones', () => {
    for (const spec of ['^4.21.2', '~1.2.3', '1.2.3', '1.x', '>=1.2.0 <2', '1.0.0 - 2.0.0', 'workspace:*', 'npm:@a/b@^1.0.0', 'file:./local', 'github:a/b#4f9a2c1e0b7d6a5c3e2f1a0b9c8d7e6f5a4b3c2d']) {
      assert.equal(riskyRange(spec, ''), undefined, spec);
    }
    for (const spec of ['*', '', 'x', 'X.x', 'latest', 'next', '>=1.0.0', '>1', '^1 || >=2', 'a/b', 'github:a/b#main', 'git+ssh://git@github.com/a/b.git', 'https://x.dev/p.tgz', 'file:../outside', 'link:/abs', 'npm:b']) {
      assert.ok(riskyRange(spec, ''), spec);
    }
    assert.equal(riskyRange('file:../shared', 'packages/api'), undefined);
  });
});
