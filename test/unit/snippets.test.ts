import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expandBody, readSnippetSources, snippetFiles } from '../../scripts/snippets-model';
import { run, syntaxErrorCount } from '../helpers';

const ROOT = path.join(__dirname, '..', '..');

describe('snippets', () => {
  const sources = readSnippetSources(ROOT);

  it('covers the known-good blocks the extension promises', () => {
    const prefixes = sources.map((s) => s.prefix);
    for (const p of [
      'pf-session-login', 'pf-safe-fetch', 'pf-env-zod', 'pf-helmet', 'pf-cors', 'pf-rate-limit', 'pf-jwt-verify',
      'pf-refresh-rotation', 'pf-webhook-hmac', 'pf-require-role', 'pf-argon2', 'pf-cookie-options', 'pf-error-handler', 'pf-dockerfile',
    ]) {
      assert.ok(prefixes.includes(p), p);
    }
    assert.equal(new Set(prefixes).size, prefixes.length, 'unique prefixes');
  });

  for (const s of readSnippetSources(ROOT).filter((x) => x.kind === 'node')) {
    it(`${s.prefix} expands to code that parses and that Preflight has nothing to say about`, () => {
      const code = expandBody(s.body);
      assert.doesNotMatch(code, /\$\{\d|\\\$/, 'placeholders all expanded');
      for (const file of ['snippet.js', 'snippet.ts']) {
        assert.equal(syntaxErrorCount(file, code), 0, `${file} parses`);
        const result = run(code, undefined, `src/${file}`);
        assert.deepEqual(result.findings.map((f) => `${f.line}: ${f.ruleId} ${f.message}`), []);
      }
    });
  }

  it('pf-dockerfile pins its base image and runs as a non-root user', () => {
    const docker = expandBody(sources.find((s) => s.prefix === 'pf-dockerfile')!.body);
    for (const from of docker.match(/^FROM .+$/gm) ?? []) assert.match(from, /^FROM node:\d+\.\d+\.\d+-/);
    assert.match(docker, /^USER node$/m);
    assert.match(docker, /npm ci --omit=dev/);
  });

  it('the contributed .code-snippets files are generated from snippets/src (run `npm run snippets`)', () => {
    for (const [name, text] of snippetFiles(ROOT)) {
      assert.equal(fs.readFileSync(path.join(ROOT, 'snippets', name), 'utf8'), text, name);
      const parsed = JSON.parse(text) as Record<string, { prefix: string; body: string[] }>;
      for (const entry of Object.values(parsed)) assert.match(entry.prefix, /^pf-/);
    }
  });
});
