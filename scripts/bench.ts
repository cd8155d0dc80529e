/**
 * `npm run bench`: how much analysis costs on top of parsing.
 *
 *   (a) one file at a time: analyzeSource with every source rule vs parse(),
 *       p50/p99 per call by file size;
 *   (b) the whole corpus: analyzeWorkspace vs listing, reading and parsing the
 *       same files (plus analyzeWorkspace with every rule off: the engine alone);
 *   (c) peak RSS of each, in separate child processes so that peaks don't mix;
 *   (d) which rules the analysis time goes to (one instrumented pass);
 *   (e) cold runs: a fresh process each, start-up and JIT warm-up included,
 *       as a user's `preflight check` runs (for information).
 *
 * The corpus is synthetic and deterministic (scripts/corpus.ts, seeded) and is
 * written to bench-corpus/ (git-ignored). Figures only: targets are printed
 * beside the ratios, nothing fails.
 *
 * The young generation is pinned at V8's default maximum (16 MB semi-spaces, `--min-semi-space-size=16`
 * in the npm script): left to itself, V8 shrank it to about 5 MB after (a)'s alternating runs, and every
 * (b) run then promoted and re-copied the trees of the files it was analyzing (scavenges of 10-28 ms,
 * the heap growing from 94 to 290 MB), which doubled the time of both the parse-only and the analyzer
 * runs depending on when the shrink happened. A fresh `preflight check` grows its young generation
 * towards the same maximum; (e) measures such fresh processes.
 *
 * It runs the analyzer bundled the way dist/cli.js and dist/core.js ship it
 * (`node scripts/build.mjs --bench` writes dist/bench.js): loaded through tsx,
 * every cross-module read goes through an interop getter and the figures
 * would describe tsx rather than Preflight.
 *
 *   npm run bench -- [--files N] [--seed N]
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeSource, parse } from '../src/core/analyze';
import { DEFAULT_CONFIG, type PreflightConfig } from '../src/core/config';
import { RULES, SOURCE_RULES } from '../src/core/registry';
import { analyzeWorkspace, isAnalyzedSource, listFiles, projectInfo } from '../src/core/workspace';
import { generateCorpus } from './corpus';
import { instrument, sourceFiles, type SourceText } from './instrument';

const ROOT = path.resolve(__dirname, '..');
const CORPUS = path.join(ROOT, 'bench-corpus');

const TARGET_SINGLE = 1.3;
const TARGET_CORPUS = 1.5;
const TARGET_MEMORY = 1.5;

/** Timed passes after a warm-up pass over a third of the files. */
const SINGLE_PASSES = 3;
/** Timed runs per variant, interleaved, best taken: on a shared machine one run in two or three is slowed by other load. */
const CORPUS_RUNS = 4;
/**
 * Untimed rounds of every variant before them. (a) warms the per-file code up, but not the
 * workspace's (listing, project rules, config files), and V8 goes on optimizing the rules'
 * once-per-file functions (`create`, `onEnd`) for several runs after: with (b) timed straight
 * after (a), its analyze runs carried 150-250 ms of background compilation each (the CPU column
 * above the wall one), against 30-50 ms a few runs later. The editor's long-lived process sees
 * the latter; (e) measures the cold process a `preflight check` is.
 */
const CORPUS_WARMUP = 3;
/** Fresh processes per variant for (e), best taken. */
const COLD_RUNS = 3;

const BUCKETS = [
  { label: '< 200 lines', min: 0, max: 199 },
  { label: '200-999 lines', min: 200, max: 999 },
  { label: '1000+ lines', min: 1000, max: Infinity },
];

/**
 * Clears the young generation between timed runs, so that one run's garbage is not collected in the
 * next one's time. A minor collection, not a full one: a forced full collection between the
 * alternating parse and analyze runs made V8 age and drop the code of whichever workload was idle,
 * so every analyze run re-optimized the analyzer (2.5x the optimizations, 2x the deopts) and ran
 * about 1.5x slower than a real `preflight check` does. A real run sees no such collections: a
 * whole corpus run does one full collection of its own.
 */
const gc = (): void => (globalThis as { gc?: (o?: { type: 'minor' }) => void }).gc?.({ type: 'minor' });

/**
 * Process CPU time in ms (user + system, all threads, µs resolution). Unlike
 * wall time it does not count the time this process waits for a CPU, so the
 * figures hold on a busy machine; GC helper threads are counted, as they should.
 */
function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

/**
 * The main thread's CPU time in ms (Linux: the first field of its schedstat, in ns), or undefined
 * elsewhere. The analysis runs on this thread; the process figure adds V8's compiler and GC
 * helper threads, which work beside it.
 */
