/**
 * `npm run bench:rules [-- --rule <id>]`: each source rule's own cost on the
 * benchmark corpus, measured alone: the time spent in its create(), visitors
 * and onEnd while it is the only rule on. Shared resolution (modules, scopes,
 * flow) is charged in full to every rule that uses it, so the column adds up
 * to more than all rules together cost; the figure says what a rule would cost
 * if it were the only one, which is what to look at when making one faster.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { analyzeSource } from '../src/core/analyze';
import { DEFAULT_CONFIG } from '../src/core/config';
import { SOURCE_RULES } from '../src/core/registry';
import { projectInfo } from '../src/core/workspace';
import { generateCorpus } from './corpus';
import { instrument, sourceFiles } from './instrument';

/** The benchmark's corpus, generated if missing (`npm run bench` regenerates it). */
const CORPUS = path.join(process.cwd(), 'bench-corpus');

function main(): void {
  if (!fs.existsSync(path.join(CORPUS, 'package.json'))) generateCorpus(CORPUS, { seed: 42, files: 400 });
  const files = sourceFiles(CORPUS);
  const project = projectInfo(CORPUS, DEFAULT_CONFIG);
  const at = process.argv.indexOf('--rule');
  const only = at >= 0 ? process.argv[at + 1] : undefined;
  const chosen = only ? SOURCE_RULES.filter((r) => r.id === only || r.id.startsWith(only)) : SOURCE_RULES;
  if (chosen.length === 0) throw new Error(`no source rule "${only}"`);
  // Warm-up: every rule once over a quarter of the files, so the JIT has seen the shared code.
  for (const f of files.slice(0, files.length >> 2)) analyzeSource(f.rel, f.text, { rules: SOURCE_RULES, project });
  const spent = new Map<string, number>();
  for (const rule of chosen) {
    const rules = instrument([rule], spent);
    for (const f of files) analyzeSource(f.rel, f.text, { rules, project });
  }
  const rows = [...spent].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((a, [, t]) => a + t, 0);
  console.log(`${files.length} files; each rule alone, ms in its own code (shared caches included); ${total.toFixed(0)} ms in all`);
  for (const [id, t] of rows) console.log(`  ${id.padEnd(34)} ${t.toFixed(0).padStart(6)} ms`);
}

main();
