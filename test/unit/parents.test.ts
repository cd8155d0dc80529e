import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ts } from '../../src/core/ts';
import { bindParents, parse, parseForAnalysis, scriptKindFor } from '../../src/core/analyze';
import { descendantsInWalk, indexInWalk } from '../../src/core/ast';
import { syntheticRouterFile } from '../../scripts/corpus';
import { FIXTURES } from '../helpers';

/**
 * The analyzer parses without TypeScript's parent pass and sets the pointers itself
 * (`bindParents`). Rules climb parents everywhere, so the two trees must agree on
 * every node, the JSDoc subtrees included, and the listed order must be the order
 * a `forEachChild` walk meets the nodes (rules rely on seeing outer nodes first).
 */

interface Shape { kind: string; pos: number; end: number; parent: number }

/** Every node, JSDoc included, each with the index of its parent in the same list. */
function shapeOf(root: ts.SourceFile): Shape[] {
  const order: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    order.push(node);
    ts.forEachChild(node, visit);
    for (const doc of (node as { jsDoc?: ts.Node[] }).jsDoc ?? []) visit(doc);
  };
  visit(root);
  const index = new Map(order.map((node, i) => [node, i]));
  return order.map((node) => ({
    kind: ts.SyntaxKind[node.kind],
    pos: node.pos,
    end: node.end,
    parent: node === root ? -1 : index.get(node.parent) ?? -2,
  }));
}

function forEachChildOrder(root: ts.Node): ts.Node[] {
  const order: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    order.push(node);
    ts.forEachChild(node, visit);
  };
  visit(root);
  return order;
}

function bound(file: string, text: string): { tree: ts.SourceFile; listed: ts.Node[] } {
  const tree = parse(file, text, false);
  const walk = bindParents(tree);
  assert.equal(walk.kinds.length, walk.nodes.length, `${file}: one kind per listed node`);
  walk.nodes.forEach((n, i) => {
    if (walk.kinds[i] !== n.kind) assert.fail(`${file}: kinds[${i}] is not the kind of node ${i}`);
  });
  return { tree, listed: walk.nodes };
}

function assertSameTree(file: string, text: string): void {
  const { tree, listed } = bound(file, text);
  assert.deepEqual(shapeOf(tree), shapeOf(parse(file, text)), file);
  assert.deepEqual(listed, forEachChildOrder(tree), `${file}: listed order`);
  assertWalkOrderIndexed(file, listed);
}

/** indexInWalk bisects by `pos`: the list must be sorted by it and each node findable at its own index. */
function assertWalkOrderIndexed(file: string, listed: ts.Node[]): void {
  for (let i = 1; i < listed.length; i++) {
    if (listed[i].pos < listed[i - 1].pos) assert.fail(`${file}: node ${i} (${ts.SyntaxKind[listed[i].kind]}) starts before the one listed before it`);
  }
  for (let i = 0; i < listed.length; i++) {
    if (indexInWalk(listed, listed[i]) !== i) assert.fail(`${file}: indexInWalk misses node ${i} (${ts.SyntaxKind[listed[i].kind]})`);
  }
  const stranger = parse('other.ts', 'const x = 1;').statements[0];
  assert.equal(indexInWalk(listed, stranger), -1, 'a node of another tree is not found');
  assert.equal(descendantsInWalk(listed, stranger), undefined);
  // Each node's run holds its descendants, all but zero-width ones at its very end (an end-of-file token).
  const size = new Map<ts.Node, number>();
  const count = (n: ts.Node): number => {
    let total = 1;
    ts.forEachChild(n, (c) => void (total += count(c)));
    size.set(n, total);
    return total;
  };
  count(listed[0]);
  for (let i = 0; i < listed.length; i++) {
    const node = listed[i];
    const run = descendantsInWalk(listed, node);
    const last = i + size.get(node)!;
    const left = run ? listed.slice(run.to, last) : [];
    if (!run || run.from !== i + 1 || run.to > last || left.some((d) => d.pos !== node.end || d.end !== node.end)) {
      assert.fail(`${file}: descendantsInWalk is wrong for node ${i} (${ts.SyntaxKind[node.kind]})`);
    }
  }
}

function sourceFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFilesUnder(full));
    else if (/\.(?:[cm]?[jt]s|[jt]sx)$/.test(entry.name)) out.push(full);
  }
  return out;
}

describe('parent pointers set by the analyzer', () => {
  it('match TypeScript\'s on every fixture file, node for node', () => {
    const files = sourceFilesUnder(FIXTURES);
    assert.ok(files.length > 100, `expected the fixture suites, found ${files.length} files`);
    for (const file of files) assertSameTree(file, fs.readFileSync(file, 'utf8'));
  });

  it('match on code denser than the list is sized for (more than one node per 4 characters)', () => {
    const text = `const x = [${'a,'.repeat(6000)}];\n`;
    const { listed } = bound('src/dense.js', text);
    assert.ok(listed.length > text.length / 4 + 16, `the case must outgrow the estimate (${listed.length} nodes)`);
    assertSameTree('src/dense.js', text);
  });

  it('match on the analyzer\'s own parse, which leaves JSDoc comments unparsed', () => {
    const files = sourceFilesUnder(FIXTURES);
    let withDocs = 0;
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      if (text.includes('/**')) withDocs++;
      const tree = parseForAnalysis(file, text);
      const walk = bindParents(tree);
      const reference = ts.createSourceFile(file, text, { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, true, scriptKindFor(file));
      assert.deepEqual(shapeOf(tree), shapeOf(reference), file);
      assert.deepEqual(walk.nodes, forEachChildOrder(tree), `${file}: listed order`);
      // JSDoc aside, the same tree as the default parse: the walk meets the same kinds at the same places.
      const full = parse(file, text, false);
      assert.deepEqual(forEachChildOrder(tree).map((n) => [n.kind, n.pos, n.end]), forEachChildOrder(full).map((n) => [n.kind, n.pos, n.end]), `${file}: same walk as with JSDoc`);
    }
    assert.ok(withDocs > 0, 'some fixtures carry JSDoc');
  });

  it('match on JSDoc-heavy code, where tags have their own subtrees', () => {
    const text = [
      '/**',
      ' * Loads a user.',
      ' * @param {import("express").Request} req the request',
      ' * @param {{ id: string, roles?: string[] }} [opts]',
      ' * @returns {Promise<User | undefined>}',
      ' * @see {@link https://example.com/docs|docs}',
      ' */',
      'async function load(req, opts = {}) {',
      '  /** @type {string} */',
      '  const id = req.params.id;',
      '  return db.users.findOne({ id }); /** trailing */',
      '}',
      '/** @typedef {{ name: string }} Named */',
      'class Service { /** @deprecated */ run(/** @type {number} */ n) { return n; } }',
    ].join('\n');
    assertSameTree('src/users.js', text);
    const { tree } = bound('src/users.js', text);
    const fn = tree.statements[0] as ts.FunctionDeclaration;
    const tags = ts.getJSDocTags(fn);
    assert.ok(tags.length >= 4, 'JSDoc tags are found through the parent pointers');
    assert.equal(tags[0].parent.parent, fn);
  });

  it('match on code with syntax errors and on generated routers', () => {
    assertSameTree('src/broken.ts', 'app.get("/x", (req, res) => { res.send(req.query.q ;\n} )) const = ;\n<div>{</div>');
    assertSameTree('src/page.tsx', 'export const Page = () => <main title={`t${x}`}><Item {...props} />{list.map((i) => <li key={i}>{i}</li>)}</main>;');
    assertSameTree('src/router.ts', syntheticRouterFile(7, 40));
  });
});
