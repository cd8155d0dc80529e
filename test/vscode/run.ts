/**
 * The @vscode/test-electron suite: downloads VS Code and runs test/vscode/suite.ts
 * inside it with the extension loaded. Needs a machine that can download VS
 * Code, so it is not part of `npm test`; `npm run test:e2e` covers the same
 * ground in code-server where downloads are not possible.
 *
 *   npm run test:vscode
 */
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.join(__dirname, '..', '..');
  const out = path.join(root, '.vscode-test', 'suite');
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'suite.ts')],
    outfile: path.join(out, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['vscode', 'mocha'],
  });
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-vscode-'));
  fs.cpSync(path.join(root, 'test', 'fixtures', 'apps', 'vulnerable-express'), workspace, { recursive: true });
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(out, 'index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
}

main().catch((e) => {
  console.error(`test:vscode: ${(e as Error).message}`);
  process.exitCode = 1;
});