function mainThreadCpuNow(): number | undefined {
  try {
    return Number(fs.readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/**
 * Listing, reading and parsing every source file: the floor a workspace scan stands on. The
 * baseline is `parse()`, TypeScript's parser with its parent pass (`setParentNodes`), as a tool
 * that looks up the tree needs it; `parents: false` is the bare parser, printed for information.
 */
function parseAll(root: string, parents = true): number {
  let nodes = 0;
  for (const rel of listFiles(root, []).files) {
    if (!isAnalyzedSource(rel)) continue;
    const text = fs.readFileSync(path.join(root, rel), 'utf8');
    const sf = parse(rel, text, parents);
    nodes += sf.statements.length;
  }
  return nodes;
}

const allOff = (): PreflightConfig => ({
  ...DEFAULT_CONFIG,
  rules: Object.fromEntries(RULES.map((r) => [r.id, 'off' as const])),
});

// ---------------------------------------------------------------------------
// Child processes for (c) and (e)

type ChildMode = 'idle' | 'parse' | 'analyze';

interface ChildRun {
  /** Peak RSS in bytes. */
  rss: number;
  /** From the fork to the exit: start-up, loading the bundle, the work (cold JIT). */
  wall: number;
  /** The work alone, measured inside the child. */
  work: number;
}

function child(mode: ChildMode): void {
  const t0 = performance.now();
  if (mode === 'parse') parseAll(CORPUS);
  if (mode === 'analyze') analyzeWorkspace(CORPUS);
  process.send!({ maxRSS: process.resourceUsage().maxRSS, work: performance.now() - t0 });
}

function runChild(mode: ChildMode): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // Children run as `preflight check` does: V8's own young-generation sizing, not the pinned one.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--min-semi-space-size'));
    const cp = fork(__filename, ['--child', mode], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let got: { maxRSS: number; work: number } | undefined;
    cp.on('message', (m: { maxRSS: number; work: number }) => (got = m));
    cp.on('error', reject);
    cp.on('exit', (code) => (got !== undefined
      ? resolve({ rss: got.maxRSS * 1024, wall: performance.now() - t0, work: got.work })
      : reject(new Error(`child ${mode} exited with ${code}`))));
  });
}

// ---------------------------------------------------------------------------
// Formatting

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);
const ms = (x: number): string => (x < 1 ? x.toFixed(3) : x < 100 ? x.toFixed(2) : x.toFixed(0));
const ratio = (x: number): string => `${x.toFixed(2)}x`;
const int = (x: number): string => Math.round(x).toLocaleString('en-US');
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const verdict = (r: number, target: number): string => (r <= target ? 'within' : 'over');

