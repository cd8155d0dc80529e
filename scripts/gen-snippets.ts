// Regenerates snippets/*.code-snippets from snippets/src (`npm run snippets`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { snippetFiles } from './snippets-model';

const root = path.join(__dirname, '..');
for (const [name, text] of snippetFiles(root)) fs.writeFileSync(path.join(root, 'snippets', name), text);
console.log('snippets written');
