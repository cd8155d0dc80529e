import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Snippets are written as real source files under snippets/src, so that they
 * read as code; the first line is `// <prefix>: <description>` (or `#` for
 * Dockerfiles). VS Code placeholders are written as `${1:default}`; every other
 * `$` in the code is escaped when the .code-snippets files are generated.
 */
export interface SnippetSource {
  prefix: string;
  description: string;
  body: string;
  kind: 'node' | 'dockerfile';
}

export function readSnippetSources(root: string): SnippetSource[] {
  const dir = path.join(root, 'snippets', 'src');
  return fs.readdirSync(dir).sort().map((name) => {
    const text = fs.readFileSync(path.join(dir, name), 'utf8').replace(/\r\n/g, '\n');
    const [first, ...rest] = text.split('\n');
    const m = /^(?:\/\/|#)\s*(pf-[a-z0-9-]+):\s*(.+)$/.exec(first);
    if (!m) throw new Error(`${name}: first line must be "// pf-name: description"`);
    return { prefix: m[1], description: m[2], body: rest.join('\n').replace(/\n+$/, ''), kind: name.endsWith('.dockerfile') ? 'dockerfile' : 'node' };
  });
}

/** `$` that does not start a placeholder (`$1`, `${1:…}`) is escaped. */
export function escapeBody(body: string): string {
  return body.replace(/\$(?!\{\d+[:|}]|\d)/g, '\\$');
}

/** Expands a snippet body as VS Code would with every placeholder left at its default. */
export function expandBody(body: string): string {
  let out = body;
  // Innermost placeholders first, so that nested defaults expand too.
  for (let i = 0; i < 5; i++) out = out.replace(/\$\{\d+:([^${}]*)\}/g, '$1');
  return out.replace(/\$\{\d+\|([^,|]*)[^|]*\|\}/g, '$1').replace(/\$\d+/g, '').replace(/\\\$/g, '$');
}

export function snippetFiles(root: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const kind of ['node', 'dockerfile'] as const) {
    const entries: Record<string, { prefix: string; description: string; body: string[] }> = {};
    for (const s of readSnippetSources(root).filter((x) => x.kind === kind)) {
      entries[s.description] = { prefix: s.prefix, description: s.description, body: escapeBody(s.body).split('\n') };
    }
    files.set(`${kind}.code-snippets`, JSON.stringify(entries, null, 2) + '\n');
  }
  return files;
}
