import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const BUDGET_BYTES = 5 * 1024 * 1024;

/** Entry names from a zip's central directory (a .vsix is a zip). */
function zipEntries(buf: Buffer): string[] {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'zip end record');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

describe('packaging', function () {
  this.timeout(300_000);

  it('npm run package builds a .vsix holding only what the extension needs, under 5 MB', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-vsix-')), 'preflight.vsix');
    execFileSync('node', ['scripts/build.mjs', '--production'], { cwd: ROOT, stdio: 'pipe' });
    execFileSync(process.execPath, [require.resolve('@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', out], { cwd: ROOT, stdio: 'pipe' });
    const size = fs.statSync(out).size;
    assert.ok(size < BUDGET_BYTES, `${(size / 1024 / 1024).toFixed(2)} MB`);
    const files = zipEntries(fs.readFileSync(out)).filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length)).sort();
    const allowed = [/^dist\/(extension|worker|core)\.js$/, /^media\//, /^snippets\/[a-z]+\.code-snippets$/, /^(readme|changelog)\.md$/i, /^LICENSE(\.txt)?$/, /^package\.json$/];
    const unexpected = files.filter((f) => !allowed.some((re) => re.test(f)));
    assert.deepEqual(unexpected, []);
    for (const needed of ['dist/extension.js', 'dist/worker.js', 'dist/core.js', 'package.json', 'snippets/node.code-snippets']) {
      assert.ok(files.includes(needed), needed);
    }
  });
});
