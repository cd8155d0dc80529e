/**
 * `npm run snapshot -- <out.json> [dir …]`: everything the analyzer says about
 * some folders, as one sorted JSON file, so that a change meant to keep
 * behaviour (a performance change, a refactoring) can be checked to keep it:
 *
 *   git stash && npm run snapshot -- /tmp/before.json && git stash pop
 *   npm run snapshot -- /tmp/after.json && diff /tmp/before.json /tmp/after.json
 *
 * Without folders it covers the benchmark corpus (generated if missing), the
 * sample apps, the project fixtures and every rule fixture folder. Each folder
 * is analyzed as a workspace with every rule on; the file lists every finding
 * (position, message, fixes with their edits, related locations,
 * fingerprint), every piece of evidence and every fact, and the skipped files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeWorkspace } from '../src/core/workspace';
import { generateCorpus } from './corpus';

const ROOT = path.resolve(__dirname, '..');

function defaultFolders(): string[] {
  const corpus = path.join(ROOT, 'bench-corpus');
  if (!fs.existsSync(path.join(corpus, 'package.json'))) generateCorpus(corpus, { seed: 42, files: 400 });
  const under = (dir: string): string[] =>
    fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(ROOT, dir, d.name));
  return [corpus, ...under('test/fixtures/apps'), ...under('test/fixtures/projects'), path.join(ROOT, 'test/fixtures/rules')];
}

const byText = (a: unknown, b: unknown): number => {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

function snapshot(dir: string): unknown {
  const r = analyzeWorkspace(dir, { timeBudgetMs: 60_000 });
  return {
    folder: path.relative(ROOT, dir) || dir,
    files: r.files.length,
    findings: r.findings.map((f) => ({ ...f })).sort(byText),
    evidence: [...r.evidence].sort(byText),
    facts: [...r.facts].sort(byText),
    skipped: [...r.skipped].sort(byText),
    notes: r.notes,
  };
}

function main(): void {
  const [out, ...dirs] = process.argv.slice(2);
  if (!out) {
    console.error('usage: npm run snapshot -- <out.json> [dir …]');
    process.exitCode = 2;
    return;
  }
  const folders = dirs.length > 0 ? dirs.map((d) => path.resolve(d)) : defaultFolders();
  const started = performance.now();
  const all = folders.map(snapshot);
  fs.writeFileSync(out, JSON.stringify(all, null, 1) + '\n');
  const findings = all.reduce((n: number, s) => n + (s as { findings: unknown[] }).findings.length, 0);
  console.log(`${out}: ${folders.length} folders, ${findings} findings (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

main();
