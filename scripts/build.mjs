// One esbuild script for every bundle: `--production` minifies, `--watch` rebuilds.
// The analyzer is bundled once, as dist/core.js; the extension requires it
// lazily and the scan worker requires it too, so it ships once in the .vsix.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
// `npm run bench` measures the analyzer as it ships: bundled by esbuild, not loaded through tsx.
const bench = process.argv.includes('--bench');
// `--outdir <dir>` puts the bench bundles elsewhere, so that several checkouts or people can measure at once.
const outdirAt = process.argv.indexOf('--outdir');
const benchOut = outdirAt >= 0 ? process.argv[outdirAt + 1] : 'dist';
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** Keeps `require('./core')` as a runtime require of dist/core.js. */
const sharedCore = {
  name: 'shared-core',
  setup(build) {
    build.onResolve({ filter: /^\.\/core$/ }, (args) =>
      args.importer.includes('/src/extension/') ? { path: './core.js', external: true } : undefined,
    );
  },
};

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  define: { __PREFLIGHT_VERSION__: JSON.stringify(version) },
};

const builds = bench ? [
  { ...common, entryPoints: ['scripts/bench.ts'], outfile: `${benchOut}/bench.js` },
  { ...common, entryPoints: ['scripts/rule-cost.ts'], outfile: `${benchOut}/rule-cost.js` },
] : [
  { ...common, entryPoints: ['src/cli/cli.ts'], outfile: 'dist/cli.js' },
  { ...common, entryPoints: ['src/extension/core.ts'], outfile: 'dist/core.js' },
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], plugins: [sharedCore] },
  { ...common, entryPoints: ['src/extension/worker.ts'], outfile: 'dist/worker.js', plugins: [sharedCore] },
];

// The checklist view loads codicons from media/ (its only resource root), never from a CDN.
mkdirSync('media/codicons', { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) cpSync(`node_modules/@vscode/codicons/dist/${f}`, `media/codicons/${f}`);

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
  console.log('esbuild: watching');
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
