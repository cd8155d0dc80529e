// Regenerates docs/rules/<id>.md and the README rules table from the registry.
// `npm run docs`; a test fails when the committed files are out of date.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expectedDocs } from './docs-model';

const root = path.join(__dirname, '..');
const { files, readme } = expectedDocs(root);
const dir = path.join(root, 'docs', 'rules');
fs.mkdirSync(dir, { recursive: true });
for (const name of fs.readdirSync(dir)) {
  if (name.endsWith('.md') && !files.has(name)) fs.rmSync(path.join(dir, name));
}
for (const [name, text] of files) fs.writeFileSync(path.join(dir, name), text);
fs.writeFileSync(path.join(root, 'README.md'), readme);
console.log(`wrote ${files.size} rule docs and the README rules table`);