function table(header: string[], rows: string[][], alignLeft = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < alignLeft ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].map((l) => '  ' + l).join('\n');
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = performance.now();
  const seed = arg('seed', 42);
  const count = arg('files', 400);
  const written = generateCorpus(CORPUS, { seed, files: count });
  const files = sourceFiles(CORPUS);
  const totalLines = files.reduce((a, f) => a + f.lines, 0);
  const project = projectInfo(CORPUS, DEFAULT_CONFIG);
  const options = { rules: SOURCE_RULES, project };

  console.log(`Preflight benchmark: ${files.length} files, ${int(totalLines)} lines (seed ${seed}, ${path.relative(ROOT, CORPUS)}/),`);
  console.log(`${SOURCE_RULES.length} source rules + ${RULES.length - SOURCE_RULES.length} project rules, node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? '?'})`);
  if (written.length !== files.length) console.log(`  note: ${written.length} written, ${files.length} listed`);
  if (!(globalThis as { gc?: unknown }).gc) console.log('  note: run with --expose-gc for steadier figures');
  if (!process.execArgv.some((a) => a.startsWith('--min-semi-space-size'))) console.log('  note: run with --min-semi-space-size=16 (as `npm run bench` does) for steadier figures');
  const load = os.loadavg()[0];
  if (load > os.cpus().length * 0.75) console.log(`  note: load average ${load.toFixed(1)} on ${os.cpus().length} CPUs: other work competes, wall figures are noisy`);

  // (a) single file ----------------------------------------------------------
  const samples = new Map<SourceText, { parse: number[]; analyze: number[] }>(files.map((f) => [f, { parse: [], analyze: [] }]));
  let findings = 0;
  for (let pass = 0; pass <= SINGLE_PASSES; pass++) {
    gc();
    // Pass 0 warms the JIT up on a third of the files; passes 1.. are timed.
    for (const f of pass === 0 ? files.filter((_, i) => i % 3 === 0) : files) {
      const s = samples.get(f)!;
      // Alternate which goes first, so neither always runs on a warm cache.
      const order = (pass + f.lines) % 2 === 0 ? ['parse', 'analyze'] : ['analyze', 'parse'];
      for (const what of order) {
        const t0 = cpuNow();
        if (what === 'parse') parse(f.rel, f.text);
        else {
          const r = analyzeSource(f.rel, f.text, options);
          if (pass === 1) findings += r.findings.length;
        }
        const dt = cpuNow() - t0;
        if (pass > 0) s[what as 'parse' | 'analyze'].push(dt);
      }
    }
  }
  const rowsA: string[][] = [];
  for (const b of BUCKETS) {
    const inBucket = files.filter((f) => f.lines >= b.min && f.lines <= b.max);
    if (inBucket.length === 0) continue;
    const p = inBucket.flatMap((f) => samples.get(f)!.parse).sort((x, y) => x - y);
    const a = inBucket.flatMap((f) => samples.get(f)!.analyze).sort((x, y) => x - y);
    const r50 = percentile(a, 50) / percentile(p, 50);
    const r99 = percentile(a, 99) / percentile(p, 99);
    rowsA.push([
      b.label, String(inBucket.length), String(p.length),
      ms(percentile(p, 50)), ms(percentile(a, 50)), ratio(r50),
      ms(percentile(p, 99)), ms(percentile(a, 99)), ratio(r99),
      verdict(Math.max(r50, r99), TARGET_SINGLE),
    ]);
  }
  // Each file once, at its median: what a save of every file would cost.
  const sumParse = files.reduce((acc, f) => acc + median(samples.get(f)!.parse), 0);
  const sumAnalyze = files.reduce((acc, f) => acc + median(samples.get(f)!.analyze), 0);
  const rSum = sumAnalyze / sumParse;
  rowsA.push(['every file once', String(files.length), '-', ms(sumParse), ms(sumAnalyze), ratio(rSum), '', '', '', verdict(rSum, TARGET_SINGLE)]);
  console.log(`\n(a) One file: analyzeSource (all source rules) vs parse(), CPU ms per call, ${SINGLE_PASSES} timed passes   target <= ${TARGET_SINGLE}x`);
  console.log(table(['file size', 'files', 'samples', 'parse p50', 'analyze p50', 'ratio', 'parse p99', 'analyze p99', 'ratio', `vs ${TARGET_SINGLE}x`], rowsA));
  console.log(`  (p50/p99 over all samples of the bucket; "every file once" sums per-file medians; ${findings} findings)`);

  // (b) whole corpus -----------------------------------------------------------
  // Warm already from (a). Wall time, and CPU time (less sensitive to other load on the machine).
  type Run = { wall: number; cpu: number; main: number | undefined };
  const runs = { bare: [] as Run[], parse: [] as Run[], engine: [] as Run[], analyze: [] as Run[] };
  let wsFiles = 0;
  let wsFindings = 0;
  for (let i = -CORPUS_WARMUP; i < CORPUS_RUNS; i++) {
    for (const what of ['bare', 'parse', 'engine', 'analyze'] as const) {
      gc();
      const m0 = mainThreadCpuNow();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      if (what === 'parse' || what === 'bare') parseAll(CORPUS, what === 'parse');
      else {
        const r = analyzeWorkspace(CORPUS, what === 'engine' ? { config: allOff() } : {});
        if (what === 'analyze') {
          wsFiles = r.files.length;
          wsFindings = r.findings.length;
        }
      }
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      const m1 = mainThreadCpuNow();
      if (i >= 0) runs[what].push({ wall, cpu: (c.user + c.system) / 1000, main: m0 !== undefined && m1 !== undefined ? m1 - m0 : undefined });
    }
  }
  const wallOf = (xs: Run[]): number => Math.min(...xs.map((r) => r.wall));
  const cpuOf = (xs: Run[]): number => Math.min(...xs.map((r) => r.cpu));
  const mainOf = (xs: Run[]): number | undefined => (xs.every((r) => r.main !== undefined) ? Math.min(...xs.map((r) => r.main!)) : undefined);
  const mainRatio = (xs: Run[]): string => {
    const m = mainOf(xs);
    const base = mainOf(runs.parse);
    return m !== undefined && base !== undefined ? ratio(m / base) : '-';
  };
  const rowsB = ([
    ['  (parse without parent pointers)', runs.bare],
    ['list + read + parse every file', runs.parse],
    ['analyzeWorkspace, every rule off', runs.engine],
    ['analyzeWorkspace, all rules', runs.analyze],
  ] as const).map(([label, xs]) => {
    const m = wallOf(xs);
    const main = mainOf(xs);
    return [
      label, ms(m), ms(cpuOf(xs)), main === undefined ? '-' : ms(main), int(files.length / (m / 1000)), (totalLines / 1000 / (m / 1000)).toFixed(1),
      ratio(m / wallOf(runs.parse)), ratio(cpuOf(xs) / cpuOf(runs.parse)), mainRatio(xs),
    ];
  });
  const corpusRatio = wallOf(runs.analyze) / wallOf(runs.parse);
  const corpusCpuRatio = cpuOf(runs.analyze) / cpuOf(runs.parse);
  console.log(`\n(b) Whole corpus: best of ${CORPUS_RUNS} runs after ${CORPUS_WARMUP} untimed ones   target <= ${TARGET_CORPUS}x`);
  console.log(table(['run', 'wall ms', 'cpu ms', 'main ms', 'files/s', 'KLOC/s', 'ratio', 'cpu ratio', 'main ratio'], rowsB));
  console.log('  (the baseline parses with parent pointers, as TypeScript sets them; the analyzer parses without, and without JSDoc nodes, and sets them itself;');
  console.log('   cpu: every thread of the process, V8\'s compiler and GC helpers included; main: the thread the work runs on, Linux only)');
  console.log(
    `  analyzeWorkspace / parse = ${ratio(corpusRatio)} wall, ${ratio(corpusCpuRatio)} cpu, ${mainRatio(runs.analyze)} main thread: ` +
      `${verdict(Math.max(corpusRatio, corpusCpuRatio), TARGET_CORPUS)} the ${TARGET_CORPUS}x target (${wsFiles} files analyzed, ${wsFindings} findings)`,
  );

  // (c) memory ---------------------------------------------------------------
  const idle = (await runChild('idle')).rss;
  const parsed = (await runChild('parse')).rss;
  const analyzed = (await runChild('analyze')).rss;
  const memRatio = analyzed / parsed;
  const netRatio = (analyzed - idle) / Math.max(1, parsed - idle);
  console.log(`\n(c) Peak RSS, each in its own child process (process.resourceUsage().maxRSS)   target <= ${TARGET_MEMORY}x`);
  console.log(table(['run', 'peak RSS MB', 'above imports MB'], [
    ['imports only (baseline)', mb(idle), '-'],
    ['list + read + parse every file', mb(parsed), mb(parsed - idle)],
    ['analyzeWorkspace, all rules', mb(analyzed), mb(analyzed - idle)],
  ]));
  console.log(`  analyze / parse peak = ${ratio(memRatio)}: ${verdict(memRatio, TARGET_MEMORY)} the ${TARGET_MEMORY}x target; above the baseline ${ratio(netRatio)}`);

  // (d) per rule ---------------------------------------------------------------
  const spent = new Map<string, number>();
  const instrumented = instrument(SOURCE_RULES, spent);
  const third = files.filter((_, i) => i % 3 === 1);
  gc();
  const t0 = performance.now();
  for (const f of third) analyzeSource(f.rel, f.text, { rules: instrumented, project });
  const total = performance.now() - t0;
  const ranked = [...spent].sort((a, b) => b[1] - a[1]);
  const inRules = ranked.reduce((a, [, v]) => a + v, 0);
  console.log(`\n(d) Time in rule code, one instrumented pass over a third of the corpus, ${third.length} files, wall (${ms(total)} ms in all, ${ms(inRules)} ms in rules;`);
  console.log('    shared module/flow caches are charged to the first rule that asks)');
  console.log(table(['rule', 'ms', 'share of pass', 'us per file'], ranked.slice(0, 15).map(([id, v]) => [
    id, ms(v), `${((v / total) * 100).toFixed(1)}%`, (v * 1000 / third.length).toFixed(1),
  ])));
  if (ranked.length > 15) console.log(`  … and ${ranked.length - 15} more rules, ${ms(ranked.slice(15).reduce((a, [, v]) => a + v, 0))} ms together`);

  // (e) cold processes -----------------------------------------------------------
  // What a user waits for: `preflight check` starts a fresh process, so start-up and a cold JIT count.
  const cold = { parse: [] as ChildRun[], analyze: [] as ChildRun[] };
  for (let i = 0; i < COLD_RUNS; i++) {
    cold.parse.push(await runChild('parse'));
    cold.analyze.push(await runChild('analyze'));
  }
  const best = (xs: ChildRun[], k: 'wall' | 'work'): number => Math.min(...xs.map((r) => r[k]));
  const coldWall = best(cold.analyze, 'wall') / best(cold.parse, 'wall');
  const coldWork = best(cold.analyze, 'work') / best(cold.parse, 'work');
  console.log(`\n(e) Cold: a fresh process per run, as \`preflight check\` runs, best of ${COLD_RUNS} (information; the targets are (a) to (c))`);
  console.log(table(['run', 'process ms', 'work ms'], [
    ['list + read + parse every file', ms(best(cold.parse, 'wall')), ms(best(cold.parse, 'work'))],
    ['analyzeWorkspace, all rules', ms(best(cold.analyze, 'wall')), ms(best(cold.analyze, 'work'))],
  ]));
  console.log(`  analyze / parse = ${ratio(coldWall)} for the whole process, ${ratio(coldWork)} for the work alone`);


  console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) child(process.argv[childAt + 1] as ChildMode);
else {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
